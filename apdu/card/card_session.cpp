#include "apdu/card/card_session.h"

#include <algorithm>

#include "apdu/errors.h"

namespace mynacard::card {
namespace {

constexpr std::uint16_t kTokenInfoEf = 0x0006;  // spec §4.2
constexpr std::size_t kTokenInfoSize = 160;

std::string trimmed(const apdu::Bytes& raw, std::size_t from, std::size_t count) {
    if (from >= raw.size()) return {};
    count = std::min(count, raw.size() - from);
    std::string s(raw.begin() + from, raw.begin() + from + count);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\0')) s.pop_back();
    // Only printable ASCII reaches callers (PKCS#11 text fields must be printable ASCII).
    for (char& c : s)
        if (static_cast<unsigned char>(c) < 0x20 || static_cast<unsigned char>(c) > 0x7E) c = '?';
    return s;
}

std::uint32_t be32(const apdu::Bytes& raw, std::size_t at) {
    return (std::uint32_t{raw[at]} << 24) | (std::uint32_t{raw[at + 1]} << 16) |
           (std::uint32_t{raw[at + 2]} << 8) | raw[at + 3];
}

TokenInfo parseTokenInfo(const apdu::Bytes& raw) {
    // label[32] manufacturerID[32] model[16] serialNumber[16] flags maxSession session
    // maxRwSession rwSession maxPinLen minPinLen ... (spec §4.2, layout [1])
    TokenInfo info;
    info.raw = raw;
    info.label = trimmed(raw, 0, 32);
    info.manufacturer = trimmed(raw, 32, 32);
    info.model = trimmed(raw, 64, 16);
    info.serialNumber = trimmed(raw, 80, 16);
    if (raw.size() >= 124) {
        info.flags = be32(raw, 96);
        info.maxPinLen = be32(raw, 116);
        info.minPinLen = be32(raw, 120);
    }
    info.complete = raw.size() >= kTokenInfoSize;
    return info;
}

// The labels of JPKI token information (spec §4.2): My Number Card, 住基カード, smartphones.
bool isJpkiTokenLabel(const std::string& label) { return label.rfind("JPKIAP", 0) == 0; }

bool invalidatesSession(TransportError::Kind kind) {
    using K = TransportError::Kind;
    return kind == K::CardReset || kind == K::CardRemoved || kind == K::NoCard ||
           kind == K::NoReader || kind == K::NoService;
}

}  // namespace

const char* cardKindName(CardKind kind) {
    switch (kind) {
        case CardKind::MyNumberCard:
            return "My Number Card";
        case CardKind::SmartphoneJpki:
            return "smartphone JPKI";
        case CardKind::JukiCard:
            return "Basic Resident Registration card (住基カード)";
        case CardKind::NotMyNumber:
            return "not a My Number Card";
    }
    return "?";
}

Credential makeCredential(Secret secret, std::string_view value, bool allowFinalTry) {
    return Credential{secret, apdu::SecureBytes::fromString(value), allowFinalTry};
}

CardSession::CardSession(apdu::Transport& transport, SessionOptions options)
    : channel_(transport), options_(options) {}

CardSession::Transaction::Transaction(CardSession& session)
    : session_(session), inner_(session.channel_) {
    if (session_.depth_++ == 0) {
        // Between our transactions another process may have selected other EFs (and even
        // another applet: see selectEf()).
        session_.ef_.reset();
        session_.appletSelectedInTransaction_ = false;
    }
}

CardSession::Transaction::~Transaction() {
    if (--session_.depth_ == 0) {
        session_.ef_.reset();
        session_.appletSelectedInTransaction_ = false;
    }
}

template <typename F>
auto CardSession::guarded(F&& f) -> decltype(f()) {
    try {
        return f();
    } catch (const TransportError& e) {
        if (invalidatesSession(e.kind())) invalidate();
        throw;
    }
}

apdu::ResponseApdu CardSession::transmit(const apdu::CommandApdu& command) {
    return guarded([&] { return channel_.transmit(command); });
}

void CardSession::invalidate() {
    identification_.reset();
    lostToOthers_.clear();
    cache_.clear();
    forgetSelection();
}

void CardSession::forgetSelection() {
    applet_.reset();
    ef_.reset();
    appletSelectedInTransaction_ = false;
    verified_.clear();
}

const apdu::Bytes* CardSession::cached(const std::string& key) const {
    auto it = cache_.find(key);
    return it == cache_.end() ? nullptr : &it->second;
}

void CardSession::store(const std::string& key, apdu::Bytes value) {
    cache_[key] = std::move(value);
}

bool CardSession::trySelectApplet(Applet applet) {
    if (applet_ == applet) return true;  // spec §3: re-selecting may clear the security state
    Transaction tx(*this);
    apdu::ResponseApdu r = transmit(apdu::cmd::selectAid(appletAid(applet)));
    // Whatever the answer, the applet we were in is no longer known to be current (a failed
    // SELECT may or may not leave it selected): its verified state cannot be relied upon.
    forgetSelection();
    if (!r.ok()) {
        if (r.sw == apdu::sw::kFileNotFound) return false;
        throw CardStatusError(r.sw, std::string("SELECT ") + appletName(applet) + ": " +
                                        apdu::describeStatusWord(r.sw));
    }
    applet_ = applet;
    appletSelectedInTransaction_ = true;
    return true;
}

void CardSession::selectApplet(Applet applet) {
    if (!trySelectApplet(applet))
        throw CardStatusError(apdu::sw::kFileNotFound,
                              std::string("this card has no ") + appletName(applet));
}

std::uint16_t CardSession::selectEf(std::uint16_t fid) {
    if (ef_ == fid && depth_ > 0) return apdu::sw::kOk;
    Transaction tx(*this);
    apdu::ResponseApdu r = transmit(apdu::cmd::selectEf(fid));
    if (r.ok()) {
        ef_ = fid;
        return r.sw;
    }
    ef_.reset();
    // The applet was selected in an earlier transaction: another process may have switched
    // applets since (issue 13: "deselected by someone else", not "no such file"). The JPKI
    // applet is asked without touching it (its token information by SFI): when it no longer
    // answers, its security state is gone already and re-selecting loses nothing. For the other
    // applets, with nothing verified there is nothing to lose by selecting it again; with a
    // verified secret we keep quiet (a re-select could log us out).
    if (r.sw == apdu::sw::kFileNotFound && applet_ && !appletSelectedInTransaction_) {
        Applet applet = *applet_;
        bool anyVerified = std::any_of(verified_.begin(), verified_.end(),
                                       [&](Secret s) { return secretApplet(s) == applet; });
        bool deselected = applet == Applet::Jpki ? !jpkiAnswers() : !anyVerified;
        if (deselected) {
            // What we had verified there is gone with the other process's SELECT: remembered so
            // that the 6982 to come says "logged out by another application".
            for (Secret v : verified_)
                if (secretApplet(v) == applet) lostToOthers_.insert(v);
            applet_.reset();
            if (!trySelectApplet(applet)) return r.sw;
            r = transmit(apdu::cmd::selectEf(fid));
            if (r.ok()) ef_ = fid;
        }
    }
    return r.sw;
}

apdu::Bytes CardSession::readCurrentTlv() {
    if (options_.allowExtendedLength && extended_ != Extended::Rejected) {
        channel_.setExtendedLength(true);
        try {
            apdu::Bytes data = guarded([&] { return channel_.readTlvFile(); });
            extended_ = Extended::Accepted;
            return data;
        } catch (const CardStatusError& e) {
            // 6982 etc. are about the file, not the APDU length: not a reason to fall back.
            if (e.sw() == apdu::sw::kSecurityNotSatisfied || e.sw() == apdu::sw::kFileNotFound ||
                extended_ == Extended::Accepted) {
                channel_.setExtendedLength(false);
                throw;
            }
        } catch (const TransportError& e) {
            // Some readers fail the exchange instead of answering 6700.
            if (e.kind() != TransportError::Kind::CommunicationFailed ||
                extended_ == Extended::Accepted) {
                channel_.setExtendedLength(false);
                throw;
            }
        } catch (const ProtocolError&) {
            if (extended_ == Extended::Accepted) {
                channel_.setExtendedLength(false);
                throw;
            }
        }
        extended_ = Extended::Rejected;  // remembered for this session: no more attempts
    }
    channel_.setExtendedLength(false);
    return guarded([&] { return channel_.readTlvFile(); });
}

apdu::Bytes CardSession::readTlvEf(std::uint16_t fid, std::optional<Secret> needs) {
    Transaction tx(*this);
    std::uint16_t sw = selectEf(fid);
    if (sw != apdu::sw::kOk)
        throw CardStatusError(sw, "SELECT EF " +
                                      apdu::toHex({std::uint8_t(fid >> 8), std::uint8_t(fid)}) +
                                      ": " + apdu::describeStatusWord(sw));
    try {
        return readCurrentTlv();
    } catch (const CardStatusError& e) {
        if (e.sw() == apdu::sw::kSecurityNotSatisfied && needs)
            throwNotLoggedIn(
                *needs, "reading EF " + apdu::toHex({std::uint8_t(fid >> 8), std::uint8_t(fid)}));
        throw;
    }
}

apdu::Bytes CardSession::readBinaryEf(std::uint16_t fid, std::size_t length,
                                      std::optional<Secret> needs) {
    Transaction tx(*this);
    std::string ef = "EF " + apdu::toHex({std::uint8_t(fid >> 8), std::uint8_t(fid)});
    std::uint16_t sw = selectEf(fid);
    if (sw != apdu::sw::kOk)
        throw CardStatusError(sw, "SELECT " + ef + ": " + apdu::describeStatusWord(sw));
    try {
        return guarded([&] { return channel_.readBinary(0, length); });
    } catch (const CardStatusError& e) {
        if (e.sw() == apdu::sw::kSecurityNotSatisfied && needs)
            throwNotLoggedIn(*needs, "reading " + ef);
        throw;
    }
}

apdu::ResponseApdu CardSession::readRecordEf(std::uint16_t fid, std::uint8_t record) {
    Transaction tx(*this);
    std::uint16_t sw = selectEf(fid);
    if (sw != apdu::sw::kOk) {
        apdu::ResponseApdu r;
        r.sw = sw;
        return r;
    }
    return transmit(apdu::cmd::readRecord(record, 0, 256));
}

// READ BINARY of EF 0006 by short file identifier (00 B0 86 00 00, spec §3) in whatever applet
// is current: one APDU that selects no applet. The file is the JPKI applet's when its label is a
// JPKI token label (EF 0006 also exists, with other contents, in other applets, spec §6).
std::optional<apdu::Bytes> CardSession::readTokenInfoBySfi() {
    apdu::Bytes raw;
    while (raw.size() < kTokenInfoSize) {
        apdu::ResponseApdu r = transmit(apdu::cmd::readBinarySfi(
            static_cast<std::uint8_t>(kTokenInfoEf), static_cast<std::uint8_t>(raw.size()), 256));
        // The card makes the EF named by SFI current (ISO 7816-4 §7.2.2).
        ef_.reset();
        if ((!r.ok() && r.sw != apdu::sw::kEndOfFileWarning) || r.data.empty()) break;
        raw.insert(raw.end(), r.data.begin(), r.data.end());
        // Another applet's EF 0006: no need to read the rest.
        if (raw.size() >= 32 && !isJpkiTokenLabel(trimmed(raw, 0, 32))) return std::nullopt;
        if (r.sw == apdu::sw::kEndOfFileWarning || raw.size() > 0xFF) break;
    }
    if (raw.size() < 32 || !isJpkiTokenLabel(trimmed(raw, 0, 32))) return std::nullopt;
    if (raw.size() > kTokenInfoSize) raw.resize(kTokenInfoSize);
    return raw;
}

bool CardSession::jpkiAnswers() {
    Transaction tx(*this);
    return readTokenInfoBySfi().has_value();
}

const Identification& CardSession::identify() {
    if (identification_) return *identification_;
    Transaction tx(*this);
    Identification id;
    // Look without touching (issue 13): a SELECT by AID clears the card's security state for
    // every process, even a re-SELECT of the JPKI applet. When the JPKI applet already answers
    // (another process is using it), read its token information by SFI and select nothing.
    std::optional<apdu::Bytes> fromSfi;
    if (applet_ != Applet::Jpki) fromSfi = readTokenInfoBySfi();
    if (fromSfi) {
        applet_ = Applet::Jpki;
    } else {
        // spec §1: a successful SELECT of the JPKI AID is the only reliable test.
        bool jpki = false;
        try {
            jpki = trySelectApplet(Applet::Jpki);
        } catch (const CardStatusError&) {
            // Any refusal (6D00, 6E00, ...) from a card that is not ours means the same thing.
        }
        if (!jpki) {
            id.kind = CardKind::NotMyNumber;
            id.message = "not a My Number Card: the card does not answer the JPKI applet AID";
            return *(identification_ = std::move(id));
        }
        fromSfi = readTokenInfoBySfi();
    }
    apdu::Bytes raw;
    if (fromSfi) {
        raw = std::move(*fromSfi);
    } else {
        // Cards that refuse READ BINARY by SFI here: SELECT EF + READ BINARY.
        std::uint16_t sw = selectEf(kTokenInfoEf);
        if (sw != apdu::sw::kOk) {
            id.kind = CardKind::MyNumberCard;
            id.message = "My Number Card (JPKI applet without token information EF 0006)";
            return *(identification_ = std::move(id));
        }
        // One READ BINARY with Le=00 returns up to 256 bytes: the whole 160-byte file on every
        // card seen; continue only if the card returned fewer (cards may cap a response).
        while (raw.size() < kTokenInfoSize) {
            apdu::ResponseApdu r =
                transmit(apdu::cmd::readBinary(static_cast<std::uint16_t>(raw.size()), 256));
            if ((!r.ok() && r.sw != apdu::sw::kEndOfFileWarning) || r.data.empty()) break;
            raw.insert(raw.end(), r.data.begin(), r.data.end());
            if (r.sw == apdu::sw::kEndOfFileWarning) break;
        }
        if (raw.size() > kTokenInfoSize) raw.resize(kTokenInfoSize);
    }
    TokenInfo info = parseTokenInfo(raw);
    // spec §4.2 / §10: the token label tells the card generation.
    if (info.label == "JPKIAPICCTOKEN2") {
        id.kind = CardKind::MyNumberCard;
        id.message = "My Number Card";
    } else if (info.label == "JPKIAPICCTOKEN") {
        id.kind = CardKind::JukiCard;
        id.message =
            "old Basic Resident Registration card (住基カード): only its signature certificate "
            "can be used; it is not fully supported";
    } else if (info.label == "JPKIAPGPSETOKEN" || info.label == "JPKIAPIOSTOKEN") {
        id.kind = CardKind::SmartphoneJpki;
        id.message =
            "smartphone JPKI (" + info.label +
            "): only the JPKI applet is present and the authentication certificate needs the PIN";
    } else {
        id.kind = CardKind::MyNumberCard;
        id.message = "JPKI applet with an unknown token label \"" + info.label +
                     "\"; treated as a My Number Card";
    }
    id.tokenInfo = std::move(info);
    return *(identification_ = std::move(id));
}

}  // namespace mynacard::card
