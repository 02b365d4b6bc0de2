#include "pkcs11/mechanisms.h"

#include <algorithm>

#include "apdu/libctx.h"

namespace mynacard::p11 {
namespace {

struct HashEntry {
    CK_MECHANISM_TYPE digest, sign;
    const char* md;  // fetched from apdu::libctx(), never from the host's default context
    // DigestInfo prefix up to and including the OCTET STRING header (RFC 8017 §9.2 note 1).
    const char* prefix;
};

const HashEntry kHashes[] = {
    {CKM_SHA_1, CKM_SHA1_RSA_PKCS, "SHA1", "3021300906052B0E03021A05000414"},
    {CKM_SHA224, CKM_SHA224_RSA_PKCS, "SHA224", "302D300D06096086480165030402040500041C"},
    {CKM_SHA256, CKM_SHA256_RSA_PKCS, "SHA256", "3031300D060960864801650304020105000420"},
    {CKM_SHA384, CKM_SHA384_RSA_PKCS, "SHA384", "3041300D060960864801650304020205000430"},
    {CKM_SHA512, CKM_SHA512_RSA_PKCS, "SHA512", "3051300D060960864801650304020305000440"},
};

const HashEntry* hashFor(CK_MECHANISM_TYPE m) {
    for (const auto& h : kHashes)
        if (h.digest == m || h.sign == m) return &h;
    return nullptr;
}

}  // namespace

const std::vector<CK_MECHANISM_TYPE>& supportedMechanisms() {
    static const std::vector<CK_MECHANISM_TYPE> list = {
        CKM_RSA_PKCS,        CKM_SHA1_RSA_PKCS,   CKM_SHA224_RSA_PKCS, CKM_SHA256_RSA_PKCS,
        CKM_SHA384_RSA_PKCS, CKM_SHA512_RSA_PKCS, CKM_SHA_1,           CKM_SHA224,
        CKM_SHA256,          CKM_SHA384,          CKM_SHA512};
    return list;
}

bool isSignMechanism(CK_MECHANISM_TYPE type) {
    if (type == CKM_RSA_PKCS) return true;
    const HashEntry* h = hashFor(type);
    return h && h->sign == type;
}

bool isDigestMechanism(CK_MECHANISM_TYPE type) {
    const HashEntry* h = hashFor(type);
    return h && h->digest == type;
}

CK_MECHANISM_INFO mechanismInfo(CK_MECHANISM_TYPE type) {
    CK_MECHANISM_INFO info{};
    if (isSignMechanism(type)) {
        // The card's keys are RSA-2048 (spec §4.1); CKF_HW: the card does the private-key work.
        info.ulMinKeySize = 2048;
        info.ulMaxKeySize = 2048;
        info.flags = CKF_HW | CKF_SIGN;
    } else if (isDigestMechanism(type)) {
        info.flags = CKF_DIGEST;  // on the host, so no CKF_HW
    } else {
        fail(CKR_MECHANISM_INVALID);
    }
    return info;
}

Hasher::Hasher(CK_MECHANISM_TYPE mechanism) {
    const HashEntry* h = hashFor(mechanism);
    if (!h) fail(CKR_MECHANISM_INVALID);
    md_.reset(apdu::fetchDigest(h->md).release(), EVP_MD_free);
    if (!md_) fail(CKR_GENERAL_ERROR);  // the private context lacks the hash: not the caller's fault
    hash_ = h->digest;
    ctx_.reset(EVP_MD_CTX_new(), EVP_MD_CTX_free);
    if (!ctx_ || EVP_DigestInit_ex(ctx_.get(), md_.get(), nullptr) != 1) fail(CKR_HOST_MEMORY);
}

void Hasher::update(const std::uint8_t* data, std::size_t size) {
    if (size && EVP_DigestUpdate(ctx_.get(), data, size) != 1) fail(CKR_GENERAL_ERROR);
}

apdu::Bytes Hasher::final() {
    apdu::Bytes out(static_cast<std::size_t>(EVP_MD_get_size(md_.get())));
    unsigned int len = 0;
    if (EVP_DigestFinal_ex(ctx_.get(), out.data(), &len) != 1) fail(CKR_GENERAL_ERROR);
    out.resize(len);
    return out;
}

apdu::Bytes Hasher::peekFinal() const {
    std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> copy(EVP_MD_CTX_new(), EVP_MD_CTX_free);
    if (!copy || EVP_MD_CTX_copy_ex(copy.get(), ctx_.get()) != 1) fail(CKR_HOST_MEMORY);
    apdu::Bytes out(static_cast<std::size_t>(EVP_MD_get_size(md_.get())));
    unsigned int len = 0;
    if (EVP_DigestFinal_ex(copy.get(), out.data(), &len) != 1) fail(CKR_GENERAL_ERROR);
    out.resize(len);
    return out;
}

std::size_t Hasher::size() const { return static_cast<std::size_t>(EVP_MD_get_size(md_.get())); }

apdu::Bytes Hasher::digestInfo(const apdu::Bytes& digest) const {
    apdu::Bytes out = apdu::fromHex(hashFor(hash_)->prefix);
    out.insert(out.end(), digest.begin(), digest.end());
    return out;
}

}  // namespace mynacard::p11
