// Record formats of the text AP, card-face AP, 住基AP and 共通AP (spec §5.3, §5.4, §6.3, §6.4,
// §8.1, §15), parsed with apdu/tlv.h and their signatures verified with OpenSSL.
#include <catch2/catch.hpp>

#include <chrono>

#include "cardsim/profile.h"
#include "test_data_helpers.h"

using namespace mynacard::sim;
using namespace testdata;
using mynacard::apdu::parseTlv;
using mynacard::apdu::Tlv;

namespace {

std::size_t u16(const Bytes& b, std::size_t at) { return (static_cast<std::size_t>(b[at]) << 8) | b[at + 1]; }

// The CV certificate's parts (spec §5.3 EF 0004).
struct CvCert {
    Bytes body, signature, issuerKeyId, subjectKeyId;
    PKey subjectKey;
};

CvCert parseCv(const Bytes& file) {
    Tlv cert = parseTlv(file);
    REQUIRE(cert.tag == 0x7F21);
    CvCert cv;
    cv.body = cert.require(0x5F4E).value;
    cv.signature = cert.require(0x5F37).value;
    REQUIRE(cv.body.size() == 297);
    cv.issuerKeyId = slice(cv.body, 0, 16);
    cv.subjectKeyId = slice(cv.body, 16, 32);
    cv.subjectKey = keyFromBlock(slice(cv.body, 32, cv.body.size()));
    REQUIRE(cv.subjectKey);
    return cv;
}

// Verifies with any of the exported anchor keys, as a client would (profiles/README.md).
bool verifiesWithAnAnchor(const CvCert& cv) {
    for (const PKey& k : anchorPublicKeys(defaultCard().trustAnchorsPem))
        if (verifySha256(k, cv.body, cv.signature)) return true;
    return false;
}

}  // namespace

TEST_CASE("text AP EF 0001: FF 10 0C + 12 digits + FF FF", "[cardsim][data]") {
    const Bytes& f = defaultCard().textMyNumber;
    Bytes expected = mynacard::apdu::fromHex("FF 10 0C");
    for (char c : defaultProfile().myNumber) expected.push_back(static_cast<std::uint8_t>(c));
    expected.push_back(0xFF);
    expected.push_back(0xFF);
    CHECK(f == expected);
    CHECK(f.size() == 17);
    CHECK(parseTlv(f).value == ascii("123456789018"));
}

TEST_CASE("text AP EF 0002: long-form length, offsets, UTF-8 attributes", "[cardsim][data]") {
    const Bytes& f = defaultCard().textAttributes;
    Profile p = defaultProfile();
    REQUIRE(f.size() > 4);
    CHECK(f[0] == 0xFF);
    CHECK(f[1] == 0x20);
    CHECK((f[2] == 0x81 || f[2] == 0x82));  // the default profile exercises long-form lengths
    Tlv rec = parseTlv(f);
    CHECK(rec.totalLength() == f.size());
    Tlv offsets = rec.require(0xDF21);
    REQUIRE(offsets.value.size() == 8);
    const std::uint32_t tags[] = {0xDF22, 0xDF23, 0xDF24, 0xDF25};
    const std::string values[] = {p.name, p.address, p.birthDate, p.sex};
    for (int i = 0; i < 4; ++i) {
        std::size_t at = u16(offsets.value, 2 * i);
        REQUIRE(at < f.size());
        Tlv t = parseTlv(f.data() + at, f.size() - at);
        CHECK(t.tag == tags[i]);
        CHECK(t.value == ascii(values[i]));
    }
    CHECK(rec.require(0xDF24).value.size() == 8);
    CHECK(rec.require(0xDF25).value.size() == 1);
}

TEST_CASE("a long address gives the 82 xx xx form and still-correct offsets", "[cardsim][data]") {
    std::string addr;
    for (int i = 0; i < 30; ++i) addr += "東京都千代田区";  // 630 bytes
    Profile p = loadProfileJson(R"({"holder": {"address": ")" + addr + R"("}})");
    CardData d = buildCardData(p);
    const Bytes& f = d.textAttributes;
    CHECK(f[2] == 0x82);
    Tlv offsets = parseTlv(f).require(0xDF21);
    std::size_t at = u16(offsets.value, 2);
    Tlv t = parseTlv(f.data() + at, f.size() - at);
    CHECK(t.tag == 0xDF23);
    CHECK(t.value == ascii(addr));
}

TEST_CASE("text AP EF 0003/0004: digests and issuer signature verify (spec §5.4)", "[cardsim][data]") {
    const CardData& d = defaultCard();
    const Bytes& f = d.textIntegrity;
    REQUIRE(f.size() == 336);
    CHECK(slice(f, 0, 5) == mynacard::apdu::fromHex("FF 30 82 01 4B"));
    Tlv rec = parseTlv(f);
    CHECK(rec.require(0xDF31).value == sha256(d.textMyNumber));
    // DF32 covers EF 0002's value after the DF21 offset table, i.e. DF22..end as stored.
    Tlv attrs = parseTlv(d.textAttributes);
    Tlv offsets = attrs.require(0xDF21);
    std::size_t df22 = u16(offsets.value, 0);
    CHECK(rec.require(0xDF32).value == sha256(slice(d.textAttributes, df22, d.textAttributes.size())));

    const Bytes& cvFile = d.textCvCert;
    CHECK(cvFile.size() == 568);
    CHECK(slice(cvFile, 0, 5) == mynacard::apdu::fromHex("7F 21 82 02 33"));
    CvCert cv = parseCv(cvFile);
    CHECK(slice(cv.issuerKeyId, 0, 9) == mynacard::apdu::fromHex("36 30 30 30 30 33 33 08 05"));
    CHECK(verifiesWithAnAnchor(cv));
    Bytes tampered = cv.body;
    tampered[40] ^= 0x01;
    CvCert bad = cv;
    bad.body = tampered;
    CHECK_FALSE(verifiesWithAnAnchor(bad));

    Bytes signedPart = slice(f, 5, 5 + 70);  // DF31 ‖ DF32 TLVs as stored
    Bytes sig = rec.require(0xDF33).value;
    CHECK(sig.size() == 256);
    CHECK(verifySha256(cv.subjectKey, signedPart, sig));
    signedPart[10] ^= 0x80;
    CHECK_FALSE(verifySha256(cv.subjectKey, signedPart, sig));
}

TEST_CASE("text AP EF 0005/0006/0007 layouts; EF 0007 signed by the EF 0004 key", "[cardsim][data]") {
    const CardData& d = defaultCard();
    Tlv basic = parseTlv(d.textBasicInfo);
    CHECK(basic.tag == 0xFF40);
    CHECK(basic.require(0xDF41).value.size() == 4);
    CHECK(basic.require(0xDF42).value.size() == 16);
    Bytes df43 = basic.require(0xDF43).value;
    REQUIRE(df43.size() == 128);
    for (std::size_t i = 0; i < 32; ++i) CHECK(df43[i] != 0xFF);
    for (std::size_t i = 32; i < 128; ++i) CHECK(df43[i] == 0xFF);

    Tlv sm = parseTlv(d.textSmKey);
    CHECK(sm.tag == 0xA1);
    CHECK(keyFromBlock(sm.value));

    Tlv ap = parseTlv(d.textApKey);
    CHECK(ap.tag == 0xFF50);
    Tlv df51 = ap.require(0xDF51);
    PKey apPub = keyFromBlock(df51.value);
    REQUIRE(apPub);
    CHECK(EVP_PKEY_eq(apPub.get(), d.textApPrivateKey.get()) == 1);
    CvCert cv = parseCv(d.textCvCert);
    CHECK(verifySha256(cv.subjectKey, raw(df51), ap.require(0xDF52).value));
}

TEST_CASE("card-face EF 0002: offsets, fields and the DF28 issuer signature (spec §6.3)", "[cardsim][data]") {
    const CardData& d = defaultCard();
    Profile p = defaultProfile();
    const Bytes& f = d.faceRecord;
    CHECK(slice(f, 0, 3) == mynacard::apdu::fromHex("FF 20 82"));
    Tlv rec = parseTlv(f);
    CHECK(rec.totalLength() == f.size());
    Bytes offsets = rec.require(0xDF21).value;
    REQUIRE(offsets.size() == 18);
    std::vector<std::size_t> at;
    for (int i = 0; i < 9; ++i) {
        at.push_back(u16(offsets, 2 * i));
        REQUIRE(at.back() < f.size());
        CHECK(parseTlv(f.data() + at.back(), f.size() - at.back()).tag == 0xDF22u + static_cast<std::uint32_t>(i));
    }
    CHECK(rec.require(0xDF22).value == ascii(p.birthDate));
    CHECK(rec.require(0xDF23).value == ascii(p.sex));
    CHECK(rec.require(0xDF29).value == ascii(p.expiry));
    PKey cardPub = keyFromBlock(rec.require(0xDF24).value);
    REQUIRE(cardPub);
    CHECK(EVP_PKEY_eq(cardPub.get(), d.faceCardKey.get()) == 1);

    // Raw TLVs as stored: DF22..DF24 run from at[0] to at[3], DF25..DF26 to at[5], DF27 to at[6].
    Bytes di = mynacard::apdu::fromHex("30 71 30 0D 06 09 60 86 48 01 65 03 04 02 01 05 00 04 60");
    for (auto [from, to] : {std::pair{at[0], at[3]}, std::pair{at[3], at[5]}, std::pair{at[5], at[6]}}) {
        Bytes h = sha256(slice(f, from, to));
        di.insert(di.end(), h.begin(), h.end());
    }
    Bytes sig = rec.require(0xDF28).value;
    CHECK(sig.size() == 256);
    CvCert cv = parseCv(d.faceCvCert);
    CHECK(slice(cv.issuerKeyId, 0, 9) == mynacard::apdu::fromHex("36 30 30 30 30 32 33 08 05"));
    CHECK(verifiesWithAnAnchor(cv));
    CHECK(verifyRaw(cv.subjectKey, di, sig));
    di[30] ^= 0x01;
    CHECK_FALSE(verifyRaw(cv.subjectKey, di, sig));
}

TEST_CASE("card-face EF 0001/0003/0005 (spec §6.4)", "[cardsim][data]") {
    const CardData& d = defaultCard();
    Profile p = defaultProfile();
    CvCert cv = parseCv(d.faceCvCert);

    Tlv age = parseTlv(d.faceAge);
    CHECK(age.tag == 0xFF10);
    CHECK(age.require(0xDF11).value == ascii(p.birthDate));
    Bytes covered = raw(age.require(0xDF11));
    Bytes df12 = raw(age.require(0xDF12));
    covered.insert(covered.end(), df12.begin(), df12.end());
    CHECK(covered == slice(d.faceAge, age.headerLength, age.headerLength + covered.size()));
    CHECK(verifySha256(cv.subjectKey, covered, age.require(0xDF13).value));

    Tlv basic = parseTlv(d.faceBasicInfo);
    CHECK(basic.tag == 0xFF30);
    CHECK(basic.require(0xDF31).value.size() == 4);
    CHECK(basic.require(0xDF32).value.size() == 16);
    CHECK(basic.require(0xDF33).value.size() == 1);
    CHECK(basic.require(0xDF34).value == ascii(p.municipality));
    CHECK(basic.require(0xDF35).value.size() == 16 + 256);

    Tlv num = parseTlv(d.faceMyNumberImage);
    CHECK(num.tag == 0xFF40);
    Bytes numCovered = raw(num.require(0xDF41));
    Bytes df42 = raw(num.require(0xDF42));
    numCovered.insert(numCovered.end(), df42.begin(), df42.end());
    CHECK(verifySha256(cv.subjectKey, numCovered, num.require(0xDF43).value));
    CHECK_FALSE(verifySha256(cv.subjectKey, numCovered, age.require(0xDF13).value));
}

TEST_CASE("住基AP and 共通AP records, key IDs", "[cardsim][data]") {
    const CardData& d = defaultCard();
    CHECK(d.residentRecord == Bytes{0x01, 0x0B, '9', '8', '7', '6', '5', '4', '3', '2', '1', '0', '1'});
    Bytes common{0x01, 0x1C};
    for (char c : std::string("100000000012345" "13101" "20350217")) common.push_back(static_cast<std::uint8_t>(c));
    CHECK(d.commonRecord == common);
    CHECK(d.residentKeyId.size() == 16);
    CHECK(d.commonKeyId == d.residentKeyId);
}

TEST_CASE("JPKI EF 0006 token info and EF 0008", "[cardsim][data]") {
    const CardData& d = defaultCard();
    REQUIRE(d.tokenInfo.size() == 160);
    CHECK(std::string(d.tokenInfo.begin(), d.tokenInfo.begin() + 32) == "JPKIAPICCTOKEN2                 ");
    // maxPinLen / minPinLen at 96 + 5×4 (spec §4.2 layout).
    CHECK(slice(d.tokenInfo, 116, 124) == mynacard::apdu::fromHex("00000010 00000006"));
    CHECK(d.certAvailability == mynacard::apdu::fromHex("8F 8F 00"));
}

TEST_CASE("token variants change EF 0006/0008 and the signature certificate", "[cardsim][data]") {
    auto build = [](const std::string& variants) {
        return buildCardData(loadProfileJson(R"({"variants": {)" + variants + "}}"));
    };
    CardData phone = build(R"("token": "smartphone")");
    CHECK(std::string(phone.tokenInfo.begin(), phone.tokenInfo.begin() + 32) == "JPKIAPGPSETOKEN                 ");
    CardData juki = build(R"("token": "juki")");
    CHECK(std::string(juki.tokenInfo.begin(), juki.tokenInfo.begin() + 32) == "JPKIAPICCTOKEN                  ");
    CardData only = build(R"("token": "jpki-only")");
    CHECK(only.tokenInfo.empty());
    CHECK(only.certAvailability.empty());
    CHECK_FALSE(only.authCert.empty());
    CardData child = build(R"("no_signature_certificate": true)");
    CHECK(child.signCert.empty());
    CHECK_FALSE(child.signKey);
    CHECK_FALSE(child.signCaCert.empty());
    REQUIRE(child.certAvailability.size() == 3);
    CHECK(child.certAvailability[0] != 0x8F);
}

TEST_CASE("buildCardData is fast enough for unit tests (< 200 ms)", "[cardsim][data]") {
    Profile p = defaultProfile();
    buildCardData(p);  // warm-up: first-use costs of OpenSSL/libpng are not per start
    auto start = std::chrono::steady_clock::now();
    CardData d = buildCardData(p);
    auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - start).count();
    WARN("buildCardData took " << ms << " ms");
#if defined(__SANITIZE_ADDRESS__)
    const long limit = 2000;  // sanitizer builds run several times slower
#else
    const long limit = 200;
#endif
    CHECK(ms < limit);
    CHECK_FALSE(d.faceRecord.empty());
}
