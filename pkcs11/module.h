// The module's state and the PKCS#11 operations behind the C ABI (pkcs11_abi.cpp). Every function
// here validates in the fixed order initialized → pointers → handles → session state → operation
// state → mechanism → work (architecture.md), returns a CK_RV for results that carry data
// (CKR_BUFFER_TOO_SMALL, CKR_NO_EVENT) and throws P11Error / mynacard::Error otherwise.
//
// Locks (architecture.md, ykcs11): State::mutex (the module lock) only guards the slot and session
// tables; Card::mutex (per card, shared by the reader's two slots) plus a PC/SC transaction is
// held across each multi-APDU operation; Session::mutex serialises one session's operations.
// Order: session → card → module; nothing waits for a session or card lock while holding the
// module lock (a card being identified is not yet visible to other threads).
#pragma once

#include <sys/types.h>

#include <array>
#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "pkcs11/card_access.h"
#include "pkcs11/certificate.h"
#include "pkcs11/mechanisms.h"
#include "pkcs11/objects.h"
#include "pkcs11/p11.h"
#include "pkcs11/reader_provider.h"

namespace mynacard::p11 {

// What C_Initialize builds: production registers pcsc-lite + the JPKI client (module_entry.cpp);
// tests register the in-process simulator. Set before C_Initialize.
struct Hooks {
    std::function<std::unique_ptr<ReaderProvider>()> makeProvider;
    CardAccessFactory makeCard;
    // false: the auth-only module (libmynacard-pkcs11-auth.so, issue 13): the signature slots
    // never hold a token, so a browser that logs in to every token cannot ask for the
    // signature password, and nothing loaded through it can unlock the signature key.
    bool signatureToken = true;
};
void setHooks(Hooks hooks);

// Slot pairs reserved at C_Initialize (NSS caches the slot list): readers attached later take a
// spare pair. Slot id = 2 × pair + token kind.
constexpr std::size_t kSlotPairs = 4;

// Objects of one token, in handle order (handle = kObjectBase[token] + index).
enum class ObjectRole { UserCertificate = 0, PublicKey = 1, PrivateKey = 2, CaCertificate = 3 };
constexpr std::size_t kObjectsPerToken = 4;

// One inserted card ("card session"): everything here lives until removal or swap.
struct Card {
    std::mutex mutex;  // per-card lock
    std::unique_ptr<CardAccess> access;
    std::string reader;
    CardIdentity identity;
    std::array<std::optional<CertInfo>, 4> certs;  // by CertKind; read at most once
    std::array<std::optional<Object>, 8> objects;   // full objects, [token*4 + role]
    // By TokenKind. Atomics: the module lock may read or clear them without the card lock.
    // tries: kTriesUnread until first needed (read lazily to keep -L and login+sign within the
    // APDU budget of issue 5), -1 when the card does not tell, else the real counter.
    static constexpr int kTriesUnread = -3;
    std::array<std::atomic<int>, 2> tries{{kTriesUnread, kTriesUnread}};
    // When each counter was last read or updated (steady clock, ms): token flags re-read a stale
    // counter, because other applications' wrong PINs count too (spec §9).
    std::array<std::atomic<long long>, 2> triesAt{{0, 0}};
    std::array<std::atomic<bool>, 2> loggedIn{{false, false}};
    std::atomic<bool> noSignatureKey{false};  // learned from the signature counter (under 15)
    std::atomic<bool> gone{false};  // removed / swapped / reset: its sessions are closed
};

// Milliseconds on the steady clock (counter freshness).
long long nowMs();
// How long a counter read stays fresh for CK_TOKEN_INFO.
constexpr long long kTriesFreshMs = 5000;

struct Session {
    CK_SESSION_HANDLE handle = 0;
    CK_SLOT_ID slot = 0;
    TokenKind kind = TokenKind::Auth;
    CK_FLAGS flags = 0;
    std::shared_ptr<Card> card;
    std::mutex mutex;

    bool findActive = false;
    std::vector<CK_OBJECT_HANDLE> found;
    std::size_t findPos = 0;

    bool signActive = false;
    bool signMulti = false;  // C_SignUpdate was called: C_Sign is no longer allowed
    CK_MECHANISM_TYPE signMechanism = 0;
    ObjectRole signKey = ObjectRole::PrivateKey;
    std::optional<Hasher> signHash;
    apdu::Bytes signBuffer;  // CKM_RSA_PKCS input collected by C_SignUpdate

    bool digestActive = false;
    bool digestMulti = false;
    std::optional<Hasher> digest;
};

struct SlotPair {
    std::string reader;  // empty: spare
    bool present = false;
    std::uint32_t eventCounter = 0;
    std::shared_ptr<Card> card;  // set once identified as a My Number Card
    bool identified = false;     // identification done for the current insertion
    bool identifying = false;    // a thread is identifying it, without the module lock
    std::uint64_t identifyTicket = 0;  // which identification may publish its result
};

struct State {
    std::mutex mutex;  // the module lock
    pid_t pid = 0;
    std::unique_ptr<ReaderProvider> provider;
    CardAccessFactory makeCard;
    std::array<SlotPair, kSlotPairs> pairs;
    std::map<CK_SESSION_HANDLE, std::shared_ptr<Session>> sessions;
    CK_SESSION_HANDLE nextSession = 1;
    std::deque<CK_SLOT_ID> events;
    std::condition_variable identifiedCv;  // a pair's identification ended (module lock)
    // MYNACARD_PKCS11_ALLOW_FINAL_TRY=1 at C_Initialize: C_Login / C_SetPIN may spend the last
    // remaining try. Otherwise the module refuses it with CKR_PIN_LOCKED and sends nothing.
    bool allowFinalTry = false;
    bool signatureToken = true;  // Hooks::signatureToken
    std::atomic<bool> finalized{false};
    std::atomic<int> waiters{0};
};

// ---- module.cpp: life cycle ---------------------------------------------------------------------
CK_RV initialize(CK_VOID_PTR args);
CK_RV finalize(CK_VOID_PTR reserved);
CK_RV getInfo(CK_INFO_PTR info);
// The current state, or throws CKR_CRYPTOKI_NOT_INITIALIZED (also in a forked child, which
// abandons the parent's PC/SC context without releasing it).
std::shared_ptr<State> current();

// ---- slot_table.cpp: readers, slots, events, identification -------------------------------------
// Re-reads the readers (no APDU); queues slot events unless `initial`. Module lock held.
void refreshSlots(State& s, bool initial = false);
// The identified card of a slot, or null when the slot has no My Number token. Module lock held
// in `lock`; a newly inserted card is identified once, with the lock released meanwhile (the
// PC/SC transaction may wait for another process, issue 13 defect 6): the slot table may have
// changed when this returns. Throws CKR_SLOT_ID_INVALID.
std::shared_ptr<Card> tokenCard(State& s, std::unique_lock<std::mutex>& lock, CK_SLOT_ID slot);
// Logs the card out after our `kind` token is done with it, by the logout policy
// (pkcs11/README.md): after the signature password always; after the auth PIN unless our
// signature token still needs the state or another PC/SC client is connected to the card (it
// may be using the auth login). Never throws.
void logoutCard(State& s, const std::shared_ptr<Card>& card, TokenKind kind);
// Arms the logout at process exit / module unload (module.cpp); called by the first successful
// C_Login, once everything the logout uses has been constructed.
void registerLogoutAtExit();
// Lets go of our handle to the card and asks pcscd whether any other client is connected to
// it (ReaderProvider::cardInUse; false when it cannot tell). Card lock held by the caller.
bool othersConnected(State& s, Card& card);
// Marks the card gone and closes its sessions. Module lock held.
void dropCard(State& s, std::shared_ptr<Card> card);
// Runs a card operation under the card lock and a PC/SC transaction; a removal, swap or reset
// reported by the transport closes the card's sessions and becomes CKR_DEVICE_REMOVED.
void withCard(State& s, const std::shared_ptr<Card>& card, const std::function<void()>& op);

CK_RV getSlotList(CK_BBOOL tokenPresent, CK_SLOT_ID_PTR list, CK_ULONG_PTR count);
CK_RV getSlotInfo(CK_SLOT_ID slot, CK_SLOT_INFO_PTR info);
CK_RV waitForSlotEvent(CK_FLAGS flags, CK_SLOT_ID_PTR slot, CK_VOID_PTR reserved);

// ---- token.cpp: token info, mechanisms, objects -------------------------------------------------
CK_RV getTokenInfo(CK_SLOT_ID slot, CK_TOKEN_INFO_PTR info);
CK_RV getMechanismList(CK_SLOT_ID slot, CK_MECHANISM_TYPE_PTR list, CK_ULONG_PTR count);
CK_RV getMechanismInfo(CK_SLOT_ID slot, CK_MECHANISM_TYPE type, CK_MECHANISM_INFO_PTR info);
// Card lock held. Objects visible now (private ones only when logged in), loading nothing.
std::vector<ObjectRole> visibleRoles(const Card& card, TokenKind kind);
// Card lock held. The full object (reads its certificate once per card session).
const Object& loadObject(Card& card, TokenKind kind, ObjectRole role);
// CKA_ID of a token's CA certificate: fixed per token (issue 5 only asks that each CA certificate
// has its own CKA_ID), so a search by CKA_ID never reads the CA certificate to compute it. 12
// ASCII bytes: cannot equal a user certificate's 20-byte SHA-1 key id.
apdu::Bytes caCertificateId(TokenKind kind);
// The object without its certificate-derived attributes (isCertificateDerived), for matching.
Object stubObject(TokenKind kind, ObjectRole role);
// Card lock held. The certificate that backs `role` (reads it once).
const CertInfo& loadCertificate(Card& card, CertKind kind);
CertKind certificateFor(TokenKind kind, ObjectRole role);
CK_OBJECT_HANDLE objectHandle(TokenKind kind, ObjectRole role);
std::optional<ObjectRole> roleOfHandle(TokenKind kind, CK_OBJECT_HANDLE handle);

// ---- session.cpp: sessions and login -------------------------------------------------------------
// The session (checks the reader first: a removed or swapped card → CKR_DEVICE_REMOVED once,
// then CKR_SESSION_HANDLE_INVALID).
std::shared_ptr<Session> getSession(State& s, CK_SESSION_HANDLE handle);
CK_RV openSession(CK_SLOT_ID slot, CK_FLAGS flags, CK_SESSION_HANDLE_PTR handle);
CK_RV closeSession(CK_SESSION_HANDLE handle);
CK_RV closeAllSessions(CK_SLOT_ID slot);
CK_RV getSessionInfo(CK_SESSION_HANDLE handle, CK_SESSION_INFO_PTR info);
CK_RV login(CK_SESSION_HANDLE handle, CK_USER_TYPE user, CK_UTF8CHAR_PTR pin, CK_ULONG len);
CK_RV logout(CK_SESSION_HANDLE handle);
CK_RV setPin(CK_SESSION_HANDLE handle, CK_UTF8CHAR_PTR oldPin, CK_ULONG oldLen,
             CK_UTF8CHAR_PTR newPin, CK_ULONG newLen);
// Session count of one token (CK_TOKEN_INFO). Module lock held.
void countSessions(const State& s, CK_SLOT_ID slot, CK_ULONG& all, CK_ULONG& rw);

// ---- find.cpp: objects ----------------------------------------------------------------------------
CK_RV findObjectsInit(CK_SESSION_HANDLE h, CK_ATTRIBUTE_PTR tmpl, CK_ULONG count);
CK_RV findObjects(CK_SESSION_HANDLE h, CK_OBJECT_HANDLE_PTR out, CK_ULONG max, CK_ULONG_PTR count);
CK_RV findObjectsFinal(CK_SESSION_HANDLE h);
CK_RV getAttributeValue(CK_SESSION_HANDLE h, CK_OBJECT_HANDLE obj, CK_ATTRIBUTE_PTR tmpl,
                        CK_ULONG count);
CK_RV getObjectSize(CK_SESSION_HANDLE h, CK_OBJECT_HANDLE obj, CK_ULONG_PTR size);
// Argument checks of every write (C_CreateObject, C_SetAttributeValue, ...), then
// CKR_TOKEN_WRITE_PROTECTED.
CK_RV refuseWrite(CK_SESSION_HANDLE h, bool pointersOk, std::optional<CK_OBJECT_HANDLE> object);

// ---- sign.cpp: signing and digests ----------------------------------------------------------------
CK_RV signInit(CK_SESSION_HANDLE h, CK_MECHANISM_PTR mechanism, CK_OBJECT_HANDLE key);
CK_RV sign(CK_SESSION_HANDLE h, CK_BYTE_PTR data, CK_ULONG len, CK_BYTE_PTR sig, CK_ULONG_PTR sigLen);
CK_RV signUpdate(CK_SESSION_HANDLE h, CK_BYTE_PTR part, CK_ULONG len);
CK_RV signFinal(CK_SESSION_HANDLE h, CK_BYTE_PTR sig, CK_ULONG_PTR sigLen);
CK_RV digestInit(CK_SESSION_HANDLE h, CK_MECHANISM_PTR mechanism);
CK_RV digest(CK_SESSION_HANDLE h, CK_BYTE_PTR data, CK_ULONG len, CK_BYTE_PTR out, CK_ULONG_PTR outLen);
CK_RV digestUpdate(CK_SESSION_HANDLE h, CK_BYTE_PTR part, CK_ULONG len);
CK_RV digestFinal(CK_SESSION_HANDLE h, CK_BYTE_PTR out, CK_ULONG_PTR outLen);
CK_RV digestKey(CK_SESSION_HANDLE h, CK_OBJECT_HANDLE key);
CK_RV generateRandom(CK_SESSION_HANDLE h, CK_BYTE_PTR out, CK_ULONG len);
// Init functions of operations the card cannot do (encrypt, decrypt, verify, ...): argument checks,
// then CKR_MECHANISM_INVALID / CKR_KEY_FUNCTION_NOT_PERMITTED.
CK_RV refuseInit(CK_SESSION_HANDLE h, CK_MECHANISM_PTR mechanism, CK_OBJECT_HANDLE key);
// C_InitToken: argument and slot checks, then CKR_TOKEN_WRITE_PROTECTED.
CK_RV initToken(CK_SLOT_ID slot, CK_UTF8CHAR_PTR pin, CK_ULONG len, CK_UTF8CHAR_PTR label);
// Operation state, seeding, parallel functions: argument and session checks, then the fixed answer.
CK_RV unsupported(CK_SESSION_HANDLE h, bool pointersOk);
CK_RV seedRandom(CK_SESSION_HANDLE h, bool pointersOk);
CK_RV notParallel(CK_SESSION_HANDLE h);
// Continuation functions of those operations: argument checks, then CKR_OPERATION_NOT_INITIALIZED.
CK_RV refuseContinue(CK_SESSION_HANDLE h);

}  // namespace mynacard::p11
