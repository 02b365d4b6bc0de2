// Test helpers for the card-data tests: independent OpenSSL verification of the records'
// signatures (never by length) and parsing of the exported trust anchors.
#pragma once

#include <openssl/bio.h>
#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

#include <memory>
#include <string>
#include <vector>

#include "apdu/bytes.h"
#include "apdu/tlv.h"
#include "cardsim/card_data.h"

namespace testdata {

using mynacard::apdu::Bytes;
using mynacard::sim::PKey;

// Built once per test binary: the default card takes ~tens of ms to build.
inline const mynacard::sim::CardData& defaultCard() {
    static const mynacard::sim::CardData d = mynacard::sim::buildCardData(mynacard::sim::defaultProfile());
    return d;
}

// An RSA public key from the card's 90 <e> 91 <n> encoding (spec §5.3 EF 0004).
inline PKey keyFromBlock(const Bytes& block) {
    auto tlvs = mynacard::apdu::parseTlvSequence(block);
    if (tlvs.size() != 2 || tlvs[0].tag != 0x90 || tlvs[1].tag != 0x91) return nullptr;
    BIGNUM* e = BN_bin2bn(tlvs[0].value.data(), static_cast<int>(tlvs[0].value.size()), nullptr);
    BIGNUM* n = BN_bin2bn(tlvs[1].value.data(), static_cast<int>(tlvs[1].value.size()), nullptr);
    OSSL_PARAM_BLD* bld = OSSL_PARAM_BLD_new();
    OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_N, n);
    OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_E, e);
    OSSL_PARAM* params = OSSL_PARAM_BLD_to_param(bld);
    EVP_PKEY_CTX* ctx = EVP_PKEY_CTX_new_from_name(nullptr, "RSA", nullptr);
    EVP_PKEY* key = nullptr;
    if (EVP_PKEY_fromdata_init(ctx) == 1) EVP_PKEY_fromdata(ctx, &key, EVP_PKEY_PUBLIC_KEY, params);
    EVP_PKEY_CTX_free(ctx);
    OSSL_PARAM_free(params);
    OSSL_PARAM_BLD_free(bld);
    BN_free(e);
    BN_free(n);
    return PKey(key, EVP_PKEY_free);
}

// RSA PKCS#1 v1.5 SHA-256 verification.
inline bool verifySha256(const PKey& key, const Bytes& data, const Bytes& sig) {
    if (!key) return false;
    EVP_MD_CTX* ctx = EVP_MD_CTX_new();
    bool ok = EVP_DigestVerifyInit(ctx, nullptr, EVP_sha256(), nullptr, key.get()) == 1 &&
              EVP_DigestVerify(ctx, sig.data(), sig.size(), data.data(), data.size()) == 1;
    EVP_MD_CTX_free(ctx);
    ERR_clear_error();
    return ok;
}

// RSA PKCS#1 v1.5 over caller-supplied bytes (no hashing): the recovered block must equal `tbs`.
inline bool verifyRaw(const PKey& key, const Bytes& tbs, const Bytes& sig) {
    if (!key) return false;
    EVP_PKEY_CTX* ctx = EVP_PKEY_CTX_new(key.get(), nullptr);
    bool ok = EVP_PKEY_verify_init(ctx) == 1 && EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_PKCS1_PADDING) == 1 &&
              EVP_PKEY_verify(ctx, sig.data(), sig.size(), tbs.data(), tbs.size()) == 1;
    EVP_PKEY_CTX_free(ctx);
    ERR_clear_error();
    return ok;
}

inline std::vector<PKey> anchorPublicKeys(const std::string& pem) {
    std::vector<PKey> out;
    BIO* bio = BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size()));
    while (EVP_PKEY* k = PEM_read_bio_PUBKEY(bio, nullptr, nullptr, nullptr)) out.emplace_back(k, EVP_PKEY_free);
    BIO_free(bio);
    ERR_clear_error();
    return out;
}

using X509Ptr = std::shared_ptr<X509>;

inline std::vector<X509Ptr> anchorCertificates(const std::string& pem) {
    std::vector<X509Ptr> out;
    BIO* bio = BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size()));
    while (X509* c = PEM_read_bio_X509(bio, nullptr, nullptr, nullptr)) out.emplace_back(c, X509_free);
    BIO_free(bio);
    ERR_clear_error();
    return out;
}

inline X509Ptr parseCert(const Bytes& der) {
    const unsigned char* p = der.data();
    return X509Ptr(d2i_X509(nullptr, &p, static_cast<long>(der.size())), X509_free);
}

inline Bytes sha256(const Bytes& data) {
    Bytes out(32);
    unsigned int len = 0;
    EVP_Digest(data.data(), data.size(), out.data(), &len, EVP_sha256(), nullptr);
    return out;
}

inline Bytes slice(const Bytes& b, std::size_t from, std::size_t to) {
    return Bytes(b.begin() + static_cast<long>(from), b.begin() + static_cast<long>(to));
}

inline Bytes raw(const mynacard::apdu::Tlv& t) {  // the TLV re-encoded as stored
    return mynacard::apdu::encodeTlv(t.tag, t.value);
}

inline Bytes ascii(const std::string& s) { return Bytes(s.begin(), s.end()); }

}  // namespace testdata
