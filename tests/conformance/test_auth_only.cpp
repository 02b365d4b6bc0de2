// The auth-only module (Hooks::signatureToken = false, libmynacard-pkcs11-auth.so, issue 13):
// the card's signature slot never holds a token, whatever a caller asks, and the auth token works
// as in the full module. C_GetInfo tells the two modules apart.
#include "tests/conformance/fixture.h"

using namespace mynacard;
using namespace mynacard::p11test;

namespace {

struct AuthOnlyFixture : Fixture {
    AuthOnlyFixture() : Fixture(true, false) {
        p11::setHooks({[w = world] { return std::make_unique<SimReaderProvider>(w); },
                       &p11::makeJpkiCardAccess, false});
        REQUIRE(f->C_Initialize(nullptr) == CKR_OK);
    }
};

std::string libraryDescription(CK_FUNCTION_LIST_PTR f) {
    CK_INFO info{};
    REQUIRE(f->C_GetInfo(&info) == CKR_OK);
    return text(info.libraryDescription, sizeof info.libraryDescription);
}

}  // namespace

TEST_CASE("the auth-only module exposes the auth token only", "[auth-only]") {
    AuthOnlyFixture fx;
    CK_SLOT_ID slots[8];
    CK_ULONG n = 8;
    REQUIRE(fx.f->C_GetSlotList(CK_TRUE, slots, &n) == CKR_OK);
    REQUIRE(n == 1);
    CHECK(slots[0] == 0);

    CK_SLOT_INFO slotInfo{};
    REQUIRE(fx.f->C_GetSlotInfo(1, &slotInfo) == CKR_OK);
    CHECK((slotInfo.flags & CKF_TOKEN_PRESENT) == 0);
    CK_TOKEN_INFO tokenInfo{};
    CHECK(fx.f->C_GetTokenInfo(1, &tokenInfo) == CKR_TOKEN_NOT_PRESENT);
    CK_SESSION_HANDLE h = 0;
    CHECK(fx.f->C_OpenSession(1, CKF_SERIAL_SESSION, nullptr, nullptr, &h) == CKR_TOKEN_NOT_PRESENT);
    CK_ULONG mechanisms = 0;
    CHECK(fx.f->C_GetMechanismList(1, nullptr, &mechanisms) == CKR_TOKEN_NOT_PRESENT);

    CHECK(libraryDescription(fx.f).find("Auth-only") != std::string::npos);

    const apdu::Bytes msg{'a', 'u', 't', 'h'};
    CK_SESSION_HANDLE a = fx.open(0);
    fx.login(a, "1234");
    CHECK(verifyWithCertificate(fx.userCertificate(a), CKM_SHA256_RSA_PKCS, msg,
                                fx.sign(a, CKM_SHA256_RSA_PKCS, msg)));
}

TEST_CASE("the full module exposes both tokens and says so", "[auth-only]") {
    Fixture fx;
    CK_ULONG n = 0;
    REQUIRE(fx.f->C_GetSlotList(CK_TRUE, nullptr, &n) == CKR_OK);
    CHECK(n == 2);
    CHECK(libraryDescription(fx.f).find("Auth-only") == std::string::npos);
}
