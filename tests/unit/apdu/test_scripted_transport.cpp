// The test transport itself: its checks must really fail when the code under test misbehaves.
#include <catch2/catch.hpp>

#include "tests/support/scripted_transport.h"

using namespace mynacard::apdu;
using mynacard::test::ScriptedTransport;

TEST_CASE("ScriptedTransport replays steps in order and counts", "[scripted]") {
    ScriptedTransport t({{"00 84 00 00 08", "01 02 03 04 05 06 07 08 90 00"}});
    t.expect("00 20 00 80", "63 C3");
    CHECK(t.remaining() == 2);
    CHECK(t.transmit(fromHex("0084000008")) == fromHex("0102030405060708 9000"));
    CHECK_FALSE(t.finished());
    CHECK(t.transmit(fromHex("00200080")) == fromHex("63C3"));
    CHECK(t.finished());
    CHECK(t.exchanges() == 2);
    REQUIRE(t.commands().size() == 2);
    CHECK(t.commands()[1] == fromHex("00200080"));
}

TEST_CASE("ScriptedTransport wildcard byte matches any byte", "[scripted]") {
    ScriptedTransport t({{"00 88 00 00 02 ?? ?? 00", "90 00"}});
    CHECK(t.transmit(fromHex("00 88 00 00 02 12 34 00")) == fromHex("9000"));
    CHECK(t.finished());
}

// [!shouldfail]: Catch2 reports these as passing only if they fail, i.e. only if the transport
// really fails a test that sends a wrong or an extra command.
TEST_CASE("ScriptedTransport fails the test on a wrong command", "[scripted][!shouldfail]") {
    ScriptedTransport t({{"00 84 00 00 08", "90 00"}});
    t.transmit(fromHex("00 84 00 00 10"));
}

TEST_CASE("ScriptedTransport fails the test on an extra command", "[scripted][!shouldfail]") {
    ScriptedTransport t({{"00 84 00 00 08", "90 00"}});
    t.transmit(fromHex("00 84 00 00 08"));
    t.transmit(fromHex("00 84 00 00 08"));
}

TEST_CASE("ScriptedTransport wildcard does not match a different length",
          "[scripted][!shouldfail]") {
    ScriptedTransport t({{"00 88 00 00 02 ?? ?? 00", "90 00"}});
    t.transmit(fromHex("00 88 00 00 01 12 00"));
}

TEST_CASE("ScriptedTransport handler mode and reader facts", "[scripted]") {
    ScriptedTransport t([](const Bytes& c) {
        Bytes r = c;
        r.push_back(0x90);
        r.push_back(0x00);
        return r;
    });
    CHECK(t.transmit(fromHex("AA")) == fromHex("AA 90 00"));
    CHECK(t.exchanges() == 1);
    t.setReaderName("vpcd 0");
    CHECK(t.readerName() == "vpcd 0");
    t.setAtr(fromHex("3B 88 80 01"));
    CHECK(t.atr() == fromHex("3B888001"));
}
