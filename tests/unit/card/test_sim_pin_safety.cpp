// PIN safety against the simulator: bad secrets cost nothing, counters are read first, blocked
// and final-try secrets are never sent, no replay after 6982 or a broken link.
#include <catch2/catch.hpp>

#include "apdu/card/face_applet.h"
#include "apdu/card/jpki_applet.h"
#include "apdu/card/resident_applet.h"
#include "apdu/card/text_applet.h"
#include "sim_fixture.h"

using namespace mynacard;
using namespace mynacard::card;
using mynacard::test::SimFixture;
using mynacard::test::variantProfile;

namespace {

struct KeyRef {
    Secret secret;
    sim::AppletId applet;
    std::uint16_t ef;
};

const KeyRef kKeys[] = {
    {Secret::JpkiAuthPin, sim::AppletId::Jpki, 0x0018},
    {Secret::JpkiSignPassword, sim::AppletId::Jpki, 0x001B},
    {Secret::TextPin, sim::AppletId::TextAssist, 0x0011},
    {Secret::TextCollationA, sim::AppletId::TextAssist, 0x0014},
    {Secret::TextCollationB, sim::AppletId::TextAssist, 0x0015},
    {Secret::FaceCollationA, sim::AppletId::CardFace, 0x0013},
    {Secret::FaceCollationB, sim::AppletId::CardFace, 0x0012},
    {Secret::FaceBirthDateKey, sim::AppletId::CardFace, 0x0011},
    {Secret::ResidentPin, sim::AppletId::Resident, 0x001C},
};

std::vector<std::string> badValues(Secret s) {
    switch (secretInfo(s).format) {
        case SecretFormat::Pin4:
            return {"", "123", "12345", "12a4", "12.4"};
        case SecretFormat::SignPassword:
            return {"AB12", "ABCDEFG", "1234567", "ABC 123", "ABC12$"};
        case SecretFormat::CollationA:
            return {"123456789012", "12345678901", "1234567890185", "12345678901x"};
        case SecretFormat::CollationB:
            return {"5502172035228", "55021720352285X", "55133120352285", "55021719992285",
                    "198002172035"};
        case SecretFormat::BirthDateKey:
            return {"55021", "5502170", "551317", "19800217"};
    }
    return {};
}

}  // namespace

TEST_CASE("bad secrets cost no try and send nothing", "[sim][pin][bad]") {
    SimFixture f;
    for (const KeyRef& k : kKeys) {
        PinStatus before = f.session.pinStatus(k.secret);
        REQUIRE(before.known());
        for (const std::string& bad : badValues(k.secret)) {
            INFO(secretName(k.secret) << " value length " << bad.size());
            std::size_t sent = f.transport.commands.size();
            try {
                f.session.verify(makeCredential(k.secret, bad, true));
                FAIL("accepted a malformed secret");
            } catch (const PinError& e) {
                CHECK(e.kind() == PinError::Kind::InvalidFormat);
            }
            CHECK(f.transport.commands.size() == sent);  // not a single APDU
        }
        CHECK(f.session.pinStatus(k.secret).triesLeft == before.triesLeft);
        CHECK(f.card.triesLeft(k.applet, k.ef) == before.triesLeft);
    }
    CHECK(f.transport.verifiesWithData() == 0);
}

TEST_CASE("lower-case signature password is upper-cased and verifies", "[sim][pin]") {
    SimFixture f;
    CHECK(f.session.pinStatus(Secret::JpkiSignPassword).triesLeft == 5);
    f.session.verify(makeCredential(Secret::JpkiSignPassword, "abc123"));
    CHECK(f.session.isVerified(Secret::JpkiSignPassword));
    CHECK(f.card.triesLeft(sim::AppletId::Jpki, 0x001B) == 5);
}

TEST_CASE("final try refused without consent; blocked never sent", "[sim][pin][final]") {
    const std::string name =
        GENERATE(as<std::string>{}, "default", "blocked-6983", "empty-verify-9000");
    INFO("profile " << name);
    SimFixture f(variantProfile(name));
    f.card.setTriesLeft(sim::AppletId::Jpki, 0x0018, 1);
    try {
        f.session.verify(makeCredential(Secret::JpkiAuthPin, "1234"));
        FAIL("final try spent without consent");
    } catch (const PinError& e) {
        CHECK(e.kind() == PinError::Kind::FinalTryRefused);
        CHECK(e.triesLeft() == 1);
    }
    CHECK(f.transport.verifiesWithData() == 0);
    CHECK(f.card.triesLeft(sim::AppletId::Jpki, 0x0018) == 1);

    // With consent, a wrong final try blocks the PIN (63C0) ...
    try {
        f.session.verify(makeCredential(Secret::JpkiAuthPin, "9999", true));
        FAIL("wrong PIN accepted");
    } catch (const PinError& e) {
        CHECK(e.kind() == PinError::Kind::Blocked);
    }
    CHECK(f.transport.verifiesWithData() == 1);
    CHECK(f.card.triesLeft(sim::AppletId::Jpki, 0x0018) == 0);
    // ... and from then on nothing is sent, even the right PIN with consent.
    PinStatus st = f.session.pinStatus(Secret::JpkiAuthPin);
    CHECK(st.blocked());
    try {
        f.session.verify(makeCredential(Secret::JpkiAuthPin, "1234", true));
        FAIL("blocked PIN sent");
    } catch (const PinError& e) {
        CHECK(e.kind() == PinError::Kind::Blocked);
    }
    CHECK(f.transport.verifiesWithData() == 1);
}

TEST_CASE("wrong secrets report the tries left; a right one resets the counter", "[sim][pin]") {
    SimFixture f;
    try {
        f.session.verify(makeCredential(Secret::TextPin, "1111"));
        FAIL("wrong PIN accepted");
    } catch (const PinError& e) {
        CHECK(e.kind() == PinError::Kind::Incorrect);
        CHECK(e.triesLeft() == 2);
    }
    CHECK(f.session.pinStatus(Secret::TextPin).triesLeft == 2);
    f.session.verify(makeCredential(Secret::TextPin, "2345"));
    CHECK(f.card.triesLeft(sim::AppletId::TextAssist, 0x0011) == 3);
}

TEST_CASE("empty VERIFY answering 9000 is never taken for a login", "[sim][pin]") {
    SimFixture f(variantProfile("empty-verify-9000"));
    f.session.verify(makeCredential(Secret::JpkiAuthPin, "1234"));
    PinStatus st = f.session.pinStatus(Secret::JpkiAuthPin);
    CHECK(st.available);
    CHECK(st.triesLeft == -1);
    CHECK_FALSE(st.known());
    // The verified state comes from our VERIFY's 9000, not from the empty VERIFY: a session
    // that never sent the PIN does not consider itself logged in.
    card::CardSession other(f.simTransport);
    other.pinStatus(Secret::JpkiAuthPin);
    CHECK_FALSE(other.isVerified(Secret::JpkiAuthPin));
    CHECK(f.session.isVerified(Secret::JpkiAuthPin));
}

TEST_CASE("logged out by another application: NotLoggedIn, no replay", "[sim][pin][6982]") {
    SimFixture f;
    JpkiApplet jpki(f.session);
    jpki.verify(makeCredential(Secret::JpkiAuthPin, "1234"));
    jpki.sign(JpkiKey::Auth, digestInfoForData(HashAlgorithm::Sha256, {1}));
    // Another process selects the text AP: the card drops the JPKI security state (spec §3).
    card::CardSession other(f.simTransport);
    TextApplet(other).pinStatus();
    try {
        jpki.sign(JpkiKey::Auth, digestInfoForData(HashAlgorithm::Sha256, {2}));
        FAIL("signed although logged out");
    } catch (const PinError& e) {
        CHECK(e.kind() == PinError::Kind::NotLoggedIn);
        CHECK(std::string(e.what()).find("another application") != std::string::npos);
    }
    CHECK_FALSE(jpki.isLoggedIn(JpkiKey::Auth));
    CHECK(f.transport.verifiesWithData() == 1);
}

TEST_CASE("transport error during VERIFY: counter re-read first, no resend", "[sim][pin][link]") {
    SimFixture f;
    bool broken = false;
    f.transport.after = [&](const apdu::Bytes& c, apdu::Bytes&) {
        if (!broken && c.size() > 4 && c[1] == 0x20) {
            broken = true;
            f.card.reset();  // the card processed the VERIFY, then the link reset
            throw TransportError(TransportError::Kind::CardReset, "card reset");
        }
    };
    CHECK_THROWS_AS(f.session.verify(makeCredential(Secret::JpkiAuthPin, "9999")), TransportError);
    REQUIRE(f.transport.commands.size() >= 3);
    const auto& c = f.transport.commands;
    std::size_t n = c.size();
    CHECK(apdu::toHex(c[n - 3], true) == "00 A4 04 0C 0A D3 92 F0 00 26 01 00 00 00 01");
    CHECK(apdu::toHex(c[n - 2], true) == "00 A4 02 0C 02 00 18");
    CHECK(apdu::toHex(c[n - 1], true) == "00 20 00 80");
    CHECK(f.transport.verifiesWithData() == 1);
    CHECK_FALSE(f.session.isVerified(Secret::JpkiAuthPin));
    CHECK(f.card.triesLeft(sim::AppletId::Jpki, 0x0018) == 2);
}

TEST_CASE("secrets are masked in the APDU trace", "[sim][pin][trace]") {
    SimFixture f;
    std::vector<std::string> lines;
    f.session.channel().setTraceHook(
        [&](const apdu::TraceEvent& e) { lines.push_back(e.command); });
    f.session.verify(makeCredential(Secret::JpkiAuthPin, "1234"));
    bool sawVerify = false;
    for (const std::string& l : lines) {
        CHECK(l.find("31 32 33 34") == std::string::npos);
        if (l.rfind("00 20 00 80 04", 0) == 0) sawVerify = true;
    }
    CHECK(sawVerify);
}
