#include "apdu/bytes.h"

#include <openssl/crypto.h>

#include <atomic>
#include <stdexcept>

#include "apdu/wipe_observer.h"

namespace mynacard::apdu {

namespace {
constexpr char kHexDigits[] = "0123456789ABCDEF";

int hexValue(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}
}  // namespace

std::string toHex(const std::uint8_t* data, std::size_t size, bool spaced) {
    std::string out;
    out.reserve(size * (spaced ? 3 : 2));
    for (std::size_t i = 0; i < size; ++i) {
        if (spaced && i > 0) out.push_back(' ');
        out.push_back(kHexDigits[data[i] >> 4]);
        out.push_back(kHexDigits[data[i] & 0x0F]);
    }
    return out;
}

std::string toHex(const Bytes& data, bool spaced) {
    return toHex(data.data(), data.size(), spaced);
}

Bytes fromHex(std::string_view hex) {
    Bytes out;
    out.reserve(hex.size() / 2);
    int high = -1;  // first digit of a pair still waiting for its second
    for (char c : hex) {
        if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == ':') {
            // A separator inside a pair ("0 A") would silently change the meaning: refuse it.
            if (high >= 0) throw std::invalid_argument("fromHex: separator inside a byte");
            continue;
        }
        int v = hexValue(c);
        if (v < 0)
            throw std::invalid_argument(std::string("fromHex: not a hex digit: '") + c + "'");
        if (high < 0) {
            high = v;
        } else {
            out.push_back(static_cast<std::uint8_t>(high << 4 | v));
            high = -1;
        }
    }
    if (high >= 0) throw std::invalid_argument("fromHex: odd number of hex digits");
    return out;
}

namespace {
// Set only by tests (apdu/wipe_observer.h). Relaxed: the observer is installed before the code
// under test runs, and a late observer missing a wipe on another thread is harmless.
std::atomic<testing::WipeObserver> wipeObserver{nullptr};
}  // namespace

namespace testing {
WipeObserver setWipeObserver(WipeObserver observer) {
    return wipeObserver.exchange(observer, std::memory_order_relaxed);
}
}  // namespace testing

void secureWipe(void* data, std::size_t size) {
    if (data == nullptr || size == 0) return;
    const testing::WipeObserver observer = wipeObserver.load(std::memory_order_relaxed);
    if (observer) observer(data, size, false);
    OPENSSL_cleanse(data, size);
    if (observer) observer(data, size, true);
}

SecureBytes::SecureBytes(std::size_t size) : data_(size, 0) {}

SecureBytes::SecureBytes(const std::uint8_t* data, std::size_t size) : data_(data, data + size) {}

SecureBytes SecureBytes::fromString(std::string_view text) {
    return SecureBytes(reinterpret_cast<const std::uint8_t*>(text.data()), text.size());
}

// The allocator wipes the block when the vector frees it; wiping here as well covers the bytes
// even if a future change keeps the storage alive longer.
SecureBytes::~SecureBytes() { secureWipe(data_.data(), data_.size()); }

// Moving a vector with an always-equal allocator hands over the block itself: no copy is made,
// and the moved-from vector is left empty.
SecureBytes::SecureBytes(SecureBytes&& other) noexcept : data_(std::move(other.data_)) {
    other.data_.clear();
}

SecureBytes& SecureBytes::operator=(SecureBytes&& other) noexcept {
    if (this != &other) {
        clear();
        data_ = std::move(other.data_);  // our old block is wiped again by the allocator
        other.data_.clear();
    }
    return *this;
}

void SecureBytes::clear() {
    secureWipe(data_.data(), data_.size());
    data_.clear();
}

}  // namespace mynacard::apdu
