#include "apdu/card/face_applet.h"

#include "apdu/card/crypto.h"
#include "apdu/card/record_util.h"
#include "apdu/card/text_applet.h"
#include "apdu/errors.h"
#include "apdu/tlv.h"

namespace mynacard::card {
namespace {

// spec §6.1 EF map
constexpr std::uint16_t kAgeEf = 0x0001;
constexpr std::uint16_t kFrontEf = 0x0002;
constexpr std::uint16_t kCvCertificateEf = 0x0004;
constexpr std::uint16_t kMyNumberImageEf = 0x0005;

Secret frontSecret(const CardSession& s) {
    return s.isVerified(Secret::FaceCollationA) ? Secret::FaceCollationA : Secret::FaceCollationB;
}

}  // namespace

FaceFront FaceApplet::parseFront(const apdu::Bytes& raw) {
    apdu::Tlv outer = apdu::parseTlv(raw);
    if (outer.tag != 0xFF20) throw ProtocolError("card face EF 0002 is not an FF20 record");
    std::vector<RawTlv> c = rawChildren(outer.value);
    FaceFront f;
    f.birthDate = asString(requireRaw(c, 0xDF22, "DF22 (birth date)").tlv.value);
    f.sex = asString(requireRaw(c, 0xDF23, "DF23 (sex)").tlv.value);
    f.cardPublicKey = requireRaw(c, 0xDF24, "DF24 (card key)").tlv.value;
    f.namePng = requireRaw(c, 0xDF25, "DF25 (name image)").tlv.value;
    f.addressPng = requireRaw(c, 0xDF26, "DF26 (address image)").tlv.value;
    f.photoJp2 = requireRaw(c, 0xDF27, "DF27 (photo)").tlv.value;
    requireRaw(c, 0xDF28, "DF28 (signature)");
    if (const RawTlv* e = findRaw(c, 0xDF29)) f.expiry = asString(e->tlv.value);
    if (const RawTlv* s = findRaw(c, 0xDF2A)) f.securityCodePng = s->tlv.value;
    f.raw.assign(raw.begin(), raw.begin() + static_cast<std::ptrdiff_t>(outer.totalLength()));
    return f;
}

void FaceApplet::checkSecret(Secret secret) const {
    if (secretApplet(secret) != Applet::Face)
        throw std::invalid_argument("not a secret of the card face AP");
}

PinStatus FaceApplet::pinStatus(Secret secret) {
    checkSecret(secret);
    return session_.pinStatus(secret);
}

void FaceApplet::verify(const Credential& credential) {
    checkSecret(credential.secret);
    session_.verify(credential);
}

FaceFront FaceApplet::readFront() {
    CardSession::Transaction tx(session_);
    session_.selectApplet(Applet::Face);
    return parseFront(session_.readTlvEf(kFrontEf, frontSecret(session_)));
}

apdu::Bytes FaceApplet::readMyNumberImage() {
    CardSession::Transaction tx(session_);
    session_.selectApplet(Applet::Face);
    apdu::Tlv t = apdu::parseTlv(session_.readTlvEf(kMyNumberImageEf, Secret::FaceCollationA));
    if (t.tag != 0xFF40) throw ProtocolError("card face EF 0005 is not an FF40 record");
    return t.require(0xDF41).value;
}

std::string FaceApplet::readAgeBirthDate() {
    CardSession::Transaction tx(session_);
    session_.selectApplet(Applet::Face);
    apdu::Tlv t = apdu::parseTlv(session_.readTlvEf(kAgeEf, Secret::FaceBirthDateKey));
    if (t.tag != 0xFF10) throw ProtocolError("card face EF 0001 is not an FF10 record");
    return asString(t.require(0xDF11).value);
}

apdu::Bytes FaceApplet::readCvCertificate() {
    if (const apdu::Bytes* c = session_.cached("face.cv")) return *c;
    CardSession::Transaction tx(session_);
    session_.selectApplet(Applet::Face);
    apdu::Bytes cv = session_.readTlvEf(kCvCertificateEf);
    session_.store("face.cv", cv);
    return cv;
}

FaceReadResult FaceApplet::read(const Credential& credential, const FaceReadOptions& options) {
    if (credential.secret != Secret::FaceCollationA && credential.secret != Secret::FaceCollationB)
        throw std::invalid_argument("the card face is opened by 照合番号A or 照合番号B");
    CardSession::Transaction tx(session_);
    session_.verify(credential);
    FaceReadResult out;
    out.front = readFront();
    if (options.myNumberImage) out.myNumberPng = readMyNumberImage();
    out.cvCertificate = readCvCertificate();
    out.report = verifyFront(out.front, out.cvCertificate, options.anchors);
    return out;
}

VerificationReport FaceApplet::verifyFront(const FaceFront& front, const apdu::Bytes& cvCertificate,
                                           const TrustAnchors* anchors) {
    VerificationReport report;
    std::optional<CvCertificate> cv = checkCvCertificate(cvCertificate, anchors, report);
    const char* step = "EF 0002 issuer signature (DF28) with the EF 0004 key";
    try {
        apdu::Tlv outer = apdu::parseTlv(front.raw);
        std::vector<RawTlv> c = rawChildren(outer.value);
        auto raw = [&](std::uint32_t tag) -> const apdu::Bytes& {
            return requireRaw(c, tag, "a signed object").raw;
        };
        apdu::Bytes part1 = raw(0xDF22), part2 = raw(0xDF25);
        for (const apdu::Bytes* b : {&raw(0xDF23), &raw(0xDF24)})
            part1.insert(part1.end(), b->begin(), b->end());
        part2.insert(part2.end(), raw(0xDF26).begin(), raw(0xDF26).end());
        // One DigestInfo with the SHA-256 OID and a 96-byte digest (spec §6.3).
        apdu::Bytes payload =
            apdu::fromHex("30 71 30 0D 06 09 60 86 48 01 65 03 04 02 01 05 00 04 60");
        for (const apdu::Bytes& d : {sha256(part1), sha256(part2), sha256(raw(0xDF27))})
            payload.insert(payload.end(), d.begin(), d.end());
        const apdu::Bytes& signature = requireRaw(c, 0xDF28, "DF28").tlv.value;
        if (!cv) {
            report.add(step, StepResult::Skipped, "EF 0004 unusable");
        } else {
            bool ok = verifyPkcs1Payload(cv->publicKey(), payload, signature);
            report.add(step, ok ? StepResult::Passed : StepResult::Failed,
                       ok ? "" : "signature does not match: the record was altered");
        }
    } catch (const Error& e) {
        report.add(step, StepResult::Failed, std::string("EF 0002 does not parse: ") + e.what());
    }
    finishReport(report, 2);
    return report;
}

}  // namespace mynacard::card
