#include <catch2/catch.hpp>

#include <stdexcept>
#include <utility>

#include "apdu/bytes.h"

using namespace mynacard::apdu;

TEST_CASE("toHex upper-case, plain and spaced", "[bytes]") {
    const Bytes b{0x00, 0xA4, 0x0c, 0xFF};
    CHECK(toHex(b) == "00A40CFF");
    CHECK(toHex(b, true) == "00 A4 0C FF");
    CHECK(toHex(Bytes{}) == "");
    CHECK(toHex(Bytes{}, true) == "");
    CHECK(toHex(b.data() + 1, 2) == "A40C");
}

TEST_CASE("fromHex accepts separators between bytes and either case", "[bytes]") {
    CHECK(fromHex("00A4040C") == Bytes{0x00, 0xA4, 0x04, 0x0C});
    CHECK(fromHex("00 a4\t04\n0c") == Bytes{0x00, 0xA4, 0x04, 0x0C});
    CHECK(fromHex("de:ad:BE:EF") == Bytes{0xDE, 0xAD, 0xBE, 0xEF});
    CHECK(fromHex("") == Bytes{});
    CHECK(fromHex("   ") == Bytes{});
}

TEST_CASE("fromHex refuses malformed input", "[bytes]") {
    CHECK_THROWS_AS(fromHex("ABC"), std::invalid_argument);   // odd
    CHECK_THROWS_AS(fromHex("0G"), std::invalid_argument);    // not hex
    CHECK_THROWS_AS(fromHex("0x12"), std::invalid_argument);  // prefix is not hex
    CHECK_THROWS_AS(fromHex("0 A"), std::invalid_argument);   // separator inside a byte
}

TEST_CASE("hex round trip over every byte value", "[bytes]") {
    Bytes all;
    for (int i = 0; i < 256; ++i) all.push_back(static_cast<std::uint8_t>(i));
    CHECK(fromHex(toHex(all)) == all);
    CHECK(fromHex(toHex(all, true)) == all);
}

TEST_CASE("secureWipe zeroes the given range only", "[bytes]") {
    std::uint8_t buf[8] = {1, 2, 3, 4, 5, 6, 7, 8};
    secureWipe(buf + 2, 4);
    const std::uint8_t want[8] = {1, 2, 0, 0, 0, 0, 7, 8};
    CHECK(std::equal(buf, buf + 8, want));
    secureWipe(nullptr, 0);  // harmless
}

TEST_CASE("SecureBytes holds a copy of the secret", "[bytes][secure]") {
    SecureBytes s = SecureBytes::fromString("1234");
    REQUIRE(s.size() == 4);
    CHECK(s[0] == '1');
    CHECK(s[3] == '4');
    CHECK(Bytes(s.begin(), s.end()) == fromHex("31323334"));
    CHECK_FALSE(s.empty());

    SecureBytes zero(3);
    CHECK(Bytes(zero.begin(), zero.end()) == Bytes{0, 0, 0});
    CHECK(SecureBytes().empty());
}

TEST_CASE("SecureBytes::clear wipes the storage before emptying", "[bytes][secure]") {
    SecureBytes s = SecureBytes::fromString("PASSWORD");
    const std::uint8_t* storage = s.data();
    const std::size_t n = s.size();
    s.clear();
    CHECK(s.empty());
    CHECK(s.size() == 0);
    // clear() keeps the (wiped) block allocated until destruction, so this reads live memory.
    for (std::size_t i = 0; i < n; ++i) CHECK(storage[i] == 0);
}

TEST_CASE("SecureBytes moves hand over the block without copying", "[bytes][secure]") {
    SecureBytes a = SecureBytes::fromString("secret");
    const std::uint8_t* storage = a.data();
    SecureBytes b(std::move(a));
    CHECK(a.empty());  // NOLINT(bugprone-use-after-move): the moved-from state is specified
    CHECK(b.data() == storage);
    CHECK(Bytes(b.begin(), b.end()) == fromHex("736563726574"));

    SecureBytes c = SecureBytes::fromString("x");
    c = std::move(b);
    CHECK(b.empty());  // NOLINT(bugprone-use-after-move)
    CHECK(c.data() == storage);
    CHECK(c.size() == 6);
}

TEST_CASE("SecureBytes::clone makes an independent copy", "[bytes][secure]") {
    SecureBytes a = SecureBytes::fromString("5678");
    SecureBytes b = a.clone();
    CHECK(b.data() != a.data());
    a.clear();
    CHECK(Bytes(b.begin(), b.end()) == fromHex("35363738"));
}
