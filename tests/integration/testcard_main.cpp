// mynacard-testcard: the tiny test card as a program, for the isolation test's decoy and for
// scripts/demo until the simulator exists. Accepts the simulator's options (spec: issue 3), so it
// can stand in for it via MYNACARD_SIM:
//   mynacard-testcard --vpcd HOST:PORT [--count-file F] [--profile F] [--latency-ms N]
//                     [--trace F] [--state F]
// --count-file F: rewritten with the number of APDUs seen after every APDU (starts at 0).
#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <string>
#include <thread>

#include "cardsim/vpcd_link.h"
#include "test_card.h"

namespace {

std::atomic<mynacard::sim::VpcdLink*> g_link{nullptr};
volatile std::sig_atomic_t g_stop = 0;

void onSignal(int) {
    g_stop = 1;
    if (auto* l = g_link.load()) l->stop();
}

void writeCount(const std::string& file, unsigned n) {
    if (file.empty()) return;
    const std::string tmp = file + ".tmp";
    {
        std::ofstream out(tmp, std::ios::trunc);
        out << n << "\n";
    }
    std::rename(tmp.c_str(), file.c_str());  // readers never see a half-written file
}

}  // namespace

int main(int argc, char** argv) {
    std::string host, countFile;
    int port = -1;
    for (int i = 1; i < argc; ++i) {
        std::string a = argv[i];
        auto value = [&]() -> std::string {
            if (i + 1 >= argc) {
                std::fprintf(stderr, "mynacard-testcard: %s needs a value\n", a.c_str());
                std::exit(2);
            }
            return argv[++i];
        };
        if (a == "--vpcd") {
            std::string v = value();
            auto colon = v.rfind(':');
            if (colon == std::string::npos) return 2;
            host = v.substr(0, colon);
            port = std::atoi(v.c_str() + colon + 1);
        } else if (a == "--count-file") {
            countFile = value();
        } else if (a == "--profile" || a == "--latency-ms" || a == "--trace" || a == "--state" ||
                   a == "--sign-ms") {
            value();  // accepted for CLI compatibility with mynacard-sim, ignored
        } else {
            std::fprintf(stderr, "usage: mynacard-testcard --vpcd HOST:PORT [--count-file F]\n");
            return 2;
        }
    }
    if (host.empty() || port <= 0 || port > 65535) {
        std::fprintf(stderr, "usage: mynacard-testcard --vpcd HOST:PORT [--count-file F]\n");
        return 2;
    }
    std::signal(SIGTERM, onSignal);
    std::signal(SIGINT, onSignal);

    unsigned count = 0;
    writeCount(countFile, count);
    mynacard::sim::VpcdLink::Handlers h;
    h.atr = [] { return mynacard::test::TestCard::defaultAtr(); };
    h.apdu = [&](const mynacard::apdu::Bytes& c) {
        writeCount(countFile, ++count);
        return mynacard::test::TestCard::answer(c);
    };
    // Reconnect is the caller's loop (vpcd_link.h): retry while vpcd is not there yet or restarts.
    int failures = 0;
    while (!g_stop) {
        try {
            mynacard::sim::VpcdLink link(host, static_cast<std::uint16_t>(port));
            failures = 0;
            g_link.store(&link);
            if (g_stop) link.stop();
            bool stopped = link.serve(h);
            g_link.store(nullptr);
            if (stopped) break;
        } catch (const std::exception& e) {
            if (++failures > 100) {
                std::fprintf(stderr, "mynacard-testcard: %s\n", e.what());
                return 1;
            }
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    return 0;
}
