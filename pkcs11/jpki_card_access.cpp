#include "pkcs11/jpki_card_access.h"

#include <vector>

#include "apdu/card/card_session.h"
#include "apdu/card/jpki_applet.h"
#include "apdu/command.h"
#include "apdu/errors.h"
#include "pkcs11/log.h"

namespace mynacard::p11 {
namespace {

card::JpkiKey keyOf(TokenKind kind) {
    return kind == TokenKind::Auth ? card::JpkiKey::Auth : card::JpkiKey::Sign;
}

card::JpkiCertificate certOf(CertKind kind) {
    switch (kind) {
        case CertKind::Auth: return card::JpkiCertificate::Auth;
        case CertKind::AuthCa: return card::JpkiCertificate::AuthCa;
        case CertKind::Sign: return card::JpkiCertificate::Sign;
        case CertKind::SignCa: break;
    }
    return card::JpkiCertificate::SignCa;
}

// The token serial from JPKI EF 0006's serialNumber field (spec §4.2) when it holds one: digits
// or letters only. Otherwise empty, and CK_TOKEN_INFO takes the auth certificate's serial.
std::string tokenSerial(const card::Identification& ident) {
    if (!ident.tokenInfo) return {};
    const std::string& serial = ident.tokenInfo->serialNumber;
    if (serial.empty()) return {};
    for (char c : serial)
        if (!((c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z'))) return {};
    return serial;
}

// Certificates in one extended-length READ BINARY each (spec §3, §15): 2 APDUs per certificate
// instead of 5-6, which is most of what a browser's login costs. A reader or card that refuses
// it is remembered for the card session and read in short APDUs (CardSession).
card::SessionOptions sessionOptions() {
    card::SessionOptions options;
    options.allowExtendedLength = true;
    return options;
}

class JpkiCardAccess : public CardAccess {
public:
    explicit JpkiCardAccess(std::unique_ptr<apdu::Transport> transport)
        : transport_(std::move(transport)), session_(*transport_, sessionOptions()),
          jpki_(session_) {
        if (log::apdusEnabled())
            session_.channel().setTraceHook([](const apdu::TraceEvent& e) {
                // Commands: secrets masked by the channel. Responses: length and SW only, as the
                // log file outlives the session and certificates carry the holder's personal data.
                P11_LOG("apdu > " + e.command + " < " + e.responseSummary);
            });
    }

    CardIdentity identify() override {
        CardIdentity id;
        card::CardSession::Transaction tx(session_);
        // Look without touching (issue 13): no 共通AP (selecting it, and the closing logout's
        // select back, logged every other process out), and no SELECT at all when the JPKI
        // applet already answers (CardSession::identify reads EF 0006 by SFI first). The token
        // label tells the card kind; EF 0006's serialNumber is the token serial.
        const card::Identification& ident = session_.identify();
        id.myNumberCard = ident.kind == card::CardKind::MyNumberCard;
        if (ident.tokenInfo) id.tokenLabel = ident.tokenInfo->label;
        id.serial = tokenSerial(ident);
        id.description = ident.message + (id.serial.empty() ? "" : ", serial " + id.serial);
        if (id.myNumberCard) readCounters(id);
        return id;
    }

    apdu::Bytes readCertificate(CertKind kind) override { return jpki_.certificate(certOf(kind)); }

    int triesLeft(TokenKind kind) override {
        card::PinStatus st = jpki_.pinStatus(keyOf(kind));
        if (!st.available) return kNoSuchSecret;
        return st.triesLeft;
    }

    void verify(TokenKind kind, const apdu::SecureBytes& secret, bool allowFinalTry) override {
        card::Credential credential{card::jpkiSecret(keyOf(kind)), secret.clone(), allowFinalTry};
        // Counter read + VERIFY naming the PIN EF by SFI (as identification does): C_Login costs
        // 2 APDUs instead of 3, which keeps login + signature + the closing logout within issue
        // 5's 10 + R. The counter is still read right before the VERIFY, in one transaction.
        credential.keyBySfi = true;
        jpki_.verify(credential);
    }

    apdu::Bytes sign(TokenKind kind, const apdu::Bytes& input) override {
        return jpki_.sign(keyOf(kind), input);
    }

    void changePin(TokenKind kind, const apdu::SecureBytes& oldSecret,
                   const apdu::SecureBytes& newSecret, bool allowFinalTry) override {
        jpki_.changePin(keyOf(kind), oldSecret, newSecret, allowFinalTry);
    }

    void logout() override { jpki_.logout(); }

    void beginTransaction() override {
        transactions_.push_back(std::make_unique<card::CardSession::Transaction>(session_));
    }
    void endTransaction() override {
        if (!transactions_.empty()) transactions_.pop_back();
    }
    void releaseHandle() override { transport_->release(); }

private:
    // Both counters with an empty VERIFY naming the key EF by SFI (P2 = 80|SFI, spec §3: 00 20 00
    // 98 for EF 0018, 9B for 001B) — 2 APDUs instead of 4 with SELECT EF. Any other answer than a
    // counter (a card that does not take SFI here, or has no such key) falls back to the
    // portable SELECT + empty VERIFY, which also tells "no such key" reliably. The JPKI applet is
    // current (just selected, or found answering), and an empty VERIFY spends no try and leaves
    // any verified state of another process as it is.
    void readCounters(CardIdentity& id) {
        const std::uint8_t sfis[2] = {0x18, 0x1B};
        for (int k = 0; k < 2; ++k) {
            apdu::ResponseApdu r = session_.transmit(apdu::cmd::verifyStatus(0x80 | sfis[k]));
            if (r.isCounter())
                id.triesLeft[k] = r.counter();
            else if (r.isBlocked())
                id.triesLeft[k] = 0;
            else
                id.triesLeft[k] = triesLeft(static_cast<TokenKind>(k));
        }
    }

    std::unique_ptr<apdu::Transport> transport_;
    card::CardSession session_;
    card::JpkiApplet jpki_;
    std::vector<std::unique_ptr<card::CardSession::Transaction>> transactions_;
};

}  // namespace

std::unique_ptr<CardAccess> makeJpkiCardAccess(std::unique_ptr<apdu::Transport> transport) {
    return std::make_unique<JpkiCardAccess>(std::move(transport));
}

}  // namespace mynacard::p11
