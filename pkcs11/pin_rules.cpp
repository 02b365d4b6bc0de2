#include "pkcs11/pin_rules.h"

namespace mynacard::p11 {

CK_ULONG minPinLength(TokenKind kind) { return kind == TokenKind::Auth ? 4 : 6; }
CK_ULONG maxPinLength(TokenKind kind) { return kind == TokenKind::Auth ? 4 : 16; }
int maxTries(TokenKind kind) { return kind == TokenKind::Auth ? 3 : 5; }

PinCheck normalizePin(TokenKind kind, apdu::SecureBytes& secret) {
    if (secret.size() < minPinLength(kind) || secret.size() > maxPinLength(kind))
        return PinCheck::BadLength;
    bool letter = false, digit = false;
    for (std::size_t i = 0; i < secret.size(); ++i) {
        std::uint8_t& c = secret[i];
        if (c >= '0' && c <= '9') {
            digit = true;
        } else if (kind == TokenKind::Sign && c >= 'a' && c <= 'z') {
            c = static_cast<std::uint8_t>(c - 'a' + 'A');  // the card compares bytes (spec §4.5)
            letter = true;
        } else if (kind == TokenKind::Sign && c >= 'A' && c <= 'Z') {
            letter = true;
        } else {
            return PinCheck::BadCharacters;
        }
    }
    if (kind == TokenKind::Sign && !(letter && digit)) return PinCheck::BadCharacters;
    return PinCheck::Ok;
}

}  // namespace mynacard::p11
