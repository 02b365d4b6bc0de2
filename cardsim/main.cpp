// mynacard-sim: serves the simulated My Number Card to a vsmartcard vpcd reader (inside pcscd).
// It keeps serving across vpcd power-off/reset and reconnects (every 100 ms) when pcscd goes away;
// SIGTERM/SIGINT end it cleanly with exit status 0. With --control SOCKET a test can pull the card
// out, reset it or make it answer garbage (cardsim/sim_control.h, docs/reliability.md).
#include <CLI/CLI.hpp>
#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <memory>
#include <mutex>
#include <thread>

#include "cardsim/card_data.h"
#include "cardsim/profile.h"
#include "cardsim/sim_card.h"
#include "cardsim/sim_control.h"
#include "cardsim/trace_log.h"
#include "cardsim/vpcd_link.h"

using namespace mynacard::sim;
using mynacard::apdu::Bytes;

namespace {

std::atomic<bool> g_stop{false};
std::atomic<VpcdLink*> g_link{nullptr};

extern "C" void onSignal(int) {
    g_stop.store(true);
    if (VpcdLink* link = g_link.load()) link->stop();  // VpcdLink::stop is signal-safe
}

void installSignals() {
    struct sigaction sa {};
    sa.sa_handler = onSignal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGTERM, &sa, nullptr);
    sigaction(SIGINT, &sa, nullptr);
    std::signal(SIGPIPE, SIG_IGN);  // a vanished pcscd must not kill us mid-write
}

bool parseHostPort(const std::string& spec, std::string& host, std::uint16_t& port) {
    const auto colon = spec.rfind(':');
    if (colon == std::string::npos || colon == 0) return false;
    host = spec.substr(0, colon);
    try {
        const unsigned long p = std::stoul(spec.substr(colon + 1));
        if (p == 0 || p > 65535) return false;
        port = static_cast<std::uint16_t>(p);
    } catch (const std::exception&) {
        return false;
    }
    return true;
}

// Thrown by the APDU handler when a `remove-after` fault fires: it unwinds VpcdLink::serve (which
// only holds RAII locals) so the link closes without an answer, as when a card is pulled mid-APDU.
struct CardPulled {};

void sleepUnlessStopped(std::chrono::milliseconds ms) {
    const auto until = std::chrono::steady_clock::now() + ms;
    while (!g_stop.load() && std::chrono::steady_clock::now() < until)
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
}

}  // namespace

int main(int argc, char** argv) {
    CLI::App app{"mynacard-sim: a simulated My Number Card behind a vsmartcard vpcd reader"};
    std::string vpcd = "127.0.0.1:35963", profilePath, statePath, tracePath, anchorsPath;
    int latencyMs = 0, signMs = 0;
    bool printProfile = false;
    std::string controlPath;
    app.add_option("--vpcd", vpcd, "vpcd reader address HOST:PORT")->capture_default_str();
    app.add_option("--profile", profilePath, "card profile (JSON); default: the embedded profile");
    app.add_option("--state", statePath, "state file keeping retry counters and changed PINs");
    app.add_option("--trace", tracePath, "append every APDU and response (secrets masked)");
    app.add_option("--latency-ms", latencyMs, "delay per APDU (contact ~5, contactless ~20)")
        ->check(CLI::Range(0, 60000));
    app.add_option("--sign-ms", signMs, "extra delay per COMPUTE DIGITAL SIGNATURE")
        ->check(CLI::Range(0, 60000));
    app.add_option("--export-anchors", anchorsPath,
                   "write the simulator's trust anchors (PEM) and exit");
    app.add_flag("--print-profile", printProfile,
                 "print the effective holder data and variants, then exit");
    app.add_option("--control", controlPath,
                   "UNIX socket for fault controls, one command per line: status, remove, "
                   "insert, remove-after N, remove-on INS [N], reset, reset-after N, garbage "
                   "off|truncate|bad-sw|endless-61|long (docs/reliability.md)");
    CLI11_PARSE(app, argc, argv);

    std::string host;
    std::uint16_t port = 0;
    if (!parseHostPort(vpcd, host, port)) {
        std::cerr << "mynacard-sim: --vpcd wants HOST:PORT, got '" << vpcd << "'\n";
        return 2;
    }

    std::unique_ptr<SimCard> card;
    try {
        Profile profile = profilePath.empty() ? defaultProfile() : loadProfile(profilePath);
        if (printProfile) {
            const auto& v = profile.variants;
            std::cout << "name: " << profile.name << "\naddress: " << profile.address
                      << "\nbirth_date: " << profile.birthDate << "\nsex: " << profile.sex
                      << "\nexpiry: " << profile.expiry << "\nserial: " << profile.serial
                      << "\nmunicipality: " << profile.municipality << "\ntoken: " << v.token
                      << "\nvariants: emptyVerifyAfterSuccessOk=" << v.emptyVerifyAfterSuccessOk
                      << " blockedAnswers6983=" << v.blockedAnswers6983
                      << " rejectExtended=" << v.rejectExtended
                      << " maxReadBinary=" << v.maxReadBinary << " t0Style=" << v.t0Style
                      << " reselectKeepsState=" << v.reselectKeepsState
                      << " noSignatureCertificate=" << v.noSignatureCertificate << "\n";
            return 0;
        }
        card = std::make_unique<SimCard>(std::move(profile), statePath);
        if (!anchorsPath.empty()) {
            std::ofstream out(anchorsPath, std::ios::binary | std::ios::trunc);
            out << card->data().trustAnchorsPem;
            out.close();
            if (!out) {
                std::cerr << "mynacard-sim: cannot write " << anchorsPath << "\n";
                return 1;
            }
            return 0;
        }
    } catch (const std::exception& e) {
        std::cerr << "mynacard-sim: " << e.what() << "\n";
        return 1;
    }

    std::unique_ptr<std::ofstream> trace;
    if (!tracePath.empty()) {
        trace = std::make_unique<std::ofstream>(tracePath, std::ios::app);
        if (!*trace) {
            std::cerr << "mynacard-sim: cannot open trace file " << tracePath << "\n";
            return 1;
        }
    }

    installSignals();
    // The link in service, for the control thread (g_link is for the signal handler only).
    std::mutex linkMutex;
    VpcdLink* currentLink = nullptr;
    std::unique_ptr<SimControl> control;
    if (!controlPath.empty()) {
        control = std::make_unique<SimControl>(*card, [&] {
            std::lock_guard<std::mutex> lock(linkMutex);
            if (currentLink) currentLink->stop();
        });
        try {
            control->listen(controlPath);
        } catch (const std::exception& e) {
            std::cerr << "mynacard-sim: " << e.what() << "\n";
            return 1;
        }
    }
    std::string lastStateError;
    VpcdLink::Handlers handlers;
    auto note = [&](const char* event) {
        if (trace) *trace << "# " << event << std::endl;
    };
    handlers.powerOff = [&] {
        note("power off");
        card->powerOff();
    };
    handlers.powerOn = [&] {
        note("power on");
        card->powerOn();
    };
    handlers.reset = [&] {
        note("reset");
        card->reset();
    };
    handlers.atr = [&] { return card->atr(); };
    handlers.apdu = [&](const Bytes& command) -> Bytes {
        if (control && control->beforeApdu(command) == FaultAction::DropLink) {
            note("fault: card pulled out before answering");
            if (trace) *trace << traceCommand(command) << std::endl;
            throw CardPulled{};
        }
        if (latencyMs > 0) std::this_thread::sleep_for(std::chrono::milliseconds(latencyMs));
        const std::size_t signaturesBefore = card->signatureCount();
        Bytes response = card->process(command);
        if (control) response = control->mangle(std::move(response));
        if (signMs > 0 && card->signatureCount() != signaturesBefore)
            std::this_thread::sleep_for(std::chrono::milliseconds(signMs));
        if (trace) {
            *trace << traceCommand(command) << "\n" << traceResponse(response) << std::endl;
        }
        if (card->lastStateError() != lastStateError) {
            lastStateError = card->lastStateError();
            if (!lastStateError.empty()) std::cerr << "mynacard-sim: " << lastStateError << "\n";
        }
        return response;
    };

    bool announcedWait = false;
    bool announcedRemoved = false;
    while (!g_stop.load()) {
        if (control && control->removed()) {  // pulled out: stay away from vpcd until `insert`
            if (!announcedRemoved) note("removed");
            announcedRemoved = true;
            sleepUnlessStopped(std::chrono::milliseconds(20));
            continue;
        }
        announcedRemoved = false;
        std::unique_ptr<VpcdLink> link;
        try {
            link = std::make_unique<VpcdLink>(host, port);
        } catch (const std::exception& e) {
            if (!announcedWait) {
                std::cerr << "mynacard-sim: waiting for vpcd at " << vpcd << " (" << e.what()
                          << ")\n";
                announcedWait = true;
            }
            sleepUnlessStopped(std::chrono::milliseconds(100));
            continue;
        }
        announcedWait = false;
        std::cerr << "mynacard-sim: connected to vpcd at " << vpcd << "\n";
        note("connected");
        card->powerOn();  // a new connection is a card insertion
        g_link.store(link.get());
        if (g_stop.load()) link->stop();  // a signal that arrived before the store
        {
            std::lock_guard<std::mutex> lock(linkMutex);
            currentLink = link.get();
            if (control && control->removed()) link->stop();  // `remove` raced the connect
        }
        bool stopped = false;
        try {
            stopped = link->serve(handlers);
        } catch (const CardPulled&) {
            std::cerr << "mynacard-sim: fault: card pulled out mid-APDU\n";
        } catch (const std::exception& e) {
            std::cerr << "mynacard-sim: connection error: " << e.what() << "\n";
        }
        g_link.store(nullptr);
        {
            std::lock_guard<std::mutex> lock(linkMutex);
            currentLink = nullptr;
        }
        link.reset();
        card->powerOff();  // the reader is gone: the card loses power
        if (g_stop.load() || (stopped && !(control && control->removed()))) break;
        sleepUnlessStopped(std::chrono::milliseconds(100));
    }
    std::cerr << "mynacard-sim: stopped\n";
    return 0;
}
