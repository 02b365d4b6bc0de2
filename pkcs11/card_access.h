// What a token needs from one inserted card, as a narrow interface over the JPKI applet client
// (mynacard_card, issue 4). One instance per card session (insertion); it owns the transport.
// Production and the sim-backed tests use jpki_card_access.cpp; unit tests may use a fake.
#pragma once

#include <functional>
#include <memory>
#include <string>

#include "apdu/bytes.h"
#include "apdu/transport.h"
#include "pkcs11/p11.h"

namespace mynacard::p11 {

enum class CertKind { Auth = 0, AuthCa = 1, Sign = 2, SignCa = 3 };

struct CardIdentity {
    bool myNumberCard = false;   // answered the JPKI AID (spec §1: never by ATR)
    std::string tokenLabel;      // EF 0006 label, e.g. "JPKIAPICCTOKEN2" (spec §4.2)
    std::string serial;          // JPKI EF 0006 serialNumber (spec §4.2); empty when it has none
    std::string description;     // human-readable card kind, for the log
    // Counters read during identification (by TokenKind): CardAccess::triesLeft() values, or
    // kNotRead. Reading them here keeps `-L` and login + signature within issue 5's budget.
    static constexpr int kNotRead = -3;
    int triesLeft[2] = {kNotRead, kNotRead};
};

class CardAccess {
public:
    virtual ~CardAccess() = default;

    // Called once per card session. Selects nothing when the JPKI applet already answers (another
    // process may hold a login there, spec §3 "Security state"). Throws TransportError.
    virtual CardIdentity identify() = 0;
    // DER certificate. The signature certificate needs the signature password (6982 → PinError
    // NotLoggedIn). Throws TransportError / CardStatusError / ProtocolError.
    virtual apdu::Bytes readCertificate(CertKind kind) = 0;
    // Remaining tries (empty VERIFY, no try spent); -1 when the card does not say (9000, spec
    // §15), kNoSuchSecret when the card has no such key (under-15 card: no signature key).
    static constexpr int kNoSuchSecret = -2;
    virtual int triesLeft(TokenKind key) = 0;
    // VERIFY with a secret already validated and normalised (upper-cased). Reads the counter
    // first; with one try left it sends nothing and throws PinError(FinalTryRefused) unless
    // `allowFinalTry`. Throws PinError.
    virtual void verify(TokenKind key, const apdu::SecureBytes& secret, bool allowFinalTry) = 0;
    // COMPUTE DIGITAL SIGNATURE (P1=00) over a DigestInfo or raw ≤245 bytes with the key whose
    // secret was verified. 6982 → PinError NotLoggedIn (never replays the secret).
    virtual apdu::Bytes sign(TokenKind key, const apdu::Bytes& input) = 0;
    // VERIFY old + CHANGE REFERENCE DATA in one transaction; the final try as for verify().
    // Throws PinError.
    virtual void changePin(TokenKind key, const apdu::SecureBytes& oldSecret,
                           const apdu::SecureBytes& newSecret, bool allowFinalTry) = 0;
    // Drops the card's JPKI security state (both keys) by selecting another applet, never by a
    // reset (spec §3).
    virtual void logout() = 0;

    // PC/SC transaction around a multi-APDU operation (nests).
    virtual void beginTransaction() = 0;
    virtual void endTransaction() = 0;
    // Lets go of the PC/SC connection between operations (the next operation connects again).
    // Outside a transaction.
    virtual void releaseHandle() = 0;
};

using CardAccessFactory =
    std::function<std::unique_ptr<CardAccess>(std::unique_ptr<apdu::Transport>)>;

}  // namespace mynacard::p11
