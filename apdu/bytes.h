// Byte buffers, hex helpers and a self-wiping buffer for secrets.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace mynacard::apdu {

using Bytes = std::vector<std::uint8_t>;

// Upper-case hex, optionally with a space between bytes ("00 A4 04 0C").
std::string toHex(const std::uint8_t* data, std::size_t size, bool spaced = false);
std::string toHex(const Bytes& data, bool spaced = false);

// Parses hex; spaces, tabs, newlines and ':' between bytes are ignored. Throws
// std::invalid_argument on an odd number of digits, a non-hex character, or a separator inside a
// byte ("0 A" is refused rather than read as 0A).
Bytes fromHex(std::string_view hex);

// Overwrites memory in a way the optimiser may not remove (OPENSSL_cleanse).
void secureWipe(void* data, std::size_t size);

// An allocator that wipes every block before giving it back, so a secret's storage is cleared
// however the owning container lets go of it (destruction, move-assignment, reallocation).
template <typename T>
struct WipingAllocator {
    using value_type = T;
    WipingAllocator() = default;
    template <typename U>
    WipingAllocator(const WipingAllocator<U>&) noexcept {}
    T* allocate(std::size_t n) { return std::allocator<T>().allocate(n); }
    void deallocate(T* p, std::size_t n) noexcept {
        secureWipe(p, n * sizeof(T));
        std::allocator<T>().deallocate(p, n);
    }
    template <typename U>
    bool operator==(const WipingAllocator<U>&) const noexcept {
        return true;
    }
    template <typename U>
    bool operator!=(const WipingAllocator<U>&) const noexcept {
        return false;
    }
};

// Holds a secret (PIN, password, 照合番号). Move-only; wipes its storage when destroyed, moved
// from or cleared. Never grows in place, so no unwiped copy is left behind by a reallocation.
class SecureBytes {
  public:
    SecureBytes() = default;
    explicit SecureBytes(std::size_t size);
    SecureBytes(const std::uint8_t* data, std::size_t size);
    static SecureBytes fromString(std::string_view text);
    ~SecureBytes();

    SecureBytes(SecureBytes&& other) noexcept;
    SecureBytes& operator=(SecureBytes&& other) noexcept;
    SecureBytes(const SecureBytes&) = delete;
    SecureBytes& operator=(const SecureBytes&) = delete;

    std::uint8_t* data() { return data_.data(); }
    const std::uint8_t* data() const { return data_.data(); }
    std::size_t size() const { return data_.size(); }
    bool empty() const { return data_.empty(); }
    std::uint8_t& operator[](std::size_t i) { return data_[i]; }
    std::uint8_t operator[](std::size_t i) const { return data_[i]; }
    const std::uint8_t* begin() const { return data_.data(); }
    const std::uint8_t* end() const { return data_.data() + data_.size(); }

    // Wipes and empties. The (now zeroed) storage is kept until destruction, which lets tests
    // check the wipe without reading freed memory.
    void clear();
    // An explicit copy (the caller decides when a second copy of a secret is acceptable).
    SecureBytes clone() const { return SecureBytes(data(), size()); }

  private:
    std::vector<std::uint8_t, WipingAllocator<std::uint8_t>> data_;
};

}  // namespace mynacard::apdu
