// mynacard-sim as a process, against an in-test stand-in for vpcd (the TCP side pcscd's vpcd
// driver plays): ATR, APDUs, reconnect after the reader goes away, masked trace, state file,
// clean exit on SIGTERM. No pcscd involved.
#ifdef MYNACARD_SIM_PROGRAM

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <thread>

#include "test_sim_support.h"

extern char** environ;

using namespace simtest;

namespace {

bool waitReadable(int fd, int ms) {
    pollfd p{fd, POLLIN, 0};
    return ::poll(&p, 1, ms) == 1;
}

bool readExact(int fd, std::uint8_t* buf, std::size_t n) {
    std::size_t done = 0;
    while (done < n) {
        if (!waitReadable(fd, 5000)) return false;
        ssize_t r = ::read(fd, buf + done, n - done);
        if (r <= 0) return false;
        done += static_cast<std::size_t>(r);
    }
    return true;
}

void sendMsg(int fd, const Bytes& payload) {
    Bytes m{static_cast<std::uint8_t>(payload.size() >> 8),
            static_cast<std::uint8_t>(payload.size())};
    m.insert(m.end(), payload.begin(), payload.end());
    REQUIRE(::write(fd, m.data(), m.size()) == static_cast<ssize_t>(m.size()));
}

Bytes vpcdExchange(int fd, const Bytes& payload) {
    sendMsg(fd, payload);
    std::uint8_t len[2];
    REQUIRE(readExact(fd, len, 2));
    Bytes out(static_cast<std::size_t>((len[0] << 8) | len[1]));
    REQUIRE(readExact(fd, out.data(), out.size()));
    return out;
}

int acceptWithin(int listener, int ms) {
    if (!waitReadable(listener, ms)) return -1;
    return ::accept(listener, nullptr, nullptr);
}

std::string slurp(const std::string& path) {
    std::ifstream in(path);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
}

}  // namespace

TEST_CASE("mynacard-sim serves vpcd, reconnects, masks its trace and exits 0 on SIGTERM",
          "[cardsim][program]") {
    int listener = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    REQUIRE(listener >= 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    REQUIRE(::bind(listener, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
    REQUIRE(::listen(listener, 1) == 0);
    socklen_t alen = sizeof addr;
    REQUIRE(::getsockname(listener, reinterpret_cast<sockaddr*>(&addr), &alen) == 0);
    const std::string vpcd = "127.0.0.1:" + std::to_string(ntohs(addr.sin_port));

    char dirTemplate[] = "/tmp/mynacard-simprog-XXXXXX";
    REQUIRE(::mkdtemp(dirTemplate) != nullptr);
    const std::string dir = dirTemplate, trace = dir + "/trace.log", state = dir + "/state.json";

    std::vector<std::string> args{
        MYNACARD_SIM_PROGRAM, "--vpcd", vpcd, "--trace", trace, "--state", state};
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    pid_t pid = 0;
    REQUIRE(::posix_spawn(&pid, argv[0], nullptr, nullptr, argv.data(), environ) == 0);

    int fd = acceptWithin(listener, 10000);
    REQUIRE(fd >= 0);
    sendMsg(fd, {0x01});  // power on: no answer
    CHECK(vpcdExchange(fd, {0x04}) == hex("3BE000FF8131FE4514"));
    CHECK(vpcdExchange(fd, hex("00A4040C0AD392F000260100000001")) == hex("9000"));
    CHECK(vpcdExchange(fd, hex("00A4020C020018")) == hex("9000"));
    CHECK(vpcdExchange(fd, hex("002000800430303030")) == hex("63C2"));
    ::close(fd);  // pcscd went away

    fd = acceptWithin(listener, 5000);  // the simulator comes back by itself
    REQUIRE(fd >= 0);
    sendMsg(fd, {0x01});
    CHECK(vpcdExchange(fd, hex("00A4020C020018")) == hex("6A82"));  // power cycle: no AP selected
    CHECK(vpcdExchange(fd, hex("00A4040C0AD392F000260100000001")) == hex("9000"));
    CHECK(vpcdExchange(fd, hex("00A4020C020018")) == hex("9000"));
    CHECK(vpcdExchange(fd, hex("00200080")) == hex("63C2"));  // the counter survived
    sendMsg(fd, {0x02});                                      // reset
    CHECK(vpcdExchange(fd, hex("00A4020C020018")) == hex("6A82"));

    REQUIRE(::kill(pid, SIGTERM) == 0);
    int status = -1;
    for (int i = 0; i < 300 && ::waitpid(pid, &status, WNOHANG) == 0; ++i)
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    CHECK(WIFEXITED(status));
    CHECK(WEXITSTATUS(status) == 0);
    ::close(fd);
    ::close(listener);

    const std::string log = slurp(trace);
    CHECK(log.find("> 00 20 00 80 04 XX XX XX XX") != std::string::npos);
    CHECK(log.find("30 30 30 30") == std::string::npos);
    CHECK(log.find("< 63 C2") != std::string::npos);
    CHECK(slurp(state).find("\"jpki/0018\": {\n      \"tries\": 2") != std::string::npos);
    std::remove(trace.c_str());
    std::remove(state.c_str());
    ::rmdir(dir.c_str());
}

namespace {

int runProgram(std::vector<std::string> args) {
    args.insert(args.begin(), MYNACARD_SIM_PROGRAM);
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    pid_t pid = 0;
    if (::posix_spawn(&pid, argv[0], nullptr, nullptr, argv.data(), environ) != 0) return -1;
    int status = 0;
    ::waitpid(pid, &status, 0);
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

}  // namespace

TEST_CASE("mynacard-sim --export-anchors writes the trust anchors; bad options fail cleanly",
          "[cardsim][program]") {
    char dirTemplate[] = "/tmp/mynacard-simprog-XXXXXX";
    REQUIRE(::mkdtemp(dirTemplate) != nullptr);
    const std::string dir = dirTemplate, anchors = dir + "/anchors.pem", bad = dir + "/bad.json";
    CHECK(runProgram({"--export-anchors", anchors}) == 0);
    const std::string pem = slurp(anchors);
    CHECK(pem.find("-----BEGIN ") != std::string::npos);
    CHECK(pem == mynacard::sim::buildCardData(mynacard::sim::defaultProfile()).trustAnchorsPem);
    {
        std::ofstream out(bad);
        out << "{ \"holder\": { \"my_number\": \"123456789019\" } }";  // wrong check digit
    }
    CHECK(runProgram({"--profile", bad, "--export-anchors", anchors + ".2"}) == 1);
    CHECK(runProgram({"--profile", dir + "/missing.json"}) == 1);
    CHECK(runProgram({"--vpcd", "no-port"}) == 2);
    CHECK(runProgram({"--latency-ms", "-5"}) != 0);
    std::remove(anchors.c_str());
    std::remove(bad.c_str());
    ::rmdir(dir.c_str());
}

#endif  // MYNACARD_SIM_PROGRAM
