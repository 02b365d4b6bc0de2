// cmsSign with a software "card" (OpenSSL key behind the same DigestInfo-signing callback the card
// offers), checked by OpenSSL's own CMS_verify through verifyCms, and negative cases.
#include <catch2/catch.hpp>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <cstdio>

#include "apdu/errors.h"
#include "tools/cms.h"

using namespace mynacard;
using namespace mynacard::cli;

namespace {

struct Pki {
    EVP_PKEY* caKey = nullptr;
    EVP_PKEY* userKey = nullptr;
    apdu::Bytes caDer, userDer;
    std::string caFile = "/tmp/mynacard_cli_unit_ca.pem";
    Pki() {
        caKey = EVP_RSA_gen(2048);
        userKey = EVP_RSA_gen(2048);
        caDer = makeCert(caKey, caKey, "Test CA", true);
        userDer = makeCert(userKey, caKey, "Test User", false);
        FILE* f = std::fopen(caFile.c_str(), "w");
        const unsigned char* p = caDer.data();
        X509* x = d2i_X509(nullptr, &p, static_cast<long>(caDer.size()));
        PEM_write_X509(f, x);
        X509_free(x);
        std::fclose(f);
    }
    ~Pki() {
        EVP_PKEY_free(caKey);
        EVP_PKEY_free(userKey);
        std::remove(caFile.c_str());
    }
    static apdu::Bytes makeCert(EVP_PKEY* key, EVP_PKEY* issuerKey, const char* cn, bool ca) {
        X509* x = X509_new();
        X509_set_version(x, 2);
        ASN1_INTEGER_set(X509_get_serialNumber(x), ca ? 1 : 2);
        X509_gmtime_adj(X509_getm_notBefore(x), -3600);
        X509_gmtime_adj(X509_getm_notAfter(x), 3600L * 24 * 365);
        X509_set_pubkey(x, key);
        X509_NAME* name = X509_NAME_new();
        X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, reinterpret_cast<const unsigned char*>(cn), -1, -1, 0);
        X509_set_subject_name(x, name);
        X509_NAME* issuer = X509_NAME_new();
        X509_NAME_add_entry_by_txt(issuer, "CN", MBSTRING_ASC, reinterpret_cast<const unsigned char*>("Test CA"), -1, -1, 0);
        X509_set_issuer_name(x, issuer);
        X509V3_CTX ctx;
        X509V3_set_ctx_nodb(&ctx);
        X509V3_set_ctx(&ctx, x, x, nullptr, nullptr, 0);
        X509_EXTENSION* bc = X509V3_EXT_conf_nid(nullptr, &ctx, NID_basic_constraints, ca ? "critical,CA:TRUE" : "CA:FALSE");
        X509_add_ext(x, bc, -1);
        X509_EXTENSION_free(bc);
        X509_EXTENSION* ku = X509V3_EXT_conf_nid(nullptr, &ctx, NID_key_usage,
                                                 ca ? "critical,keyCertSign,cRLSign" : "critical,digitalSignature,nonRepudiation");
        X509_add_ext(x, ku, -1);
        X509_EXTENSION_free(ku);
        X509_sign(x, issuerKey, EVP_sha256());
        unsigned char* der = nullptr;
        const int n = i2d_X509(x, &der);
        apdu::Bytes out(der, der + n);
        OPENSSL_free(der);
        X509_NAME_free(name);
        X509_NAME_free(issuer);
        X509_free(x);
        return out;
    }
};

// What the card does for 80 2A: PKCS#1 v1.5 type-1 padding of the given DigestInfo.
apdu::Bytes cardLikeSign(EVP_PKEY* key, const apdu::Bytes& digestInfo) {
    EVP_PKEY_CTX* ctx = EVP_PKEY_CTX_new(key, nullptr);
    REQUIRE(EVP_PKEY_sign_init(ctx) == 1);
    REQUIRE(EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_PKCS1_PADDING) == 1);
    std::size_t n = 0;
    REQUIRE(EVP_PKEY_sign(ctx, nullptr, &n, digestInfo.data(), digestInfo.size()) == 1);
    apdu::Bytes sig(n);
    REQUIRE(EVP_PKEY_sign(ctx, sig.data(), &n, digestInfo.data(), digestInfo.size()) == 1);
    sig.resize(n);
    EVP_PKEY_CTX_free(ctx);
    return sig;
}

}  // namespace

TEST_CASE("CMS SignedData with an injected signature verifies with OpenSSL") {
    static Pki pki;
    const apdu::Bytes content{'h', 'e', 'l', 'l', 'o', '\n'};
    for (bool detached : {true, false}) {
        for (auto hash : {card::HashAlgorithm::Sha256, card::HashAlgorithm::Sha384}) {
            CmsSignRequest req;
            req.content = content;
            req.signerCertificate = pki.userDer;
            req.extraCertificates = {pki.caDer};
            req.hash = hash;
            req.detached = detached;
            int calls = 0;
            req.sign = [&](const apdu::Bytes& di) {
                ++calls;
                return cardLikeSign(pki.userKey, di);
            };
            const apdu::Bytes cms = cmsSign(req);
            CHECK(calls == 1);
            const VerifyResult ok = verifyCms(cms, detached ? &content : nullptr, {pki.caFile});
            CHECK(ok.ok);
            CHECK(ok.signer.find("Test User") != std::string::npos);

            if (detached) {
                apdu::Bytes other = content;
                other[0] ^= 1;
                CHECK_FALSE(verifyCms(cms, &other, {pki.caFile}).ok);
            }
            apdu::Bytes tampered = cms;
            tampered[tampered.size() - 10] ^= 0x01;  // inside the signature value
            bool rejected = false;
            try {
                rejected = !verifyCms(tampered, detached ? &content : nullptr, {pki.caFile}).ok;
            } catch (const Error&) {
                rejected = true;
            }
            CHECK(rejected);
        }
    }
}

TEST_CASE("cmsSign refuses a signature made by another key") {
    static Pki pki;
    CmsSignRequest req;
    req.content = {1, 2, 3};
    req.signerCertificate = pki.userDer;
    req.sign = [&](const apdu::Bytes& di) { return cardLikeSign(pki.caKey, di); };
    CHECK_THROWS_AS(cmsSign(req), ProtocolError);
}

TEST_CASE("raw signature verification against the certificate and the trust anchors") {
    static Pki pki;
    const apdu::Bytes data{'d', 'a', 't', 'a'};
    const apdu::Bytes sig = cardLikeSign(pki.userKey, card::digestInfoForData(card::HashAlgorithm::Sha256, data));
    CHECK(verifyRaw(data, sig, pki.userDer, card::HashAlgorithm::Sha256, {pki.caFile}).ok);
    CHECK(verifyRaw(data, sig, derToPem(pki.userDer, "CERTIFICATE"), card::HashAlgorithm::Sha256, {}).ok);
    CHECK_FALSE(verifyRaw(data, sig, pki.userDer, card::HashAlgorithm::Sha1, {}).ok);
    apdu::Bytes other = data;
    other[0] ^= 1;
    CHECK_FALSE(verifyRaw(other, sig, pki.userDer, card::HashAlgorithm::Sha256, {}).ok);
    // The CA certificate is self-signed by another key: the user certificate does not chain to
    // an unrelated anchor.
    const std::string unrelated = "/tmp/mynacard_cli_unit_unrelated.pem";
    {
        EVP_PKEY* k = EVP_RSA_gen(2048);
        const apdu::Bytes der = Pki::makeCert(k, k, "Test CA", true);
        const apdu::Bytes pem = derToPem(der, "CERTIFICATE");
        FILE* f = std::fopen(unrelated.c_str(), "w");
        std::fwrite(pem.data(), 1, pem.size(), f);
        std::fclose(f);
        EVP_PKEY_free(k);
    }
    CHECK_FALSE(verifyRaw(data, sig, pki.userDer, card::HashAlgorithm::Sha256, {unrelated}).ok);
    std::remove(unrelated.c_str());
}
