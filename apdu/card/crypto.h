// Small OpenSSL helpers shared by the applets: public keys from certificates and from the card's
// raw (90/91) key objects, and PKCS#1 v1.5 signature checks by recovering the signed payload.
#pragma once

#include <openssl/evp.h>

#include <memory>
#include <string>

#include "apdu/bytes.h"

namespace mynacard::card {

using PublicKey = std::shared_ptr<EVP_PKEY>;  // deleter: EVP_PKEY_free

// Public key of a DER X.509 certificate; throws ProtocolError when the DER does not parse.
PublicKey publicKeyFromCertificate(const apdu::Bytes& der);
// RSA key from big-endian modulus and exponent; throws ProtocolError when OpenSSL refuses them.
PublicKey rsaPublicKey(const apdu::Bytes& modulus, const apdu::Bytes& exponent);
// Key size in bytes (256 for RSA-2048).
std::size_t keySizeBytes(const PublicKey& key);

// RSA public operation with PKCS#1 v1.5 type-1 unpadding; true when it recovers exactly
// `expectedPayload` (a DigestInfo, or the raw input given to 80 2A). Never throws for a bad
// signature; false instead.
bool verifyPkcs1Payload(const PublicKey& key, const apdu::Bytes& expectedPayload,
                        const apdu::Bytes& signature);

apdu::Bytes sha256(const apdu::Bytes& data);
apdu::Bytes sha256(const std::uint8_t* data, std::size_t size);

}  // namespace mynacard::card
