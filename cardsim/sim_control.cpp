// Fault controls of mynacard-sim (see cardsim/sim_control.h).
#include "cardsim/sim_control.h"

#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <sstream>
#include <stdexcept>

namespace mynacard::sim {

namespace {

const char* const kGarbageNames[] = {"off", "truncate", "bad-sw", "endless-61", "long"};

// Counts an armed countdown down; true when it reaches zero on this call.
bool fires(std::atomic<long>& countdown) {
    long v = countdown.load();
    while (v > 0) {
        if (countdown.compare_exchange_weak(v, v - 1)) return v == 1;
    }
    return false;
}

bool parseCount(std::istringstream& in, long& n) {
    if (!(in >> n) || n < 1 || n > 1000000) return false;
    std::string extra;
    return !(in >> extra);
}

}  // namespace

bool parseGarbageMode(const std::string& name, GarbageMode& mode) {
    for (int i = 0; i < 5; ++i) {
        if (name == kGarbageNames[i]) {
            mode = static_cast<GarbageMode>(i);
            return true;
        }
    }
    return false;
}

const char* garbageModeName(GarbageMode mode) { return kGarbageNames[static_cast<int>(mode)]; }

SimControl::SimControl(SimCard& card, std::function<void()> dropLink)
    : card_(card), dropLink_(std::move(dropLink)) {}

SimControl::~SimControl() {
    stopping_.store(true);
    if (thread_.joinable()) thread_.join();
    if (listenFd_ >= 0) {
        close(listenFd_);
        unlink(path_.c_str());
    }
}

void SimControl::listen(const std::string& path) {
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    if (path.empty() || path.size() >= sizeof addr.sun_path)
        throw std::runtime_error("control socket path empty or too long: " + path);
    std::memcpy(addr.sun_path, path.c_str(), path.size() + 1);
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) throw std::runtime_error(std::string("control socket: ") + std::strerror(errno));
    unlink(path.c_str());  // a stale socket from a killed run
    if (bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 || ::listen(fd, 4) != 0) {
        const int e = errno;
        close(fd);
        throw std::runtime_error("control socket " + path + ": " + std::strerror(e));
    }
    listenFd_ = fd;
    path_ = path;
    thread_ = std::thread([this] { serveLoop(); });
}

// One client at a time is plenty for tests; poll with a timeout so the destructor can stop us.
void SimControl::serveLoop() {
    while (!stopping_.load()) {
        pollfd p{listenFd_, POLLIN, 0};
        if (poll(&p, 1, 100) <= 0) continue;
        int client = accept4(listenFd_, nullptr, nullptr, SOCK_CLOEXEC);
        if (client < 0) continue;
        std::string buffer;
        char chunk[256];
        while (!stopping_.load()) {
            pollfd c{client, POLLIN, 0};
            const int rc = poll(&c, 1, 100);
            if (rc == 0) continue;
            if (rc < 0 && errno == EINTR) continue;
            const ssize_t n = rc < 0 ? -1 : read(client, chunk, sizeof chunk);
            if (n <= 0) break;
            buffer.append(chunk, static_cast<std::size_t>(n));
            if (buffer.size() > 4096) break;  // not a command stream: hang up
            std::size_t nl;
            while ((nl = buffer.find('\n')) != std::string::npos) {
                std::string line = buffer.substr(0, nl);
                buffer.erase(0, nl + 1);
                if (!line.empty() && line.back() == '\r') line.pop_back();
                const std::string reply = handle(line) + "\n";
                if (send(client, reply.data(), reply.size(), MSG_NOSIGNAL) < 0) break;
            }
        }
        close(client);
    }
}

std::string SimControl::handle(const std::string& line) {
    std::istringstream in(line);
    std::string cmd;
    in >> cmd;
    std::string rest;
    if (cmd == "status") {
        std::ostringstream out;
        out << "ok present=" << (removed_.load() ? 0 : 1) << " apdus=" << apdus_.load()
            << " signatures=" << card_.signatureCount()
            << " auth-tries=" << card_.triesLeft(AppletId::Jpki, 0x0018)
            << " sign-tries=" << card_.triesLeft(AppletId::Jpki, 0x001B)
            << " garbage=" << garbageModeName(static_cast<GarbageMode>(garbage_.load()));
        return out.str();
    }
    if (cmd == "remove" && !(in >> rest)) {
        removed_.store(true);
        removeCountdown_.store(0);
        removeIns_.store(-1);
        if (dropLink_) dropLink_();
        return "ok removed";
    }
    if (cmd == "insert" && !(in >> rest)) {
        removed_.store(false);
        return "ok inserted";
    }
    if (cmd == "reset" && !(in >> rest)) {
        card_.reset();
        return "ok reset";
    }
    long n = 0;
    if (cmd == "remove-on") {
        std::string insHex;
        unsigned long ins = 0;
        try {
            if (!(in >> insHex) || insHex.size() > 2) throw std::invalid_argument("ins");
            ins = std::stoul(insHex, nullptr, 16);
        } catch (const std::exception&) {
            return "error remove-on wants INS (hex) [N]";
        }
        n = 1;
        if (!in.eof() && (in >> std::ws, !in.eof()) && !parseCount(in, n))
            return "error remove-on wants INS (hex) [N]";
        removeInsCountdown_.store(n);
        removeIns_.store(static_cast<int>(ins));
        return "ok remove-on " + insHex + " " + std::to_string(n);
    }
    if (cmd == "remove-after" || cmd == "reset-after") {
        if (!parseCount(in, n)) return "error " + cmd + " wants a count 1..1000000";
        (cmd == "remove-after" ? removeCountdown_ : resetCountdown_).store(n);
        return "ok " + cmd + " " + std::to_string(n);
    }
    if (cmd == "garbage") {
        GarbageMode mode;
        if (!(in >> rest) || !parseGarbageMode(rest, mode))
            return "error garbage wants off|truncate|bad-sw|endless-61|long";
        garbage_.store(static_cast<int>(mode));
        return std::string("ok garbage ") + garbageModeName(mode);
    }
    return "error unknown command (status, remove, insert, remove-after N, remove-on INS [N], "
           "reset, reset-after N, garbage MODE)";
}

FaultAction SimControl::beforeApdu(const apdu::Bytes& command) {
    apdus_.fetch_add(1);
    if (fires(resetCountdown_)) card_.reset();
    const int ins = removeIns_.load();
    // A VERIFY without data only reads the counter (spec §5.2): "removed during a VERIFY" means
    // one carrying a PIN, so empty ones do not count.
    const bool insMatches = ins >= 0 && command.size() >= 4 && command[1] == ins &&
                            !(ins == 0x20 && command.size() <= 5);
    bool drop = fires(removeCountdown_);
    if (insMatches && fires(removeInsCountdown_)) {
        removeIns_.store(-1);
        drop = true;
    }
    if (drop) {
        removed_.store(true);
        return FaultAction::DropLink;
    }
    return FaultAction::Serve;
}

apdu::Bytes SimControl::mangle(apdu::Bytes response) const {
    switch (static_cast<GarbageMode>(garbage_.load())) {
    case GarbageMode::Off:
        return response;
    case GarbageMode::Truncate: {
        if (response.size() <= 2) return response;
        const std::size_t data = response.size() - 2;
        response.erase(response.begin() + static_cast<std::ptrdiff_t>(data / 2),
                       response.end() - 2);
        return response;
    }
    case GarbageMode::BadSw:
        return {0x6F, 0x00};
    case GarbageMode::Endless61: {
        apdu::Bytes r(16, 0xA5);
        r.push_back(0x61);
        r.push_back(0x10);
        return r;
    }
    case GarbageMode::Long: {
        apdu::Bytes r(300, 0x5A);
        r.push_back(0x90);
        r.push_back(0x00);
        return r;
    }
    }
    return response;
}

}  // namespace mynacard::sim
