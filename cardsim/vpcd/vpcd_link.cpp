// vsmartcard vpcd wire protocol, card side (see cardsim/vpcd_link.h).
#include "cardsim/vpcd_link.h"

#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>

namespace mynacard::sim {

namespace {

constexpr std::uint8_t kPowerOff = 0, kPowerOn = 1, kReset = 2, kGetAtr = 4;

void setFlag(int fd, int level, int opt) {
    int one = 1;
    setsockopt(fd, level, opt, &one, sizeof one);  // best effort: only latency depends on it
}

}  // namespace

VpcdLink::VpcdLink(const std::string& host, std::uint16_t port) {
    addrinfo hints{};
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    addrinfo* res = nullptr;
    const std::string service = std::to_string(port);
    int rc = getaddrinfo(host.c_str(), service.c_str(), &hints, &res);
    if (rc != 0) throw std::runtime_error("vpcd: cannot resolve " + host + ": " + gai_strerror(rc));
    int lastErrno = 0;
    for (addrinfo* ai = res; ai && fd_ < 0; ai = ai->ai_next) {
        int fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, ai->ai_protocol);
        if (fd < 0) {
            lastErrno = errno;
            continue;
        }
        if (connect(fd, ai->ai_addr, ai->ai_addrlen) == 0) {
            fd_ = fd;
        } else {
            lastErrno = errno;
            close(fd);
        }
    }
    freeaddrinfo(res);
    if (fd_ < 0)
        throw std::runtime_error("vpcd: cannot connect to " + host + ":" + service + ": " +
                                 std::strerror(lastErrno));
    // Without TCP_NODELAY vpcd's Nagle and our delayed ACK cost ~43 ms per APDU (architecture.md).
    setFlag(fd_, IPPROTO_TCP, TCP_NODELAY);
    setFlag(fd_, IPPROTO_TCP, TCP_QUICKACK);
    if (pipe2(wakePipe_, O_CLOEXEC | O_NONBLOCK) != 0) {
        close(fd_);
        fd_ = -1;
        throw std::runtime_error(std::string("vpcd: pipe: ") + std::strerror(errno));
    }
}

VpcdLink::~VpcdLink() {
    if (fd_ >= 0) close(fd_);
    for (int p : wakePipe_)
        if (p >= 0) close(p);
}

void VpcdLink::stop() {
    stopping_.store(true);
    const char c = 1;
    // write() is async-signal-safe; a full pipe already means "wake up".
    [[maybe_unused]] ssize_t n = write(wakePipe_[1], &c, 1);
}

namespace {

enum class ReadResult { Ok, Closed, Stopped };

// Reads exactly n bytes, waking up for stop(). Re-arms TCP_QUICKACK after each read, because
// Linux clears it again after some ACKs.
ReadResult readExact(int fd, int wakeFd, const std::atomic<bool>& stopping, std::uint8_t* buf,
                     std::size_t n) {
    std::size_t got = 0;
    while (got < n) {
        if (stopping.load()) return ReadResult::Stopped;
        pollfd fds[2] = {{fd, POLLIN, 0}, {wakeFd, POLLIN, 0}};
        int rc = poll(fds, 2, -1);
        if (rc < 0) {
            if (errno == EINTR) continue;
            return ReadResult::Closed;
        }
        if (fds[1].revents) return ReadResult::Stopped;
        if (!fds[0].revents) continue;
        ssize_t r = recv(fd, buf + got, n - got, 0);
        if (r < 0 && errno == EINTR) continue;
        if (r <= 0) return ReadResult::Closed;
        got += static_cast<std::size_t>(r);
        setFlag(fd, IPPROTO_TCP, TCP_QUICKACK);
    }
    return ReadResult::Ok;
}

bool writeMessage(int fd, const apdu::Bytes& payload) {
    if (payload.size() > 0xFFFF) return false;
    apdu::Bytes msg;
    msg.reserve(payload.size() + 2);
    msg.push_back(static_cast<std::uint8_t>(payload.size() >> 8));
    msg.push_back(static_cast<std::uint8_t>(payload.size()));
    msg.insert(msg.end(), payload.begin(), payload.end());
    std::size_t sent = 0;
    while (sent < msg.size()) {
        ssize_t w = send(fd, msg.data() + sent, msg.size() - sent, MSG_NOSIGNAL);
        if (w < 0 && errno == EINTR) continue;
        if (w <= 0) return false;
        sent += static_cast<std::size_t>(w);
    }
    return true;
}

}  // namespace

bool VpcdLink::serve(const Handlers& handlers) {
    for (;;) {
        std::uint8_t header[2];
        ReadResult r = readExact(fd_, wakePipe_[0], stopping_, header, 2);
        if (r != ReadResult::Ok) return r == ReadResult::Stopped;
        const std::size_t len = (std::size_t(header[0]) << 8) | header[1];
        apdu::Bytes payload(len);
        r = readExact(fd_, wakePipe_[0], stopping_, payload.data(), len);
        if (r != ReadResult::Ok) return r == ReadResult::Stopped;
        if (len == 1) {
            switch (payload[0]) {
            case kPowerOff:
                if (handlers.powerOff) handlers.powerOff();
                break;
            case kPowerOn:
                if (handlers.powerOn) handlers.powerOn();
                break;
            case kReset:
                if (handlers.reset) handlers.reset();
                break;
            case kGetAtr:
                if (!writeMessage(fd_, handlers.atr ? handlers.atr() : apdu::Bytes{})) return false;
                break;
            default:
                break;  // unknown control codes are not answered (vpcd expects no reply)
            }
            continue;
        }
        // An APDU (length 0 is never sent by vpcd; treat it like one and let the card answer).
        apdu::Bytes answer = handlers.apdu ? handlers.apdu(payload) : apdu::Bytes{0x6F, 0x00};
        if (!writeMessage(fd_, answer)) return false;
    }
}

}  // namespace mynacard::sim
