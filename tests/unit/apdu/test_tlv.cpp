// BER-TLV edge cases: every malformed input must be a ProtocolError, never an out-of-bounds read
// (run this binary under -DMYNACARD_SANITIZE=ON to have ASan check the "never" part).
#include <catch2/catch.hpp>

#include <random>
#include <stdexcept>
#include <string>

#include "apdu/errors.h"
#include "apdu/tlv.h"

using namespace mynacard::apdu;
using mynacard::ProtocolError;

TEST_CASE("single-byte tag, short length", "[tlv]") {
    Tlv t = parseTlv(fromHex("04 03 41 42 43"));
    CHECK(t.tag == 0x04);
    CHECK_FALSE(t.constructed);
    CHECK(t.headerLength == 2);
    CHECK(t.value == fromHex("414243"));
    CHECK(t.totalLength() == 5);
}

TEST_CASE("multi-byte tags DF21, 7F21, 5F4E and three-byte tags", "[tlv]") {
    Tlv a = parseTlv(fromHex("DF 21 02 AA BB"));
    CHECK(a.tag == 0xDF21);
    CHECK_FALSE(a.constructed);
    CHECK(a.headerLength == 3);
    CHECK(a.value == fromHex("AABB"));

    Tlv b = parseTlv(fromHex("7F 21 03 5F 4E 00"));
    CHECK(b.tag == 0x7F21);
    CHECK(b.constructed);
    Tlv inner = b.require(0x5F4E);
    CHECK(inner.tag == 0x5F4E);
    CHECK(inner.value.empty());

    Tlv c = parseTlv(fromHex("5F 81 01 01 99"));
    CHECK(c.tag == 0x5F8101);
    CHECK(c.headerLength == 4);
    CHECK(c.value == Bytes{0x99});
}

TEST_CASE("tags longer than three bytes are refused", "[tlv]") {
    CHECK_THROWS_AS(parseTlv(fromHex("5F 81 81 01 00")), ProtocolError);
    CHECK_THROWS_AS(tlvTotalLength(fromHex("5F 81 81 01 00").data(), 5), ProtocolError);
}

TEST_CASE("zero-length value", "[tlv]") {
    Tlv t = parseTlv(fromHex("DF 22 00"));
    CHECK(t.tag == 0xDF22);
    CHECK(t.value.empty());
    CHECK(t.totalLength() == 3);
}

TEST_CASE("long-form lengths 81, 82, 83", "[tlv]") {
    Bytes v128(128, 0x11);
    Bytes in81 = fromHex("DF 21 81 80");
    in81.insert(in81.end(), v128.begin(), v128.end());
    Tlv a = parseTlv(in81);
    CHECK(a.headerLength == 4);
    CHECK(a.value == v128);

    // Spec §13.8: EF 0004 is 7F21 82 02 33 + 563 bytes = 568 bytes.
    Bytes in82 = fromHex("7F 21 82 02 33");
    in82.resize(568, 0x22);
    Tlv b = parseTlv(in82);
    CHECK(b.tag == 0x7F21);
    CHECK(b.headerLength == 5);
    CHECK(b.value.size() == 563);
    CHECK(b.totalLength() == 568);

    Bytes in83 = fromHex("04 83 01 00 00");
    in83.resize(5 + 65536, 0x33);
    Tlv c = parseTlv(in83);
    CHECK(c.headerLength == 5);
    CHECK(c.value.size() == 65536);

    // BER (unlike DER) allows a non-minimal long form; the card's records are BER.
    Tlv d = parseTlv(fromHex("04 81 02 AA BB"));
    CHECK(d.value == fromHex("AABB"));
    Tlv e = parseTlv(fromHex("04 82 00 01 CC"));
    CHECK(e.value == fromHex("CC"));
}

TEST_CASE("indefinite length and lengths of 2^24 or more are refused", "[tlv]") {
    CHECK_THROWS_AS(parseTlv(fromHex("30 80 04 00 00 00")), ProtocolError);
    CHECK_THROWS_AS(parseTlv(fromHex("04 84 00 00 00 01 AA")), ProtocolError);
    CHECK_THROWS_AS(parseTlv(fromHex("04 FF 01")), ProtocolError);
    const Bytes ind = fromHex("30 80");
    CHECK_THROWS_AS(tlvTotalLength(ind.data(), ind.size()), ProtocolError);
}

TEST_CASE("truncated headers", "[tlv]") {
    for (const char* hex : {"", "DF", "DF 21", "5F 81", "30 81", "30 82 01", "30 83 01 00"}) {
        INFO(hex);
        const Bytes b = fromHex(hex);
        CHECK_THROWS_AS(parseTlv(b), ProtocolError);
        CHECK_FALSE(tlvTotalLength(b.data(), b.size()).has_value());
    }
}

TEST_CASE("value longer than the data (over-long length)", "[tlv]") {
    CHECK_THROWS_AS(parseTlv(fromHex("04 05 01 02")), ProtocolError);
    CHECK_THROWS_AS(parseTlv(fromHex("DF 21 81 80 00")), ProtocolError);
    Bytes almost = fromHex("30 82 01 00");
    almost.resize(4 + 255);
    CHECK_THROWS_AS(parseTlv(almost), ProtocolError);
    almost.push_back(0);
    CHECK_NOTHROW(parseTlv(almost));
    // The header alone is complete, so the total is known even though the value is missing.
    CHECK(tlvTotalLength(almost.data(), 4) == std::optional<std::size_t>(260));
}

TEST_CASE("padding: trailing filler ignored, 00 or FF filler where a tag should be refused",
          "[tlv]") {
    Tlv t = parseTlv(fromHex("04 01 AA FF FF FF"));
    CHECK(t.value == fromHex("AA"));
    CHECK(t.totalLength() == 3);
    CHECK_THROWS_AS(parseTlv(fromHex("FF FF FF FF")), ProtocolError);  // erased file
    CHECK_THROWS_AS(parseTlv(fromHex("00 01 AA")), ProtocolError);
    const Bytes ff = fromHex("FF FF FF FF");
    CHECK_THROWS_AS(tlvTotalLength(ff.data(), ff.size()), ProtocolError);
    CHECK_FALSE(tlvTotalLength(ff.data(), 2).has_value());  // could still become a tag
}

TEST_CASE("the card's private-class FF tags (spec §5.3)", "[tlv]") {
    // Text AP EF 0001: FF 10 0C + 12 ASCII digits + two FF filler bytes (17 bytes physical).
    const Bytes ef1 = fromHex("FF 10 0C 31 32 33 34 35 36 37 38 39 30 31 38 FF FF");
    Tlv t = parseTlv(ef1);
    CHECK(t.tag == 0xFF10);
    CHECK(t.constructed);
    CHECK(std::string(t.value.begin(), t.value.end()) == "123456789018");
    CHECK(t.totalLength() == 15);
    CHECK(tlvTotalLength(ef1.data(), 3) == std::optional<std::size_t>(15));
    auto whole = parseTlvSequence(ef1, true);  // trailing FF run is filler
    REQUIRE(whole.size() == 1);
    CHECK(whole[0].tag == 0xFF10);
    CHECK_THROWS_AS(parseTlvSequence(ef1, false), ProtocolError);

    // EF 0002 shape: FF 20 81 xx { DF21 offsets, DF22 name, ... } with an 81 length.
    Bytes name(120, 0x41);
    Bytes inner = encodeTlv(0xDF21, fromHex("0000000000000000"));
    const Bytes df22 = encodeTlv(0xDF22, name);
    inner.insert(inner.end(), df22.begin(), df22.end());
    Bytes rec = encodeTlv(0xFF20, inner);
    CHECK(toHex(Bytes(rec.begin(), rec.begin() + 4)) == "FF208186");
    rec.push_back(0xFF);
    Tlv r = parseTlv(rec);
    CHECK(r.require(0xDF22).value == name);
    // A nested FF-led child is a tag, not padding.
    Tlv nested = parseTlv(fromHex("30 05 FF 10 02 AA BB"));
    REQUIRE(nested.children().size() == 1);
    CHECK(nested.children()[0].tag == 0xFF10);
}

TEST_CASE("sequences with and without padding", "[tlv]") {
    const Bytes padded = fromHex("00 DF 21 01 AA 00 00 DF 22 00 FF FF");
    auto seq = parseTlvSequence(padded, true);
    REQUIRE(seq.size() == 2);
    CHECK(seq[0].tag == 0xDF21);
    CHECK(seq[0].value == fromHex("AA"));
    CHECK(seq[1].tag == 0xDF22);
    CHECK(seq[1].value.empty());
    CHECK_THROWS_AS(parseTlvSequence(padded, false), ProtocolError);

    auto strict = parseTlvSequence(fromHex("DF 21 01 AA DF 22 00"));
    CHECK(strict.size() == 2);
    CHECK(parseTlvSequence(Bytes{}).empty());
    CHECK_THROWS_AS(parseTlvSequence(fromHex("DF 21 01 AA DF 22 05 01")), ProtocolError);
}

TEST_CASE("nested structures: children, find, require", "[tlv]") {
    // FF20 { DF21 "AB", 7F21 { 5F4E 01 }, DF22 "" } — shaped like the text-AP records.
    const Bytes inner = encodeTlv(0x7F21, encodeTlv(0x5F4E, fromHex("01")));
    Bytes value = encodeTlv(0xDF21, fromHex("4142"));
    value.insert(value.end(), inner.begin(), inner.end());
    const Bytes empty = encodeTlv(0xDF22, {});
    value.insert(value.end(), empty.begin(), empty.end());
    const Bytes outerBytes = encodeTlv(0xFF20, value);
    CHECK(toHex(outerBytes, true) == "FF 20 0F DF 21 02 41 42 7F 21 04 5F 4E 01 01 DF 22 00");

    Tlv outer = parseTlv(outerBytes);
    CHECK(outer.tag == 0xFF20);
    CHECK(outer.constructed);
    auto kids = outer.children();
    REQUIRE(kids.size() == 3);
    CHECK(kids[0].tag == 0xDF21);
    CHECK(kids[1].tag == 0x7F21);
    CHECK(kids[2].tag == 0xDF22);
    CHECK(outer.find(0xDF21)->value == fromHex("4142"));
    CHECK_FALSE(outer.find(0xDF23).has_value());
    CHECK(outer.require(0x7F21).require(0x5F4E).value == fromHex("01"));
    CHECK_THROWS_AS(outer.require(0xDF23), ProtocolError);
    try {
        outer.require(0xDF23);
    } catch (const ProtocolError& e) {
        CHECK(std::string(e.what()).find("DF23") != std::string::npos);
    }

    // A child that overruns its parent is malformed even if the outer bytes continue.
    Tlv lying = parseTlv(fromHex("30 03 04 05 AA 00 00 00"));
    CHECK_THROWS_AS(lying.children(), ProtocolError);
}

TEST_CASE("every strict prefix of a nested object is a ProtocolError", "[tlv]") {
    Bytes cert = fromHex("30 82 01 0A 30 82 01 04");
    cert.resize(4 + 0x10A, 0x5A);
    REQUIRE_NOTHROW(parseTlv(cert));
    for (std::size_t n = 0; n < cert.size(); ++n) {
        INFO(n);
        CHECK_THROWS_AS(parseTlv(cert.data(), n), ProtocolError);
    }
}

TEST_CASE("encodeTag / encodeLength / encodeTlv", "[tlv]") {
    CHECK(encodeTag(0x30) == fromHex("30"));
    CHECK(encodeTag(0xDF21) == fromHex("DF21"));
    CHECK(encodeTag(0x5F8101) == fromHex("5F8101"));
    CHECK(encodeLength(0) == fromHex("00"));
    CHECK(encodeLength(127) == fromHex("7F"));
    CHECK(encodeLength(128) == fromHex("8180"));
    CHECK(encodeLength(255) == fromHex("81FF"));
    CHECK(encodeLength(256) == fromHex("820100"));
    CHECK(encodeLength(65535) == fromHex("82FFFF"));
    CHECK(encodeLength(65536) == fromHex("83010000"));
    CHECK(encodeLength(0xFFFFFF) == fromHex("83FFFFFF"));
    CHECK_THROWS_AS(encodeLength(0x1000000), std::invalid_argument);
    for (std::size_t n : {0, 1, 127, 128, 255, 256, 1000, 65536}) {
        INFO(n);
        Bytes v(n, 0x42);
        Tlv t = parseTlv(encodeTlv(0xDF21, v));
        CHECK(t.tag == 0xDF21);
        CHECK(t.value == v);
        CHECK(t.totalLength() == encodeTlv(0xDF21, v).size());
    }
}

TEST_CASE("random bytes never escape as anything but ProtocolError", "[tlv][fuzz]") {
    std::mt19937 rng(20261125);
    std::size_t parsed = 0, refused = 0;
    for (int i = 0; i < 20000; ++i) {
        Bytes b(rng() % 12);
        for (auto& x : b) x = static_cast<std::uint8_t>(rng());
        if (b.size() >= 2 && rng() % 2) {
            // Bias half the inputs towards a plausible header (single-byte constructed tag, a
            // length that fits), so the value/children paths are exercised too, not only refusals.
            b[0] = static_cast<std::uint8_t>(0x20 | (rng() & 0xC0) | (rng() % 0x1F));
            b[1] = static_cast<std::uint8_t>(rng() % (b.size() - 1));
        }
        try {
            Tlv t = parseTlv(b);
            REQUIRE(t.totalLength() <= b.size());
            (void)tlvTotalLength(b.data(), b.size());
            try {
                for (const Tlv& c : t.children()) REQUIRE(c.totalLength() <= t.value.size());
            } catch (const ProtocolError&) {
            }
            (void)parseTlvSequence(b, true);
            ++parsed;
        } catch (const ProtocolError&) {
            ++refused;
        }
    }
    // Both outcomes must actually occur, or the generator is not exercising the parser.
    CHECK(parsed > 100);
    CHECK(refused > 100);
}
