// Text input support AP, card face AP, 住基AP and 共通AP against the simulator, with record
// verification (and its failure on one flipped byte).
#include <catch2/catch.hpp>

#include <algorithm>

#include "apdu/card/common_applet.h"
#include "apdu/card/face_applet.h"
#include "apdu/card/resident_applet.h"
#include "apdu/card/text_applet.h"
#include "sim_fixture.h"

using namespace mynacard;
using namespace mynacard::card;
using mynacard::test::SimFixture;
using mynacard::test::variantProfile;

namespace {

bool startsWith(const apdu::Bytes& b, const char* hex) {
    apdu::Bytes p = apdu::fromHex(hex);
    return b.size() >= p.size() && std::equal(p.begin(), p.end(), b.begin());
}
const char* kPng = "89 50 4E 47 0D 0A 1A 0A";
const char* kJp2 = "00 00 00 0C 6A 50 20 20 0D 0A 87 0A";

const VerificationStep* step(const VerificationReport& r, const std::string& prefix) {
    for (const auto& s : r.steps)
        if (s.name.rfind(prefix, 0) == 0) return &s;
    return nullptr;
}

}  // namespace

TEST_CASE("text AP: My Number and attributes with the PIN, verified", "[sim][text]") {
    SimFixture f;
    TrustAnchors anchors = TrustAnchors::fromPem(f.card.data().trustAnchorsPem);
    TextApplet text(f.session);
    CHECK(text.pinStatus().triesLeft == 3);
    CHECK(text.pinStatus(Secret::TextCollationA).triesLeft == 10);
    CHECK(text.pinStatus(Secret::TextCollationB).triesLeft == 10);

    TextReadResult r =
        text.read(makeCredential(Secret::TextPin, "2345"), TextReadOptions{true, true, &anchors});
    REQUIRE(r.myNumber);
    REQUIRE(r.attributes);
    CHECK(r.myNumber->myNumber == f.profile.myNumber);
    CHECK(r.attributes->name == f.profile.name);
    CHECK(r.attributes->address == f.profile.address);
    CHECK(r.attributes->birthDate == f.profile.birthDate);
    CHECK(r.attributes->sex == f.profile.sex);
    CHECK(r.report.verified);
    CHECK(r.report.reason.empty());
    REQUIRE(r.report.steps.size() == 4);
    for (const auto& s : r.report.steps) CHECK(s.result == StepResult::Passed);

    SECTION("one flipped byte in the attributes fails step (d)") {
        TextAttributes bad = r.attributes.value();
        bad.raw[bad.raw.size() - 3] ^= 0x01;
        VerificationReport rep =
            TextApplet::verifyRecords(&*r.myNumber, &bad, r.integrity, r.cvCertificate, &anchors);
        CHECK_FALSE(rep.verified);
        CHECK(step(rep, "DF32")->result == StepResult::Failed);
    }
    SECTION("one flipped filler byte of the My Number fails step (c)") {
        MyNumberRecord bad = r.myNumber.value();
        bad.raw[16] ^= 0x01;
        VerificationReport rep =
            TextApplet::verifyRecords(&bad, &*r.attributes, r.integrity, r.cvCertificate, &anchors);
        CHECK_FALSE(rep.verified);
        CHECK(step(rep, "DF31")->result == StepResult::Failed);
    }
    SECTION("one flipped byte in the issuer signature fails step (b)") {
        apdu::Bytes bad = r.integrity;
        bad[bad.size() - 10] ^= 0x01;
        VerificationReport rep =
            TextApplet::verifyRecords(&*r.myNumber, &*r.attributes, bad, r.cvCertificate, &anchors);
        CHECK_FALSE(rep.verified);
        CHECK(step(rep, "EF 0003")->result == StepResult::Failed);
    }
    SECTION("one flipped byte in EF 0004 fails step (a)") {
        apdu::Bytes bad = r.cvCertificate;
        bad[bad.size() - 10] ^= 0x01;
        VerificationReport rep =
            TextApplet::verifyRecords(&*r.myNumber, &*r.attributes, r.integrity, bad, &anchors);
        CHECK_FALSE(rep.verified);
        CHECK(step(rep, "EF 0004")->result == StepResult::Failed);
    }
    SECTION("no trust anchor: data kept, not verified, reason given") {
        VerificationReport rep = TextApplet::verifyRecords(&*r.myNumber, &*r.attributes,
                                                           r.integrity, r.cvCertificate, nullptr);
        CHECK_FALSE(rep.verified);
        CHECK(rep.reason.find("no trust anchor") != std::string::npos);
    }
}

TEST_CASE("text AP: 照合番号A opens the My Number only, B the attributes only", "[sim][text]") {
    SimFixture f;
    TrustAnchors anchors = TrustAnchors::fromPem(f.card.data().trustAnchorsPem);
    TextApplet text(f.session);
    {
        TextReadResult r = text.read(makeCredential(Secret::TextCollationA, f.profile.myNumber),
                                     TextReadOptions{true, false, &anchors});
        CHECK(r.myNumber->myNumber == f.profile.myNumber);
        CHECK(r.report.verified);
        try {
            text.readAttributes();
            FAIL("attributes read with 照合番号A");
        } catch (const PinError& e) {
            CHECK(e.kind() == PinError::Kind::NotLoggedIn);
        }
    }
    SimFixture g;
    TextApplet text2(g.session);
    TextReadResult r = text2.read(makeCredential(Secret::TextCollationB, "55021720352285"),
                                  TextReadOptions{false, true, &anchors});
    CHECK(r.attributes->name == g.profile.name);
    CHECK(r.report.verified);
    CHECK(step(r.report, "DF31")->result == StepResult::Skipped);
    CHECK_THROWS_AS(text2.readMyNumber(), PinError);
}

TEST_CASE("text AP: PIN change", "[sim][text]") {
    SimFixture f;
    TextApplet text(f.session);
    text.changePin(apdu::SecureBytes::fromString("2345"), apdu::SecureBytes::fromString("4321"));
    CHECK(f.card.secret(sim::AppletId::TextAssist, 0x0011) == std::optional<std::string>("4321"));
}

TEST_CASE("card face AP: front with 照合番号B, My Number image with A", "[sim][face]") {
    SimFixture f;
    TrustAnchors anchors = TrustAnchors::fromPem(f.card.data().trustAnchorsPem);
    FaceApplet face(f.session);
    CHECK(face.pinStatus(Secret::FaceCollationA).triesLeft == 10);
    CHECK(face.pinStatus(Secret::FaceCollationB).triesLeft == 10);
    CHECK(face.pinStatus(Secret::FaceBirthDateKey).triesLeft == 10);

    FaceReadResult r = face.read(makeCredential(Secret::FaceCollationB, "55021720352285"),
                                 FaceReadOptions{false, &anchors});
    CHECK(r.front.birthDate == f.profile.birthDate);
    CHECK(r.front.sex == f.profile.sex);
    CHECK(r.front.expiry == f.profile.expiry);
    CHECK(startsWith(r.front.namePng, kPng));
    CHECK(startsWith(r.front.addressPng, kPng));
    CHECK(startsWith(r.front.securityCodePng, kPng));
    CHECK(startsWith(r.front.photoJp2, kJp2));
    CHECK(r.report.verified);
    CHECK_THROWS_AS(face.readMyNumberImage(), PinError);  // B does not open EF 0005

    SECTION("one flipped byte in the photo fails the DF28 check") {
        FaceFront bad = r.front;
        // flip a byte inside DF27 (the photo): find its JP2 signature in the raw record
        auto it = std::search(bad.raw.begin(), bad.raw.end(), r.front.photoJp2.begin(),
                              r.front.photoJp2.begin() + 12);
        REQUIRE(it != bad.raw.end());
        *(it + 20) ^= 0x01;
        CHECK_FALSE(FaceApplet::verifyFront(bad, r.cvCertificate, &anchors).verified);
    }
    SECTION("with 照合番号A the My Number image too") {
        SimFixture g;
        FaceApplet face2(g.session);
        FaceReadResult a = face2.read(makeCredential(Secret::FaceCollationA, g.profile.myNumber),
                                      FaceReadOptions{true, &anchors});
        REQUIRE(a.myNumberPng);
        CHECK(startsWith(*a.myNumberPng, kPng));
        CHECK(a.report.verified);
    }
    SECTION("birth-date key opens the age record") {
        SimFixture g;
        FaceApplet face2(g.session);
        CardSession::Transaction tx(g.session);
        face2.verify(makeCredential(Secret::FaceBirthDateKey, "550217"));
        CHECK(face2.readAgeBirthDate() == g.profile.birthDate);
    }
}

TEST_CASE("住基AP: PIN, 住民票コード, change", "[sim][resident]") {
    SimFixture f;
    ResidentApplet res(f.session);
    CHECK(res.pinStatus().triesLeft == 3);
    ResidentCode none = res.residentCode();
    CHECK_FALSE(none.code);
    CHECK_FALSE(none.reason.empty());
    ResidentCode rc = res.residentCode(makeCredential(Secret::ResidentPin, "3456"));
    REQUIRE(rc.code);
    CHECK(*rc.code == f.profile.residentCode);
    res.changePin(apdu::SecureBytes::fromString("3456"), apdu::SecureBytes::fromString("6543"));
    CHECK(f.card.secret(sim::AppletId::Resident, 0x001C) == std::optional<std::string>("6543"));
    CHECK(f.transport.count(0x32) == 1);  // CHANGE KEY 80 32 (spec §7)
}

TEST_CASE("共通AP: serial, municipality, expiry without a PIN", "[sim][common]") {
    SimFixture f;
    CommonApplet common(f.session);
    std::optional<CommonInfo> info = common.read();
    REQUIRE(info);
    CHECK(info->serial == f.profile.serial);
    CHECK(info->municipality == f.profile.municipality);
    CHECK(info->expiry == f.profile.expiry);
    CHECK(f.transport.commands.size() == 3);  // SELECT AP, SELECT EF, READ RECORD
    common.read();
    CHECK(f.transport.commands.size() == 3);
    CHECK(f.transport.verifiesWithData() == 0);
}

TEST_CASE("cards without the My Number applets", "[sim][variants]") {
    for (const char* name : {"smartphone", "juki"}) {
        INFO(name);
        SimFixture f(variantProfile(name));
        CHECK_FALSE(CommonApplet(f.session).read());
        CHECK_FALSE(TextApplet(f.session).pinStatus().available);
        CHECK_THROWS_AS(TextApplet(f.session).readCvCertificate(), CardStatusError);
        CHECK_FALSE(FaceApplet(f.session).pinStatus(Secret::FaceCollationB).available);
    }
}
