// SimTransport, and the real APDU layer (CardChannel) driving the simulator through it.
#include <catch2/catch.hpp>

#include "apdu/card_channel.h"
#include "apdu/command.h"
#include "apdu/errors.h"
#include "test_sim_support.h"

using namespace simtest;
using mynacard::sim::Variants;
namespace apdu = mynacard::apdu;

TEST_CASE("SimTransport basics", "[cardsim][transport]") {
    Sim sim;
    auto& t = *sim.transport;
    CHECK(t.readerName() == "mynacard simulator");
    CHECK(t.atr() == hex("3BE000FF8131FE4514"));
    t.beginTransaction();
    t.endTransaction();
    CHECK(t.transactionCount() == 1);
    CHECK(t.transmit(hex("00A4040C0AD392F000260100000001")) == hex("9000"));
    CHECK(t.apduCount() == 1);
    t.removeCard();
    CHECK_THROWS_AS(t.transmit(hex("00A4020C02000A")), mynacard::TransportError);
    t.insertCard();
    CHECK(t.transmit(hex("00A4020C02000A")) == hex("6A82"));  // power cycle: no AP selected
}

TEST_CASE("CardChannel reads certificates from the simulator", "[cardsim][transport]") {
    for (bool t0 : {false, true}) {
        for (int maxRead : {0, 128}) {
            Variants v;
            v.t0Style = t0;
            v.maxReadBinary = maxRead;
            Sim sim(v);
            apdu::CardChannel channel(*sim.transport);
            CHECK(channel.transmit(apdu::cmd::selectAid(mynacard::sim::appletAid(AppletId::Jpki)))
                      .ok());
            CHECK(channel.transmit(apdu::cmd::selectEf(0x000A)).ok());
            CHECK(channel.readTlvFile() == sim.card->data().authCert);
        }
    }
}

TEST_CASE("SimCard built from a profile alone (buildCardData) signs verifiably",
          "[cardsim][transport]") {
    mynacard::sim::SimCard card(mynacard::sim::defaultProfile());
    mynacard::sim::SimTransport t(card);
    apdu::CardChannel channel(t);
    REQUIRE(channel.transmit(apdu::cmd::selectAid(mynacard::sim::appletAid(AppletId::Jpki))).ok());
    REQUIRE(channel.transmit(apdu::cmd::selectEf(0x000A)).ok());
    const Bytes cert = channel.readTlvFile();
    REQUIRE(channel.transmit(apdu::cmd::selectEf(0x0018)).ok());
    REQUIRE(channel
                .transmit(
                    apdu::cmd::verify(0x80, apdu::SecureBytes::fromString(card.profile().pinAuth)))
                .ok());
    REQUIRE(channel.transmit(apdu::cmd::selectEf(0x0017)).ok());
    const Bytes message = ascii("from the profile");
    auto sig =
        channel.transmit(apdu::cmd::computeDigitalSignature(0x00, 0x80, sha256DigestInfo(message)));
    REQUIRE(sig.ok());
    CHECK(verifyWithCert(cert, message, sig.data));
}
