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
    // applets since. With nothing verified here there is nothing to lose by selecting it again
    // and retrying once; with a verified secret we keep quiet (a re-select could log us out).
    if (r.sw == apdu::sw::kFileNotFound && applet_ && !appletSelectedInTransaction_) {
        Applet applet = *applet_;
        bool anyVerified = std::any_of(verified_.begin(), verified_.end(),
                                       [&](Secret s) { return secretApplet(s) == applet; });
        if (!anyVerified) {
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

const Identification& CardSession::identify() {
    if (identification_) return *identification_;
    Transaction tx(*this);
    Identification id;
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
    std::uint16_t sw = selectEf(kTokenInfoEf);
    if (sw != apdu::sw::kOk) {
        id.kind = CardKind::MyNumberCard;
        id.message = "My Number Card (JPKI applet without token information EF 0006)";
        return *(identification_ = std::move(id));
    }
    // One READ BINARY with Le=00 returns up to 256 bytes: the whole 160-byte file on every card
    // seen; continue only if the card returned fewer (cards may cap a response).
    apdu::Bytes raw;
    while (raw.size() < kTokenInfoSize) {
        apdu::ResponseApdu r =
            transmit(apdu::cmd::readBinary(static_cast<std::uint16_t>(raw.size()), 256));
        if ((!r.ok() && r.sw != apdu::sw::kEndOfFileWarning) || r.data.empty()) break;
        raw.insert(raw.end(), r.data.begin(), r.data.end());
        if (r.sw == apdu::sw::kEndOfFileWarning) break;
    }
    if (raw.size() > kTokenInfoSize) raw.resize(kTokenInfoSize);
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
