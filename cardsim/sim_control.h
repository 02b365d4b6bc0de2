// Fault controls for `mynacard-sim --control SOCKET` (issue 8): a test removes / re-inserts the
// card, resets it behind the host's back, or makes it answer garbage while the simulator serves a
// real pcscd (scripts/with-sim). The control is a UNIX stream socket; each line is one command,
// answered with one line ("ok ..." or "error ..."), so a test knows the command is in force before
// it goes on. Commands (documented in docs/reliability.md):
//
//   status              "ok present=1 apdus=N signatures=N auth-tries=T sign-tries=T garbage=MODE"
//   remove              drop the vpcd connection (= card pulled out) and stay out until `insert`
//   insert              reconnect (= card inserted; powered on, empty security state)
//   remove-after N      the N-th APDU from now (1 = the next) is neither processed nor answered:
//                       the card is pulled out at that moment ("removed in the middle of ...")
//   remove-on INS [N]   the same for the N-th (default 1st) APDU with instruction byte INS (hex);
//                       for 20 (VERIFY) only VERIFYs carrying a PIN count, not empty ones
//   reset               warm-reset the card silently (security state lost, counters kept), as if
//                       another application reset it without the host being told
//   reset-after N       the same, just before the N-th APDU from now is processed
//   garbage MODE        every response from now on: off | truncate (data cut to half, SW kept) |
//                       bad-sw (SW 6F00, no data) | endless-61 (16 bytes + 61 10, also to GET
//                       RESPONSE, forever) | long (300 junk bytes + 9000, whatever Le asked)
//
// The simulator counts and tries come from SimCard (thread-safe), so reading them never sends an
// APDU: a PIN counter read through `status` cannot itself change anything.
#pragma once

#include <atomic>
#include <cstddef>
#include <functional>
#include <mutex>
#include <string>
#include <thread>

#include "apdu/bytes.h"
#include "cardsim/sim_card.h"

namespace mynacard::sim {

enum class GarbageMode { Off, Truncate, BadSw, Endless61, Long };

// What the APDU handler must do with the command in hand.
enum class FaultAction { Serve, DropLink };

class SimControl {
  public:
    // `dropLink` is called (from the control thread) to pull the card out now; it must be safe to
    // call while the main thread serves APDUs (VpcdLink::stop is).
    SimControl(SimCard& card, std::function<void()> dropLink);
    ~SimControl();
    SimControl(const SimControl&) = delete;
    SimControl& operator=(const SimControl&) = delete;

    // Listens on `path` (an existing socket file is replaced) and serves commands on a thread.
    // Throws std::runtime_error when the socket cannot be created.
    void listen(const std::string& path);

    // One command line → one reply line (without newline). Public so unit tests need no socket.
    std::string handle(const std::string& line);

    // True while the card is pulled out (the main loop must not reconnect to vpcd).
    bool removed() const { return removed_.load(); }
    // Called by the APDU handler before processing each command.
    FaultAction beforeApdu(const apdu::Bytes& command);
    // Called by the APDU handler on each response (garbage modes).
    apdu::Bytes mangle(apdu::Bytes response) const;

  private:
    void serveLoop();

    SimCard& card_;
    std::function<void()> dropLink_;
    std::atomic<bool> removed_{false};
    std::atomic<long> removeCountdown_{0};  // 0 = not armed
    std::atomic<long> resetCountdown_{0};
    std::atomic<int> removeIns_{-1};          // -1 = not armed
    std::atomic<long> removeInsCountdown_{0};
    std::atomic<int> garbage_{static_cast<int>(GarbageMode::Off)};
    std::atomic<std::size_t> apdus_{0};
    int listenFd_ = -1;
    std::string path_;
    std::atomic<bool> stopping_{false};
    std::thread thread_;
};

// "off", "truncate", ... → mode; false when unknown.
bool parseGarbageMode(const std::string& name, GarbageMode& mode);
const char* garbageModeName(GarbageMode mode);

}  // namespace mynacard::sim
