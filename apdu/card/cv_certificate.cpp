#include "apdu/card/cv_certificate.h"

#include "apdu/errors.h"
#include "apdu/tlv.h"

namespace mynacard::card {
namespace {

void splitKey(const apdu::Bytes& keyTlvs, apdu::Bytes& modulus, apdu::Bytes& exponent) {
    // Order and presence are checked by tag, never by offset (spec §13 item 8: totals vary).
    for (const apdu::Tlv& t : apdu::parseTlvSequence(keyTlvs, true)) {
        if (t.tag == 0x90) exponent = t.value;
        if (t.tag == 0x91) modulus = t.value;
    }
    if (modulus.empty() || exponent.empty())
        throw ProtocolError("public key object lacks the 90 (exponent) or 91 (modulus) tag");
}

}  // namespace

CvCertificate parseCvCertificate(const apdu::Bytes& ef0004) {
    apdu::Tlv outer = apdu::parseTlv(ef0004);
    if (outer.tag != 0x7F21) throw ProtocolError("EF 0004 is not a 7F21 CV certificate");
    CvCertificate cv;
    cv.body = outer.require(0x5F4E).value;
    cv.signature = outer.require(0x5F37).value;
    if (cv.body.size() < 32 + 4) throw ProtocolError("CV certificate body is too short");
    cv.issuerKeyId.assign(cv.body.begin(), cv.body.begin() + 16);
    cv.subjectKeyId.assign(cv.body.begin() + 16, cv.body.begin() + 32);
    splitKey(apdu::Bytes(cv.body.begin() + 32, cv.body.end()), cv.modulus, cv.exponent);
    return cv;
}

PublicKey parseRawPublicKey(const apdu::Bytes& value) {
    apdu::Bytes modulus, exponent;
    splitKey(value, modulus, exponent);
    return rsaPublicKey(modulus, exponent);
}

}  // namespace mynacard::card
