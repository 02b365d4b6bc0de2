// Sessions and login state (issue 5 "Sessions", "C_Login"). Login state is per token and shared by
// all of the application's sessions on it (PKCS#11 v2.40 §5.6).
#include <algorithm>

#include "apdu/errors.h"
#include "pkcs11/log.h"
#include "pkcs11/module.h"
#include "pkcs11/pin_rules.h"

namespace mynacard::p11 {
namespace {

TokenKind kindOfSlot(CK_SLOT_ID slot) { return slot % 2 == 0 ? TokenKind::Auth : TokenKind::Sign; }

bool tokenHasSessions(const State& s, const Card* card, TokenKind kind) {
    return std::any_of(s.sessions.begin(), s.sessions.end(), [&](const auto& e) {
        return e.second->card.get() == card && e.second->kind == kind;
    });
}

// The last session of a token closed: the user is logged out (v2.40 §5.6), and so is the card.
void logoutAfterLastSession(State& s, const std::shared_ptr<Card>& card, TokenKind kind) {
    if (!card->loggedIn[static_cast<int>(kind)].exchange(false)) return;
    logoutCard(s, card, kind);
}

// Closes the sessions selected by `pred`; returns the tokens that lost their last session.
template <typename Pred>
std::vector<std::pair<std::shared_ptr<Card>, TokenKind>> closeWhere(State& s, Pred pred) {
    std::vector<std::pair<std::shared_ptr<Card>, TokenKind>> closed;
    for (auto it = s.sessions.begin(); it != s.sessions.end();) {
        if (pred(*it->second)) {
            closed.emplace_back(it->second->card, it->second->kind);
            it = s.sessions.erase(it);
        } else {
            ++it;
        }
    }
    std::vector<std::pair<std::shared_ptr<Card>, TokenKind>> last;
    for (auto& c : closed)
        if (!tokenHasSessions(s, c.first.get(), c.second) &&
            std::find(last.begin(), last.end(), c) == last.end())
            last.push_back(c);
    return last;
}

// PIN checks before anything is sent (spec §4.5): CKR_PIN_LEN_RANGE / `badChars`.
void checkPin(TokenKind kind, apdu::SecureBytes& pin, CK_RV badChars) {
    switch (normalizePin(kind, pin)) {
        case PinCheck::Ok: return;
        case PinCheck::BadLength: fail(CKR_PIN_LEN_RANGE, "PIN length");
        case PinCheck::BadCharacters: fail(badChars, "PIN characters");
    }
}

// Keeps the token's counter in step with what VERIFY reported (token flags, issue 5).
template <typename F>
void trackingTries(Card& card, TokenKind kind, F&& f) {
    auto& tries = card.tries[static_cast<int>(kind)];
    card.triesAt[static_cast<int>(kind)] = nowMs();
    try {
        f();
        tries = maxTries(kind);  // a successful VERIFY resets the counter (spec §9)
    } catch (const PinError& e) {
        if (e.kind() == PinError::Kind::Blocked) tries = 0;
        else if (e.triesLeft() >= 0) tries = e.triesLeft();
        throw;
    }
}

}  // namespace

bool othersConnected(State& s, Card& card) {
    // With our own handle let go, pcscd's "in use" flag counts only the others. (An exclusive
    // reconnect would tell too, but pcsc-lite's client retries it until it succeeds: it blocks
    // while anyone else is connected.)
    card.access->releaseHandle();
    try {
        return s.provider->cardInUse(card.reader).value_or(false);
    } catch (const TransportError&) {
        return false;  // pcscd unreachable: nobody can be using the card through it
    }
}

void logoutCard(State& s, const std::shared_ptr<Card>& card, TokenKind kind) {
    if (card->gone) return;
    // After the auth PIN, our signature token may still need the state.
    if (kind == TokenKind::Auth && card->loggedIn[static_cast<int>(TokenKind::Sign)]) return;
    // The card has one security state for both keys and every process; its only logout is a
    // re-SELECT, which logs out everyone. After the signature password: always (the legally
    // binding key is never left unlocked; another process's auth login goes with it). After the
    // auth PIN: only when no other PC/SC client is connected (it may be using the login).
    card->loggedIn[0] = false;
    card->loggedIn[1] = false;
    try {
        bool others = false;
        if (kind == TokenKind::Auth) {
            std::lock_guard<std::mutex> lock(card->mutex);
            others = othersConnected(s, *card);
        }
        if (others) {
            P11_LOG("reader '" + card->reader +
                    "': auth login left on the card: another application is connected");
            return;
        }
        withCard(s, card, [&] {
            // Another thread of ours logged in meanwhile: the state is wanted again.
            if (card->loggedIn[0] || card->loggedIn[1]) return;
            card->access->logout();
        });
    } catch (const std::exception& e) {
        P11_LOG(std::string("logout: ") + e.what());
    } catch (...) {
    }
}

std::shared_ptr<Session> getSession(State& s, CK_SESSION_HANDLE handle) {
    std::lock_guard<std::mutex> lock(s.mutex);
    auto it = s.sessions.find(handle);
    if (it == s.sessions.end()) fail(CKR_SESSION_HANDLE_INVALID);
    std::shared_ptr<Session> session = it->second;
    try {
        refreshSlots(s);  // a removal or swap closes the sessions of the old card
    } catch (const TransportError& e) {
        P11_LOG(std::string("reader check: ") + e.what());
    }
    if (session->card->gone) fail(CKR_DEVICE_REMOVED);
    return session;
}

void countSessions(const State& s, CK_SLOT_ID slot, CK_ULONG& all, CK_ULONG& rw) {
    all = rw = 0;
    for (const auto& [h, session] : s.sessions) {
        if (session->slot != slot) continue;
        ++all;
        if (session->flags & CKF_RW_SESSION) ++rw;
    }
}

CK_RV openSession(CK_SLOT_ID slot, CK_FLAGS flags, CK_SESSION_HANDLE_PTR handle) {
    auto s = current();
    if (!handle) return CKR_ARGUMENTS_BAD;
    std::unique_lock<std::mutex> lock(s->mutex);
    if (slot >= 2 * kSlotPairs) return CKR_SLOT_ID_INVALID;
    if (!(flags & CKF_SERIAL_SESSION)) return CKR_SESSION_PARALLEL_NOT_SUPPORTED;
    try {
        refreshSlots(*s);
    } catch (const TransportError& e) {
        P11_LOG(std::string("C_OpenSession: ") + e.what());
    }
    auto card = tokenCard(*s, lock, slot);
    if (!card) return CKR_TOKEN_NOT_PRESENT;
    auto session = std::make_shared<Session>();
    session->handle = s->nextSession++;
    session->slot = slot;
    session->kind = kindOfSlot(slot);
    // CKF_RW_SESSION is accepted (many consumers ask for it); every write is refused anyway.
    session->flags = flags & (CKF_SERIAL_SESSION | CKF_RW_SESSION);
    session->card = std::move(card);
    s->sessions[session->handle] = session;
    *handle = session->handle;
    return CKR_OK;
}

CK_RV closeSession(CK_SESSION_HANDLE handle) {
    auto s = current();
    std::vector<std::pair<std::shared_ptr<Card>, TokenKind>> last;
    {
        std::lock_guard<std::mutex> lock(s->mutex);
        if (!s->sessions.count(handle)) return CKR_SESSION_HANDLE_INVALID;
        last = closeWhere(*s, [&](const Session& x) { return x.handle == handle; });
    }
    for (auto& [card, kind] : last) logoutAfterLastSession(*s, card, kind);
    return CKR_OK;
}

CK_RV closeAllSessions(CK_SLOT_ID slot) {
    auto s = current();
    std::vector<std::pair<std::shared_ptr<Card>, TokenKind>> last;
    {
        std::lock_guard<std::mutex> lock(s->mutex);
        if (slot >= 2 * kSlotPairs) return CKR_SLOT_ID_INVALID;
        last = closeWhere(*s, [&](const Session& x) { return x.slot == slot; });
    }
    for (auto& [card, kind] : last) logoutAfterLastSession(*s, card, kind);
    return CKR_OK;
}

CK_RV getSessionInfo(CK_SESSION_HANDLE handle, CK_SESSION_INFO_PTR info) {
    auto s = current();
    if (!info) return CKR_ARGUMENTS_BAD;
    auto session = getSession(*s, handle);
    bool rw = session->flags & CKF_RW_SESSION;
    bool user = session->card->loggedIn[static_cast<int>(session->kind)];
    *info = CK_SESSION_INFO{};
    info->slotID = session->slot;
    info->state = user ? (rw ? CKS_RW_USER_FUNCTIONS : CKS_RO_USER_FUNCTIONS)
                       : (rw ? CKS_RW_PUBLIC_SESSION : CKS_RO_PUBLIC_SESSION);
    info->flags = session->flags;
    info->ulDeviceError = 0;
    return CKR_OK;
}

CK_RV login(CK_SESSION_HANDLE handle, CK_USER_TYPE user, CK_UTF8CHAR_PTR pin, CK_ULONG len) {
    auto s = current();
    // No PIN pad support (issue 5): a NULL PIN (protected authentication path) is a bad argument.
    if (!pin) return CKR_ARGUMENTS_BAD;
    auto session = getSession(*s, handle);
    std::lock_guard<std::mutex> sessionLock(session->mutex);
    const TokenKind kind = session->kind;
    const int k = static_cast<int>(kind);
    auto& card = session->card;
    if (user == CKU_CONTEXT_SPECIFIC) {
        // CKA_ALWAYS_AUTHENTICATE is false, so no operation needs it; an application that sends
        // one anyway gets what it asked for: the PIN it gave is verified (never a blind CKR_OK
        // for any PIN, issue 13 defect 5).
        if (!session->signActive) return CKR_OPERATION_NOT_INITIALIZED;
    } else if (user != CKU_USER) {
        return CKR_USER_TYPE_INVALID;  // no SO: the card has no administrator secret
    } else if (card->loggedIn[k]) {
        return CKR_USER_ALREADY_LOGGED_IN;
    }
    apdu::SecureBytes secret(pin, len);
    checkPin(kind, secret, CKR_PIN_INCORRECT);
    P11_LOG("C_Login: token " + std::to_string(k) + ", PIN of " + std::to_string(len) +
            " characters");
    withCard(*s, card, [&] {
        try {
            trackingTries(*card, kind,
                          [&] { card->access->verify(kind, secret, s->allowFinalTry); });
        } catch (const PinError& e) {
            // A wrong VERIFY leaves the key unverified on the card (a context-specific login
            // may have been logged in before).
            if (e.kind() != PinError::Kind::FinalTryRefused) card->loggedIn[k] = false;
            throw;
        }
        // The signature certificate is readable now; read it once for this card session, inside
        // the VERIFY's transaction (signatures are checked against it). The token counts as
        // logged in only once everything worked: a failed read leaves token and card logged out
        // (issue 13 defect 4), so the retry is a plain C_Login.
        if (kind == TokenKind::Sign) {
            try {
                loadCertificate(*card, CertKind::Sign);
            } catch (...) {
                card->loggedIn[0] = false;
                card->loggedIn[1] = false;
                try {
                    card->access->logout();
                } catch (...) {
                }
                throw;
            }
        }
        card->loggedIn[k] = true;
    });
    registerLogoutAtExit();
    return CKR_OK;
}

CK_RV logout(CK_SESSION_HANDLE handle) {
    auto s = current();
    auto session = getSession(*s, handle);
    auto& card = session->card;
    // Our token is logged out whatever happens; the card by the logout policy (logoutCard):
    // after the signature password the card is logged out, which logs out both tokens (one
    // state, spec §3); after the auth PIN our logged-in signature token keeps the state. Never a
    // card reset.
    if (!card->loggedIn[static_cast<int>(session->kind)].exchange(false))
        return CKR_USER_NOT_LOGGED_IN;
    logoutCard(*s, card, session->kind);
    return CKR_OK;
}

CK_RV setPin(CK_SESSION_HANDLE handle, CK_UTF8CHAR_PTR oldPin, CK_ULONG oldLen,
             CK_UTF8CHAR_PTR newPin, CK_ULONG newLen) {
    auto s = current();
    if (!oldPin || !newPin) return CKR_ARGUMENTS_BAD;
    auto session = getSession(*s, handle);
    if (!(session->flags & CKF_RW_SESSION)) return CKR_SESSION_READ_ONLY;
    const TokenKind kind = session->kind;
    apdu::SecureBytes oldSecret(oldPin, oldLen), newSecret(newPin, newLen);
    checkPin(kind, oldSecret, CKR_PIN_INCORRECT);
    checkPin(kind, newSecret, CKR_PIN_INVALID);
    auto& card = session->card;
    // VERIFY old + CHANGE leaves the key verified on the card. A token that was not logged in
    // is left as it was found (issue 13 defect 1): logged out again by the logout policy, also
    // when the CHANGE failed after the VERIFY.
    const bool wasLoggedIn = card->loggedIn[static_cast<int>(kind)];
    try {
        withCard(*s, card, [&] {
            trackingTries(*card, kind, [&] {
                card->access->changePin(kind, oldSecret, newSecret, s->allowFinalTry);
            });
        });
    } catch (const PinError&) {
        throw;  // the VERIFY of the old PIN did not succeed: nothing was unlocked
    } catch (...) {
        if (!wasLoggedIn) logoutCard(*s, card, kind);
        throw;
    }
    if (!wasLoggedIn) logoutCard(*s, card, kind);
    return CKR_OK;
}

}  // namespace mynacard::p11
