// Card-verifiable certificates (tag 7F21) as stored in EF 0004 of the text and card-face APs
// (spec §5.3 EF 0004, §6.1): they certify the key that signs the AP's records.
#pragma once

#include <string>

#include "apdu/bytes.h"
#include "cardsim/card_data.h"

namespace mynacard::sim::detail {

// 16-byte key ID (spec §5.3): 7 ASCII digits ‖ 08 05 ‖ 3 ASCII digits ‖ 4 padding bytes (00; the
// real padding value is undocumented).
apdu::Bytes cvKeyId(const std::string& sevenDigits, const std::string& threeDigits);

// 7F21 82 02 33 { 5F4E 82 01 29 body(297) ; 5F37 82 01 00 signature } where body =
// 証明者鍵ID(16) ‖ 被証明者鍵ID(16) ‖ 90 03 010001 ‖ 91 82 0100 <modulus>, and the signature is
// RSA PKCS#1 v1.5 SHA-256 over the body by `caKey` (the key named by 証明者鍵ID).
apdu::Bytes cvCertificate(const apdu::Bytes& issuerKeyId, const apdu::Bytes& subjectKeyId,
                          const PKey& subjectKey, const PKey& caKey);

}  // namespace mynacard::sim::detail
