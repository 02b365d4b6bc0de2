// The lead's My Number check digit (spec §15), against values worked out by hand.
#include <catch2/catch.hpp>

#include "apdu/my_number.h"

using namespace mynacard::apdu;

TEST_CASE("check digit of known numbers", "[my_number]") {
    // 12345678901: sum = 212, 212 mod 11 = 3 → 11 - 3 = 8 (worked by hand).
    CHECK(myNumberCheckDigit("12345678901") == 8);
    CHECK(myNumberCheckDigit("98765432109") == 3);  // r = 8
    CHECK(myNumberCheckDigit("31415926535") == 2);  // r = 9
    CHECK(myNumberCheckDigit("10000000000") == 5);  // only P11 (weight 6): r = 6
    // r <= 1 gives 0: 27182818284 sums to 221 (r = 1), all zeros to 0 (r = 0).
    CHECK(myNumberCheckDigit("27182818284") == 0);
    CHECK(myNumberCheckDigit("00000000000") == 0);
    // Weights by position from the right: P1 (11th digit) has weight 2, P6 has 7, P7 has 2.
    CHECK(myNumberCheckDigit("00000000001") == 9);  // r = 2
    CHECK(myNumberCheckDigit("00000100000") == 4);  // P6 * 7 → r = 7
    CHECK(myNumberCheckDigit("00001000000") == 9);  // P7 * 2 → r = 2
}

TEST_CASE("check digit refuses anything but 11 ASCII digits", "[my_number]") {
    CHECK(myNumberCheckDigit("") == -1);
    CHECK(myNumberCheckDigit("1234567890") == -1);
    CHECK(myNumberCheckDigit("123456789012") == -1);
    CHECK(myNumberCheckDigit("1234567890A") == -1);
    CHECK(myNumberCheckDigit("1234 678901") == -1);
    CHECK(myNumberCheckDigit("１２３４５６７８９０１") == -1);  // full-width digits (UTF-8)
}

TEST_CASE("isValidMyNumber", "[my_number]") {
    CHECK(isValidMyNumber("123456789018"));
    CHECK(isValidMyNumber("271828182840"));
    for (char d = '0'; d <= '9'; ++d) {
        if (d == '8') continue;
        std::string wrong = std::string("12345678901") + d;
        INFO(wrong);
        CHECK_FALSE(isValidMyNumber(wrong));
    }
    CHECK_FALSE(isValidMyNumber("12345678901"));
    CHECK_FALSE(isValidMyNumber("1234567890180"));
    CHECK_FALSE(isValidMyNumber("12345678901X"));
    CHECK_FALSE(isValidMyNumber(""));
}
