// Mechanisms (issue 5): CKM_RSA_PKCS (DigestInfo or ≤ k−11 bytes), CKM_SHA*_RSA_PKCS hashed on the
// host, and the plain digests. No PSS, no decryption: the card cannot do them (spec §4.4).
#pragma once

#include <openssl/evp.h>

#include <memory>
#include <vector>

#include "apdu/bytes.h"
#include "pkcs11/p11.h"

namespace mynacard::p11 {

const std::vector<CK_MECHANISM_TYPE>& supportedMechanisms();
// Throws P11Error(CKR_MECHANISM_INVALID).
CK_MECHANISM_INFO mechanismInfo(CK_MECHANISM_TYPE type);

bool isSignMechanism(CK_MECHANISM_TYPE type);
bool isDigestMechanism(CK_MECHANISM_TYPE type);

// Maximum raw CKM_RSA_PKCS input for a 2048-bit key: k − 11 (PKCS#1 v1.5 type-1 padding).
constexpr std::size_t kMaxRawInput = 245;

// Incremental hash for CKM_SHA*_RSA_PKCS and CKM_SHA* digests.
class Hasher {
public:
    // `mechanism` is a digest or a hash-and-sign mechanism. Throws P11Error(CKR_MECHANISM_INVALID).
    explicit Hasher(CK_MECHANISM_TYPE mechanism);
    void update(const std::uint8_t* data, std::size_t size);
    apdu::Bytes final();
    // The digest so far, leaving this hasher usable (length queries must not end an operation).
    apdu::Bytes peekFinal() const;
    std::size_t size() const;
    // DER DigestInfo (RFC 8017 §9.2 note 1) of `digest` for this hash.
    apdu::Bytes digestInfo(const apdu::Bytes& digest) const;

private:
    std::shared_ptr<EVP_MD_CTX> ctx_;
    std::shared_ptr<EVP_MD> md_;  // fetched (apdu::libctx()), so owned: EVP_MD_free
    CK_MECHANISM_TYPE hash_ = 0;
};

}  // namespace mynacard::p11
