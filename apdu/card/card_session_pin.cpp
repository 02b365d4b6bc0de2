// The PIN-safe VERIFY routine (spec §9 "client rules to avoid accidental locks", issue 4 "PIN
// safety"). Every applet goes through here; nothing else sends a secret.
#include <string>

#include "apdu/card/card_session.h"
#include "apdu/card/pin_policy.h"
#include "apdu/errors.h"

namespace mynacard::card {
namespace {

std::string triesText(int n) { return std::to_string(n) + (n == 1 ? " try" : " tries"); }

// Wipes the copy of the secret inside an encoded command once it has been sent.
struct CommandWiper {
    apdu::CommandApdu& command;
    ~CommandWiper() { apdu::secureWipe(command.data.data(), command.data.size()); }
};

}  // namespace

PinStatus CardSession::pinStatus(Secret secret) {
    const SecretInfo& info = secretInfo(secret);
    Transaction tx(*this);
    PinStatus status;
    if (!trySelectApplet(info.applet) || selectEf(info.keyEf) != apdu::sw::kOk) {
        status.available = false;
        return status;
    }
    // Empty VERIFY: the counter without spending a try (spec §3). 9000 means "verified or no
    // counter" on some cards (spec §9/§15): report unknown, and do not record it as a login.
    apdu::ResponseApdu r = transmit(apdu::cmd::verifyStatus(0x80));
    if (r.isCounter()) {
        status.triesLeft = r.counter();
    } else if (r.isBlocked()) {
        status.triesLeft = 0;
    } else if (r.ok() || r.sw == apdu::sw::kNoLimitKey) {
        status.triesLeft = -1;
    } else if (r.sw == apdu::sw::kFileNotFound || r.sw == apdu::sw::kDataNotFound) {
        status.available = false;
    } else {
        throw CardStatusError(r.sw, std::string("reading the counter of the ") + info.name + ": " +
                                        apdu::describeStatusWord(r.sw));
    }
    return status;
}

void CardSession::verify(const Credential& credential) {
    const Secret secret = credential.secret;
    const SecretInfo& info = secretInfo(secret);
    // (0) Local validation before anything reaches the card (throws InvalidFormat).
    apdu::SecureBytes value = normalizeSecret(secret, credential.value);

    Transaction tx(*this);
    // (1) Read the counter first. By SFI when asked and the card answers with a counter (the key
    // EF exists); otherwise the portable SELECT EF + empty VERIFY, which also tells "no such key".
    std::uint8_t p2 = 0x80;
    PinStatus status;
    bool bySfi = false;
    if (credential.keyBySfi && info.keyEf >= 0x0001 && info.keyEf <= 0x001E &&
        trySelectApplet(info.applet)) {
        const std::uint8_t ref = static_cast<std::uint8_t>(0x80 | info.keyEf);
        apdu::ResponseApdu c = transmit(apdu::cmd::verifyStatus(ref));
        // The card may make the EF named by SFI current (ISO 7816-4): forget which EF is current.
        ef_.reset();
        if (c.isCounter() || c.isBlocked()) {
            status.triesLeft = c.isBlocked() ? 0 : c.counter();
            p2 = ref;
            bySfi = true;
        }
    }
    if (!bySfi) status = pinStatus(secret);
    if (!status.available)
        throw CardStatusError(apdu::sw::kFileNotFound,
                              std::string("this card has no ") + info.name);
    if (status.triesLeft == 0)
        throw PinError(PinError::Kind::Blocked,
                       std::string("the ") + info.name +
                           " is blocked; it can only be reset at the municipal office",
                       0);
    if (status.triesLeft == 1 && !credential.allowFinalTry)
        throw PinError(PinError::Kind::FinalTryRefused,
                       std::string("only one try of the ") + info.name +
                           " is left; a wrong value would block it (allow the final try "
                           "explicitly to continue)",
                       1);

    // (2) VERIFY; the key EF is named by SFI, or is the selected EF (pinStatus selected it in
    // this transaction).
    apdu::CommandApdu command = apdu::cmd::verify(p2, value);
    command.sensitive = true;
    CommandWiper wiper{command};
    value.clear();
    verified_.erase(secret);
    apdu::ResponseApdu r;
    try {
        r = transmit(command);
    } catch (const TransportError&) {
        // (4) The try may or may not have been spent: forget the state, re-read the counter
        // before anything else, never resend the secret.
        forgetSelection();
        try {
            pinStatus(secret);
        } catch (const Error&) {
            // the link is still down; the caller re-reads the counter on its next attempt
        }
        throw;
    }
    // (3) Map the answer.
    if (r.ok()) {
        verified_.insert(secret);
        lostToOthers_.erase(secret);
        return;
    }
    if (r.isBlocked())
        throw PinError(PinError::Kind::Blocked,
                       std::string("wrong ") + info.name +
                           "; it is now blocked and can only be reset at the municipal office",
                       0);
    if (r.isCounter())
        throw PinError(PinError::Kind::Incorrect,
                       std::string("wrong ") + info.name + ": " + triesText(r.counter()) + " left",
                       r.counter());
    throw CardStatusError(
        r.sw, std::string("VERIFY of the ") + info.name + ": " + apdu::describeStatusWord(r.sw));
}

void CardSession::changeSecret(const Credential& old, const apdu::SecureBytes& newValue) {
    const SecretInfo& info = secretInfo(old.secret);
    if (info.applet == Applet::Face)
        throw Error(std::string("the ") + info.name + " is printed on the card and cannot change");
    // Both values are validated before anything is sent.
    apdu::SecureBytes fresh = normalizeSecret(old.secret, newValue);
    normalizeSecret(old.secret, old.value);

    Transaction tx(*this);
    verify(old);
    // spec §3: CHANGE REFERENCE DATA (00 24 01 80) in JPKI-AP and text AP; JICSAP CHANGE KEY
    // (80 32 00 80) in 住基AP / 共通AP. P2=80: the key EF VERIFY left selected.
    apdu::CommandApdu command = (info.applet == Applet::Resident || info.applet == Applet::Common)
                                    ? apdu::cmd::changeKey(0x80, fresh)
                                    : apdu::cmd::changeReferenceData(0x80, fresh);
    command.sensitive = true;
    CommandWiper wiper{command};
    fresh.clear();
    apdu::ResponseApdu r = transmit(command);
    if (!r.ok())
        throw CardStatusError(
            r.sw, std::string("changing the ") + info.name + ": " + apdu::describeStatusWord(r.sw));
}

bool CardSession::logout(Applet applet) {
    verified_.clear();
    if (applet_ != applet) return true;  // another applet is current: its state is gone already
    Transaction tx(*this);
    // Selecting another applet clears the security state of the one left (spec §3).
    for (Applet other :
         {Applet::Common, Applet::Text, Applet::Face, Applet::Resident, Applet::Jpki})
        if (other != applet && trySelectApplet(other)) return true;
    // Single-applet cards (smartphone JPKI): re-selecting is the only lever left and "not
    // reliably" a clean session on real cards.
    applet_.reset();
    trySelectApplet(applet);
    return false;
}

void CardSession::throwNotLoggedIn(Secret secret, const std::string& operation, bool forgetApplet) {
    bool believed = verified_.erase(secret) + lostToOthers_.erase(secret) != 0;
    if (forgetApplet) forgetSelection();
    std::string name = secretName(secret);
    if (believed)
        throw PinError(PinError::Kind::NotLoggedIn,
                       operation + ": the card no longer accepts the " + name +
                           " (logged out by another application); verify it again");
    throw PinError(PinError::Kind::NotLoggedIn, operation + " needs the " + name);
}

}  // namespace mynacard::card
