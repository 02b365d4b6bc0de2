// Malformed and unexpected commands get the ISO status word (spec §3, §3.1), never a crash.
#include <catch2/catch.hpp>

#include "cardsim/apdu_parser.h"
#include "cardsim/trace_log.h"
#include "test_sim_support.h"

using namespace simtest;
using mynacard::sim::parseApdu;
using mynacard::sim::Variants;

TEST_CASE("APDU parser: cases 1-4, short and extended", "[cardsim][apdu]") {
    auto c1 = parseApdu(hex("00A40000"));
    REQUIRE(c1);
    CHECK_FALSE(c1->hasLe);
    CHECK(c1->data.empty());
    auto c2 = parseApdu(hex("00B0000000"));
    REQUIRE(c2);
    CHECK(c2->le == 256);
    auto c3 = parseApdu(hex("00A4020C020001"));
    REQUIRE(c3);
    CHECK(c3->data == hex("0001"));
    CHECK_FALSE(c3->hasLe);
    auto c4 =
        parseApdu(hex("802A0080020102"
                      "00"));
    REQUIRE(c4);
    CHECK(c4->data.size() == 2);
    CHECK(c4->le == 256);
    auto c2e = parseApdu(hex("00B08100000000"));
    REQUIRE(c2e);
    CHECK(c2e->extended);
    CHECK(c2e->le == 65536);
    auto c4e = parseApdu(hex("802A0080000002AABB0100"));
    REQUIRE(c4e);
    CHECK(c4e->extended);
    CHECK(c4e->data == hex("AABB"));
    CHECK(c4e->le == 256);
    CHECK_FALSE(parseApdu(hex("00A402")));
    CHECK_FALSE(parseApdu(hex("00A4020C0300")));        // Lc 3, one byte of data
    CHECK_FALSE(parseApdu(hex("00A4020C02000100FF")));  // two trailing bytes
    CHECK_FALSE(parseApdu(hex("00A4020C00000001")));    // extended Lc of 0
    CHECK_FALSE(parseApdu(hex("00A4020C0000")));        // truncated extended header
}

TEST_CASE("Malformed commands", "[cardsim][apdu]") {
    Sim sim;
    CHECK(sim.send("00 A4 04").sw == 0x6700);                       // too short
    CHECK(sim.send("00 A4 04 0C 0A D3 92 F0").sw == 0x6700);        // Lc larger than the data
    CHECK(sim.send("00 A4 04 0C 02 D3 92 F0 00 26").sw == 0x6700);  // Lc smaller than the data
    CHECK(sim.send("00 12 00 00").sw == 0x6D00);                    // unknown INS
    CHECK(sim.send("A0 A4 04 0C 0A D3 92 F0 00 26 01 00 00 00 01").sw == 0x6E00);  // wrong CLA
    CHECK(sim.send("80 A4 04 0C 0A D3 92 F0 00 26 01 00 00 00 01").sw ==
          0x6E00);                                      // ISO INS with CLA 80
    CHECK(sim.send("00 2A 00 80 01 00").sw == 0x6E00);  // proprietary INS with CLA 00
    CHECK(sim.send("00 A4 04 0C").sw == 0x6700);        // SELECT AID without data
}

TEST_CASE("No AP or no EF selected", "[cardsim][apdu]") {
    Sim sim;
    CHECK(sim.send("00 A4 02 0C 02 00 01").sw == 0x6A82);  // SELECT EF with no AP
    CHECK(sim.send("00 B0 00 00 00").sw == 0x6986);        // READ with no current EF
    CHECK(sim.send("00 B2 01 04 00").sw == 0x6986);
    CHECK(sim.send("00 20 00 80 04 31 32 33 34").sw == 0x6986);  // VERIFY, no AP
    CHECK(sim.send("00 A4 00 00").sw == 0x6A86);                 // SELECT MF after reset (spec §3)
    sim.selectAp(AppletId::Jpki);
    CHECK(sim.send("00 20 00 80 04 31 32 33 34").sw == 0x6986);  // VERIFY without a selected key EF
    CHECK(sim.send("00 20 00 80").sw == 0x6986);
    CHECK(sim.send("80 2A 00 80 01 00 00").sw == 0x6986);
    CHECK(sim.send("00 A4 00 00").sw == 0x9000);  // SELECT MF with an AP: no change
    CHECK(sim.card->currentApplet() == AppletId::Jpki);
    CHECK(sim.send("00 A4 00 00 02 3F 00").sw == 0x6A82);
    sim.selectEf(0x000A);
    CHECK(sim.send("00 20 00 80 04 31 32 33 34").sw == 0x6A88);  // a certificate is not a key
    CHECK(sim.send("00 20 01 80 04 31 32 33 34").sw == 0x6A86);
    CHECK(sim.send("00 20 00 00 04 31 32 33 34").sw == 0x6A86);
    CHECK(sim.send("00 A4 09 0C 02 00 0A").sw == 0x6A86);  // path selection does not work (spec §3)
    CHECK(sim.send("00 A4 02 00 02 00 0A").sw == 0x6A86);
    CHECK(sim.send("00 A4 02 0C 01 00").sw == 0x6700);
    CHECK(sim.send("00 A4 02 0C 02 00 1F").sw == 0x6A82);
    sim.selectEf(0x0018);
    CHECK(sim.send("00 B0 00 00 00").sw == 0x6981);  // READ of a key reference
}

TEST_CASE("READ BINARY offsets, EOF, Le and SFI", "[cardsim][apdu]") {
    Sim sim;
    sim.selectAp(AppletId::Jpki);
    sim.selectEf(0x000A);
    const Bytes& cert = sim.card->data().authCert;
    REQUIRE(cert.size() > 300);
    Resp first = sim.send("00 B0 00 00 07");
    CHECK(first.data == Bytes(cert.begin(), cert.begin() + 7));
    Resp full = sim.send("00 B0 00 00 00");  // Le 00 = 256
    CHECK(full.data.size() == 256);
    Resp at = sim.send("00 B0 01 00 10");
    CHECK(at.data == Bytes(cert.begin() + 256, cert.begin() + 272));
    const std::size_t size = cert.size();
    Resp tail = sim.send(apduHex(0x00, 0xB0, static_cast<std::uint8_t>((size - 3) >> 8),
                                 static_cast<std::uint8_t>(size - 3), {}, 0));
    CHECK(tail.sw == 0x9000);
    CHECK(tail.data.size() == 3);  // up to the end of the file
    CHECK(sim.send(apduHex(0x00, 0xB0, static_cast<std::uint8_t>(size >> 8),
                           static_cast<std::uint8_t>(size), {}, 0))
              .sw == 0x6B00);
    CHECK(sim.send("00 B0 7F FF 01").sw == 0x6B00);
    CHECK(sim.send("00 B0 00 00").sw == 0x6700);  // no Le
    // Extended Le reads the whole EF in one APDU (JSA style).
    sim.selectEf(0x0002);
    Resp ext = sim.send("00 B0 8A 00 00 00 00");  // SFI 0A, offset 0, Le 65536
    CHECK(ext.sw == 0x9000);
    CHECK(ext.data == cert);
    CHECK(sim.send("00 B0 00 00 00").data.size() == 256);  // SFI read made 000A current
    CHECK(sim.send("00 B0 9F 00 00").sw == 0x6A82);        // SFI 1F: no such EF
}

TEST_CASE("GET CHALLENGE and GET RESPONSE", "[cardsim][apdu]") {
    Sim sim;
    Resp c1 = sim.send("00 84 00 00 08");
    Resp c2 = sim.send("00 84 00 00 08");
    CHECK(c1.sw == 0x9000);
    CHECK(c1.data.size() == 8);
    CHECK(c1.data != c2.data);
    CHECK(sim.send("00 84 00 00 00").data.size() == 256);
    CHECK(sim.send("00 84 00 00 00 00 08").sw == 0x6985);  // extended (spec §3.1)
    CHECK(sim.send("00 84 00 01 08").sw == 0x6A86);
    CHECK(sim.send("00 C0 00 00 10").sw == 0x6985);  // nothing pending
}

TEST_CASE("Other proprietary commands", "[cardsim][apdu]") {
    Sim sim;
    sim.selectAp(AppletId::Jpki);
    CHECK(sim.send("80 AE 00 00 02 00 00").sw == 0x6982);  // SET SESSION KEY (spec §4.6)
    sim.selectAp(AppletId::Common);
    CHECK(sim.send("80 AE 00 00 02 00 00").sw == 0x66F1);
    CHECK(sim.send("80 FC 00 00").sw == 0x6700);  // last command indicator (spec §4.6)
    CHECK(sim.send("00 CA 00 F0 00").sw == 0x6A88);
}

TEST_CASE("Variant rejectExtended answers 6700 to any extended APDU", "[cardsim][apdu][variant]") {
    Variants v;
    v.rejectExtended = true;
    Sim sim(v);
    sim.selectAp(AppletId::Jpki);
    CHECK(sim.send("00 B0 8A 00 00 00 00").sw == 0x6700);
    CHECK(sim.send("00 A4 02 0C 00 00 02 00 0A").sw == 0x6700);
    CHECK(sim.send("00 B0 8A 00 00").sw == 0x9000);  // short still works
}

TEST_CASE("Trace lines mask the data of VERIFY and PIN changes", "[cardsim][trace]") {
    using mynacard::sim::traceCommand;
    using mynacard::sim::traceResponse;
    CHECK(traceCommand(hex("0020008004 31323334")) == "> 00 20 00 80 04 XX XX XX XX");
    CHECK(traceCommand(hex("0024018004 39383736")) == "> 00 24 01 80 04 XX XX XX XX");
    CHECK(traceCommand(hex("8032008004 39383736")) == "> 80 32 00 80 04 XX XX XX XX");
    CHECK(traceCommand(hex("00200080 00 0004 31323334")) == "> 00 20 00 80 00 00 04 XX XX XX XX");
    CHECK(traceCommand(hex("00200080")) == "> 00 20 00 80");
    CHECK(traceCommand(hex("00A4020C020001")) == "> 00 A4 02 0C 02 00 01");
    CHECK(traceCommand(hex("0020008009 3132")) ==
          "> 00 20 00 80 XX XX XX");  // malformed: all masked
    CHECK(traceResponse(hex("63C2")) == "< 63 C2");
}

TEST_CASE("Random APDUs never crash the card", "[cardsim][apdu]") {
    Sim sim;
    std::uint32_t state = 12345;
    auto next = [&] {
        state = state * 1103515245u + 12345u;
        return static_cast<std::uint8_t>(state >> 16);
    };
    const std::uint8_t ins[] = {0xA4, 0xB0, 0xB2, 0x20, 0x24, 0x32,
                                0x2A, 0x84, 0xC0, 0x88, 0xCA, 0xAE};
    for (int i = 0; i < 3000; ++i) {
        Bytes a{static_cast<std::uint8_t>(next() & 0x80), ins[next() % sizeof ins], next(), next()};
        const int extra = next() % 12;
        for (int k = 0; k < extra; ++k) a.push_back(next());
        if (i % 50 == 0) sim.selectAp(AppletId::Jpki);
        Bytes raw = sim.transport->transmit(a);
        REQUIRE(raw.size() >= 2);
        CHECK_FALSE((raw[raw.size() - 2] == 0x6F && raw.back() == 0x00));  // no internal failure
    }
}
