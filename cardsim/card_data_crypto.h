// OpenSSL helpers shared by the card-data builders (issue 3): the fixed test keys, RSA signatures in
// the two forms the card's records use, and the card's own public-key encoding.
#pragma once

#include <string>

#include "apdu/bytes.h"
#include "cardsim/card_data.h"

namespace mynacard::sim::detail {

// A fixed test key from cardsim/keys/<name>.pem (embedded). Throws std::runtime_error if absent.
PKey loadTestKey(const std::string& name);

apdu::Bytes sha256(const apdu::Bytes& data);
// RSA PKCS#1 v1.5 with SHA-256 over `data` (the card records' usual scheme, spec §5.3).
apdu::Bytes signSha256(const PKey& key, const apdu::Bytes& data);
// RSA PKCS#1 v1.5 type-1 padding over caller-built bytes, no hashing: used where the record's
// signature covers a custom DigestInfo (card-face DF28, spec §6.3).
apdu::Bytes signRaw(const PKey& key, const apdu::Bytes& digestInfo);

// The modulus, big-endian, left-padded to the key size (256 bytes for RSA-2048).
apdu::Bytes rsaModulus(const PKey& key);
// The card's public-key encoding: 90 03 <e> ‖ 91 82 01 00 <modulus> (spec §5.3 EF 0004, §6.3 DF24).
apdu::Bytes publicKeyBlock(const PKey& key);
// "-----BEGIN PUBLIC KEY-----" PEM (SubjectPublicKeyInfo).
std::string publicKeyPem(const PKey& key);

apdu::Bytes toBytes(const std::string& s);
void append(apdu::Bytes& out, const apdu::Bytes& more);

}  // namespace mynacard::sim::detail
