// Local PIN checks before anything reaches the card (spec §4.5, §9 client rules): a malformed
// secret never costs a try.
#pragma once

#include "apdu/bytes.h"
#include "pkcs11/p11.h"

namespace mynacard::p11 {

enum class PinCheck { Ok, BadLength, BadCharacters };

// Auth PIN: 4 ASCII digits. Signature password: 6–16 of A–Z/0–9 after upper-casing, at least one
// letter and one digit. Upper-cases `secret` in place for the signature token.
PinCheck normalizePin(TokenKind kind, apdu::SecureBytes& secret);

CK_ULONG minPinLength(TokenKind kind);
CK_ULONG maxPinLength(TokenKind kind);
int maxTries(TokenKind kind);  // 3 / 5 (spec §9), for CKF_USER_PIN_COUNT_LOW

}  // namespace mynacard::p11
