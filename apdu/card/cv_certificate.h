// The card-verifiable certificate (tag 7F21) in EF 0004 of the text and card face APs (spec §5.3):
// it certifies the key that signs the AP's records; its signer (a J-LIS CA) is not on the card.
#pragma once

#include "apdu/bytes.h"
#include "apdu/card/crypto.h"

namespace mynacard::card {

struct CvCertificate {
    apdu::Bytes body;          // value of 5F4E (the signed part)
    apdu::Bytes issuerKeyId;   // 証明者鍵ID, 16 bytes
    apdu::Bytes subjectKeyId;  // 被証明者鍵ID, 16 bytes
    apdu::Bytes modulus;       // from 91
    apdu::Bytes exponent;      // from 90
    apdu::Bytes signature;     // value of 5F37

    PublicKey publicKey() const { return rsaPublicKey(modulus, exponent); }
};

// Parses EF 0004's content; throws ProtocolError on any structural problem.
CvCertificate parseCvCertificate(const apdu::Bytes& ef0004);
// Parses a raw public key object (90 exponent ‖ 91 modulus, spec §6.3 DF24); throws ProtocolError.
PublicKey parseRawPublicKey(const apdu::Bytes& value);

}  // namespace mynacard::card
