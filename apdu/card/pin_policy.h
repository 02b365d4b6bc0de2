// Local validation of every secret before it can reach the card (spec §9 "client rules" 1 and 4):
// a malformed secret throws PinError(InvalidFormat) and never costs a try.
#pragma once

#include <string_view>

#include "apdu/bytes.h"
#include "apdu/card/applets.h"

namespace mynacard::card {

// Returns the exact bytes to send for `secret` (ASCII; the signature password upper-cased, spec
// §4.5). Throws PinError(InvalidFormat) with a message that says what is expected, never the
// input itself.
apdu::SecureBytes normalizeSecret(Secret secret, const apdu::SecureBytes& input);
apdu::SecureBytes normalizeSecret(SecretFormat format, const apdu::SecureBytes& input);

// Human description of the expected format ("4 digits", ...), for prompts and errors.
const char* secretFormatDescription(SecretFormat format);
// Minimum / maximum length in characters (PKCS#11 ulMinPinLen / ulMaxPinLen).
int secretMinLength(SecretFormat format);
int secretMaxLength(SecretFormat format);

// 6 digits YYMMDD with an era year 01..64 and a real month/day (spec §6.5; the era is not known,
// so Feb 29 is accepted in any year).
bool isPlausibleEraDate(std::string_view yymmdd);

}  // namespace mynacard::card
