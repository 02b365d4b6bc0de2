// CardChannel: 61xx / 6Cxx handling, trace masking, transactions, apduCount.
#include <catch2/catch.hpp>

#include <stdexcept>
#include <vector>

#include "apdu/card_channel.h"
#include "apdu/errors.h"
#include "tests/support/scripted_transport.h"

using namespace mynacard::apdu;
using mynacard::CardStatusError;
using mynacard::ProtocolError;
using mynacard::test::ScriptedTransport;

namespace {
Bytes seq(std::size_t n, std::uint8_t start = 0) {
    Bytes b(n);
    for (std::size_t i = 0; i < n; ++i) b[i] = static_cast<std::uint8_t>(start + i);
    return b;
}
Bytes withSw(Bytes data, std::uint16_t sw) {
    data.push_back(static_cast<std::uint8_t>(sw >> 8));
    data.push_back(static_cast<std::uint8_t>(sw));
    return data;
}
}  // namespace

TEST_CASE("plain exchange returns data and SW", "[channel]") {
    ScriptedTransport t;
    t.expect("00 A4 04 0C 0A D3 92 F0 00 26 01 00 00 00 01", "90 00")
        .expect("00 84 00 00 08", "01 02 03 04 05 06 07 08 90 00");
    CardChannel ch(t);
    CHECK(ch.transmit(cmd::selectAid(fromHex("D392F000260100000001"))).ok());
    auto r = ch.transmit(cmd::getChallenge(8));
    CHECK(r.ok());
    CHECK(r.data == seq(8, 1));
    CHECK(ch.apduCount() == 2);
    CHECK(t.finished());
}

TEST_CASE("status words other than 61/6C are returned untouched", "[channel]") {
    ScriptedTransport t({{"00 A4 02 0C 02 00 01", "6A 82"}});
    CardChannel ch(t);
    auto r = ch.transmit(cmd::selectEf(0x0001));
    CHECK(r.sw == 0x6A82);
    CHECK(r.data.empty());
    CHECK(t.finished());
}

TEST_CASE("61xx: GET RESPONSE accumulates data", "[channel][61xx]") {
    ScriptedTransport t;
    t.expect("80 2A 00 80 03 AA BB CC 00", "61 00")
        .expect("00 C0 00 00 00", withSw(seq(256), 0x9000));
    CardChannel ch(t);
    auto r = ch.transmit(cmd::computeDigitalSignature(0x00, 0x80, fromHex("AABBCC")));
    CHECK(r.ok());
    CHECK(r.data == seq(256));  // 6100 means 256
    CHECK(ch.apduCount() == 2);
    CHECK(t.finished());
}

TEST_CASE("61xx: data in the first answer and several GET RESPONSEs are concatenated",
          "[channel][61xx]") {
    ScriptedTransport t;
    t.expect("00 B0 00 00 00", "AA BB 61 02")
        .expect("00 C0 00 00 02", "CC DD 61 10")
        .expect("00 C0 00 00 10", withSw(seq(16), 0x9000));
    CardChannel ch(t);
    auto r = ch.transmit(cmd::readBinary(0, 256));
    CHECK(r.ok());
    Bytes want = fromHex("AABBCCDD");
    Bytes tail = seq(16);
    want.insert(want.end(), tail.begin(), tail.end());
    CHECK(r.data == want);
    CHECK(ch.apduCount() == 3);
    CHECK(t.finished());
}

TEST_CASE("61xx: the final status word is the last answer's", "[channel][61xx]") {
    ScriptedTransport t;
    t.expect("00 B0 00 00 00", "61 03").expect("00 C0 00 00 03", "01 02 03 62 82");
    CardChannel ch(t);
    auto r = ch.transmit(cmd::readBinary(0, 256));
    CHECK(r.sw == 0x6282);
    CHECK(r.data == fromHex("010203"));
}

TEST_CASE("61xx: an endless chain is cut after 64 GET RESPONSEs", "[channel][61xx]") {
    ScriptedTransport t([](const Bytes&) { return fromHex("00 61 01"); });
    CardChannel ch(t);
    CHECK_THROWS_AS(ch.transmit(cmd::getChallenge(8)), ProtocolError);
    CHECK(t.exchanges() == 1 + 64);
    CHECK(ch.apduCount() == 65);
}

TEST_CASE("61xx: exactly 64 GET RESPONSEs are still fine", "[channel][61xx]") {
    int calls = 0;
    ScriptedTransport t([&](const Bytes&) {
        ++calls;
        return calls <= 64 ? fromHex("AA 61 01") : fromHex("BB 90 00");
    });
    CardChannel ch(t);
    auto r = ch.transmit(cmd::getChallenge(8));
    CHECK(r.ok());
    CHECK(r.data.size() == 65);
    CHECK(r.data.back() == 0xBB);
}

TEST_CASE("6Cxx: the command is re-sent once with the card's Le", "[channel][6Cxx]") {
    ScriptedTransport t;
    t.expect("00 84 00 00 10", "6C 08").expect("00 84 00 00 08", withSw(seq(8), 0x9000));
    CardChannel ch(t);
    auto r = ch.transmit(cmd::getChallenge(16));
    CHECK(r.ok());
    CHECK(r.data == seq(8));
    CHECK(ch.apduCount() == 2);
    CHECK(t.finished());
}

TEST_CASE("6C00 means Le 256; a case-1 command gains an Le", "[channel][6Cxx]") {
    ScriptedTransport t;
    t.expect("00 CA 5F 51", "6C 00").expect("00 CA 5F 51 00", withSw(seq(256), 0x9000));
    CardChannel ch(t);
    CommandApdu getData;
    getData.ins = 0xCA;
    getData.p1 = 0x5F;
    getData.p2 = 0x51;
    auto r = ch.transmit(getData);
    CHECK(r.ok());
    CHECK(r.data.size() == 256);
    CHECK(t.finished());
}

TEST_CASE("6Cxx twice is a ProtocolError", "[channel][6Cxx]") {
    ScriptedTransport t;
    t.expect("00 84 00 00 10", "6C 08").expect("00 84 00 00 08", "6C 04");
    CardChannel ch(t);
    CHECK_THROWS_AS(ch.transmit(cmd::getChallenge(16)), ProtocolError);
    CHECK(t.finished());
}

TEST_CASE("6Cxx then 61xx, and 6Cxx on GET RESPONSE", "[channel][6Cxx][61xx]") {
    ScriptedTransport t;
    t.expect("00 B0 00 00 10", "6C 04")
        .expect("00 B0 00 00 04", "61 04")
        .expect("00 C0 00 00 04", "6C 02")
        .expect("00 C0 00 00 02", "01 02 90 00");
    CardChannel ch(t);
    auto r = ch.transmit(cmd::readBinary(0, 16));
    CHECK(r.ok());
    CHECK(r.data == fromHex("0102"));
    CHECK(ch.apduCount() == 4);
    CHECK(t.finished());
}

TEST_CASE("6Cxx twice on GET RESPONSE is a ProtocolError", "[channel][6Cxx][61xx]") {
    ScriptedTransport t;
    t.expect("00 B0 00 00 10", "61 04")
        .expect("00 C0 00 00 04", "6C 02")
        .expect("00 C0 00 00 02", "6C 01");
    CardChannel ch(t);
    CHECK_THROWS_AS(ch.transmit(cmd::readBinary(0, 16)), ProtocolError);
}

TEST_CASE("an answer without status word is a ProtocolError", "[channel]") {
    ScriptedTransport t([](const Bytes&) { return Bytes{0x90}; });
    CardChannel ch(t);
    CHECK_THROWS_AS(ch.transmit(cmd::getChallenge(8)), ProtocolError);
}

TEST_CASE("trace shows every exchange and masks secrets", "[channel][trace]") {
    ScriptedTransport t;
    t.expect("00 A4 02 0C 02 00 1B", "90 00")
        .expect("00 20 00 80 06 41 42 43 31 32 33", "63 C4")
        .expect("00 20 00 80", "63 C4")
        .expect("00 24 01 80 04 35 36 37 38", "90 00")
        .expect("80 32 00 80 04 31 32 33 34", "90 00");
    CardChannel ch(t);
    std::vector<TraceEvent> events;
    ch.setTraceHook([&](const TraceEvent& e) { events.push_back(e); });
    ch.transmit(cmd::selectEf(0x001B));
    ch.transmit(cmd::verify(0x80, SecureBytes::fromString("ABC123")));
    ch.transmit(cmd::verifyStatus(0x80));
    ch.transmit(cmd::changeReferenceData(0x80, SecureBytes::fromString("5678")));
    ch.transmit(cmd::changeKey(0x80, SecureBytes::fromString("1234")));
    REQUIRE(events.size() == 5);
    CHECK(events[0].command == "00 A4 02 0C 02 00 1B");
    CHECK(events[0].response == "90 00");
    CHECK(events[1].command == "00 20 00 80 06 XX XX XX XX XX XX");
    CHECK(events[1].response == "63 C4");
    CHECK(events[2].command == "00 20 00 80");
    CHECK(events[3].command == "00 24 01 80 04 XX XX XX XX");
    CHECK(events[4].command == "80 32 00 80 04 XX XX XX XX");
    CHECK(t.finished());
}

TEST_CASE("trace masks by INS even without the sensitive flag, and by flag for any INS",
          "[channel][trace]") {
    ScriptedTransport t([](const Bytes&) { return fromHex("90 00"); });
    CardChannel ch(t);
    std::vector<std::string> lines;
    ch.setTraceHook([&](const TraceEvent& e) { lines.push_back(e.command); });

    for (std::uint8_t ins : {0x20, 0x24, 0x32}) {
        CommandApdu c;  // hand-built, sensitive left false
        c.cla = ins == 0x32 ? 0x80 : 0x00;
        c.ins = ins;
        c.p2 = 0x80;
        c.data = fromHex("31 32 33 34");
        ch.transmit(c);
    }
    CommandApdu other;  // e.g. a secret sent with a proprietary INS
    other.ins = 0x88;
    other.data = fromHex("DE AD");
    other.ne = 256;
    other.sensitive = true;
    ch.transmit(other);

    CommandApdu ext = cmd::verify(0x80, SecureBytes::fromString("99"));
    ext.forceExtended = true;  // data starts after a 3-byte Lc
    ch.transmit(ext);

    CommandApdu plain;  // not secret: shown in full
    plain.ins = 0x88;
    plain.data = fromHex("DE AD");
    ch.transmit(plain);

    REQUIRE(lines.size() == 6);
    CHECK(lines[0] == "00 20 00 80 04 XX XX XX XX");
    CHECK(lines[1] == "00 24 00 80 04 XX XX XX XX");
    CHECK(lines[2] == "80 32 00 80 04 XX XX XX XX");
    CHECK(lines[3] == "00 88 00 00 02 XX XX 00");
    CHECK(lines[4] == "00 20 00 80 00 00 02 XX XX");
    CHECK(lines[5] == "00 88 00 00 02 DE AD");
    // What the card received was the real secret.
    CHECK(toHex(t.commands()[0], true) == "00 20 00 80 04 31 32 33 34");
}

TEST_CASE("trace sees 61xx / 6Cxx follow-ups as their own lines", "[channel][trace]") {
    ScriptedTransport t;
    t.expect("00 84 00 00 10", "6C 02")
        .expect("00 84 00 00 02", "61 01")
        .expect("00 C0 00 00 01", "AA 90 00");
    CardChannel ch(t);
    std::vector<TraceEvent> ev;
    ch.setTraceHook([&](const TraceEvent& e) { ev.push_back(e); });
    ch.transmit(cmd::getChallenge(16));
    REQUIRE(ev.size() == 3);
    CHECK(ev[0].response == "6C 02");
    CHECK(ev[1].command == "00 84 00 00 02");
    CHECK(ev[2].command == "00 C0 00 00 01");
    CHECK(ev[2].response == "AA 90 00");
    // The summary for logs that must not hold response data (PKCS#11 debug log, issue 13).
    CHECK(ev[0].responseSummary == "6C02");
    CHECK(ev[2].responseSummary == "[1 bytes] 9000");
}

TEST_CASE("a throwing trace hook does not change the card operation's result", "[channel][trace]") {
    ScriptedTransport t({{"00 20 00 80 04 31 32 33 34", "90 00"}});
    CardChannel ch(t);
    int calls = 0;
    ch.setTraceHook([&](const TraceEvent&) {
        ++calls;
        throw std::runtime_error("log disk full");
    });
    auto r = ch.transmit(cmd::verify(0x80, SecureBytes::fromString("1234")));
    CHECK(r.ok());
    CHECK(calls == 1);
}

TEST_CASE("transport errors propagate unchanged", "[channel]") {
    ScriptedTransport t([](const Bytes&) -> Bytes {
        throw mynacard::TransportError(mynacard::TransportError::Kind::CardRemoved, "removed");
    });
    CardChannel ch(t);
    try {
        ch.transmit(cmd::getChallenge(8));
        FAIL("no exception");
    } catch (const mynacard::TransportError& e) {
        CHECK(e.kind() == mynacard::TransportError::Kind::CardRemoved);
    }
}

TEST_CASE("Transaction: only the outermost scope begins and ends", "[channel][transaction]") {
    ScriptedTransport t;
    CardChannel ch(t);
    {
        CardChannel::Transaction outer(ch);
        CHECK(t.beginCount() == 1);
        {
            CardChannel::Transaction inner(ch);
            CHECK(t.beginCount() == 1);
        }
        CHECK(t.endCount() == 0);
        CHECK(t.transactionDepth() == 1);
    }
    CHECK(t.beginCount() == 1);
    CHECK(t.endCount() == 1);
    CHECK(t.transactionDepth() == 0);
    { CardChannel::Transaction again(ch); }
    CHECK(t.beginCount() == 2);
    CHECK(t.endCount() == 2);
}

TEST_CASE("Transaction: a failing end is swallowed, a failing begin leaves no scope open",
          "[channel][transaction]") {
    ScriptedTransport t;
    CardChannel ch(t);
    t.setThrowOnEndTransaction(true);
    CHECK_NOTHROW([&] { CardChannel::Transaction tx(ch); }());
    CHECK(t.endCount() == 1);

    t.setThrowOnEndTransaction(false);
    t.setThrowOnBeginTransaction(true);
    CHECK_THROWS_AS(CardChannel::Transaction(ch), std::runtime_error);
    t.setThrowOnBeginTransaction(false);
    {
        // Depth is back at 0, so this scope must begin a real transaction again.
        CardChannel::Transaction tx(ch);
        CHECK(t.beginCount() == 2);
    }
    CHECK(t.endCount() == 2);
}

TEST_CASE("a channel's settings", "[channel]") {
    ScriptedTransport t;
    CardChannel ch(t);
    CHECK(ch.maxChunk() == 256);
    CHECK_FALSE(ch.extendedLength());
    ch.setMaxChunk(128);
    CHECK(ch.maxChunk() == 128);
    CHECK_THROWS_AS(ch.setMaxChunk(0), std::invalid_argument);
    CHECK_THROWS_AS(ch.setMaxChunk(257), std::invalid_argument);
    CHECK(ch.maxChunk() == 128);
    ch.setExtendedLength(true);
    CHECK(ch.extendedLength());
    CHECK(&ch.transport() == &t);
}

// Fuzzing finding F1: re-sending a VERIFY after 6Cxx would spend a second PIN try.
TEST_CASE("6Cxx to a command carrying a secret is returned, never re-sent", "[channel][6Cxx][pin]") {
    for (std::uint8_t ins : {0x20, 0x24}) {
        ScriptedTransport t;
        CommandApdu c = ins == 0x20 ? cmd::verify(0x80, SecureBytes::fromString("1234"))
                                    : cmd::changeReferenceData(0x80, SecureBytes::fromString("1234"));
        t.expect(ins == 0x20 ? "00 20 00 80 04 31 32 33 34" : "00 24 01 80 04 31 32 33 34", "6C 04");
        CardChannel ch(t);
        auto r = ch.transmit(c);
        CHECK(r.sw == 0x6C04);
        CHECK(ch.apduCount() == 1);
        CHECK(t.finished());
    }
    ScriptedTransport t;
    t.expect("80 32 00 80 04 31 32 33 34", "6C 04");
    CardChannel ch(t);
    CHECK(ch.transmit(cmd::changeKey(0x80, SecureBytes::fromString("1234"))).sw == 0x6C04);
    CHECK(ch.apduCount() == 1);
}
