#include "apdu/card/pin_policy.h"

#include "apdu/errors.h"
#include "apdu/my_number.h"

namespace mynacard::card {
namespace {

bool allDigits(const apdu::SecureBytes& s, std::size_t from, std::size_t to) {
    for (std::size_t i = from; i < to; ++i)
        if (s[i] < '0' || s[i] > '9') return false;
    return true;
}

int number(const apdu::SecureBytes& s, std::size_t from, std::size_t count) {
    int v = 0;
    for (std::size_t i = from; i < from + count; ++i) v = v * 10 + (s[i] - '0');
    return v;
}

[[noreturn]] void invalid(SecretFormat format) {
    throw PinError(PinError::Kind::InvalidFormat, std::string("invalid format: expected ") +
                                                      secretFormatDescription(format) +
                                                      " (nothing was sent to the card)");
}

bool plausibleEraDate(const apdu::SecureBytes& s, std::size_t at) {
    if (!allDigits(s, at, at + 6)) return false;
    // Era years run 1..64 (昭和 is the longest era); 元年 is printed as 01.
    int yy = number(s, at, 2), mm = number(s, at + 2, 2), dd = number(s, at + 4, 2);
    static const int days[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    return yy >= 1 && yy <= 64 && mm >= 1 && mm <= 12 && dd >= 1 && dd <= days[mm - 1];
}

}  // namespace

const char* secretFormatDescription(SecretFormat format) {
    switch (format) {
        case SecretFormat::Pin4:
            return "4 digits";
        case SecretFormat::SignPassword:
            return "6 to 16 characters A-Z and 0-9 with at least one letter and one digit";
        case SecretFormat::CollationA:
            return "12 digits (the My Number, valid check digit)";
        case SecretFormat::CollationB:
            return "14 digits: birth date YYMMDD as printed (era year), expiry year YYYY, "
                   "security code (4 digits)";
        case SecretFormat::BirthDateKey:
            return "6 digits: birth date YYMMDD as printed (era year)";
    }
    return "?";
}

int secretMinLength(SecretFormat format) {
    switch (format) {
        case SecretFormat::Pin4:
            return 4;
        case SecretFormat::SignPassword:
            return 6;
        case SecretFormat::CollationA:
            return 12;
        case SecretFormat::CollationB:
            return 14;
        case SecretFormat::BirthDateKey:
            return 6;
    }
    return 0;
}

int secretMaxLength(SecretFormat format) {
    return format == SecretFormat::SignPassword ? 16 : secretMinLength(format);
}

bool isPlausibleEraDate(std::string_view yymmdd) {
    if (yymmdd.size() != 6) return false;
    auto s = apdu::SecureBytes::fromString(yymmdd);
    return plausibleEraDate(s, 0);
}

apdu::SecureBytes normalizeSecret(Secret secret, const apdu::SecureBytes& input) {
    return normalizeSecret(secretInfo(secret).format, input);
}

apdu::SecureBytes normalizeSecret(SecretFormat format, const apdu::SecureBytes& input) {
    const std::size_t n = input.size();
    if (n < static_cast<std::size_t>(secretMinLength(format)) ||
        n > static_cast<std::size_t>(secretMaxLength(format)))
        invalid(format);
    apdu::SecureBytes out = input.clone();
    switch (format) {
        case SecretFormat::Pin4:
            if (!allDigits(out, 0, n)) invalid(format);
            break;
        case SecretFormat::SignPassword: {
            // spec §4.5: the card compares bytes; lower case is accepted from the user and
            // upper-cased like the official client does.
            bool letter = false, digit = false;
            for (std::size_t i = 0; i < n; ++i) {
                std::uint8_t& c = out[i];
                if (c >= 'a' && c <= 'z') c = static_cast<std::uint8_t>(c - 'a' + 'A');
                if (c >= 'A' && c <= 'Z')
                    letter = true;
                else if (c >= '0' && c <= '9')
                    digit = true;
                else
                    invalid(format);
            }
            if (!letter || !digit) invalid(format);
            break;
        }
        case SecretFormat::CollationA: {
            if (!allDigits(out, 0, n)) invalid(format);
            // spec §15: a wrong check digit is refused before anything is sent.
            std::string digits(out.begin(), out.end());
            bool ok = apdu::isValidMyNumber(digits);
            apdu::secureWipe(digits.data(), digits.size());
            if (!ok) invalid(format);
            break;
        }
        case SecretFormat::CollationB: {
            if (!allDigits(out, 0, n) || !plausibleEraDate(out, 0)) invalid(format);
            int year = number(out, 6, 4);  // card expiry year, Gregorian (spec §6.5)
            if (year < 2000 || year > 2099) invalid(format);
            break;
        }
        case SecretFormat::BirthDateKey:
            if (!plausibleEraDate(out, 0)) invalid(format);
            break;
    }
    return out;
}

}  // namespace mynacard::card
