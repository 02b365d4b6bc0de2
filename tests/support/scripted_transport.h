// A test apdu::Transport. Two modes:
//  * script: expected command → canned response pairs, in order. "??" (its own space-separated
//    token) in an expected command matches any byte (e.g. a random challenge). An unexpected or
//    extra command fails the test (Catch2 FAIL); call REQUIRE(t.finished()) at the end to prove
//    every step was used.
//  * handler: a lambda answers every command (for card models too big to script).
// Either way it counts exchanges, keeps every command sent, and tracks transaction calls.
// Header-only; include it from Catch2 test sources only.
#pragma once

#include <catch2/catch.hpp>

#include <cstddef>
#include <cstdint>
#include <functional>
#include <initializer_list>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "apdu/bytes.h"
#include "apdu/transport.h"

namespace mynacard::test {

class ScriptedTransport : public apdu::Transport {
  public:
    using Handler = std::function<apdu::Bytes(const apdu::Bytes& command)>;

    ScriptedTransport() = default;
    // {{"00 A4 04 0C 0A D3 92 ...", "90 00"}, ...}
    ScriptedTransport(std::initializer_list<std::pair<std::string, std::string>> steps) {
        for (auto& s : steps) expect(s.first, s.second);
    }
    explicit ScriptedTransport(Handler handler) : handler_(std::move(handler)) {}

    // Appends one step. The response is data + SW in hex.
    ScriptedTransport& expect(const std::string& commandHex, const std::string& responseHex) {
        script_.push_back(Step{parsePattern(commandHex), apdu::fromHex(responseHex), commandHex});
        return *this;
    }
    // Appends one step with a raw response (e.g. a 1000-byte file chunk).
    ScriptedTransport& expect(const std::string& commandHex, apdu::Bytes response) {
        script_.push_back(Step{parsePattern(commandHex), std::move(response), commandHex});
        return *this;
    }

    apdu::Bytes transmit(const apdu::Bytes& command) override {
        ++exchanges_;
        commands_.push_back(command);
        if (handler_) return handler_(command);
        if (next_ >= script_.size())
            FAIL("unexpected extra command " << apdu::toHex(command, true) << " after "
                                             << script_.size() << " scripted steps");
        const Step& step = script_[next_];
        if (!matches(step.pattern, command))
            FAIL("step " << next_ << ": expected " << step.text << ", got "
                         << apdu::toHex(command, true));
        ++next_;
        return step.response;
    }

    apdu::Bytes atr() const override { return atr_; }
    std::string readerName() const override { return readerName_; }
    void beginTransaction() override {
        if (throwOnBegin_) throw std::runtime_error("beginTransaction failed (scripted)");
        ++begins_;
        ++depth_;
    }
    void endTransaction() override {
        ++ends_;
        --depth_;
        if (throwOnEnd_) throw std::runtime_error("endTransaction failed (scripted)");
    }

    void setAtr(apdu::Bytes atr) { atr_ = std::move(atr); }
    void setReaderName(std::string name) { readerName_ = std::move(name); }
    void setThrowOnBeginTransaction(bool on) { throwOnBegin_ = on; }
    void setThrowOnEndTransaction(bool on) { throwOnEnd_ = on; }

    bool finished() const { return next_ == script_.size(); }
    std::size_t remaining() const { return script_.size() - next_; }
    std::size_t exchanges() const { return exchanges_; }
    const std::vector<apdu::Bytes>& commands() const { return commands_; }
    int beginCount() const { return begins_; }
    int endCount() const { return ends_; }
    int transactionDepth() const { return depth_; }

  private:
    struct PatternByte {
        std::uint8_t value;
        bool any;
    };
    struct Step {
        std::vector<PatternByte> pattern;
        apdu::Bytes response;
        std::string text;
    };

    static std::vector<PatternByte> parsePattern(const std::string& hex) {
        std::vector<PatternByte> out;
        std::string token;
        auto flush = [&] {
            if (token.empty()) return;
            if (token == "??") {
                out.push_back({0, true});
            } else {
                for (std::uint8_t b : apdu::fromHex(token)) out.push_back({b, false});
            }
            token.clear();
        };
        for (char c : hex) {
            if (c == ' ' || c == '\n' || c == '\t') {
                flush();
            } else {
                token.push_back(c);
            }
        }
        flush();
        return out;
    }

    static bool matches(const std::vector<PatternByte>& pattern, const apdu::Bytes& command) {
        if (pattern.size() != command.size()) return false;
        for (std::size_t i = 0; i < pattern.size(); ++i)
            if (!pattern[i].any && pattern[i].value != command[i]) return false;
        return true;
    }

    std::vector<Step> script_;
    std::size_t next_ = 0;
    Handler handler_;
    std::size_t exchanges_ = 0;
    std::vector<apdu::Bytes> commands_;
    apdu::Bytes atr_ = apdu::fromHex("3B E0 00 FF 81 31 FE 45 14");
    std::string readerName_ = "Scripted Reader 00 00";
    int begins_ = 0, ends_ = 0, depth_ = 0;
    bool throwOnBegin_ = false;
    bool throwOnEnd_ = false;
};

}  // namespace mynacard::test
