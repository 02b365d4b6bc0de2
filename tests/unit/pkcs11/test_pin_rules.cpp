#include <catch2/catch.hpp>

#include "pkcs11/pin_rules.h"

using namespace mynacard;
using namespace mynacard::p11;

namespace {
PinCheck check(TokenKind kind, const std::string& pin, std::string* normalized = nullptr) {
    apdu::SecureBytes s = apdu::SecureBytes::fromString(pin);
    PinCheck r = normalizePin(kind, s);
    if (normalized) *normalized = std::string(s.begin(), s.end());
    return r;
}
}  // namespace

TEST_CASE("auth PIN: exactly 4 digits", "[pin]") {
    CHECK(check(TokenKind::Auth, "1234") == PinCheck::Ok);
    CHECK(check(TokenKind::Auth, "123") == PinCheck::BadLength);
    CHECK(check(TokenKind::Auth, "12345") == PinCheck::BadLength);
    CHECK(check(TokenKind::Auth, "") == PinCheck::BadLength);
    CHECK(check(TokenKind::Auth, "12a4") == PinCheck::BadCharacters);
    CHECK(check(TokenKind::Auth, "12 4") == PinCheck::BadCharacters);
}

TEST_CASE("signature password: 6-16 A-Z/0-9, a letter and a digit, upper-cased", "[pin]") {
    std::string n;
    CHECK(check(TokenKind::Sign, "abc123", &n) == PinCheck::Ok);
    CHECK(n == "ABC123");
    CHECK(check(TokenKind::Sign, "A1B2C3D4E5F6G7H8", &n) == PinCheck::Ok);
    CHECK(check(TokenKind::Sign, "ABC12") == PinCheck::BadLength);
    CHECK(check(TokenKind::Sign, "A1B2C3D4E5F6G7H8I") == PinCheck::BadLength);
    CHECK(check(TokenKind::Sign, "ABCDEF") == PinCheck::BadCharacters);
    CHECK(check(TokenKind::Sign, "123456") == PinCheck::BadCharacters);
    CHECK(check(TokenKind::Sign, "ABC_123") == PinCheck::BadCharacters);
    CHECK(check(TokenKind::Sign, "ÄBC123") == PinCheck::BadCharacters);
    CHECK(minPinLength(TokenKind::Sign) == 6);
    CHECK(maxPinLength(TokenKind::Sign) == 16);
    CHECK(maxTries(TokenKind::Auth) == 3);
    CHECK(maxTries(TokenKind::Sign) == 5);
}
