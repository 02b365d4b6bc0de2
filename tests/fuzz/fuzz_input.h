// Shared helpers for the libFuzzer targets: a cursor over the fuzz input and a Transport whose
// answers come from it (a "fuzzed card"). Header-only; used by tests/fuzz/*.cpp only.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "apdu/bytes.h"
#include "apdu/errors.h"
#include "apdu/transport.h"

namespace mynacard::fuzz {

// Reads the input front to back; past the end every read yields zeros / empty (never throws),
// so a target's control flow stays a pure function of the input.
class FuzzInput {
  public:
    FuzzInput(const std::uint8_t* data, std::size_t size) : data_(data), size_(size) {}

    bool empty() const { return pos_ >= size_; }
    std::size_t remaining() const { return size_ - pos_; }
    std::uint8_t byte() { return pos_ < size_ ? data_[pos_++] : 0; }
    std::uint16_t u16() {
        std::uint16_t hi = byte();
        return static_cast<std::uint16_t>((hi << 8) | byte());
    }
    apdu::Bytes take(std::size_t n) {
        n = std::min(n, remaining());
        apdu::Bytes out(data_ + pos_, data_ + pos_ + n);
        pos_ += n;
        return out;
    }
    // A length-prefixed chunk: one length byte, or FF + two bytes for longer chunks.
    apdu::Bytes chunk() {
        std::size_t n = byte();
        if (n == 0xFF) n = u16();
        return take(n);
    }
    apdu::Bytes rest() { return take(remaining()); }

  private:
    const std::uint8_t* data_;
    std::size_t size_;
    std::size_t pos_ = 0;
};

// Aborts the run with a message: a violated invariant is a finding, like a sanitizer report.
[[noreturn]] inline void invariantFailed(const char* what) {
    std::fprintf(stderr, "fuzz invariant violated: %s\n", what);
    __builtin_trap();
}

// A card whose every answer (data + SW) is the next length-prefixed chunk of the input. Answers
// shorter than 2 bytes are passed on as they are (a broken reader can deliver them). When the
// input runs out the card is "removed" (TransportError) — or, with `cycle`, the answers start
// over, which models a card that answers 61xx/6Cxx forever: the caller's own bounds must stop
// it, and kMaxExchanges (per operation: call newOperation() between operations) turns a missing
// bound into a crash instead of a hang. 70000 lies above the worst bounded case known today
// (finding F2 in docs/reliability.md): readTlvFile against a card answering one byte per READ
// BINARY stops at offset 0x7FFF after 32768 READ BINARYs, and CardSession::readTlvEf with
// extended length enabled then reads the file again in short APDUs: 65536 in all.
class FuzzedCardTransport : public apdu::Transport {
  public:
    static constexpr std::size_t kMaxExchanges = 70000;

    FuzzedCardTransport(FuzzInput& in, bool cycle) : in_(in), cycle_(cycle) {
        if (cycle_) {
            while (!in_.empty() && answers_.size() < 512) answers_.push_back(in_.chunk());
            if (answers_.empty()) answers_.push_back({0x90, 0x00});
        }
    }

    apdu::Bytes transmit(const apdu::Bytes& command) override {
        if (command.size() < 4) invariantFailed("a command APDU shorter than its 4-byte header");
        ++exchanges_;
        if (++budgetUsed_ > kMaxExchanges) invariantFailed("unbounded exchange loop");
        if (!cycle_ && in_.empty())
            throw TransportError(TransportError::Kind::CardRemoved, "fuzzed card: input ended");
        apdu::Bytes answer = cycle_ ? answers_[(exchanges_ - 1) % answers_.size()] : in_.chunk();
        // Triage aid: MYNACARD_FUZZ_TRACE=1 TARGET CRASH_FILE prints the exchanges.
        static const bool trace = std::getenv("MYNACARD_FUZZ_TRACE") != nullptr;
        if (trace)
            std::fprintf(stderr, "> %s\n< %s\n", apdu::toHex(command, true).c_str(),
                         apdu::toHex(answer, true).c_str());
        return answer;
    }
    apdu::Bytes atr() const override { return {0x3B, 0x80, 0x80, 0x01, 0x01}; }
    std::string readerName() const override { return "fuzzed card"; }
    void beginTransaction() override { ++depth_; }
    void endTransaction() override {
        if (--depth_ < 0) invariantFailed("endTransaction without beginTransaction");
    }

    void newOperation() { budgetUsed_ = 0; }
    std::size_t exchanges() const { return exchanges_; }
    int transactionDepth() const { return depth_; }

  private:
    FuzzInput& in_;
    bool cycle_;
    std::vector<apdu::Bytes> answers_;
    std::size_t exchanges_ = 0;
    std::size_t budgetUsed_ = 0;
    int depth_ = 0;
};

}  // namespace mynacard::fuzz
