// PKCS#1 v1.5 DigestInfo (RFC 8017 §9.2 note 1) for the hashes the JPKI keys are used with.
// The card pads what it is given (spec §4.4, 80 2A P1=00), so callers pass a DER DigestInfo.
#pragma once

#include <cstddef>

#include "apdu/bytes.h"

namespace mynacard::card {

enum class HashAlgorithm { Sha1, Sha224, Sha256, Sha384, Sha512 };

std::size_t hashLength(HashAlgorithm alg);
const char* hashName(HashAlgorithm alg);  // "sha256", ... (OpenSSL names)
// The DER prefix that precedes the digest.
const apdu::Bytes& digestInfoPrefix(HashAlgorithm alg);
// Prefix ‖ digest. Throws std::invalid_argument when the digest has the wrong length.
apdu::Bytes digestInfo(HashAlgorithm alg, const apdu::Bytes& digest);
// Hashes `data` on the host (OpenSSL) and wraps it.
apdu::Bytes hashData(HashAlgorithm alg, const apdu::Bytes& data);
apdu::Bytes digestInfoForData(HashAlgorithm alg, const apdu::Bytes& data);

}  // namespace mynacard::card
