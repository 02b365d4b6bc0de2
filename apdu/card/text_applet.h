// 券面事項入力補助AP (text input support AP, spec §5): My Number, the four attributes, the
// integrity record and its certificate, and the issuer-signature check (spec §5.4).
#pragma once

#include <optional>
#include <string>

#include "apdu/bytes.h"
#include "apdu/card/card_session.h"
#include "apdu/card/trust_anchors.h"
#include "apdu/card/verification_report.h"

namespace mynacard::card {

struct MyNumberRecord {
    std::string myNumber;  // 12 ASCII digits
    apdu::Bytes raw;       // the 17 physical bytes (filler included: DF31 covers them)
};

struct TextAttributes {
    std::string name;       // UTF-8, U+3000 between family and given name
    std::string address;    // UTF-8
    std::string birthDate;  // YYYYMMDD (Gregorian)
    std::string sex;        // "1" male, "2" female, "9" not applicable, "0" unknown (spec §5.3)
    apdu::Bytes raw;        // the whole FF20 TLV as stored
};

struct TextReadOptions {
    bool myNumber = false;                  // needs the text PIN or 照合番号A
    bool attributes = true;                 // needs the text PIN or 照合番号B
    const TrustAnchors* anchors = nullptr;  // nullptr/empty: data returned, verified = false
};

struct TextReadResult {
    std::optional<MyNumberRecord> myNumber;
    std::optional<TextAttributes> attributes;
    apdu::Bytes integrity;      // EF 0003
    apdu::Bytes cvCertificate;  // EF 0004
    VerificationReport report;
};

class TextApplet {
  public:
    explicit TextApplet(CardSession& session) : session_(session) {}

    // TextPin (default), TextCollationA or TextCollationB.
    PinStatus pinStatus(Secret secret = Secret::TextPin);
    void verify(const Credential& credential);
    void changePin(const apdu::SecureBytes& oldPin, const apdu::SecureBytes& newPin,
                   bool allowFinalTry = false);

    // Each needs the applet unlocked earlier in this card session (6982 → PinError NotLoggedIn).
    MyNumberRecord readMyNumber();
    TextAttributes readAttributes();
    apdu::Bytes readIntegrityRecord();
    apdu::Bytes readCvCertificate();  // free

    // VERIFY + reads + verification in one transaction.
    TextReadResult read(const Credential& credential, const TextReadOptions& options);

    // spec §5.4: (a) EF 0004 against the anchors, (b) DF33 with the EF 0004 key over DF31‖DF32,
    // (c) DF31 = SHA-256(EF 0001's 17 bytes), (d) DF32 = SHA-256(EF 0002 value after DF21).
    // Steps for records that were not read are reported as skipped and do not fail the report.
    static VerificationReport verifyRecords(const MyNumberRecord* myNumber,
                                            const TextAttributes* attributes,
                                            const apdu::Bytes& integrity,
                                            const apdu::Bytes& cvCertificate,
                                            const TrustAnchors* anchors);
    static MyNumberRecord parseMyNumber(const apdu::Bytes& raw);
    static TextAttributes parseAttributes(const apdu::Bytes& raw);

  private:
    void checkSecret(Secret secret) const;
    CardSession& session_;
};

// Shared by the text and face APs: step (a), EF 0004 against the anchors. Returns the parsed
// certificate when it parses (even if no anchor matched), and adds one step to `report`.
std::optional<CvCertificate> checkCvCertificate(const apdu::Bytes& ef0004,
                                                const TrustAnchors* anchors,
                                                VerificationReport& report);
// Sets report.verified / report.reason from the steps (skipped steps listed in `required`
// count as failures).
void finishReport(VerificationReport& report, std::size_t requiredSteps);

}  // namespace mynacard::card
