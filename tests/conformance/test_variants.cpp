// The module against every simulator profile variant (spec §15): card kinds that are not My Number
// Cards are ignored, a card without 共通AP takes its serial from the auth certificate, an under-15
// card has no signature token, and protocol variants still sign correctly.
#include <openssl/bn.h>
#include <openssl/x509.h>

#include "tests/conformance/fixture.h"

using namespace mynacard;
using namespace mynacard::p11test;

namespace {

std::shared_ptr<sim::SimCard> variantCard(const std::string& name) {
    sim::Profile p = sim::loadProfile(std::string(MYNACARD_PROFILES_DIR) + "/variant-" + name + ".json");
    return std::make_shared<sim::SimCard>(p, sim::buildCardData(p));
}

struct VariantFixture : Fixture {
    explicit VariantFixture(const std::string& name) : Fixture(false, false) {
        world->insert(kReader, variantCard(name));
        card = world->find(kReader).card;
        REQUIRE(f->C_Initialize(nullptr) == CKR_OK);
    }
};

CK_ULONG presentTokens(Fixture& fx) {
    CK_ULONG n = 0;
    REQUIRE(fx.f->C_GetSlotList(CK_TRUE, nullptr, &n) == CKR_OK);
    return n;
}

std::string certSerialHex(const apdu::Bytes& der) {
    const unsigned char* p = der.data();
    X509* x = d2i_X509(nullptr, &p, static_cast<long>(der.size()));
    REQUIRE(x);
    BIGNUM* bn = ASN1_INTEGER_to_BN(X509_get0_serialNumber(x), nullptr);
    char* hex = BN_bn2hex(bn);
    std::string out(hex);
    OPENSSL_free(hex);
    BN_free(bn);
    X509_free(x);
    return out.size() > 16 ? out.substr(out.size() - 16) : out;
}

void signWithBoth(Fixture& fx) {
    const apdu::Bytes msg{'v', 'a', 'r'};
    CK_SESSION_HANDLE a = fx.open(0);
    fx.login(a, "1234");
    CHECK(verifyWithCertificate(fx.userCertificate(a), CKM_SHA256_RSA_PKCS, msg,
                                fx.sign(a, CKM_SHA256_RSA_PKCS, msg)));
    CK_SESSION_HANDLE s = fx.open(1);
    fx.login(s, "ABC123");
    CHECK(verifyWithCertificate(fx.userCertificate(s), CKM_SHA512_RSA_PKCS, msg,
                                fx.sign(s, CKM_SHA512_RSA_PKCS, msg)));
    // Both keys stay usable after each other's VERIFY (same applet, spec §3).
    CHECK(verifyWithCertificate(fx.userCertificate(a), CKM_SHA1_RSA_PKCS, msg,
                                fx.sign(a, CKM_SHA1_RSA_PKCS, msg)));
}

}  // namespace

TEST_CASE("old 住基カード and smartphone JPKI are not tokens", "[variants]") {
    for (const char* v : {"juki", "smartphone"}) {
        INFO(v);
        VariantFixture fx(v);
        CHECK(presentTokens(fx) == 0);
        CK_SLOT_INFO si;
        REQUIRE(fx.f->C_GetSlotInfo(0, &si) == CKR_OK);
        CHECK_FALSE((si.flags & CKF_TOKEN_PRESENT));
    }
}

TEST_CASE("a card without 共通AP: serial from the auth certificate", "[variants]") {
    VariantFixture fx("jpki-only");
    REQUIRE(presentTokens(fx) == 2);
    CK_TOKEN_INFO ti;
    REQUIRE(fx.f->C_GetTokenInfo(0, &ti) == CKR_OK);
    std::string serial = text(ti.serialNumber, 16);
    CHECK(serial == certSerialHex(fx.card->data().authCert));
    CHECK(serial != sim::defaultProfile().serial);
    signWithBoth(fx);
}

TEST_CASE("an under-15 card has no signature token", "[variants]") {
    VariantFixture fx("no-sign-cert");
    CK_ULONG n = 0;
    REQUIRE(fx.f->C_GetSlotList(CK_TRUE, nullptr, &n) == CKR_OK);
    REQUIRE(n == 1);
    CK_SLOT_ID slot = 99;
    REQUIRE(fx.f->C_GetSlotList(CK_TRUE, &slot, &n) == CKR_OK);
    CHECK(slot == 0);
    CK_TOKEN_INFO ti;
    CHECK(fx.f->C_GetTokenInfo(1, &ti) == CKR_TOKEN_NOT_PRESENT);
    CK_SESSION_HANDLE a = fx.open(0);
    fx.login(a, "1234");
    const apdu::Bytes msg{1};
    CHECK(verifyWithCertificate(fx.userCertificate(a), CKM_SHA256_RSA_PKCS, msg,
                                fx.sign(a, CKM_SHA256_RSA_PKCS, msg)));
}

TEST_CASE("protocol variants sign correctly with both tokens", "[variants]") {
    for (const char* v : {"verify-9000", "t0", "read-128", "no-extended", "reselect-keeps",
                          "blocked-6983"}) {
        INFO(v);
        VariantFixture fx(v);
        REQUIRE(presentTokens(fx) == 2);
        signWithBoth(fx);
    }
}

TEST_CASE("a blocked key answering 6983 is CKR_PIN_LOCKED", "[variants]") {
    // The final try is spent here on purpose: the documented switch allows it.
    setenv("MYNACARD_PKCS11_ALLOW_FINAL_TRY", "1", 1);
    VariantFixture fx("blocked-6983");
    unsetenv("MYNACARD_PKCS11_ALLOW_FINAL_TRY");
    CK_SESSION_HANDLE s = fx.open(1);
    for (int i = 0; i < 4; ++i)
        CHECK(fx.f->C_Login(s, CKU_USER, (CK_UTF8CHAR_PTR) "WRONG1", 6) == CKR_PIN_INCORRECT);
    CK_TOKEN_INFO ti;
    REQUIRE(fx.f->C_GetTokenInfo(1, &ti) == CKR_OK);
    CHECK((ti.flags & CKF_USER_PIN_FINAL_TRY));
    CHECK(fx.f->C_Login(s, CKU_USER, (CK_UTF8CHAR_PTR) "WRONG1", 6) == CKR_PIN_LOCKED);
    REQUIRE(fx.f->C_GetTokenInfo(1, &ti) == CKR_OK);
    CHECK((ti.flags & CKF_USER_PIN_LOCKED));
    CHECK(fx.f->C_Login(s, CKU_USER, (CK_UTF8CHAR_PTR) "ABC123", 6) == CKR_PIN_LOCKED);
}
