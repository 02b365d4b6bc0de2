// The 12-digit 個人番号 (My Number) and its check digit (spec §15). Used to validate 照合番号A
// locally before it can cost a try, and by the simulator to validate profiles.
#pragma once

#include <string_view>

namespace mynacard::apdu {

// Check digit for the first 11 digits; -1 when `first11` is not exactly 11 ASCII digits.
int myNumberCheckDigit(std::string_view first11);
// True when `number` is 12 ASCII digits whose last digit is the right check digit.
bool isValidMyNumber(std::string_view number);

}  // namespace mynacard::apdu
