#include "pkcs11/certificate.h"

#include <openssl/asn1.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/rsa.h>
#include <openssl/sha.h>
#include <openssl/x509.h>

#include <memory>

#include "apdu/errors.h"
#include "apdu/libctx.h"

namespace mynacard::p11 {
namespace {

template <typename T, void (*F)(T*)>
struct Deleter {
    void operator()(T* p) const { F(p); }
};
using X509Ptr = std::unique_ptr<X509, Deleter<X509, X509_free>>;
using PKeyPtr = std::unique_ptr<EVP_PKEY, Deleter<EVP_PKEY, EVP_PKEY_free>>;
using BnPtr = std::unique_ptr<BIGNUM, Deleter<BIGNUM, BN_free>>;
using CtxPtr = std::unique_ptr<EVP_PKEY_CTX, Deleter<EVP_PKEY_CTX, EVP_PKEY_CTX_free>>;

template <typename T>
apdu::Bytes i2d(const T* object, int (*encode)(const T*, unsigned char**)) {
    int len = encode(object, nullptr);
    if (len <= 0) throw ProtocolError("certificate: cannot encode a field");
    apdu::Bytes out(static_cast<std::size_t>(len));
    unsigned char* p = out.data();
    encode(object, &p);
    return out;
}

apdu::Bytes bnBytes(const BIGNUM* bn) {
    apdu::Bytes out(static_cast<std::size_t>(BN_num_bytes(bn)));
    BN_bn2bin(bn, out.data());
    return out;
}

apdu::Bytes ckDate(const ASN1_TIME* t) {
    struct tm tm {};
    if (!t || ASN1_TIME_to_tm(t, &tm) != 1) return {};
    char buf[48];
    std::snprintf(buf, sizeof buf, "%04d%02d%02d", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday);
    return apdu::Bytes(buf, buf + 8);
}

// Every fetch (decoding, hashing, RSA) goes to apdu::libctx(), not the host's default context.
PKeyPtr publicKey(const CertInfo& cert) {
    const unsigned char* p = cert.spki.data();
    PKeyPtr key(d2i_PUBKEY_ex(nullptr, &p, static_cast<long>(cert.spki.size()), apdu::libctx(),
                              nullptr));
    return key;
}

}  // namespace

CertInfo parseCertificate(const apdu::Bytes& der) {
    const unsigned char* p = der.data();
    X509Ptr x509(apdu::decodeCertificate(&p, static_cast<long>(der.size())));
    if (!x509) throw ProtocolError("certificate: not DER X.509");
    CertInfo info;
    // Keep only the certificate itself: card files carry trailing filler (spec §4.3).
    info.der.assign(der.data(), p);
    info.subject = i2d<X509_NAME>(X509_get_subject_name(x509.get()), i2d_X509_NAME);
    info.issuer = i2d<X509_NAME>(X509_get_issuer_name(x509.get()), i2d_X509_NAME);
    const ASN1_INTEGER* serial = X509_get0_serialNumber(x509.get());
    info.serial = i2d<ASN1_INTEGER>(serial, i2d_ASN1_INTEGER);
    BnPtr serialBn(ASN1_INTEGER_to_BN(serial, nullptr));
    if (!serialBn) throw ProtocolError("certificate: bad serial");
    info.serialHex = apdu::toHex(bnBytes(serialBn.get()));

    EVP_PKEY* key = X509_get0_pubkey(x509.get());
    if (!key || EVP_PKEY_get_base_id(key) != EVP_PKEY_RSA)
        throw ProtocolError("certificate: not an RSA key");
    BIGNUM* n = nullptr;
    BIGNUM* e = nullptr;
    if (EVP_PKEY_get_bn_param(key, OSSL_PKEY_PARAM_RSA_N, &n) != 1 ||
        EVP_PKEY_get_bn_param(key, OSSL_PKEY_PARAM_RSA_E, &e) != 1) {
        BN_free(n);
        BN_free(e);
        throw ProtocolError("certificate: cannot read the RSA key");
    }
    BnPtr nPtr(n), ePtr(e);
    info.modulus = bnBytes(n);
    info.exponent = bnBytes(e);
    info.modulusBits = static_cast<unsigned long>(BN_num_bits(n));
    info.spki = i2d<EVP_PKEY>(key, i2d_PUBKEY);
    info.keyId.resize(SHA_DIGEST_LENGTH);
    apdu::EvpMdPtr sha1 = apdu::fetchDigest("SHA1");
    if (!sha1 || EVP_Digest(info.modulus.data(), info.modulus.size(), info.keyId.data(), nullptr,
                            sha1.get(), nullptr) != 1)
        throw ProtocolError("certificate: cannot compute the key id (SHA-1)");
    info.notBefore = ckDate(X509_get0_notBefore(x509.get()));
    info.notAfter = ckDate(X509_get0_notAfter(x509.get()));
    return info;
}

bool signatureMatches(const CertInfo& cert, const apdu::Bytes& input, const apdu::Bytes& signature) {
    PKeyPtr key = publicKey(cert);
    if (!key) return false;
    CtxPtr ctx(EVP_PKEY_CTX_new_from_pkey(apdu::libctx(), key.get(), nullptr));
    if (!ctx || EVP_PKEY_verify_recover_init(ctx.get()) != 1 ||
        EVP_PKEY_CTX_set_rsa_padding(ctx.get(), RSA_PKCS1_PADDING) != 1)
        return false;
    apdu::Bytes recovered(cert.modulus.size() + 1);
    std::size_t len = recovered.size();
    if (EVP_PKEY_verify_recover(ctx.get(), recovered.data(), &len, signature.data(),
                                signature.size()) != 1)
        return false;
    recovered.resize(len);
    return recovered == input;
}

}  // namespace mynacard::p11
