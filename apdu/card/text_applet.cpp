#include "apdu/card/text_applet.h"

#include "apdu/card/crypto.h"
#include "apdu/card/digest_info.h"
#include "apdu/card/record_util.h"
#include "apdu/errors.h"
#include "apdu/tlv.h"

namespace mynacard::card {
namespace {

// spec §5.1 EF map
constexpr std::uint16_t kMyNumberEf = 0x0001;
constexpr std::uint16_t kAttributesEf = 0x0002;
constexpr std::uint16_t kIntegrityEf = 0x0003;
constexpr std::uint16_t kCvCertificateEf = 0x0004;
constexpr std::size_t kMyNumberSize = 17;

// The secret to name in a "not logged in" error: one we believed verified, else the PIN.
Secret unlockingSecret(const CardSession& s, std::initializer_list<Secret> candidates) {
    for (Secret c : candidates)
        if (s.isVerified(c)) return c;
    return *candidates.begin();
}

const char* resultName(StepResult r) {
    return r == StepResult::Failed ? "failed" : r == StepResult::Skipped ? "skipped" : "passed";
}

}  // namespace

std::optional<CvCertificate> checkCvCertificate(const apdu::Bytes& ef0004,
                                                const TrustAnchors* anchors,
                                                VerificationReport& report) {
    const char* step = "EF 0004 certificate signed by a trust anchor";
    std::optional<CvCertificate> cv;
    try {
        cv = parseCvCertificate(ef0004);
        cv->publicKey();  // the key must be usable for step (b)
    } catch (const Error& e) {
        report.add(step, StepResult::Failed, std::string("EF 0004 does not parse: ") + e.what());
        return std::nullopt;
    }
    if (anchors == nullptr || anchors->empty()) {
        report.add(step, StepResult::Skipped, "no trust anchor configured");
        return cv;
    }
    std::string signer = anchors->findSigner(*cv);
    if (signer.empty())
        report.add(step, StepResult::Failed, "no configured trust anchor signed it");
    else
        report.add(step, StepResult::Passed, "signed by " + signer);
    return cv;
}

void finishReport(VerificationReport& report, std::size_t requiredSteps) {
    report.verified = true;
    report.reason.clear();
    for (std::size_t i = 0; i < report.steps.size(); ++i) {
        const VerificationStep& s = report.steps[i];
        bool bad = s.result == StepResult::Failed ||
                   (s.result == StepResult::Skipped && i < requiredSteps);
        if (bad && report.verified) {
            report.verified = false;
            report.reason =
                s.name + " " + resultName(s.result) + (s.detail.empty() ? "" : ": ") + s.detail;
        }
    }
}

MyNumberRecord TextApplet::parseMyNumber(const apdu::Bytes& raw) {
    // spec §5.3: FF 10 0C + 12 ASCII digits, then FF filler.
    apdu::Tlv t = apdu::parseTlv(raw);
    if (t.tag != 0xFF10 || t.value.size() != 12)
        throw ProtocolError("EF 0001 is not an FF10 record of 12 digits");
    for (std::uint8_t c : t.value)
        if (c < '0' || c > '9') throw ProtocolError("EF 0001 holds a non-digit");
    return MyNumberRecord{asString(t.value), raw};
}

TextAttributes TextApplet::parseAttributes(const apdu::Bytes& raw) {
    // spec §5.3: FF20 { DF21 offsets, DF22 name, DF23 address, DF24 birth, DF25 sex } — by tag.
    apdu::Tlv outer = apdu::parseTlv(raw);
    if (outer.tag != 0xFF20) throw ProtocolError("EF 0002 is not an FF20 record");
    std::vector<RawTlv> children = rawChildren(outer.value);
    TextAttributes a;
    a.name = asUtf8(requireRaw(children, 0xDF22, "DF22 (name)").tlv.value);
    a.address = asUtf8(requireRaw(children, 0xDF23, "DF23 (address)").tlv.value);
    a.birthDate = asString(requireRaw(children, 0xDF24, "DF24 (birth date)").tlv.value);
    a.sex = asString(requireRaw(children, 0xDF25, "DF25 (sex)").tlv.value);
    a.raw.assign(raw.begin(), raw.begin() + static_cast<std::ptrdiff_t>(outer.totalLength()));
    return a;
}

void TextApplet::checkSecret(Secret secret) const {
    if (secretApplet(secret) != Applet::Text)
        throw std::invalid_argument("not a secret of the text input support AP");
}

PinStatus TextApplet::pinStatus(Secret secret) {
    checkSecret(secret);
    return session_.pinStatus(secret);
}

void TextApplet::verify(const Credential& credential) {
    checkSecret(credential.secret);
    session_.verify(credential);
}

void TextApplet::changePin(const apdu::SecureBytes& oldPin, const apdu::SecureBytes& newPin,
                           bool allowFinalTry) {
    Credential old{Secret::TextPin, oldPin.clone(), allowFinalTry};
    session_.changeSecret(old, newPin);
}

MyNumberRecord TextApplet::readMyNumber() {
    CardSession::Transaction tx(session_);
    session_.selectApplet(Applet::Text);
    Secret needs = unlockingSecret(session_, {Secret::TextPin, Secret::TextCollationA});
    return parseMyNumber(session_.readBinaryEf(kMyNumberEf, kMyNumberSize, needs));
}

TextAttributes TextApplet::readAttributes() {
    CardSession::Transaction tx(session_);
    session_.selectApplet(Applet::Text);
    Secret needs = unlockingSecret(session_, {Secret::TextPin, Secret::TextCollationB});
    return parseAttributes(session_.readTlvEf(kAttributesEf, needs));
}

apdu::Bytes TextApplet::readIntegrityRecord() {
    CardSession::Transaction tx(session_);
    session_.selectApplet(Applet::Text);
    Secret needs = unlockingSecret(
        session_, {Secret::TextPin, Secret::TextCollationA, Secret::TextCollationB});
    return session_.readTlvEf(kIntegrityEf, needs);
}

apdu::Bytes TextApplet::readCvCertificate() {
    if (const apdu::Bytes* c = session_.cached("text.cv")) return *c;
    CardSession::Transaction tx(session_);
    session_.selectApplet(Applet::Text);
    apdu::Bytes cv = session_.readTlvEf(kCvCertificateEf);
    session_.store("text.cv", cv);
    return cv;
}

TextReadResult TextApplet::read(const Credential& credential, const TextReadOptions& options) {
    checkSecret(credential.secret);
    CardSession::Transaction tx(session_);
    session_.verify(credential);
    TextReadResult out;
    if (options.myNumber) out.myNumber = readMyNumber();
    if (options.attributes) out.attributes = readAttributes();
    out.integrity = readIntegrityRecord();
    out.cvCertificate = readCvCertificate();
    out.report = verifyRecords(out.myNumber ? &*out.myNumber : nullptr,
                               out.attributes ? &*out.attributes : nullptr, out.integrity,
                               out.cvCertificate, options.anchors);
    return out;
}

VerificationReport TextApplet::verifyRecords(const MyNumberRecord* myNumber,
                                             const TextAttributes* attributes,
                                             const apdu::Bytes& integrity,
                                             const apdu::Bytes& cvCertificate,
                                             const TrustAnchors* anchors) {
    VerificationReport report;
    std::optional<CvCertificate> cv = checkCvCertificate(cvCertificate, anchors, report);

    // (b) EF 0003: FF30 { DF31 digest, DF32 digest, DF33 signature over DF31‖DF32 as stored }.
    const char* stepB = "EF 0003 issuer signature (DF33) with the EF 0004 key";
    const RawTlv* df31 = nullptr;
    const RawTlv* df32 = nullptr;
    std::vector<RawTlv> children;
    try {
        apdu::Tlv outer = apdu::parseTlv(integrity);
        if (outer.tag != 0xFF30) throw ProtocolError("EF 0003 is not an FF30 record");
        children = rawChildren(outer.value);
        df31 = &requireRaw(children, 0xDF31, "DF31");
        df32 = &requireRaw(children, 0xDF32, "DF32");
        const RawTlv& df33 = requireRaw(children, 0xDF33, "DF33");
        if (!cv) {
            report.add(stepB, StepResult::Skipped, "EF 0004 unusable");
        } else {
            apdu::Bytes signedPart = df31->raw;
            signedPart.insert(signedPart.end(), df32->raw.begin(), df32->raw.end());
            bool ok = verifyPkcs1Payload(cv->publicKey(),
                                         digestInfo(HashAlgorithm::Sha256, sha256(signedPart)),
                                         df33.tlv.value);
            report.add(stepB, ok ? StepResult::Passed : StepResult::Failed,
                       ok ? "" : "signature does not match");
        }
    } catch (const Error& e) {
        report.add(stepB, StepResult::Failed, std::string("EF 0003 does not parse: ") + e.what());
        df31 = df32 = nullptr;
    }

    // (c) DF31 = SHA-256 of EF 0001's 17 physical bytes.
    const char* stepC = "DF31 matches SHA-256 of the My Number record (EF 0001)";
    if (myNumber == nullptr)
        report.add(stepC, StepResult::Skipped, "My Number not read");
    else if (df31 == nullptr)
        report.add(stepC, StepResult::Failed, "no DF31 digest");
    else
        report.add(
            stepC,
            sha256(myNumber->raw) == df31->tlv.value ? StepResult::Passed : StepResult::Failed, "");
    if (myNumber && report.steps.back().result == StepResult::Failed &&
        report.steps.back().detail.empty())
        report.steps.back().detail = "digest differs: the My Number record was altered";

    // (d) DF32 = SHA-256 of EF 0002's outer value after the DF21 offset table.
    const char* stepD = "DF32 matches SHA-256 of the attributes record (EF 0002)";
    if (attributes == nullptr) {
        report.add(stepD, StepResult::Skipped, "attributes not read");
    } else if (df32 == nullptr) {
        report.add(stepD, StepResult::Failed, "no DF32 digest");
    } else {
        try {
            apdu::Tlv outer = apdu::parseTlv(attributes->raw);
            std::vector<RawTlv> attrs = rawChildren(outer.value);
            const RawTlv& df21 = requireRaw(attrs, 0xDF21, "DF21 (offset table)");
            std::size_t from = df21.offset + df21.raw.size();
            bool ok =
                sha256(outer.value.data() + from, outer.value.size() - from) == df32->tlv.value;
            report.add(stepD, ok ? StepResult::Passed : StepResult::Failed,
                       ok ? "" : "digest differs: the attributes record was altered");
        } catch (const Error& e) {
            report.add(stepD, StepResult::Failed, e.what());
        }
    }
    finishReport(report, 2);  // (a) and (b) are required; (c)/(d) only for what was read
    return report;
}

}  // namespace mynacard::card
