// One card session over any apdu::Transport (pcsc-lite reader, in-process simulator, scripted
// test transport): identifies the card by the JPKI AID (never the ATR, spec §1), tracks which
// applet and which secrets are current, and hosts the PIN-safe VERIFY routine that every applet
// uses (spec §9 "client rules"). The applet classes (jpki_applet.h, ...) are thin views over a
// CardSession; several of them may share one session.
//
// What the session knows and when it forgets it (spec §3 "security state"):
// - the selected applet: set by our SELECT; trusted across our transactions because
//   re-selecting the current applet may drop its security state on real cards, so it is never
//   re-selected while current;
// - the selected EF: trusted only inside one outermost transaction (another process may select
//   EFs between our transactions);
// - verified secrets: set only by a VERIFY that answered 9000 (never by an empty VERIFY);
//   dropped when another applet is selected, on a wrong VERIFY, on 6982, on reset and removal;
// - caches (certificates, token info): dropped on reset and removal (invalidate()).
//
// Not thread-safe: callers serialise access to one card (the PKCS#11 module locks per card).
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>

#include "apdu/bytes.h"
#include "apdu/card/applets.h"
#include "apdu/card_channel.h"
#include "apdu/command.h"
#include "apdu/response.h"
#include "apdu/transport.h"

namespace mynacard::card {

enum class CardKind { MyNumberCard, SmartphoneJpki, JukiCard, NotMyNumber };
const char* cardKindName(CardKind kind);  // "My Number Card", ...

// JPKI EF 0006: a PKCS#11 CK_TOKEN_INFO with 32-bit big-endian integers (spec §4.2). Only the
// label is [C]; the other fields are filled when the file is long enough.
struct TokenInfo {
    std::string label;  // trailing spaces/NULs trimmed
    std::string manufacturer, model, serialNumber;
    std::uint32_t flags = 0, maxPinLen = 0, minPinLen = 0;
    bool complete = false;  // all 160 bytes were present
    apdu::Bytes raw;
};

struct Identification {
    CardKind kind = CardKind::NotMyNumber;
    std::optional<TokenInfo> tokenInfo;  // absent: no EF 0006 (still a My Number Card, issue 4)
    std::string message;                 // clear English text for the user
};

// Remaining tries of one secret, read without spending one (empty VERIFY, spec §3).
struct PinStatus {
    bool available = true;  // false: this card has no such secret (applet or key EF absent)
    int triesLeft = -1;  // -1: unknown (the card answered 9000, spec §9/§15) — not "logged in"
    bool blocked() const { return available && triesLeft == 0; }
    bool finalTry() const { return available && triesLeft == 1; }
    bool known() const { return available && triesLeft >= 0; }
};

// A secret as typed by the user plus the caller's consent to spend the last try.
struct Credential {
    Secret secret;
    apdu::SecureBytes value;     // raw input; validated and normalised before sending
    bool allowFinalTry = false;  // CLI: --allow-final-try; PKCS#11 C_Login: true (spec: issue 5)
    // Name the key EF by SFI (P2 = 80|SFI, spec §3) in the counter read and the VERIFY instead of
    // SELECT EF + P2 = 80: one APDU less (issue 5 economy). Falls back to the portable form when
    // the card answers the SFI counter read with anything but a counter. Leaves no EF selected,
    // so not for changeSecret (its CHANGE names the key EF the VERIFY selected).
    bool keyBySfi = false;
};
Credential makeCredential(Secret secret, std::string_view value, bool allowFinalTry = false);

struct SessionOptions {
    // Try one extended-length READ BINARY per file (spec §15) and fall back to short APDUs —
    // for good — the first time the reader or card refuses it.
    bool allowExtendedLength = false;
};

class CardSession {
  public:
    explicit CardSession(apdu::Transport& transport, SessionOptions options = {});
    CardSession(const CardSession&) = delete;
    CardSession& operator=(const CardSession&) = delete;

    apdu::CardChannel& channel() { return channel_; }
    const SessionOptions& options() const { return options_; }

    // RAII PC/SC transaction (nestable). VERIFY and the operation it unlocks must run inside one
    // (spec §9 rule 5): hold a Transaction across verify() + the operation.
    class Transaction {
      public:
        explicit Transaction(CardSession& session);
        ~Transaction();
        Transaction(const Transaction&) = delete;
        Transaction& operator=(const Transaction&) = delete;

      private:
        CardSession& session_;
        apdu::CardChannel::Transaction inner_;
    };

    // Reads JPKI EF 0006 by SFI; when the JPKI applet already answers, that is all (1 APDU) and
    // nothing is selected (a SELECT would log other processes out). Otherwise SELECT JPKI-AP and
    // read it (3 APDUs). Cached until invalidate(); never throws for a card that is not a My
    // Number Card (kind NotMyNumber), only for transport errors.
    const Identification& identify();
    // Whether the JPKI applet is current on the card right now (one READ BINARY by SFI of its
    // token information; selects nothing). For telling "another process selected another applet"
    // from "the card has no such file".
    bool jpkiAnswers();
    const std::optional<Identification>& identification() const { return identification_; }

    // --- building blocks for the applets -------------------------------------------------------
    // Sends a command; on reset/removal forgets everything (invalidate()) and rethrows.
    apdu::ResponseApdu transmit(const apdu::CommandApdu& command);
    // SELECT by AID unless `applet` is already current (never re-selects the current applet).
    // Throws CardStatusError (6A82 when the card has no such applet).
    void selectApplet(Applet applet);
    // As selectApplet, but returns false instead of throwing when the applet is absent.
    bool trySelectApplet(Applet applet);
    // SELECT EF by FID in the current applet (00 A4 02 0C), skipped when already current inside
    // this transaction. Returns the status word (9000 or the card's refusal, e.g. 6A82).
    std::uint16_t selectEf(std::uint16_t fid);
    // SELECT EF + whole TLV/DER file (chunked, extended when allowed). A 6982 becomes
    // PinError(NotLoggedIn) naming `needs` when given; other refusals CardStatusError.
    apdu::Bytes readTlvEf(std::uint16_t fid, std::optional<Secret> needs = std::nullopt);
    // SELECT EF + exactly `length` bytes from offset 0 (the card's 17-byte My Number EF).
    apdu::Bytes readBinaryEf(std::uint16_t fid, std::size_t length,
                             std::optional<Secret> needs = std::nullopt);
    // SELECT EF + READ RECORD `record` of the current EF (00 B2 rr 04 00). Returns the response
    // so callers decide what an unexpected answer means.
    apdu::ResponseApdu readRecordEf(std::uint16_t fid, std::uint8_t record);

    std::optional<Applet> currentApplet() const { return applet_; }
    std::optional<std::uint16_t> currentEf() const { return ef_; }

    // --- secrets (card_session_pin.cpp) -------------------------------------------------------
    // Selects the secret's applet (dropping other applets' security state) and reads the counter.
    PinStatus pinStatus(Secret secret);
    // The PIN-safe VERIFY (spec §9): validate locally → read the counter → refuse blocked / final
    // try → VERIFY → map 63Cx/63C0/6983/6984. Throws PinError; CardStatusError when the card has
    // no such secret; TransportError after re-reading the counter when the link broke mid-VERIFY.
    void verify(const Credential& credential);
    // verify(old) then CHANGE REFERENCE DATA (JPKI, text AP) or CHANGE KEY (住基AP), in one
    // transaction. `newValue` is validated with the same rules before anything is sent.
    void changeSecret(const Credential& old, const apdu::SecureBytes& newValue);
    // True when a VERIFY of `secret` succeeded in this card session and nothing since dropped it.
    bool isVerified(Secret secret) const { return verified_.count(secret) != 0; }
    // Drops the card's security state of `applet` by selecting another applet (never by a reset,
    // issue 5 C_Logout). Returns false when no other applet answered and the state may persist.
    bool logout(Applet applet);
    // A 6982 (or other refusal) to an operation that needs `secret`: forgets the verified state
    // and throws PinError(NotLoggedIn) — "logged out by another application" when we believed it
    // verified. Never replays the secret.
    // With forgetApplet the selected applet is forgotten too (the answer showed that another
    // applet is current).
    [[noreturn]] void throwNotLoggedIn(Secret secret, const std::string& operation,
                                       bool forgetApplet = false);

    // Forget everything (selected applet/EF, verified secrets, caches, identification). Called on
    // CardReset/CardRemoved automatically; the PKCS#11 layer also calls it when the pcsc-lite
    // event counter changes.
    void invalidate();
    // Forget the selected applet/EF and every verified secret (keeps caches): for when an answer
    // shows that another process selected another applet behind our back.
    void forgetSelection();

    // Per-card-session cache (certificates; each is read at most once per card session).
    const apdu::Bytes* cached(const std::string& key) const;
    void store(const std::string& key, apdu::Bytes value);

  private:
    friend class Transaction;
    template <typename F>
    auto guarded(F&& f) -> decltype(f());
    apdu::Bytes readCurrentTlv();
    std::optional<apdu::Bytes> readTokenInfoBySfi();

    apdu::CardChannel channel_;
    SessionOptions options_;
    std::optional<Identification> identification_;
    std::optional<Applet> applet_;
    bool appletSelectedInTransaction_ = false;
    std::optional<std::uint16_t> ef_;
    std::set<Secret> verified_;
    std::set<Secret> lostToOthers_;  // verified, then cleared by another process's SELECT
    std::map<std::string, apdu::Bytes> cache_;
    enum class Extended { Untested, Accepted, Rejected } extended_ = Extended::Untested;
    int depth_ = 0;
};

}  // namespace mynacard::card
