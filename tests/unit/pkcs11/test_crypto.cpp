// Certificate parsing, signature checks and DigestInfo, cross-checked against OpenSSL and the
// applet client's independent DigestInfo table.
#include <openssl/evp.h>
#include <openssl/rsa.h>
#include <openssl/sha.h>
#include <openssl/x509.h>

#include <catch2/catch.hpp>
#include <memory>

#include "apdu/errors.h"
#include "pkcs11/certificate.h"
#include "pkcs11/mechanisms.h"
#ifdef MYNACARD_HAVE_CARD
#include "apdu/card/digest_info.h"
#endif

using namespace mynacard;
using namespace mynacard::p11;

namespace {

struct TestCert {
    std::shared_ptr<EVP_PKEY> key;
    apdu::Bytes der;
};

TestCert makeCert() {
    TestCert t;
    t.key.reset(EVP_RSA_gen(2048), EVP_PKEY_free);
    REQUIRE(t.key);
    std::unique_ptr<X509, decltype(&X509_free)> x(X509_new(), X509_free);
    X509_set_version(x.get(), 2);
    ASN1_INTEGER_set(X509_get_serialNumber(x.get()), 0x1234567);
    X509_gmtime_adj(X509_getm_notBefore(x.get()), 0);
    X509_gmtime_adj(X509_getm_notAfter(x.get()), 3600);
    X509_NAME* name = X509_get_subject_name(x.get());
    X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, (const unsigned char*)"p11 test", -1, -1, 0);
    X509_set_issuer_name(x.get(), name);
    X509_set_pubkey(x.get(), t.key.get());
    REQUIRE(X509_sign(x.get(), t.key.get(), EVP_sha256()) > 0);
    int len = i2d_X509(x.get(), nullptr);
    t.der.resize(len);
    unsigned char* p = t.der.data();
    i2d_X509(x.get(), &p);
    return t;
}

apdu::Bytes rawSign(EVP_PKEY* key, const apdu::Bytes& input) {
    std::unique_ptr<EVP_PKEY_CTX, decltype(&EVP_PKEY_CTX_free)> ctx(EVP_PKEY_CTX_new(key, nullptr),
                                                                    EVP_PKEY_CTX_free);
    REQUIRE(EVP_PKEY_sign_init(ctx.get()) == 1);
    REQUIRE(EVP_PKEY_CTX_set_rsa_padding(ctx.get(), RSA_PKCS1_PADDING) == 1);
    std::size_t len = 0;
    REQUIRE(EVP_PKEY_sign(ctx.get(), nullptr, &len, input.data(), input.size()) == 1);
    apdu::Bytes sig(len);
    REQUIRE(EVP_PKEY_sign(ctx.get(), sig.data(), &len, input.data(), input.size()) == 1);
    sig.resize(len);
    return sig;
}

}  // namespace

TEST_CASE("parseCertificate extracts what the objects expose", "[cert]") {
    TestCert t = makeCert();
    apdu::Bytes withFiller = t.der;
    withFiller.insert(withFiller.end(), 40, 0xFF);  // card files carry trailing filler
    CertInfo info = parseCertificate(withFiller);
    CHECK(info.der == t.der);
    CHECK(info.modulusBits == 2048);
    CHECK(info.modulus.size() == 256);
    CHECK(info.exponent == apdu::Bytes{0x01, 0x00, 0x01});
    CHECK(info.serial == apdu::Bytes{0x02, 0x04, 0x01, 0x23, 0x45, 0x67});
    CHECK(info.serialHex == "01234567");
    CHECK(info.subject == info.issuer);
    CHECK(info.subject.at(0) == 0x30);
    apdu::Bytes sha(SHA_DIGEST_LENGTH);
    SHA1(info.modulus.data(), info.modulus.size(), sha.data());
    CHECK(info.keyId == sha);
    CHECK(info.notBefore.size() == 8);
    CHECK_THROWS_AS(parseCertificate(apdu::Bytes{0x30, 0x03, 0x02, 0x01, 0x00}), ProtocolError);
}

TEST_CASE("signatureMatches accepts only the exact payload under the certificate's key", "[cert]") {
    TestCert t = makeCert(), other = makeCert();
    CertInfo info = parseCertificate(t.der);
    apdu::Bytes input(51, 0x33);
    apdu::Bytes sig = rawSign(t.key.get(), input);
    CHECK(signatureMatches(info, input, sig));
    apdu::Bytes flipped = sig;
    flipped[100] ^= 0x01;
    CHECK_FALSE(signatureMatches(info, input, flipped));
    apdu::Bytes otherInput = input;
    otherInput[0] ^= 1;
    CHECK_FALSE(signatureMatches(info, otherInput, sig));
    CHECK_FALSE(signatureMatches(info, input, rawSign(other.key.get(), input)));
    CHECK_FALSE(signatureMatches(info, input, apdu::Bytes(10, 0)));
}

TEST_CASE("Hasher: digests, DigestInfo, peek keeps the state", "[mechanisms]") {
    Hasher h(CKM_SHA256_RSA_PKCS);
    const apdu::Bytes abc{'a', 'b', 'c'};
    h.update(abc.data(), 1);
    apdu::Bytes partial = h.peekFinal();
    h.update(abc.data() + 1, 2);
    apdu::Bytes d = h.final();
    CHECK(apdu::toHex(d) == "BA7816BF8F01CFEA414140DE5DAE2223B00361A396177A9CB410FF61F20015AD");
    CHECK(partial != d);
    CHECK(h.size() == 32);
#ifdef MYNACARD_HAVE_CARD
    CHECK(h.digestInfo(d) == card::digestInfo(card::HashAlgorithm::Sha256, d));
    struct {
        CK_MECHANISM_TYPE m;
        card::HashAlgorithm a;
    } pairs[] = {{CKM_SHA1_RSA_PKCS, card::HashAlgorithm::Sha1},
                 {CKM_SHA224_RSA_PKCS, card::HashAlgorithm::Sha224},
                 {CKM_SHA384_RSA_PKCS, card::HashAlgorithm::Sha384},
                 {CKM_SHA512_RSA_PKCS, card::HashAlgorithm::Sha512}};
    for (auto& p : pairs) {
        Hasher x(p.m);
        x.update(abc.data(), abc.size());
        CHECK(x.digestInfo(x.final()) == card::digestInfoForData(p.a, abc));
    }
#endif
    CHECK_THROWS_AS(Hasher(CKM_RSA_PKCS), P11Error);
}

TEST_CASE("mechanism table", "[mechanisms]") {
    CHECK(isSignMechanism(CKM_RSA_PKCS));
    CHECK(isSignMechanism(CKM_SHA512_RSA_PKCS));
    CHECK_FALSE(isSignMechanism(CKM_SHA256));
    CHECK(isDigestMechanism(CKM_SHA224));
    CHECK_FALSE(isDigestMechanism(CKM_RSA_PKCS_PSS));
    CHECK((mechanismInfo(CKM_SHA1_RSA_PKCS).flags & CKF_HW));
    CHECK_FALSE((mechanismInfo(CKM_SHA_1).flags & CKF_HW));
    CHECK_THROWS_AS(mechanismInfo(CKM_RSA_X_509), P11Error);
}
