// A tiny virtual card for the PC/SC integration tests: it connects to a vpcd reader through
// VpcdLink (= card inserted), answers SELECT with 9000 and READ BINARY with a byte pattern, and
// counts what it sees. Destroying it closes the connection (= card removed).
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "apdu/bytes.h"
#include "cardsim/vpcd_link.h"

namespace mynacard::test {

class TestCard {
public:
    // ATR 3B 80 80 01 01: offers T=0 and T=1 (TD1 → T=0, TD2 → T=1), TCK 01.
    static apdu::Bytes defaultAtr() { return {0x3B, 0x80, 0x80, 0x01, 0x01}; }
    // The EF content READ BINARY returns: byte i = i & 0xFF, 300 bytes (more than one short read).
    static constexpr std::size_t kFileSize = 300;

    // The answer to one APDU (also used by the standalone mynacard-testcard program).
    static apdu::Bytes answer(const apdu::Bytes& command);

    TestCard(const std::string& host, std::uint16_t port);
    ~TestCard();
    TestCard(const TestCard&) = delete;
    TestCard& operator=(const TestCard&) = delete;

    unsigned apdus() const { return apdus_.load(); }
    unsigned resets() const { return resets_.load(); }
    unsigned powerOns() const { return powerOns_.load(); }
    apdu::Bytes lastCommand() const;

private:
    std::unique_ptr<sim::VpcdLink> link_;
    std::thread thread_;
    std::atomic<unsigned> apdus_{0}, resets_{0}, powerOns_{0};
    mutable std::mutex mutex_;
    apdu::Bytes last_;
};

}  // namespace mynacard::test
