// In-process Transport to a SimCard: unit tests drive the whole APDU layer without pcscd.
#pragma once

#include <chrono>
#include <cstddef>
#include <string>

#include "apdu/transport.h"
#include "cardsim/sim_card.h"

namespace mynacard::sim {

class SimTransport : public apdu::Transport {
  public:
    // The card must outlive the transport. `latency` is slept per APDU (models a real link).
    explicit SimTransport(SimCard& card,
                          std::chrono::milliseconds latency = std::chrono::milliseconds(0))
        : card_(card), latency_(latency) {}

    // Throws TransportError(NoCard) after removeCard(); otherwise card.process (never throws).
    apdu::Bytes transmit(const apdu::Bytes& command) override;
    apdu::Bytes atr() const override { return card_.atr(); }
    std::string readerName() const override { return "mynacard simulator"; }
    void beginTransaction() override { ++transactions_; }
    void endTransaction() override {}

    // Fault controls: removing the card powers it off (security state lost); inserting powers on.
    void removeCard();
    void insertCard();
    bool cardPresent() const { return present_; }

    std::size_t apduCount() const { return apduCount_; }
    std::size_t transactionCount() const { return transactions_; }
    void setLatency(std::chrono::milliseconds latency) { latency_ = latency; }
    SimCard& card() { return card_; }

  private:
    SimCard& card_;
    std::chrono::milliseconds latency_;
    std::size_t apduCount_ = 0;
    std::size_t transactions_ = 0;
    bool present_ = true;
};

}  // namespace mynacard::sim
