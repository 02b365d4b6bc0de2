// Profile variants (spec §10, §15): T=0 style, short reads, card generations and tokens.
#include <catch2/catch.hpp>

#include "test_sim_support.h"

using namespace simtest;
using mynacard::sim::Variants;

TEST_CASE("Variant t0Style: data only through GET RESPONSE", "[cardsim][variant]") {
    Variants v;
    v.t0Style = true;
    Sim sim(v);
    sim.selectAp(AppletId::Jpki);
    sim.selectEf(0x000A);
    const Bytes& cert = sim.card->data().authCert;
    Resp r = sim.send("00 B0 00 00 10");
    CHECK(r.sw == 0x6110);
    CHECK(r.data.empty());
    Resp g = sim.send("00 C0 00 00 08");
    CHECK(g.sw == 0x6108);  // 8 more waiting
    CHECK(g.data == Bytes(cert.begin(), cert.begin() + 8));
    Resp g2 = sim.send("00 C0 00 00 08");
    CHECK(g2.sw == 0x9000);
    CHECK(g2.data == Bytes(cert.begin() + 8, cert.begin() + 16));
    CHECK(sim.send("00 C0 00 00 08").sw == 0x6985);
    CHECK(sim.send("00 B0 00 00 00").sw == 0x6100);  // 256 bytes
    sim.send("00 A4 02 0C 02 00 0B");                // another command drops pending data
    CHECK(sim.send("00 C0 00 00 00").sw == 0x6985);
    CHECK(sim.send("00 B0 7F 00 01").sw == 0x6B00);  // status words without data pass through
}

TEST_CASE("Variant maxReadBinary caps each READ BINARY", "[cardsim][variant]") {
    Variants v;
    v.maxReadBinary = 128;
    Sim sim(v);
    sim.selectAp(AppletId::Jpki);
    sim.selectEf(0x000A);
    CHECK(sim.send("00 B0 00 00 00").data.size() == 128);
    CHECK(sim.send("00 B0 00 00 20").data.size() == 32);
    Resp all = sim.readEf(0x000A);  // chunked reads still get everything
    CHECK(all.data == sim.card->data().authCert);
}

TEST_CASE("Variant noSignatureCertificate (under-15 card)", "[cardsim][variant]") {
    Variants v;
    v.noSignatureCertificate = true;
    Sim sim(v);
    sim.selectAp(AppletId::Jpki);
    CHECK(sim.send("00 A4 02 0C 02 00 01").sw == 0x6A82);
    CHECK(sim.send("00 A4 02 0C 02 00 1A").sw == 0x6A82);
    CHECK(sim.send("00 A4 02 0C 02 00 1B").sw == 0x6A82);
    Resp avail = sim.readEf(0x0008);
    REQUIRE(avail.data.size() >= 1);
    CHECK(avail.data[0] != 0x8F);
    CHECK(sim.readEf(0x000A).sw == 0x9000);  // the auth side is unchanged
    CHECK(sim.verify(0x0018, sim.profile.pinAuth) == 0x9000);
}

TEST_CASE("Token smartphone: JPKI-AP only, auth certificate needs the auth PIN",
          "[cardsim][variant]") {
    Variants v;
    v.token = "smartphone";
    Sim sim(v);
    CHECK(sim.send(apduHex(0x00, 0xA4, 0x04, 0x0C, mynacard::sim::appletAid(AppletId::TextAssist)))
              .sw == 0x6A82);
    CHECK(
        sim.send(apduHex(0x00, 0xA4, 0x04, 0x0C, mynacard::sim::appletAid(AppletId::Common))).sw ==
        0x6A82);
    sim.selectAp(AppletId::Jpki);
    Resp token = sim.readEf(0x0006);
    REQUIRE(token.data.size() >= 15);
    CHECK(std::string(token.data.begin(), token.data.begin() + 15) == "JPKIAPGPSETOKEN");
    CHECK(sim.readEf(0x000A).sw == 0x6982);
    REQUIRE(sim.verify(0x0018, sim.profile.pinAuth) == 0x9000);
    Resp cert = sim.readEf(0x000A);
    CHECK(cert.sw == 0x9000);
    CHECK(cert.data == sim.card->data().authCert);
}

TEST_CASE("Token juki: old 住基カード with the signature certificate only", "[cardsim][variant]") {
    Variants v;
    v.token = "juki";
    Sim sim(v);
    sim.selectAp(AppletId::Jpki);
    Resp token = sim.readEf(0x0006);
    REQUIRE(token.data.size() >= 15);
    CHECK(std::string(token.data.begin(), token.data.begin() + 15) == "JPKIAPICCTOKEN ");
    CHECK(sim.send("00 A4 02 0C 02 00 0A").sw == 0x6A82);
    CHECK(sim.send("00 A4 02 0C 02 00 18").sw == 0x6A82);
    REQUIRE(sim.verify(0x001B, sim.profile.pinSign) == 0x9000);
    CHECK(sim.readEf(0x0001).sw == 0x9000);
    CHECK_FALSE(sim.card->hasApplet(AppletId::TextAssist));
}

TEST_CASE("Token jpki-only: no EF 0006/0008 and no other applets", "[cardsim][variant]") {
    Variants v;
    v.token = "jpki-only";
    Sim sim(v);
    sim.selectAp(AppletId::Jpki);
    CHECK(sim.send("00 A4 02 0C 02 00 06").sw == 0x6A82);
    CHECK(sim.send("00 A4 02 0C 02 00 08").sw == 0x6A82);
    CHECK(sim.readEf(0x000A).sw == 0x9000);
    for (AppletId ap :
         {AppletId::TextAssist, AppletId::CardFace, AppletId::Resident, AppletId::Common})
        CHECK(sim.send(apduHex(0x00, 0xA4, 0x04, 0x0C, mynacard::sim::appletAid(ap))).sw == 0x6A82);
}

TEST_CASE("The default card has all five applets", "[cardsim]") {
    Sim sim;
    for (AppletId ap : {AppletId::Jpki, AppletId::TextAssist, AppletId::CardFace,
                        AppletId::Resident, AppletId::Common}) {
        CHECK(sim.card->hasApplet(ap));
        CHECK(sim.send(apduHex(0x00, 0xA4, 0x04, 0x0C, mynacard::sim::appletAid(ap))).sw == 0x9000);
    }
    CHECK(sim.send("00 A4 04 0C 07 A0 00 00 01 51 00 00").sw == 0x9000);  // ISD: back to MF state
    CHECK_FALSE(sim.card->currentApplet());
}
