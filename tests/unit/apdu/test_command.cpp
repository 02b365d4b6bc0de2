// Every builder against known byte strings (spec §3, §4.4), and ISO 7816-4 §5.1 length encoding.
#include <catch2/catch.hpp>

#include <stdexcept>
#include <type_traits>

#include "apdu/command.h"

using namespace mynacard::apdu;

namespace {
std::string enc(const CommandApdu& c) { return toHex(c.encode(), true); }

CommandApdu raw(std::size_t nc, std::optional<std::size_t> ne, bool forceExtended = false) {
    CommandApdu c;
    c.cla = 0x00;
    c.ins = 0xB0;
    c.data.assign(nc, 0xAB);
    c.ne = ne;
    c.forceExtended = forceExtended;
    return c;
}

std::string abHex(std::size_t n) {  // n bytes of AB, spaced
    std::string s;
    for (std::size_t i = 0; i < n; ++i) s += i ? " AB" : "AB";
    return s;
}
}  // namespace

// Other layers brace-initialise CommandApdu; the wiping destructor must not break that.
static_assert(std::is_aggregate_v<CommandApdu>);

TEST_CASE("SELECT by AID: JPKI-AP", "[command]") {
    auto c = cmd::selectAid(fromHex("D3 92 F0 00 26 01 00 00 00 01"));
    CHECK(enc(c) == "00 A4 04 0C 0A D3 92 F0 00 26 01 00 00 00 01");
    CHECK(c.isoCase() == 3);
    CHECK_FALSE(c.sensitive);
    CHECK(enc(cmd::selectAid(fromHex("D3 92 10 00 31 00 01 01 04 08"))) ==
          "00 A4 04 0C 0A D3 92 10 00 31 00 01 01 04 08");
    CHECK_THROWS_AS(cmd::selectAid(Bytes{}), std::invalid_argument);
    CHECK_THROWS_AS(cmd::selectAid(Bytes(17, 0xA0)), std::invalid_argument);
    CHECK_NOTHROW(cmd::selectAid(Bytes(16, 0xA0)));
}

TEST_CASE("SELECT EF by FID", "[command]") {
    CHECK(enc(cmd::selectEf(0x001B)) == "00 A4 02 0C 02 00 1B");
    CHECK(enc(cmd::selectEf(0x000A)) == "00 A4 02 0C 02 00 0A");
    CHECK(enc(cmd::selectEf(0x2F01)) == "00 A4 02 0C 02 2F 01");
}

TEST_CASE("READ BINARY", "[command]") {
    CHECK(enc(cmd::readBinary(0, 256)) == "00 B0 00 00 00");
    CHECK(enc(cmd::readBinary(0, 7)) == "00 B0 00 00 07");
    CHECK(enc(cmd::readBinary(0x0100, 0xE8)) == "00 B0 01 00 E8");
    CHECK(enc(cmd::readBinary(0x7FFF, 1)) == "00 B0 7F FF 01");
    CHECK(enc(cmd::readBinary(0, 65536)) == "00 B0 00 00 00 00 00");  // case 2E, whole EF
    CHECK(enc(cmd::readBinary(0x0200, 257)) == "00 B0 02 00 00 01 01");
    CHECK(cmd::readBinary(0, 256).isoCase() == 2);
    CHECK_FALSE(cmd::readBinary(0, 256).isExtended());
    CHECK(cmd::readBinary(0, 257).isExtended());
    CHECK_THROWS_AS(cmd::readBinary(0x8000, 1), std::invalid_argument);
}

TEST_CASE("READ BINARY by SFI", "[command]") {
    CHECK(enc(cmd::readBinarySfi(0x01, 0x00, 65536)) == "00 B0 81 00 00 00 00");  // JSA style
    CHECK(enc(cmd::readBinarySfi(0x02, 0x10, 0x20)) == "00 B0 82 10 20");
    CHECK(enc(cmd::readBinarySfi(30, 0xFF, 256)) == "00 B0 9E FF 00");
    CHECK_THROWS_AS(cmd::readBinarySfi(0, 0, 1), std::invalid_argument);
    CHECK_THROWS_AS(cmd::readBinarySfi(31, 0, 1), std::invalid_argument);
}

TEST_CASE("READ RECORD", "[command]") {
    CHECK(enc(cmd::readRecord(1, 1, 256)) == "00 B2 01 0C 00");  // MYNA: record 1 of SFI 1
    CHECK(enc(cmd::readRecord(1, 0, 256)) == "00 B2 01 04 00");  // current EF
    CHECK(enc(cmd::readRecord(2, 30, 0x1E)) == "00 B2 02 F4 1E");
    CHECK_THROWS_AS(cmd::readRecord(1, 31, 256), std::invalid_argument);
}

TEST_CASE("VERIFY with and without data", "[command]") {
    auto v = cmd::verify(0x80, SecureBytes::fromString("1234"));
    CHECK(enc(v) == "00 20 00 80 04 31 32 33 34");
    CHECK(v.sensitive);
    CHECK(v.isoCase() == 3);
    CHECK(enc(cmd::verify(0x98, SecureBytes::fromString("ABC123"))) ==
          "00 20 00 98 06 41 42 43 31 32 33");

    auto s = cmd::verifyStatus(0x80);
    CHECK(enc(s) == "00 20 00 80");
    CHECK(s.isoCase() == 1);
    CHECK_FALSE(s.sensitive);

    CHECK_THROWS_AS(cmd::verify(0x80, SecureBytes()), std::invalid_argument);
    CHECK_THROWS_AS(cmd::verify(0x80, SecureBytes(256)), std::invalid_argument);
}

TEST_CASE("CHANGE REFERENCE DATA and CHANGE KEY", "[command]") {
    auto c = cmd::changeReferenceData(0x80, SecureBytes::fromString("5678"));
    CHECK(enc(c) == "00 24 01 80 04 35 36 37 38");
    CHECK(c.sensitive);
    auto k = cmd::changeKey(0x80, SecureBytes::fromString("1234"));
    CHECK(enc(k) == "80 32 00 80 04 31 32 33 34");
    CHECK(k.sensitive);
    CHECK_THROWS_AS(cmd::changeKey(0x80, SecureBytes()), std::invalid_argument);
    CHECK_THROWS_AS(cmd::changeReferenceData(0x80, SecureBytes()), std::invalid_argument);
}

TEST_CASE("COMPUTE DIGITAL SIGNATURE with a SHA-256 DigestInfo", "[command]") {
    const Bytes digestInfo = fromHex(
        "30 31 30 0D 06 09 60 86 48 01 65 03 04 02 01 05 00 04 20"
        "00 01 02 03 04 05 06 07 08 09 0A 0B 0C 0D 0E 0F 10 11 12 13 14 15 16 17 18 19 1A 1B 1C 1D "
        "1E 1F");
    REQUIRE(digestInfo.size() == 51);
    auto c = cmd::computeDigitalSignature(0x00, 0x80, digestInfo);
    CHECK(enc(c) == "80 2A 00 80 33 " + toHex(digestInfo, true) + " 00");
    CHECK(c.isoCase() == 4);
    CHECK_FALSE(c.isExtended());
    CHECK_THROWS_AS(cmd::computeDigitalSignature(0x00, 0x80, Bytes{}), std::invalid_argument);
}

TEST_CASE("GET RESPONSE and GET CHALLENGE", "[command]") {
    CHECK(enc(cmd::getResponse(256)) == "00 C0 00 00 00");
    CHECK(enc(cmd::getResponse(0x10)) == "00 C0 00 00 10");
    CHECK(enc(cmd::getChallenge(8)) == "00 84 00 00 08");
    CHECK(enc(cmd::getChallenge(256)) == "00 84 00 00 00");
}

TEST_CASE("ISO 7816-4 §5.1 case 1", "[command][encode]") {
    CHECK(enc(raw(0, std::nullopt)) == "00 B0 00 00");
    CHECK(raw(0, std::nullopt).isoCase() == 1);
    // Case 1 has no length field, so there is nothing to make extended.
    CHECK(enc(raw(0, std::nullopt, true)) == "00 B0 00 00");
    CHECK_FALSE(raw(0, std::nullopt, true).isExtended());
}

TEST_CASE("ISO 7816-4 §5.1 case 2 short and extended", "[command][encode]") {
    CHECK(enc(raw(0, 1)) == "00 B0 00 00 01");
    CHECK(enc(raw(0, 255)) == "00 B0 00 00 FF");
    CHECK(enc(raw(0, 256)) == "00 B0 00 00 00");        // Ne 256 short → Le 00
    CHECK(enc(raw(0, 257)) == "00 B0 00 00 00 01 01");  // 2E: 00 hi lo
    CHECK(enc(raw(0, 65535)) == "00 B0 00 00 00 FF FF");
    CHECK(enc(raw(0, 65536)) == "00 B0 00 00 00 00 00");      // Ne 65536 → 00 00
    CHECK(enc(raw(0, 256, true)) == "00 B0 00 00 00 01 00");  // forced extended
    CHECK(enc(raw(0, 1, true)) == "00 B0 00 00 00 00 01");
}

TEST_CASE("ISO 7816-4 §5.1 case 3 short and extended", "[command][encode]") {
    CHECK(enc(raw(1, std::nullopt)) == "00 B0 00 00 01 AB");
    CHECK(enc(raw(255, std::nullopt)) == "00 B0 00 00 FF " + abHex(255));
    CHECK(enc(raw(256, std::nullopt)) == "00 B0 00 00 00 01 00 " + abHex(256));  // 3E
    CHECK(enc(raw(2, std::nullopt, true)) == "00 B0 00 00 00 00 02 AB AB");
    const Bytes big = raw(65535, std::nullopt).encode();
    REQUIRE(big.size() == 4 + 3 + 65535);
    CHECK(toHex(Bytes(big.begin(), big.begin() + 7)) == "00B0000000FFFF");
}

TEST_CASE("ISO 7816-4 §5.1 case 4 short and extended", "[command][encode]") {
    CHECK(enc(raw(1, 256)) == "00 B0 00 00 01 AB 00");
    CHECK(enc(raw(255, 255)) == "00 B0 00 00 FF " + abHex(255) + " FF");
    // Extended: Lc = 00 hi lo, then Le = hi lo (no leading 00 after an extended Lc).
    CHECK(enc(raw(256, 256)) == "00 B0 00 00 00 01 00 " + abHex(256) + " 01 00");
    CHECK(enc(raw(1, 65536)) == "00 B0 00 00 00 00 01 AB 00 00");
    CHECK(enc(raw(1, 257)) == "00 B0 00 00 00 00 01 AB 01 01");
    CHECK(enc(raw(2, 256, true)) == "00 B0 00 00 00 00 02 AB AB 01 00");
    CHECK(raw(1, 65536).isoCase() == 4);
}

TEST_CASE("encode refuses impossible lengths", "[command][encode]") {
    CHECK_THROWS_AS(raw(65536, std::nullopt).encode(), std::invalid_argument);
    CHECK_THROWS_AS(raw(0, 0).encode(), std::invalid_argument);
    CHECK_THROWS_AS(raw(0, 65537).encode(), std::invalid_argument);
    CHECK_THROWS_AS(raw(1, 65537).encode(), std::invalid_argument);
}

TEST_CASE("copies of a sensitive command keep the flag", "[command]") {
    auto v = cmd::verify(0x80, SecureBytes::fromString("1234"));
    CommandApdu copy = v;
    CHECK(copy.sensitive);
    CHECK(copy.data == v.data);
    CommandApdu moved = std::move(copy);
    CHECK(moved.sensitive);
    CHECK(enc(moved) == "00 20 00 80 04 31 32 33 34");
}
