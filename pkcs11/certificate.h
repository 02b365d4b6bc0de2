// The parts of an X.509 certificate the PKCS#11 objects expose (spec §4.3: RSA-2048 DER), and
// the check that a card signature matches the certificate's key before it is handed out.
#pragma once

#include <string>

#include "apdu/bytes.h"

namespace mynacard::p11 {

struct CertInfo {
    apdu::Bytes der;
    apdu::Bytes subject, issuer;  // DER Name
    apdu::Bytes serial;           // DER INTEGER (tag 02 included), as CKA_SERIAL_NUMBER wants
    std::string serialHex;        // the serial's value in hex (token serial fallback)
    apdu::Bytes modulus, exponent;  // big-endian, no leading zero
    apdu::Bytes spki;             // DER SubjectPublicKeyInfo (CKA_PUBLIC_KEY_INFO)
    apdu::Bytes keyId;            // SHA-1 of the modulus: CKA_ID shared by cert and its keys
    unsigned long modulusBits = 0;
    apdu::Bytes notBefore, notAfter;  // CK_DATE "YYYYMMDD" (8 bytes), empty if unknown
};

// Throws ProtocolError when `der` is not an RSA X.509 certificate.
CertInfo parseCertificate(const apdu::Bytes& der);

// True when `signature` is a PKCS#1 v1.5 type-1 signature of exactly `input` (DigestInfo or raw)
// under the certificate's key.
bool signatureMatches(const CertInfo& cert, const apdu::Bytes& input, const apdu::Bytes& signature);

}  // namespace mynacard::p11
