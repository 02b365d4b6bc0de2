// Life cycle: C_Initialize (argument forms, fork detection), C_Finalize, C_GetInfo.
#include "pkcs11/module.h"

#include <unistd.h>

#include <cstdlib>
#include <string>
#include <vector>

#include "apdu/errors.h"
#include "pkcs11/log.h"

namespace mynacard::p11 {
namespace {

std::mutex gMutex;  // guards gState and the hooks only (constant-initialised)
std::shared_ptr<State> gState;
// Function-local: module_entry.cpp registers production hooks from a static initialiser, which
// may run before this file's globals would be constructed.
Hooks& hooks() {
    static Hooks h;
    return h;
}

// A forked child must not touch the parent's PC/SC context (pcsc-lite contexts are per process)
// and must not release it either (that would close the parent's connection): the state is
// leaked on purpose, and the child must call C_Initialize again (issue 5).
void abandonIfForked() {
    if (gState && gState->pid != getpid()) {
        new std::shared_ptr<State>(std::move(gState));  // intentionally never freed
        gState.reset();
    }
}

// Issue 13 defect 2: C_Finalize, and process exit with the module still initialised (NSS and
// others exit without C_Finalize), must not leave a key unlocked for every other process on the
// machine. Logs out every card a token of ours is logged in to (never throws). At exit other
// threads may still hold a card: `atExit` only takes a card lock that is free.
void logOutCards(State& s, bool atExit) {
    std::vector<std::shared_ptr<Card>> cards;
    {
        std::unique_lock<std::mutex> lock(s.mutex, std::defer_lock);
        if (atExit) {
            if (!lock.try_lock()) return;
        } else {
            lock.lock();
        }
        for (auto& pair : s.pairs)
            if (pair.card && (pair.card->loggedIn[0] || pair.card->loggedIn[1]))
                cards.push_back(pair.card);
    }
    for (auto& card : cards) {
        std::unique_lock<std::mutex> lock(card->mutex, std::try_to_lock);
        if (!lock.owns_lock()) {
            if (atExit) continue;
            lock.lock();
        }
        if (card->gone) continue;
        const bool signatureUnlocked = card->loggedIn[static_cast<int>(TokenKind::Sign)];
        card->loggedIn[0] = false;
        card->loggedIn[1] = false;
        try {
            // The logout policy (logoutCard): the auth login stays for another connected client.
            if (!signatureUnlocked && othersConnected(s, *card)) {
                P11_LOG("reader '" + card->reader + "': auth login left for another application");
                continue;
            }
            card->access->beginTransaction();
            card->access->logout();
            card->access->endTransaction();
            P11_LOG("reader '" + card->reader + "': logged out" + (atExit ? " at exit" : ""));
        } catch (...) {
            // A card or pcscd that is gone is logged out already.
        }
    }
}

// Runs when the process exits (or the module is unloaded) while still initialised. Registered
// with atexit() at the first successful C_Login, after everything the logout uses was
// constructed (the applet AIDs are static locals built at identification): handlers and static
// destructors run in reverse order, so those are still alive here. (A static object's
// destructor ran after them: ASan found the logout reading freed AIDs when pkcs11-tool
// --change-pin exits without C_Finalize.) In a dlopen'ed module glibc runs it at dlclose too.
void logoutAtExit() {
    std::shared_ptr<State> state;
    {
        std::unique_lock<std::mutex> lock(gMutex, std::try_to_lock);
        if (!lock.owns_lock() || !gState || gState->pid != getpid()) return;
        state = gState;
    }
    logOutCards(*state, true);
}

}  // namespace

void registerLogoutAtExit() {
    static const bool registered = std::atexit(logoutAtExit) == 0;
    (void)registered;
}

void setHooks(Hooks newHooks) {
    std::lock_guard<std::mutex> lock(gMutex);
    hooks() = std::move(newHooks);
}

std::shared_ptr<State> current() {
    std::lock_guard<std::mutex> lock(gMutex);
    abandonIfForked();
    if (!gState) fail(CKR_CRYPTOKI_NOT_INITIALIZED);
    return gState;
}

CK_RV initialize(CK_VOID_PTR argsPtr) {
    std::lock_guard<std::mutex> lock(gMutex);
    abandonIfForked();
    if (gState) return CKR_CRYPTOKI_ALREADY_INITIALIZED;
    if (argsPtr) {
        auto* args = static_cast<CK_C_INITIALIZE_ARGS*>(argsPtr);
        if (args->pReserved) return CKR_ARGUMENTS_BAD;
        int given = (args->CreateMutex != nullptr) + (args->DestroyMutex != nullptr) +
                    (args->LockMutex != nullptr) + (args->UnlockMutex != nullptr);
        if (given != 0 && given != 4) return CKR_ARGUMENTS_BAD;
        // We lock with std::mutex (OS primitives) and create no threads, so
        // CKF_LIBRARY_CANT_CREATE_OS_THREADS needs nothing. Callbacks with CKF_OS_LOCKING_OK (NSS's
        // form) may be ignored; callbacks without it would oblige us to use them (v2.40 §5.4).
        if (given == 4 && !(args->flags & CKF_OS_LOCKING_OK)) return CKR_CANT_LOCK;
    }
    log::configure();
    if (!hooks().makeProvider || !hooks().makeCard) {
        P11_LOG("C_Initialize: no reader provider registered");
        return CKR_GENERAL_ERROR;
    }
    auto state = std::make_shared<State>();
    state->pid = getpid();
    state->makeCard = hooks().makeCard;
    state->signatureToken = hooks().signatureToken;
    const char* finalTry = std::getenv("MYNACARD_PKCS11_ALLOW_FINAL_TRY");
    state->allowFinalTry = finalTry && std::string(finalTry) == "1";
    state->provider = hooks().makeProvider();
    if (!state->provider) return CKR_GENERAL_ERROR;
    {
        std::lock_guard<std::mutex> stateLock(state->mutex);
        try {
            // The card state present now produces no slot event (issue 5).
            refreshSlots(*state, true);
        } catch (const TransportError& e) {
            P11_LOG("C_Initialize: readers unavailable: " + e.what());
        }
    }
    gState = std::move(state);
    P11_LOG("C_Initialize: ok");
    return CKR_OK;
}

CK_RV finalize(CK_VOID_PTR reserved) {
    if (reserved) {
        current();  // not initialized wins over bad arguments (fixed validation order)
        return CKR_ARGUMENTS_BAD;
    }
    std::shared_ptr<State> state;
    {
        std::lock_guard<std::mutex> lock(gMutex);
        abandonIfForked();
        if (!gState) return CKR_CRYPTOKI_NOT_INITIALIZED;
        state = std::move(gState);
        gState.reset();
    }
    // A thread blocked in C_WaitForSlotEvent wakes up and returns CKR_CRYPTOKI_NOT_INITIALIZED
    // (NSS finalizes from another thread when Firefox exits). Calls still running keep the old
    // state alive through their shared_ptr; it is destroyed when the last one returns.
    state->finalized = true;
    state->provider->cancel();
    logOutCards(*state, false);
    {
        std::lock_guard<std::mutex> stateLock(state->mutex);
        state->sessions.clear();
        for (auto& pair : state->pairs) pair.card.reset();
    }
    P11_LOG("C_Finalize");
    return CKR_OK;
}

CK_RV getInfo(CK_INFO_PTR info) {
    auto s = current();
    if (!info) return CKR_ARGUMENTS_BAD;
    *info = CK_INFO{};
    info->cryptokiVersion = {2, 40};
    padText(info->manufacturerID, sizeof info->manufacturerID, "mynacard project");
    info->flags = 0;
    // 32 characters at most. Tells the two shipped modules apart in `p11-kit list-modules` and
    // `pkcs11-tool -I`.
    padText(info->libraryDescription, sizeof info->libraryDescription,
            s->signatureToken ? "My Number Card JPKI PKCS#11" : "My Number Card JPKI Auth-only");
    info->libraryVersion = {0, 1};
    return CKR_OK;
}

}  // namespace mynacard::p11
