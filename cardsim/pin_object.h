// A key reference holding a secret (PIN, password, 照合番号) and its retry counter (spec §9).
// The counter is the card's persistent state: it survives reset and power-off, and SimCard saves
// it through StateStore after every change.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

namespace mynacard::sim {

class PinObject {
  public:
    PinObject() = default;
    PinObject(std::string secret, int maxTries)
        : secret_(std::move(secret)), maxTries_(maxTries), tries_(maxTries) {}
    ~PinObject();
    PinObject(const PinObject&) = default;
    PinObject& operator=(const PinObject&) = default;

    enum class Outcome { Correct, Wrong, Blocked };
    // Compares in constant time. Correct resets the counter to the maximum; Wrong spends one try
    // (triesLeft() tells how many remain, 0 = this attempt used the last one); Blocked spends none.
    Outcome verify(const std::uint8_t* data, std::size_t size);

    int triesLeft() const { return tries_; }
    int maxTries() const { return maxTries_; }
    bool blocked() const { return tries_ <= 0; }
    // Restores persisted state (clamped to 0..max).
    void setTriesLeft(int tries);

    const std::string& secret() const { return secret_; }
    bool secretChanged() const { return changed_; }
    // A new value (CHANGE REFERENCE DATA / CHANGE KEY) also restores the counter.
    void changeSecret(std::string value, bool persistedChange = true);

  private:
    std::string secret_;
    int maxTries_ = 0;
    int tries_ = 0;
    bool changed_ = false;
};

}  // namespace mynacard::sim
