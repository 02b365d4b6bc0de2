#include "cardsim/cert_jpki.h"

#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/objects.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <memory>
#include <stdexcept>
#include <utility>
#include <vector>

#include "apdu/japanese_era.h"

namespace mynacard::sim::detail {

namespace {

using X509Ptr = std::unique_ptr<X509, decltype(&X509_free)>;
using NamePtr = std::unique_ptr<X509_NAME, decltype(&X509_NAME_free)>;

[[noreturn]] void fail(const std::string& what) {
    unsigned long code = ERR_get_error();
    char buf[256] = "no OpenSSL error queued";
    if (code) ERR_error_string_n(code, buf, sizeof buf);
    ERR_clear_error();
    throw std::runtime_error("cardsim: certificate: " + what + ": " + buf);
}

void check(int ok, const char* what) {
    if (ok != 1) fail(what);
}

const char* kJlis = "Japan Agency for Local Authority Information Systems";

// DN in DER order C, O, OU, OU; printed (RFC 4514, reversed) it reads like the real
// "OU=Japan Agency for Local Authority Information Systems, OU=JPKI for user authentication,
// O=JPKI, C=JP", with O=JPKI-TEST marking a test root (spec §4.3).
NamePtr rootName(bool forSign) {
    NamePtr name(X509_NAME_new(), X509_NAME_free);
    if (!name) fail("X509_NAME_new");
    auto add = [&](const char* field, const char* value) {
        check(X509_NAME_add_entry_by_txt(name.get(), field, MBSTRING_UTF8,
                                         reinterpret_cast<const unsigned char*>(value), -1, -1, 0),
              "X509_NAME_add_entry_by_txt");
    };
    add("C", "JP");
    add("O", "JPKI-TEST");
    add("OU", forSign ? "JPKI for digital signature" : "JPKI for user authentication");
    add("OU", kJlis);
    return name;
}

NamePtr holderName(const std::string& cn) {
    NamePtr name(X509_NAME_new(), X509_NAME_free);
    if (!name) fail("X509_NAME_new");
    check(X509_NAME_add_entry_by_txt(name.get(), "C", MBSTRING_UTF8, reinterpret_cast<const unsigned char*>("JP"),
                                     -1, -1, 0),
          "subject C");
    check(X509_NAME_add_entry_by_txt(name.get(), "CN", MBSTRING_UTF8,
                                     reinterpret_cast<const unsigned char*>(cn.c_str()), -1, -1, 0),
          "subject CN");
    return name;
}

void setSerial(X509* cert, const std::string& decimal) {
    BIGNUM* bn = nullptr;
    if (!BN_dec2bn(&bn, decimal.c_str())) fail("BN_dec2bn");
    ASN1_INTEGER* serial = BN_to_ASN1_INTEGER(bn, nullptr);
    BN_free(bn);
    if (!serial) fail("BN_to_ASN1_INTEGER");
    int ok = X509_set_serialNumber(cert, serial);
    ASN1_INTEGER_free(serial);
    check(ok, "X509_set_serialNumber");
}

void addExt(X509* cert, X509* issuer, int nid, const char* value) {
    X509V3_CTX ctx;
    X509V3_set_ctx_nodb(&ctx);
    X509V3_set_ctx(&ctx, issuer, cert, nullptr, nullptr, 0);
    X509_EXTENSION* ext = X509V3_EXT_nconf_nid(nullptr, &ctx, nid, value);
    if (!ext) fail(std::string("extension ") + OBJ_nid2sn(nid) + "=" + value);
    int ok = X509_add_ext(cert, ext, -1);
    X509_EXTENSION_free(ext);
    check(ok, "X509_add_ext");
}

// certificatePolicies is an r2i extension that the string API only builds with a config
// database, so it is assembled directly (critical, one policy OID, no qualifiers).
void addPolicy(X509* cert, const char* oid) {
    CERTIFICATEPOLICIES* pols = sk_POLICYINFO_new_null();
    POLICYINFO* pol = POLICYINFO_new();
    if (!pols || !pol) {
        POLICYINFO_free(pol);
        CERTIFICATEPOLICIES_free(pols);
        fail("certificatePolicies");
    }
    ASN1_OBJECT_free(pol->policyid);
    pol->policyid = OBJ_txt2obj(oid, 1);
    if (!pol->policyid || !sk_POLICYINFO_push(pols, pol)) {
        POLICYINFO_free(pol);
        CERTIFICATEPOLICIES_free(pols);
        fail("certificatePolicies");
    }
    int ok = X509_add1_ext_i2d(cert, NID_certificate_policies, pols, 1, X509V3_ADD_DEFAULT);
    CERTIFICATEPOLICIES_free(pols);
    check(ok, "certificatePolicies");
}

// subjectAltName otherName entries carrying the holder's attributes as UTF8String (spec §4.3).
void addHolderAttributes(X509* cert, const std::vector<std::pair<const char*, std::string>>& attrs) {
    GENERAL_NAMES* names = sk_GENERAL_NAME_new_null();
    if (!names) fail("sk_GENERAL_NAME_new_null");
    for (const auto& [oid, value] : attrs) {
        GENERAL_NAME* gen = GENERAL_NAME_new();
        ASN1_OBJECT* obj = OBJ_txt2obj(oid, 1);
        ASN1_TYPE* type = ASN1_TYPE_new();
        ASN1_UTF8STRING* str = ASN1_UTF8STRING_new();
        if (!gen || !obj || !type || !str ||
            ASN1_STRING_set(str, value.data(), static_cast<int>(value.size())) != 1) {
            GENERAL_NAME_free(gen);
            ASN1_OBJECT_free(obj);
            ASN1_TYPE_free(type);
            ASN1_UTF8STRING_free(str);
            GENERAL_NAMES_free(names);
            fail("building an otherName");
        }
        ASN1_TYPE_set(type, V_ASN1_UTF8STRING, str);
        if (GENERAL_NAME_set0_othername(gen, obj, type) != 1 || !sk_GENERAL_NAME_push(names, gen)) {
            GENERAL_NAME_free(gen);
            GENERAL_NAMES_free(names);
            fail("adding an otherName");
        }
    }
    int ok = X509_add1_ext_i2d(cert, NID_subject_alt_name, names, 0, X509V3_ADD_DEFAULT);
    GENERAL_NAMES_free(names);
    check(ok, "subjectAltName");
}

X509Ptr newCert(const std::string& serial, const X509_NAME* subject, const X509_NAME* issuer,
                const PKey& subjectKey) {
    X509Ptr cert(X509_new(), X509_free);
    if (!cert) fail("X509_new");
    check(X509_set_version(cert.get(), X509_VERSION_3), "X509_set_version");
    setSerial(cert.get(), serial);
    check(X509_set_subject_name(cert.get(), subject), "X509_set_subject_name");
    check(X509_set_issuer_name(cert.get(), issuer), "X509_set_issuer_name");
    check(X509_set_pubkey(cert.get(), subjectKey.get()), "X509_set_pubkey");
    return cert;
}

apdu::Bytes signAndEncode(X509* cert, const PKey& issuerKey) {
    if (X509_sign(cert, issuerKey.get(), EVP_sha256()) <= 0) fail("X509_sign");
    int len = i2d_X509(cert, nullptr);
    if (len <= 0) fail("i2d_X509");
    apdu::Bytes der(static_cast<std::size_t>(len));
    unsigned char* p = der.data();
    i2d_X509(cert, &p);
    return der;
}

X509Ptr makeRoot(bool forSign, const PKey& key) {
    NamePtr name = rootName(forSign);
    X509Ptr cert = newCert(forSign ? "2" : "1", name.get(), name.get(), key);
    check(ASN1_TIME_set_string(X509_getm_notBefore(cert.get()), "230716000000Z"), "notBefore");
    check(ASN1_TIME_set_string(X509_getm_notAfter(cert.get()), "480716000000Z"), "notAfter");
    addExt(cert.get(), cert.get(), NID_subject_key_identifier, "hash");
    addExt(cert.get(), cert.get(), NID_basic_constraints, "critical,CA:TRUE");
    addExt(cert.get(), cert.get(), NID_key_usage, "critical,keyCertSign,cRLSign");
    return cert;
}

void setHolderValidity(X509* cert) {
    // Spec §4.3: user certificates run to the 5th birthday after issuance; 5 years is close enough.
    if (!X509_gmtime_adj(X509_getm_notBefore(cert), -24L * 3600)) fail("notBefore");
    if (!X509_time_adj_ex(X509_getm_notAfter(cert), 5 * 365 + 1, 0, nullptr)) fail("notAfter");
}

}  // namespace

std::string jpkiBirthDate(const std::string& yyyymmdd) {
    auto era = apdu::toJapaneseEra(yyyymmdd);
    const char* digit = "0";  // 不明
    if (era) {
        if (era->eraName == "明治") digit = "1";
        else if (era->eraName == "大正") digit = "2";
        else if (era->eraName == "昭和") digit = "3";
        else if (era->eraName == "平成") digit = "4";
        else if (era->eraName == "令和") digit = "5";
    }
    return digit + yyyymmdd;
}

JpkiCertificates makeJpkiCertificates(const Profile& p, const JpkiKeys& keys, bool withSign) {
    JpkiCertificates out;
    X509Ptr authRoot = makeRoot(false, keys.authRoot);
    X509Ptr signRoot = makeRoot(true, keys.signRoot);
    out.authRoot = signAndEncode(authRoot.get(), keys.authRoot);
    out.signRoot = signAndEncode(signRoot.get(), keys.signRoot);

    // The auth certificate names nobody: its subject is only a serial-like CN (spec §4.3).
    {
        NamePtr subject = holderName(p.serial + "A");
        X509Ptr cert = newCert("1" + p.serial, subject.get(), X509_get_subject_name(authRoot.get()), keys.authUser);
        setHolderValidity(cert.get());
        X509* issuer = authRoot.get();
        addExt(cert.get(), issuer, NID_subject_key_identifier, "hash");
        addExt(cert.get(), issuer, NID_authority_key_identifier, "keyid:always");
        addExt(cert.get(), issuer, NID_key_usage, "critical,digitalSignature");
        addExt(cert.get(), issuer, NID_ext_key_usage, "clientAuth");
        addPolicy(cert.get(), "1.2.392.200149.8.5.1.3.30");
        addExt(cert.get(), issuer, NID_crl_distribution_points, "URI:http://crl.jpki-test.invalid/auth/crl.der");
        addExt(cert.get(), issuer, NID_info_access, "OCSP;URI:http://ocsp.jpki-test.invalid/auth");
        out.authCert = signAndEncode(cert.get(), keys.authRoot);
    }
    if (withSign) {
        NamePtr subject = holderName(p.serial + "S");
        X509Ptr cert = newCert("2" + p.serial, subject.get(), X509_get_subject_name(signRoot.get()), keys.signUser);
        setHolderValidity(cert.get());
        X509* issuer = signRoot.get();
        addExt(cert.get(), issuer, NID_subject_key_identifier, "hash");
        addExt(cert.get(), issuer, NID_authority_key_identifier, "keyid:always");
        addExt(cert.get(), issuer, NID_key_usage, "critical,digitalSignature,nonRepudiation");
        addPolicy(cert.get(), "1.2.392.200149.8.5.1.1.10");
        addExt(cert.get(), issuer, NID_crl_distribution_points, "URI:http://crl.jpki-test.invalid/sign/crl.der");
        addExt(cert.get(), issuer, NID_info_access, "OCSP;URI:http://ocsp.jpki-test.invalid/sign");
        // The four attributes (spec §4.3); .2/.6 (substitute-character positions) are omitted:
        // the holder's text needs no 外字 substitutes.
        addHolderAttributes(cert.get(), {{"1.2.392.200149.8.5.5.1", p.name},
                                         {"1.2.392.200149.8.5.5.4", jpkiBirthDate(p.birthDate)},
                                         {"1.2.392.200149.8.5.5.3", p.sex},
                                         {"1.2.392.200149.8.5.5.5", p.address}});
        out.signCert = signAndEncode(cert.get(), keys.signRoot);
    }
    return out;
}

std::string certificatePem(const apdu::Bytes& der) {
    const unsigned char* p = der.data();
    X509Ptr cert(d2i_X509(nullptr, &p, static_cast<long>(der.size())), X509_free);
    if (!cert) fail("d2i_X509");
    std::unique_ptr<BIO, decltype(&BIO_free)> bio(BIO_new(BIO_s_mem()), BIO_free);
    if (!bio || PEM_write_bio_X509(bio.get(), cert.get()) != 1) fail("PEM_write_bio_X509");
    char* data = nullptr;
    long len = BIO_get_mem_data(bio.get(), &data);
    return std::string(data, static_cast<std::size_t>(len));
}

}  // namespace mynacard::sim::detail
