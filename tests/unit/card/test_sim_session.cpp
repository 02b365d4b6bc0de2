// Card-session bookkeeping: applet selection, reset/removal, logout, short-read cards.
#include <catch2/catch.hpp>

#include "apdu/card/common_applet.h"
#include "apdu/card/jpki_applet.h"
#include "apdu/card/text_applet.h"
#include "sim_fixture.h"

using namespace mynacard;
using namespace mynacard::card;
using mynacard::test::SimFixture;
using mynacard::test::variantProfile;

TEST_CASE("the current applet is never re-selected", "[sim][session]") {
    SimFixture f;
    f.session.selectApplet(Applet::Jpki);
    f.session.selectApplet(Applet::Jpki);
    CHECK(f.transport.count(0xA4) == 1);
    f.session.verify(makeCredential(Secret::JpkiAuthPin, "1234"));
    f.session.selectApplet(Applet::Jpki);
    CHECK(f.session.isVerified(Secret::JpkiAuthPin));
    f.session.selectApplet(Applet::Text);  // leaving JPKI drops its state
    CHECK_FALSE(f.session.isVerified(Secret::JpkiAuthPin));
    CHECK(f.session.currentApplet() == Applet::Text);
}

TEST_CASE("reset and removal forget login state and caches", "[sim][session]") {
    SimFixture f;
    JpkiApplet jpki(f.session);
    jpki.verify(makeCredential(Secret::JpkiAuthPin, "1234"));
    jpki.certificate(JpkiCertificate::Auth);
    REQUIRE(jpki.cachedCertificate(JpkiCertificate::Auth));

    bool once = false;  // outlives the sections: the hook stays installed afterwards
    SECTION("reset") {
        f.transport.before = [&](const apdu::Bytes&, bool&) {
            if (!once) {
                once = true;
                f.card.reset();
                throw TransportError(TransportError::Kind::CardReset, "reset by another process");
            }
        };
        CHECK_THROWS_AS(jpki.sign(JpkiKey::Auth, digestInfoForData(HashAlgorithm::Sha256, {1})),
                        TransportError);
    }
    SECTION("removal") {
        f.simTransport.removeCard();
        CHECK_THROWS_AS(jpki.sign(JpkiKey::Auth, digestInfoForData(HashAlgorithm::Sha256, {1})),
                        TransportError);
        f.simTransport.insertCard();
    }
    CHECK_FALSE(jpki.isLoggedIn(JpkiKey::Auth));
    CHECK_FALSE(jpki.cachedCertificate(JpkiCertificate::Auth));
    CHECK_FALSE(f.session.currentApplet());
    // The session works again afterwards (re-selects, re-reads, needs a new login).
    CHECK(jpki.certificate(JpkiCertificate::Auth) == f.card.data().authCert);
    CHECK_THROWS_AS(jpki.sign(JpkiKey::Auth, digestInfoForData(HashAlgorithm::Sha256, {1})),
                    PinError);
    CHECK(f.transport.verifiesWithData() == 1);
}

TEST_CASE("logout drops the card's security state by selecting another applet", "[sim][session]") {
    SimFixture f;
    JpkiApplet jpki(f.session);
    jpki.verify(makeCredential(Secret::JpkiAuthPin, "1234"));
    CHECK(jpki.logout());
    CHECK(f.session.currentApplet() != Applet::Jpki);
    CHECK(f.card.currentApplet() != sim::AppletId::Jpki);
    CHECK_THROWS_AS(jpki.sign(JpkiKey::Auth, digestInfoForData(HashAlgorithm::Sha256, {1})),
                    PinError);
}

TEST_CASE("another process switching applets between our transactions", "[sim][session]") {
    SimFixture f;
    JpkiApplet jpki(f.session);
    jpki.certificate(JpkiCertificate::AuthCa);
    card::CardSession other(f.simTransport);
    TextApplet(other).pinStatus();  // leaves the text AP selected
    // Nothing was verified in JPKI: the session notices (6A82 on SELECT EF), re-selects, reads.
    CHECK(jpki.certificate(JpkiCertificate::Auth) == f.card.data().authCert);
}

TEST_CASE("newly inserted card: serial, kind and both counters in 10 APDUs",
          "[sim][session][count]") {
    SimFixture f;
    {
        CardSession::Transaction tx(f.session);
        std::optional<CommonInfo> common = CommonApplet(f.session).read();  // before any VERIFY
        REQUIRE(common);
        CHECK(common->serial == f.profile.serial);
        CHECK(f.session.identify().kind == CardKind::MyNumberCard);
        JpkiApplet jpki(f.session);
        CHECK(jpki.pinStatus(JpkiKey::Auth).triesLeft == 3);
        CHECK(jpki.pinStatus(JpkiKey::Sign).triesLeft == 5);
    }
    CHECK(f.transport.commands.size() == 10);
}
