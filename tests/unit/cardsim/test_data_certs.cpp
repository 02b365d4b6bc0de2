// JPKI X.509 certificates of the simulated card (spec §4.3): chain, key usage, SAN attributes,
// and determinism of the fixed test keys.
#include <catch2/catch.hpp>

#include <openssl/x509v3.h>

#include <ctime>
#include <map>

#include "cardsim/profile.h"
#include "test_data_helpers.h"

using namespace mynacard::sim;
using namespace testdata;

namespace {

// X509_verify_cert against a store holding only `roots`.
bool chainsTo(const Bytes& der, const std::vector<X509Ptr>& roots) {
    X509Ptr cert = parseCert(der);
    if (!cert) return false;
    X509_STORE* store = X509_STORE_new();
    for (const auto& r : roots) X509_STORE_add_cert(store, r.get());
    X509_STORE_CTX* ctx = X509_STORE_CTX_new();
    X509_STORE_CTX_init(ctx, store, cert.get(), nullptr);
    bool ok = X509_verify_cert(ctx) == 1;
    X509_STORE_CTX_free(ctx);
    X509_STORE_free(store);
    ERR_clear_error();
    return ok;
}

std::string nameText(const X509_NAME* name) {
    BIO* bio = BIO_new(BIO_s_mem());
    X509_NAME_print_ex(bio, name, 0, XN_FLAG_RFC2253 & ~ASN1_STRFLGS_ESC_MSB);
    char* data = nullptr;
    long len = BIO_get_mem_data(bio, &data);
    std::string s(data, static_cast<std::size_t>(len));
    BIO_free(bio);
    return s;
}

}  // namespace

TEST_CASE("the exported anchors hold the two JPKI test roots and two CV CA keys", "[cardsim][data]") {
    const CardData& d = defaultCard();
    auto roots = anchorCertificates(d.trustAnchorsPem);
    REQUIRE(roots.size() == 2);
    CHECK(anchorPublicKeys(d.trustAnchorsPem).size() == 2);
    std::string authRoot = nameText(X509_get_subject_name(roots[0].get()));
    CHECK(authRoot.find("O=JPKI-TEST") != std::string::npos);
    CHECK(authRoot.find("OU=JPKI for user authentication") != std::string::npos);
    CHECK(authRoot.find("OU=Japan Agency for Local Authority Information Systems") != std::string::npos);
    CHECK(nameText(X509_get_subject_name(roots[1].get())).find("OU=JPKI for digital signature") != std::string::npos);
    // EF 000B / EF 0002 hold exactly these roots (the CAs that issued the user certificates).
    X509Ptr authCa = parseCert(d.authCaCert), signCa = parseCert(d.signCaCert);
    REQUIRE(authCa);
    REQUIRE(signCa);
    CHECK(X509_cmp(authCa.get(), roots[0].get()) == 0);
    CHECK(X509_cmp(signCa.get(), roots[1].get()) == 0);
}

TEST_CASE("user certificates chain to their own root only (X509_verify_cert)", "[cardsim][data]") {
    const CardData& d = defaultCard();
    auto roots = anchorCertificates(d.trustAnchorsPem);
    REQUIRE(roots.size() == 2);
    CHECK(chainsTo(d.authCert, {roots[0]}));
    CHECK(chainsTo(d.signCert, {roots[1]}));
    CHECK_FALSE(chainsTo(d.authCert, {roots[1]}));
    CHECK_FALSE(chainsTo(d.signCert, {roots[0]}));
}

TEST_CASE("certificates look like JPKI's: RSA-2048, sha256WithRSA, key usage, size", "[cardsim][data]") {
    const CardData& d = defaultCard();
    for (const Bytes* der : {&d.authCert, &d.signCert, &d.authCaCert, &d.signCaCert}) {
        X509Ptr c = parseCert(*der);
        REQUIRE(c);
        CHECK(X509_get_signature_nid(c.get()) == NID_sha256WithRSAEncryption);
        CHECK(EVP_PKEY_get_bits(X509_get0_pubkey(c.get())) == 2048);
        CHECK(X509_get_version(c.get()) == X509_VERSION_3);
    }
    X509Ptr auth = parseCert(d.authCert), sign = parseCert(d.signCert);
    CHECK(d.authCert.size() >= 900);
    CHECK(d.authCert.size() <= 1600);
    CHECK(d.signCert.size() >= 900);
    CHECK(d.signCert.size() <= 1600);
    CHECK(X509_get_key_usage(auth.get()) == KU_DIGITAL_SIGNATURE);
    CHECK(X509_get_key_usage(sign.get()) == (KU_DIGITAL_SIGNATURE | KU_NON_REPUDIATION));
    // The certificates carry the card's keys.
    CHECK(EVP_PKEY_eq(X509_get0_pubkey(auth.get()), d.authKey.get()) == 1);
    CHECK(EVP_PKEY_eq(X509_get0_pubkey(sign.get()), d.signKey.get()) == 1);
    CHECK(EVP_PKEY_eq(X509_get0_pubkey(auth.get()), d.signKey.get()) != 1);
    // Valid now (from now − 1 day).
    CHECK(X509_cmp_current_time(X509_get0_notBefore(auth.get())) < 0);
    CHECK(X509_cmp_current_time(X509_get0_notAfter(auth.get())) > 0);
    // The auth certificate's subject is only a serial-like CN (spec §4.3): no holder name in it.
    std::string subject = nameText(X509_get_subject_name(auth.get()));
    CHECK(subject.find(defaultProfile().serial) != std::string::npos);
    CHECK(subject.find(defaultProfile().name) == std::string::npos);
}

TEST_CASE("the signature certificate carries the four attributes in subjectAltName", "[cardsim][data]") {
    const CardData& d = defaultCard();
    Profile p = defaultProfile();
    X509Ptr sign = parseCert(d.signCert);
    REQUIRE(sign);
    auto* names = static_cast<GENERAL_NAMES*>(X509_get_ext_d2i(sign.get(), NID_subject_alt_name, nullptr, nullptr));
    REQUIRE(names);
    std::map<std::string, std::string> attrs;
    for (int i = 0; i < sk_GENERAL_NAME_num(names); ++i) {
        GENERAL_NAME* gen = sk_GENERAL_NAME_value(names, i);
        ASN1_OBJECT* oid = nullptr;
        ASN1_TYPE* value = nullptr;
        if (!GENERAL_NAME_get0_otherName(gen, &oid, &value)) continue;
        char buf[64];
        OBJ_obj2txt(buf, sizeof buf, oid, 1);
        REQUIRE(value->type == V_ASN1_UTF8STRING);
        const ASN1_STRING* s = value->value.utf8string;
        attrs[buf] = std::string(reinterpret_cast<const char*>(ASN1_STRING_get0_data(s)),
                                 static_cast<std::size_t>(ASN1_STRING_length(s)));
    }
    GENERAL_NAMES_free(names);
    CHECK(attrs["1.2.392.200149.8.5.5.1"] == p.name);
    CHECK(attrs["1.2.392.200149.8.5.5.3"] == p.sex);
    CHECK(attrs["1.2.392.200149.8.5.5.4"] == "319800217");  // era digit 3 = 昭和, then Gregorian
    CHECK(attrs["1.2.392.200149.8.5.5.5"] == p.address);
    // The auth certificate names nobody.
    X509Ptr auth = parseCert(d.authCert);
    CHECK(X509_get_ext_d2i(auth.get(), NID_subject_alt_name, nullptr, nullptr) == nullptr);
}

TEST_CASE("the fixed test keys make two builds agree", "[cardsim][data]") {
    const CardData& a = defaultCard();
    CardData b = buildCardData(defaultProfile());
    CHECK(EVP_PKEY_eq(a.authKey.get(), b.authKey.get()) == 1);
    CHECK(EVP_PKEY_eq(a.signKey.get(), b.signKey.get()) == 1);
    CHECK(a.authCaCert == b.authCaCert);  // fixed validity and serial: byte-identical roots
    CHECK(a.textCvCert == b.textCvCert);
    CHECK(a.textIntegrity == b.textIntegrity);
    CHECK(a.trustAnchorsPem == b.trustAnchorsPem);
    // Serial numbers come from the card serial.
    X509Ptr c = parseCert(a.authCert);
    BIGNUM* bn = ASN1_INTEGER_to_BN(X509_get0_serialNumber(c.get()), nullptr);
    char* dec = BN_bn2dec(bn);
    CHECK(std::string(dec) == "1" + defaultProfile().serial);
    OPENSSL_free(dec);
    BN_free(bn);
}
