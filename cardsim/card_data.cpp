// buildCardData (issue 3): every file of the simulated card, generated from a Profile with the
// fixed test keys in cardsim/keys/. Which applets and EFs exist for a given variants.token is the
// engine's decision; this builder fills every field it can, and leaves empty exactly the EFs the
// profile says the card does not have (documented per field below and in profiles/README.md).
#include "cardsim/card_data.h"

#include <cstdint>
#include <string>

#include "apdu/tlv.h"
#include "cardsim/card_data_crypto.h"
#include "cardsim/cert_jpki.h"
#include "cardsim/records_common.h"
#include "cardsim/records_face.h"
#include "cardsim/records_text.h"

namespace mynacard::sim {

namespace {

using apdu::Bytes;
using namespace detail;

void padded(Bytes& out, const std::string& s, std::size_t n) {
    for (std::size_t i = 0; i < n; ++i) out.push_back(i < s.size() ? static_cast<std::uint8_t>(s[i]) : ' ');
}

void u32(Bytes& out, std::uint32_t v) {
    for (int shift = 24; shift >= 0; shift -= 8) out.push_back(static_cast<std::uint8_t>(v >> shift));
}

std::string tokenLabel(const std::string& token) {
    if (token == "smartphone") return "JPKIAPGPSETOKEN";
    if (token == "juki") return "JPKIAPICCTOKEN";
    return "JPKIAPICCTOKEN2";
}

// EF 0006 (spec §4.2): CK_TOKEN_INFO with 32-bit big-endian CK_ULONGs, 160 bytes. Values beyond
// the label follow MC's test card (flags 040D, sessions 1/0/1/0, PIN 16/6, memory FFFFFFFF).
Bytes tokenInfo(const Profile& p) {
    Bytes t;
    padded(t, tokenLabel(p.variants.token), 32);
    padded(t, "JPKI-TEST", 32);      // manufacturerID
    padded(t, "MYNACARD-SIM", 16);   // model
    padded(t, p.serial, 16);         // serialNumber
    u32(t, 0x040D);                  // flags
    u32(t, 1); u32(t, 0); u32(t, 1); u32(t, 0);  // max/cur sessions, max/cur RW sessions
    u32(t, 16); u32(t, 6);           // max/min PIN length: the signature password's range
    for (int i = 0; i < 4; ++i) u32(t, 0xFFFFFFFF);  // total/free public/private memory
    padded(t, "01", 2);              // hardwareVersion, ASCII digits as observed
    padded(t, "01", 2);              // firmwareVersion
    padded(t, "0000000000000000", 16);  // utcTime
    return t;
}

Bytes simpleTlv(std::uint8_t tag, const std::string& value) {
    Bytes out{tag, static_cast<std::uint8_t>(value.size())};
    append(out, toBytes(value));
    return out;
}

}  // namespace

CardData buildCardData(const Profile& p) {
    CardData d;
    const bool withSign = !p.variants.noSignatureCertificate;
    const bool jpkiOnly = p.variants.token == "jpki-only";

    // JPKI-AP (spec §4). The CA certificates in EF 0002/000B are the self-signed test roots that
    // issue the user certificates directly (like the J-LIS CAs), so the chain is one level.
    JpkiKeys jk{loadTestKey("auth_root"), loadTestKey("sign_root"), loadTestKey("auth_user"),
                loadTestKey("sign_user")};
    JpkiCertificates certs = makeJpkiCertificates(p, jk, withSign);
    d.authCert = certs.authCert;
    d.authCaCert = certs.authRoot;
    d.signCert = certs.signCert;  // empty on an under-15 card
    d.signCaCert = certs.signRoot;
    d.authKey = jk.authUser;
    if (withSign) d.signKey = jk.signUser;  // null on an under-15 card: no key EF 001A
    if (!jpkiOnly) {  // a JPKI-only card has no EF 0006/0008 (both stay empty)
        d.tokenInfo = tokenInfo(p);
        d.certAvailability = {static_cast<std::uint8_t>(withSign ? 0x8F : 0x00), 0x8F, 0x00};
    }

    // 券面事項入力補助AP (spec §5).
    TextApKeys tk{loadTestKey("text_issuer"), loadTestKey("text_cvca"), loadTestKey("text_ap"), loadTestKey("text_sm")};
    TextApRecords text = buildTextApRecords(p, tk);
    d.textMyNumber = text.myNumber;
    d.textAttributes = text.attributes;
    d.textIntegrity = text.integrity;
    d.textCvCert = text.cvCert;
    d.textBasicInfo = text.basicInfo;
    d.textSmKey = text.smKey;
    d.textApKey = text.apKey;
    d.textApPrivateKey = tk.apKey;

    // 券面AP (spec §6).
    FaceApKeys fk{loadTestKey("face_issuer"), loadTestKey("face_cvca"), loadTestKey("face_card")};
    FaceApRecords face = buildFaceApRecords(p, fk);
    d.faceAge = face.age;
    d.faceRecord = face.record;
    d.faceBasicInfo = face.basicInfo;
    d.faceCvCert = face.cvCert;
    d.faceMyNumberImage = face.myNumberImage;
    d.faceCardKey = fk.cardKey;

    // 住基AP (spec §15 decision) and 共通AP (spec §8.1): simple-TLV records of ASCII digits.
    d.residentRecord = simpleTlv(0x01, p.residentCode);
    d.residentKeyId = KeyIds::residentKey();
    d.commonRecord = simpleTlv(0x01, p.serial + p.municipality + p.expiry);
    d.commonKeyId = KeyIds::residentKey();  // byte-identical to the 住基AP's (spec §7)

    // Anchors: the two roots, then the CV CA public keys (text AP first, then face AP); a client
    // verifies EF 0004 by trying each PUBLIC KEY block (see profiles/README.md).
    d.trustAnchorsPem = certificatePem(certs.authRoot) + certificatePem(certs.signRoot) +
                        publicKeyPem(tk.cvca) + publicKeyPem(fk.cvca);
    return d;
}

}  // namespace mynacard::sim
