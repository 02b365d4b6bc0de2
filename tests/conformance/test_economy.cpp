// APDU economy of whole client runs (issue 5 "Economy"), replaying pkcs11-tool 0.23's call
// pattern in process against the simulator's APDU counter, from a cold C_Initialize to
// C_Finalize — the closing logout included. docs/benchmarks.md measures the same through pcscd.
#include <openssl/core_names.h>
#include <openssl/sha.h>

#include <string>

#include "tests/conformance/fixture.h"

using namespace mynacard;
using namespace mynacard::p11test;

namespace {

const apdu::Bytes kData{'e', 'c', 'o', 'n', 'o', 'm', 'y'};

// The key's CKA_ID as the module documents it (SHA-1 of the modulus), computed here from the
// simulator's certificate with OpenSSL — pkcs11-tool gets it from an earlier run (scripts/bench).
apdu::Bytes keyIdOf(const apdu::Bytes& certDer) {
    const unsigned char* p = certDer.data();
    X509* x = d2i_X509(nullptr, &p, static_cast<long>(certDer.size()));
    REQUIRE(x != nullptr);
    EVP_PKEY* key = X509_get0_pubkey(x);
    REQUIRE(key != nullptr);
    BIGNUM* n = nullptr;
    REQUIRE(EVP_PKEY_get_bn_param(key, OSSL_PKEY_PARAM_RSA_N, &n) == 1);
    apdu::Bytes modulus(BN_num_bytes(n));
    BN_bn2bin(n, modulus.data());
    BN_free(n);
    X509_free(x);
    apdu::Bytes id(SHA_DIGEST_LENGTH);
    SHA1(modulus.data(), modulus.size(), id.data());
    return id;
}

// SELECT EF by FID of `fid` in the trace ("00 A4 02 0C 02 hh ll").
bool traceSelects(const std::vector<std::string>& trace, const std::string& fid) {
    for (const auto& line : trace)
        if (line.rfind("00 A4 02 0C 02 " + fid, 0) == 0) return true;
    return false;
}

struct Run {
    std::size_t apdus = 0;
    std::size_t beforeClose = 0;  // without the closing logout
    apdu::Bytes signature;
    std::vector<std::string> trace;
};

// pkcs11-tool --slot-index S --login --pin P --sign --id ID -m SHA256-RSA-PKCS
Run pkcs11ToolSign(CK_SLOT_ID slot, const std::string& pin, const apdu::Bytes& id) {
    Fixture fx(true, false);
    fx.world->trace = true;
    const std::size_t before = fx.apdus();
    REQUIRE(fx.f->C_Initialize(nullptr) == CKR_OK);
    CK_ULONG n = 0;
    REQUIRE(fx.f->C_GetSlotList(CK_TRUE, nullptr, &n) == CKR_OK);
    std::vector<CK_SLOT_ID> slots(n);
    REQUIRE(fx.f->C_GetSlotList(CK_TRUE, slots.data(), &n) == CKR_OK);
    REQUIRE(n > slot);
    CK_TOKEN_INFO ti;
    REQUIRE(fx.f->C_GetTokenInfo(slots[slot], &ti) == CKR_OK);
    CK_SESSION_HANDLE h = fx.open(slots[slot], CKF_SERIAL_SESSION | CKF_RW_SESSION);
    fx.login(h, pin);
    CK_OBJECT_CLASS cls = CKO_PRIVATE_KEY;
    auto keys = fx.find(h, {{CKA_CLASS, &cls, sizeof cls},
                            {CKA_ID, const_cast<std::uint8_t*>(id.data()), id.size()}});
    REQUIRE(keys.size() == 1);
    CK_MECHANISM m{CKM_SHA256_RSA_PKCS, nullptr, 0};
    REQUIRE(fx.f->C_SignInit(h, &m, keys[0]) == CKR_OK);
    Run run;
    run.signature.resize(512);
    CK_ULONG len = run.signature.size();
    REQUIRE(fx.f->C_Sign(h, const_cast<std::uint8_t*>(kData.data()), kData.size(),
                         run.signature.data(), &len) == CKR_OK);
    run.signature.resize(len);
    run.beforeClose = fx.apdus() - before;
    REQUIRE(fx.f->C_CloseSession(h) == CKR_OK);
    REQUIRE(fx.f->C_Finalize(nullptr) == CKR_OK);
    run.apdus = fx.apdus() - before;
    run.trace = fx.world->traceLog;
    REQUIRE(fx.f->C_Initialize(nullptr) == CKR_OK);  // the fixture's destructor finalizes
    return run;
}

std::string joined(const std::vector<std::string>& lines) {
    std::string out;
    for (const auto& l : lines) out += l + "\n";
    return out;
}

}  // namespace

TEST_CASE("pkcs11-tool login + sign --id, auth key: <= 10 + R including the closing logout",
          "[economy][sign]") {
    const apdu::Bytes& cert = defaultCardData().authCert;
    Run run = pkcs11ToolSign(0, "1234", keyIdOf(cert));
    INFO("APDUs " << run.apdus << "\n" << joined(run.trace));
    CHECK(run.apdus <= 10 + readCost(cert));
    CHECK(run.apdus == run.beforeClose + 1);  // the closing logout is one APDU, and it is sent
    CHECK(traceSelects(run.trace, "00 0A"));  // the auth certificate is read (R) ...
    CHECK_FALSE(traceSelects(run.trace, "00 0B"));  // ... the auth CA certificate never
    CHECK(verifyWithCertificate(cert, CKM_SHA256_RSA_PKCS, kData, run.signature));
}

TEST_CASE("pkcs11-tool login + sign --id, signature key: <= 10 + R including the closing logout",
          "[economy][sign]") {
    // The signature certificate is hidden before VERIFY; the simulator's data has it anyway.
    const apdu::Bytes& cert = defaultCardData().signCert;
    Run run = pkcs11ToolSign(1, "ABC123", keyIdOf(cert));
    INFO("APDUs " << run.apdus << "\n" << joined(run.trace));
    CHECK(run.apdus <= 10 + readCost(cert));
    CHECK(run.apdus == run.beforeClose + 1);
    CHECK(traceSelects(run.trace, "00 01"));        // the signature certificate is read (R) ...
    CHECK_FALSE(traceSelects(run.trace, "00 02"));  // ... the signature CA certificate never
    CHECK(verifyWithCertificate(cert, CKM_SHA256_RSA_PKCS, kData, run.signature));
}

TEST_CASE("CA certificates have fixed, distinct CKA_IDs known without reading them",
          "[economy][objects]") {
    CK_OBJECT_CLASS cls = CKO_CERTIFICATE;
    apdu::Bytes authCaId;
    {
        Fixture fx;
        CK_SESSION_HANDLE a = fx.open(0);
        CK_SESSION_HANDLE s = fx.open(1);
        CK_ULONG category = 2;  // authority
        auto caOf = [&](CK_SESSION_HANDLE h) {
            auto found = fx.find(h, {{CKA_CLASS, &cls, sizeof cls},
                                     {CKA_CERTIFICATE_CATEGORY, &category, sizeof category}});
            REQUIRE(found.size() == 1);
            return found[0];
        };
        authCaId = fx.attr(a, caOf(a), CKA_ID);
        const apdu::Bytes signCaId = fx.attr(s, caOf(s), CKA_ID);
        CHECK(authCaId == apdu::Bytes{'J', 'P', 'K', 'I', '-', 'A', 'U', 'T', 'H', '-', 'C', 'A'});
        CHECK(signCaId == apdu::Bytes{'J', 'P', 'K', 'I', '-', 'S', 'I', 'G', 'N', '-', 'C', 'A'});
        CHECK(authCaId != keyIdOf(defaultCardData().authCert));
    }

    // A fresh process searching certificates by the user key's CKA_ID reads the user
    // certificate only (R of that one certificate), never the CA certificate.
    Fixture cold;
    cold.world->trace = true;
    CK_SESSION_HANDLE h = cold.open(0);
    const std::size_t before = cold.apdus();
    apdu::Bytes id = keyIdOf(defaultCardData().authCert);
    auto certs = cold.find(h, {{CKA_CLASS, &cls, sizeof cls}, {CKA_ID, id.data(), id.size()}});
    INFO(joined(cold.world->traceLog));
    CHECK(certs.size() == 1);
    CHECK(cold.apdus() - before == readCost(defaultCardData().authCert));
    CHECK_FALSE(traceSelects(cold.world->traceLog, "00 0B"));
    // And by the CA's fixed CKA_ID only the CA certificate matches.
    auto byCaId =
        cold.find(h, {{CKA_CLASS, &cls, sizeof cls},
                      {CKA_ID, const_cast<std::uint8_t*>(authCaId.data()), authCaId.size()}});
    REQUIRE(byCaId.size() == 1);
    CHECK(cold.ulongAttr(h, byCaId[0], CKA_CERTIFICATE_CATEGORY) == 2u);
}
