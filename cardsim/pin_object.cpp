#include "cardsim/pin_object.h"

#include <openssl/crypto.h>

namespace mynacard::sim {

PinObject::~PinObject() {
    if (!secret_.empty()) OPENSSL_cleanse(secret_.data(), secret_.size());
}

PinObject::Outcome PinObject::verify(const std::uint8_t* data, std::size_t size) {
    if (blocked()) return Outcome::Blocked;
    bool equal = size == secret_.size() &&
                 CRYPTO_memcmp(data, secret_.data(), size) == 0;  // no timing oracle
    if (equal) {
        tries_ = maxTries_;
        return Outcome::Correct;
    }
    --tries_;
    return Outcome::Wrong;
}

void PinObject::setTriesLeft(int tries) {
    tries_ = tries < 0 ? 0 : (tries > maxTries_ ? maxTries_ : tries);
}

void PinObject::changeSecret(std::string value, bool persistedChange) {
    if (!secret_.empty()) OPENSSL_cleanse(secret_.data(), secret_.size());
    secret_ = std::move(value);
    tries_ = maxTries_;
    changed_ = changed_ || persistedChange;
}

}  // namespace mynacard::sim
