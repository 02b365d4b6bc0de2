#include "cardsim/applet.h"

#include <utility>

namespace mynacard::sim {

namespace {

using Kind = ElementaryFile::Kind;

ElementaryFile transparent(std::uint16_t fid, apdu::Bytes content,
                           std::vector<std::uint16_t> openedBy = {}) {
    ElementaryFile ef;
    ef.fid = fid;
    ef.kind = Kind::Transparent;
    ef.content = std::move(content);
    ef.openedBy = std::move(openedBy);
    return ef;
}

ElementaryFile record(std::uint16_t fid, apdu::Bytes rec,
                      std::vector<std::uint16_t> openedBy = {}) {
    ElementaryFile ef;
    ef.fid = fid;
    ef.kind = Kind::Record;
    ef.records.push_back(std::move(rec));
    ef.openedBy = std::move(openedBy);
    return ef;
}

ElementaryFile pin(std::uint16_t fid, std::string secret, int tries,
                   PinChange change = PinChange::None, PinFormat format = PinFormat::Other) {
    ElementaryFile ef;
    ef.fid = fid;
    ef.kind = Kind::Pin;
    ef.pin = PinObject(std::move(secret), tries);
    ef.change = change;
    ef.format = format;
    return ef;
}

ElementaryFile privateKey(std::uint16_t fid, PKey key, std::vector<std::uint16_t> usableWith = {}) {
    ElementaryFile ef;
    ef.fid = fid;
    ef.kind = Kind::PrivateKey;
    ef.key = std::move(key);
    ef.openedBy = std::move(usableWith);
    return ef;
}

// Spec §4.1.
Applet jpki(const Profile& p, const CardData& d) {
    const Variants& v = p.variants;
    const bool juki = v.token == "juki";
    const bool phone = v.token == "smartphone";
    const bool jpkiOnly = v.token == "jpki-only";
    const bool signature = !v.noSignatureCertificate;

    Applet a{AppletId::Jpki, "jpki", appletAid(AppletId::Jpki), {}, std::nullopt};
    auto& f = a.files;
    if (signature) f.push_back(transparent(0x0001, d.signCert, {0x001B}));
    f.push_back(transparent(0x0002, d.signCaCert));
    if (!jpkiOnly) {
        f.push_back(transparent(0x0006, d.tokenInfo));
        f.push_back(transparent(0x0008, d.certAvailability));
    }
    if (!juki) {
        // Smartphone JPKI: the auth certificate needs the auth PIN (spec §10.2).
        f.push_back(
            transparent(0x000A, d.authCert,
                        phone ? std::vector<std::uint16_t>{0x0018} : std::vector<std::uint16_t>{}));
        f.push_back(transparent(0x000B, d.authCaCert));
        f.push_back(privateKey(0x0017, d.authKey, {0x0018}));
        f.push_back(pin(0x0018, p.pinAuth, p.triesAuth, PinChange::ChangeReferenceData,
                        PinFormat::Digits4));
    }
    if (signature) {
        f.push_back(privateKey(0x001A, d.signKey, {0x001B}));
        f.push_back(pin(0x001B, p.pinSign, p.triesSign, PinChange::ChangeReferenceData,
                        PinFormat::SignPassword));
    }
    return a;
}

// Spec §5.1: "PIN for everything, A for My Number only, B for the 4 attributes".
Applet textAssist(const Profile& p, const CardData& d) {
    Applet a{
        AppletId::TextAssist, "text", appletAid(AppletId::TextAssist), {}, std::uint16_t{0x0013}};
    const std::vector<std::uint16_t> any{0x0011, 0x0014, 0x0015};
    auto& f = a.files;
    f.push_back(transparent(0x0001, d.textMyNumber, {0x0011, 0x0014}));
    f.push_back(transparent(0x0002, d.textAttributes, {0x0011, 0x0015}));
    f.push_back(transparent(0x0003, d.textIntegrity, any));
    f.push_back(transparent(0x0004, d.textCvCert));
    f.push_back(transparent(0x0005, d.textBasicInfo));
    f.push_back(transparent(0x0006, d.textSmKey, any));
    f.push_back(transparent(0x0007, d.textApKey, any));
    f.push_back(transparent(0x0008, apdu::Bytes(16, 0xFF)));
    f.push_back(
        pin(0x0011, p.pinText, p.triesText, PinChange::ChangeReferenceData, PinFormat::Digits4));
    // EF 0012: a key reference found blocked on every card examined (spec §5.1).
    ElementaryFile blocked = pin(0x0012, "", 3);
    blocked.pin.setTriesLeft(0);
    f.push_back(std::move(blocked));
    f.push_back(privateKey(0x0013, d.textApPrivateKey));
    f.push_back(pin(0x0014, p.collationA(), p.triesCollationA));
    f.push_back(pin(0x0015, p.collationB(), p.triesCollationB));
    return a;
}

// Spec §6.1 and §6.5.
Applet cardFace(const Profile& p, const CardData& d) {
    Applet a{AppletId::CardFace, "face", appletAid(AppletId::CardFace), {}, std::uint16_t{0x001A}};
    auto& f = a.files;
    f.push_back(transparent(0x0001, d.faceAge, {0x0011}));
    f.push_back(transparent(0x0002, d.faceRecord, {0x0012, 0x0013}));
    f.push_back(transparent(0x0003, d.faceBasicInfo));
    f.push_back(transparent(0x0004, d.faceCvCert));
    f.push_back(transparent(0x0005, d.faceMyNumberImage, {0x0013}));
    f.push_back(pin(0x0011, p.birthDateKey(), p.triesBirthKey));
    f.push_back(pin(0x0012, p.collationB(), p.triesCollationB));
    f.push_back(pin(0x0013, p.collationA(), p.triesCollationA));
    f.push_back(privateKey(0x001A, d.faceCardKey));
    return a;
}

// Spec §7 and the §15 decision: record EF 0001 holds the 住民票コード behind the 住基 PIN.
Applet resident(const Profile& p, const CardData& d) {
    Applet a{AppletId::Resident, "resident", appletAid(AppletId::Resident), {}, std::nullopt};
    auto& f = a.files;
    f.push_back(record(0x0001, d.residentRecord, {0x001C}));
    f.push_back(record(0x0002, d.residentKeyId));
    f.push_back(
        pin(0x001C, p.pinResident, p.triesResident, PinChange::ChangeKey, PinFormat::Digits4));
    return a;
}

// Spec §8.1: the record is free; EF 001C is a separate counter with the same PIN value.
Applet common(const Profile& p, const CardData& d) {
    Applet a{AppletId::Common, "common", appletAid(AppletId::Common), {}, std::nullopt};
    auto& f = a.files;
    f.push_back(record(0x0001, d.commonRecord));
    f.push_back(record(0x0002, d.commonKeyId));
    f.push_back(
        pin(0x001C, p.pinResident, p.triesResident, PinChange::ChangeKey, PinFormat::Digits4));
    return a;
}

}  // namespace

apdu::Bytes appletAid(AppletId id) {
    switch (id) {
        case AppletId::Jpki:
            return {0xD3, 0x92, 0xF0, 0x00, 0x26, 0x01, 0x00, 0x00, 0x00, 0x01};
        case AppletId::TextAssist:
            return {0xD3, 0x92, 0x10, 0x00, 0x31, 0x00, 0x01, 0x01, 0x04, 0x08};
        case AppletId::CardFace:
            return {0xD3, 0x92, 0x10, 0x00, 0x31, 0x00, 0x01, 0x01, 0x04, 0x02};
        case AppletId::Resident:
            return {0xD3, 0x92, 0x10, 0x00, 0x31, 0x00, 0x01, 0x01, 0x04, 0x01};
        case AppletId::Common:
            return {0xD3, 0x92, 0x10, 0x00, 0x31, 0x00, 0x01, 0x01, 0x01, 0x00};
    }
    return {};
}

apdu::Bytes issuerSecurityDomainAid() { return {0xA0, 0x00, 0x00, 0x01, 0x51, 0x00, 0x00}; }

ElementaryFile* Applet::find(std::uint16_t fid) {
    for (auto& f : files)
        if (f.fid == fid) return &f;
    return nullptr;
}

const ElementaryFile* Applet::find(std::uint16_t fid) const {
    for (const auto& f : files)
        if (f.fid == fid) return &f;
    return nullptr;
}

std::vector<Applet> buildApplets(const Profile& profile, const CardData& data) {
    std::vector<Applet> applets;
    applets.push_back(jpki(profile, data));
    const std::string& token = profile.variants.token;
    if (token == "smartphone" || token == "jpki-only") return applets;
    if (token == "juki") {  // old 住基カード: no My Number applets (spec §10.1)
        applets.push_back(resident(profile, data));
        return applets;
    }
    applets.push_back(textAssist(profile, data));
    applets.push_back(cardFace(profile, data));
    applets.push_back(resident(profile, data));
    applets.push_back(common(profile, data));
    return applets;
}

}  // namespace mynacard::sim
