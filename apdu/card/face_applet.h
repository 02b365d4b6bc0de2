// 券面事項確認AP (card face AP, spec §6): the printed front (照合番号A or B), the My Number image
// (照合番号A only), the record signature (DF28, spec §6.3) and the three counters.
#pragma once

#include <optional>
#include <string>

#include "apdu/bytes.h"
#include "apdu/card/card_session.h"
#include "apdu/card/trust_anchors.h"
#include "apdu/card/verification_report.h"

namespace mynacard::card {

struct FaceFront {
    std::string birthDate;        // DF22, YYYYMMDD
    std::string sex;              // DF23, one ASCII digit
    std::string expiry;           // DF29, YYYYMMDD (not covered by the signature, spec §6.3)
    apdu::Bytes namePng;          // DF25
    apdu::Bytes addressPng;       // DF26
    apdu::Bytes photoJp2;         // DF27, JPEG 2000 as stored
    apdu::Bytes securityCodePng;  // DF2A (not covered by the signature)
    apdu::Bytes cardPublicKey;    // DF24 value (90/91)
    apdu::Bytes raw;              // the whole FF20 TLV as stored
};

struct FaceReadOptions {
    bool myNumberImage = false;  // EF 0005; needs 照合番号A
    const TrustAnchors* anchors = nullptr;
};

struct FaceReadResult {
    FaceFront front;
    std::optional<apdu::Bytes> myNumberPng;  // EF 0005 DF41
    apdu::Bytes cvCertificate;               // EF 0004
    VerificationReport report;
};

class FaceApplet {
  public:
    explicit FaceApplet(CardSession& session) : session_(session) {}

    // FaceCollationA, FaceCollationB or FaceBirthDateKey.
    PinStatus pinStatus(Secret secret);
    void verify(const Credential& credential);

    FaceFront readFront();            // after 照合番号A or B
    apdu::Bytes readMyNumberImage();  // after 照合番号A: the PNG in EF 0005 DF41
    std::string readAgeBirthDate();   // after the birth-date key: EF 0001 DF11
    apdu::Bytes readCvCertificate();  // free

    // VERIFY (A or B) + reads + verification in one transaction.
    FaceReadResult read(const Credential& credential, const FaceReadOptions& options);

    // spec §6.3: (a) EF 0004 against the anchors; (b) DF28 = PKCS#1 v1.5 over one DigestInfo
    // holding SHA-256(DF22‖DF23‖DF24) ‖ SHA-256(DF25‖DF26) ‖ SHA-256(DF27), key from EF 0004.
    static VerificationReport verifyFront(const FaceFront& front, const apdu::Bytes& cvCertificate,
                                          const TrustAnchors* anchors);
    static FaceFront parseFront(const apdu::Bytes& raw);

  private:
    void checkSecret(Secret secret) const;
    CardSession& session_;
};

}  // namespace mynacard::card
