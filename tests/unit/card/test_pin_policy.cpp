// Local validation of every secret (spec §9 rule 1, §4.5, §6.5, §15).
#include <catch2/catch.hpp>

#include "apdu/card/pin_policy.h"
#include "apdu/errors.h"

using namespace mynacard;
using namespace mynacard::card;

namespace {

std::string normalized(Secret s, const std::string& input) {
    apdu::SecureBytes out = normalizeSecret(s, apdu::SecureBytes::fromString(input));
    return std::string(out.begin(), out.end());
}

bool rejected(Secret s, const std::string& input) {
    try {
        normalizeSecret(s, apdu::SecureBytes::fromString(input));
        return false;
    } catch (const PinError& e) {
        return e.kind() == PinError::Kind::InvalidFormat;
    }
}

}  // namespace

TEST_CASE("4-digit PINs: exactly four ASCII digits", "[pin_policy]") {
    for (Secret s : {Secret::JpkiAuthPin, Secret::TextPin, Secret::ResidentPin}) {
        CHECK(normalized(s, "0000") == "0000");
        CHECK(normalized(s, "1234") == "1234");
        CHECK(rejected(s, ""));
        CHECK(rejected(s, "123"));
        CHECK(rejected(s, "12345"));
        CHECK(rejected(s, "12a4"));
        CHECK(rejected(s, "12 4"));
        CHECK(rejected(s, "１２３４"));  // full-width digits are not ASCII
    }
}

TEST_CASE("signature password: 6-16 of A-Z/0-9, a letter and a digit, upper-cased",
          "[pin_policy]") {
    Secret s = Secret::JpkiSignPassword;
    CHECK(normalized(s, "ABC123") == "ABC123");
    CHECK(normalized(s, "abc123") == "ABC123");
    CHECK(normalized(s, "aBc12z") == "ABC12Z");
    CHECK(normalized(s, "A12345678901234Z") == "A12345678901234Z");  // 16
    CHECK(rejected(s, "AB123"));                                     // 5
    CHECK(rejected(s, "A123456789012345Z"));                         // 17
    CHECK(rejected(s, "ABCDEF"));                                    // no digit
    CHECK(rejected(s, "123456"));                                    // no letter
    CHECK(rejected(s, "ABC-123"));
    CHECK(rejected(s, "ABC 123"));
    CHECK(rejected(s, "ÄBC123"));
}

TEST_CASE("照合番号A: 12 digits with a valid My Number check digit", "[pin_policy]") {
    CHECK(normalized(Secret::TextCollationA, "123456789018") == "123456789018");
    CHECK(normalized(Secret::FaceCollationA, "123456789018") == "123456789018");
    CHECK(rejected(Secret::TextCollationA, "123456789012"));  // wrong check digit
    CHECK(rejected(Secret::TextCollationA, "12345678901"));
    CHECK(rejected(Secret::TextCollationA, "1234567890180"));
    CHECK(rejected(Secret::TextCollationA, "12345678901X"));
}

TEST_CASE("照合番号B: era YYMMDD, expiry year, 4 digits", "[pin_policy]") {
    CHECK(normalized(Secret::TextCollationB, "55021720352285") == "55021720352285");
    CHECK(normalized(Secret::FaceCollationB, "01050120302285") == "01050120302285");
    CHECK(rejected(Secret::TextCollationB, "5502172035228"));    // 13
    CHECK(rejected(Secret::TextCollationB, "198002172035228"));  // 15 (Gregorian year typed)
    CHECK(rejected(Secret::TextCollationB, "55130120352285"));   // month 13
    CHECK(rejected(Secret::TextCollationB, "55023220352285"));   // day 32
    CHECK(rejected(Secret::TextCollationB, "55043120352285"));   // 31 April
    CHECK(rejected(Secret::TextCollationB, "00021720352285"));   // era year 0
    CHECK(rejected(Secret::TextCollationB, "70021720352285"));   // era year 70
    CHECK(rejected(Secret::TextCollationB, "55021719992285"));   // expiry 1999
    CHECK(rejected(Secret::TextCollationB, "5502172035228A"));
}

TEST_CASE("birth-date key: 6 digits era YYMMDD", "[pin_policy]") {
    CHECK(normalized(Secret::FaceBirthDateKey, "550217") == "550217");
    CHECK(rejected(Secret::FaceBirthDateKey, "19800217"));
    CHECK(rejected(Secret::FaceBirthDateKey, "551317"));
    CHECK(rejected(Secret::FaceBirthDateKey, "55021"));
    CHECK(isPlausibleEraDate("010229"));
    CHECK_FALSE(isPlausibleEraDate("010230"));
}

TEST_CASE("format lengths for PKCS#11 min/max PIN length", "[pin_policy]") {
    CHECK(secretMinLength(SecretFormat::Pin4) == 4);
    CHECK(secretMaxLength(SecretFormat::Pin4) == 4);
    CHECK(secretMinLength(SecretFormat::SignPassword) == 6);
    CHECK(secretMaxLength(SecretFormat::SignPassword) == 16);
    CHECK(secretMaxLength(SecretFormat::CollationB) == 14);
}

TEST_CASE("an invalid secret's error message never contains it", "[pin_policy]") {
    try {
        normalizeSecret(Secret::JpkiSignPassword, apdu::SecureBytes::fromString("SECRETPW"));
        FAIL("accepted a password without a digit");
    } catch (const PinError& e) {
        CHECK(std::string(e.what()).find("SECRETPW") == std::string::npos);
        CHECK(e.triesLeft() == -1);
    }
}
