// Fault and concurrency scenarios against the shipped PKCS#11 module (dlopen) and the simulator
// behind a private pcscd, run by tests/faults/run_fault.sh inside scripts/with-sim with the
// simulator's control socket (cardsim/sim_control.h). Usage: fault_p11 MODULE.so SCENARIO [ARGS].
// Exit status 0 = every check passed. alarm() turns a hang into a failure (SIGALRM kills us).
#include <sys/wait.h>
#include <time.h>

#include <atomic>
#include <cstring>
#include <functional>
#include <mutex>

#include "fault_util.h"

using namespace faults;

namespace {

// The simulator's defaults, unless the run changed them (FAULT_AUTH_PIN / FAULT_SIGN_PIN with a
// state file holding the same values: the secrets test uses values that occur nowhere else).
std::string envOr(const char* name, const char* fallback) {
    const char* v = std::getenv(name);
    return v ? v : fallback;
}
const std::string kAuthPin = envOr("FAULT_AUTH_PIN", "1234"), kSignPin = envOr("FAULT_SIGN_PIN", "ABC123");
CK_FUNCTION_LIST_PTR f = nullptr;

struct Token {
    CK_SLOT_ID slot = 0;
    std::string pin;
    const char* triesKey;  // in the simulator's `status`
};

Token token(bool sign) {
    auto slots = tokenSlots(f);
    if (slots.size() < 2) return {};
    return sign ? Token{slots[1], kSignPin, "sign-tries"} : Token{slots[0], kAuthPin, "auth-tries"};
}

long tries(const Token& t) {
    auto s = simStatus();
    return s.count(t.triesKey) ? s[t.triesKey] : -100;
}

CK_SESSION_HANDLE open(const Token& t) {
    CK_SESSION_HANDLE h = CK_INVALID_HANDLE;
    f->C_OpenSession(t.slot, CKF_SERIAL_SESSION, nullptr, nullptr, &h);
    return h;
}

// Login + certificate + one verified signature in a fresh session: "the token works".
bool works(const Token& t, const std::string& what) {
    CK_SESSION_HANDLE h = open(t);
    CK_RV rv = login(f, h, t.pin);
    if (rv == CKR_USER_ALREADY_LOGGED_IN) rv = CKR_OK;
    Bytes der, sig, msg{'o', 'k'};
    if (rv == CKR_OK) rv = readCert(f, h, der);
    if (rv == CKR_OK) rv = signOnce(f, h, findOne(f, h, CKO_PRIVATE_KEY), msg, sig);
    const bool ok = rv == CKR_OK && verifySignature(der, msg, sig);
    check(ok, what + " (" + rvName(rv) + ")");
    f->C_CloseSession(h);
    return ok;
}

// Pulls the card out, waits until the module sees it gone, re-inserts, waits for both tokens.
bool cycleCard() {
    const bool out = waitNoToken(f);
    check(control("insert").rfind("ok", 0) == 0, "control: insert");
    return out && tokenSlots(f).size() == 2;
}

void expectClean(CK_RV rv, const std::string& what) {
    check(cleanFaultError(rv), what + " fails cleanly: " + rvName(rv));
}

// ---- removal during ... -------------------------------------------------------------------

void removeDuringCert() {
    Token t = token(false);
    const long before = tries(t);
    CK_SESSION_HANDLE h = open(t);
    // The module reads a certificate with one extended-length READ BINARY (issue 13): pulled
    // right at it.
    check(control("remove-on B0 1").rfind("ok", 0) == 0, "arm: remove at the certificate's READ BINARY");
    Bytes der;
    expectClean(readCert(f, h, der), "reading the certificate while the card is pulled");
    check(cycleCard(), "card re-inserted and seen again");
    check(tries(t) == before, "auth PIN counter unchanged (" + std::to_string(before) + ")");
    works(t, "auth token works after re-insertion");
}

void removeDuringVerify(bool sign) {
    Token t = token(sign);
    const long before = tries(t);
    CK_SESSION_HANDLE h = open(t);
    check(control("remove-on 20").rfind("ok", 0) == 0, "arm: remove at the PIN VERIFY");
    expectClean(login(f, h, t.pin), "C_Login while the card is pulled");
    check(cycleCard(), "card re-inserted and seen again");
    check(tries(t) == before, std::string(t.triesKey) + " unchanged by the fault (" +
                                  std::to_string(before) + " → " + std::to_string(tries(t)) + ")");
    works(t, "token works after re-insertion");
    check(tries(t) == before, "counter still unchanged after the recovery login");
}

void removeDuringSign(bool multipart) {
    Token t = token(true);
    const long before = tries(t);
    CK_SESSION_HANDLE h = open(t);
    check(login(f, h, t.pin) == CKR_OK, "C_Login");
    CK_OBJECT_HANDLE key = findOne(f, h, CKO_PRIVATE_KEY);
    CK_MECHANISM m{CKM_SHA256_RSA_PKCS, nullptr, 0};
    check(f->C_SignInit(h, &m, key) == CKR_OK, "C_SignInit");
    Bytes part(1000, 'x'), sig(512);
    CK_ULONG len = sig.size();
    CK_RV rv;
    if (multipart) {
        check(f->C_SignUpdate(h, part.data(), part.size()) == CKR_OK, "C_SignUpdate 1");
        // Out of band between two parts: the card is gone before the signature is asked for.
        check(control("remove").rfind("ok", 0) == 0, "control: remove between the parts");
        waitNoToken(f);
        rv = f->C_SignUpdate(h, part.data(), part.size());
        if (rv == CKR_OK) rv = f->C_SignFinal(h, sig.data(), &len);
        expectClean(rv, "multi-part sign with the card pulled between the parts");
        control("insert");
        tokenSlots(f);
    } else {
        check(control("remove-on 2A").rfind("ok", 0) == 0, "arm: remove at the signature");
        rv = f->C_Sign(h, part.data(), part.size(), sig.data(), &len);
        expectClean(rv, "C_Sign while the card is pulled");
        check(cycleCard(), "card re-inserted and seen again");
    }
    check(tries(t) == before, "sign counter unchanged (" + std::to_string(before) + ")");
    // The old session belongs to the removed card: it must not sign any more.
    len = sig.size();
    rv = f->C_SignInit(h, &m, key);
    if (rv == CKR_OK) rv = f->C_Sign(h, part.data(), part.size(), sig.data(), &len);
    check(rv != CKR_OK, "the old session does not sign on the re-inserted card: " + rvName(rv));
    works(t, "signature token works after re-insertion");
}

void multipartRemovedAtFinal() {
    Token t = token(true);
    CK_SESSION_HANDLE h = open(t);
    check(login(f, h, t.pin) == CKR_OK, "C_Login");
    CK_MECHANISM m{CKM_SHA256_RSA_PKCS, nullptr, 0};
    check(f->C_SignInit(h, &m, findOne(f, h, CKO_PRIVATE_KEY)) == CKR_OK, "C_SignInit");
    Bytes part(1000, 'y'), sig(512);
    CK_ULONG len = sig.size();
    check(f->C_SignUpdate(h, part.data(), part.size()) == CKR_OK, "C_SignUpdate");
    check(control("remove-on 2A").rfind("ok", 0) == 0, "arm: remove at the signature");
    expectClean(f->C_SignFinal(h, sig.data(), &len), "C_SignFinal while the card is pulled");
    check(cycleCard(), "card re-inserted and seen again");
    works(t, "signature token works after re-insertion");
}

// ---- resets ---------------------------------------------------------------------------------

// `resetProgram` resets the card through a second PC/SC connection in another process.
void resetBetweenVerifyAndSign(const char* resetProgram) {
    Token t = token(true);
    const long before = tries(t);
    const long sigsBefore = simStatus()["signatures"];
    CK_SESSION_HANDLE h = open(t);
    check(login(f, h, t.pin) == CKR_OK, "C_Login");
    CK_OBJECT_HANDLE key = findOne(f, h, CKO_PRIVATE_KEY);
    if (resetProgram) {
        check(std::system(resetProgram) == 0, std::string("another process resets: ") + resetProgram);
    } else {
        check(control("reset").rfind("ok", 0) == 0, "control: silent reset");
    }
    Bytes msg{'r'}, sig;
    const CK_RV rv = signOnce(f, h, key, msg, sig);
    expectClean(rv, "C_Sign after the reset");
    check(rv != CKR_OK, "no signature without a new VERIFY (the PIN is not replayed)");
    check(simStatus()["signatures"] == sigsBefore, "the card computed no signature");
    check(tries(t) == before, "sign counter unchanged");
    f->C_CloseSession(h);
    works(t, "signature token works after logging in again");
}

void wrongPinControl() {
    Token t = token(false);
    const long before = tries(t);
    CK_SESSION_HANDLE h = open(t);
    check(login(f, h, "9999") == CKR_PIN_INCORRECT, "a wrong PIN gives CKR_PIN_INCORRECT");
    check(tries(t) == before - 1, "exactly one try spent (" + std::to_string(before) + " → " +
                                      std::to_string(tries(t)) + ")");
    check(login(f, h, t.pin) == CKR_OK, "the right PIN");
    check(tries(t) == before, "counter restored by the right PIN");
    f->C_CloseSession(h);
}

// ---- garbage --------------------------------------------------------------------------------

// The card answers garbage from the first APDU of an operation on: the auth certificate (not read
// yet: the module reads certificates on first use), then a login and a signature. Each must fail
// or return only something that checks out: a certificate that parses and equals the one read
// once the card is sane again, a signature that verifies. In bounded time, counter untouched.
void garbage(const std::string& mode) {
    Token t = token(false);
    const long before = tries(t);
    CK_SESSION_HANDLE h = open(t);
    check(control("garbage " + mode).rfind("ok", 0) == 0, "control: garbage " + mode);
    const auto t0 = std::chrono::steady_clock::now();
    Bytes der, sig, msg{'g'};
    const CK_RV rvCert = readCert(f, h, der);
    const CK_RV rvLogin = login(f, h, t.pin);
    CK_RV rvSign = CKR_USER_NOT_LOGGED_IN;
    if (rvLogin == CKR_OK) rvSign = signOnce(f, h, findOne(f, h, CKO_PRIVATE_KEY), msg, sig);
    const double s =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    std::printf("garbage %s: certificate %s, login %s, signature %s, %.3f s\n", mode.c_str(),
                rvName(rvCert).c_str(), rvName(rvLogin).c_str(), rvName(rvSign).c_str(), s);
    check(rvCert != CKR_OK || rvLogin != CKR_OK || rvSign != CKR_OK,
          "garbage " + mode + " does not go unnoticed");
    check(s < 10, "bounded time (" + std::to_string(s) + " s)");
    check(control("garbage off").rfind("ok", 0) == 0, "control: garbage off");
    check(tries(t) == before, "auth counter unchanged (" + std::to_string(before) + " → " +
                                  std::to_string(tries(t)) + ")");
    f->C_CloseSession(h);
    check(control("remove").rfind("ok", 0) == 0, "control: remove");
    check(cycleCard(), "card re-inserted");
    h = open(t);
    Bytes good;
    check(readCert(f, h, good) == CKR_OK, "certificate read once the card answers sanely");
    check(rvCert != CKR_OK || der == good,
          "a certificate returned under garbage is the real one (" + std::to_string(der.size()) +
              " vs " + std::to_string(good.size()) + " bytes)");
    check(rvSign != CKR_OK || verifySignature(good, msg, sig),
          "a signature returned under garbage verifies");
    f->C_CloseSession(h);
    works(t, "auth token works once the card answers sanely");
}

// ---- pcscd stopped / restarted, reader gone (scripts/pcscd-ctl) ------------------------------

// One scripts/pcscd-ctl command on the run's private pcscd (exported by scripts/pcsc-ns).
bool pcscdCtl(const std::string& args) {
    const char* ctl = std::getenv("MYNACARD_PCSCD_CTL");
    if (!ctl) return false;
    return std::system((std::string(ctl) + " " + args).c_str()) == 0;
}

double secondsSince(std::chrono::steady_clock::time_point t0) {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

// The errors an application may get for a session whose token went away with pcscd or its
// reader (PKCS#11 v2.40 §5.1: the token is gone, its sessions are closed).
bool cleanGoneError(CK_RV rv) {
    return rv == CKR_DEVICE_REMOVED || rv == CKR_SESSION_HANDLE_INVALID ||
           rv == CKR_SESSION_CLOSED || rv == CKR_TOKEN_NOT_PRESENT;
}

struct LoggedIn {
    Token t;
    long tries = 0;
    CK_SESSION_HANDLE h = CK_INVALID_HANDLE;
    CK_OBJECT_HANDLE key = CK_INVALID_HANDLE;
};

LoggedIn loginOn(bool sign) {
    LoggedIn l;
    l.t = token(sign);
    l.tries = tries(l.t);
    l.h = open(l.t);
    check(login(f, l.h, l.t.pin) == CKR_OK, std::string("C_Login on the ") + (sign ? "signature" : "auth") + " token");
    l.key = findOne(f, l.h, CKO_PRIVATE_KEY);
    return l;
}

// With the token gone: C_Sign, C_GetSessionInfo and the slot list give clean answers, quickly.
void expectTokensGone(LoggedIn& a, LoggedIn& b, const std::string& why) {
    const auto t0 = std::chrono::steady_clock::now();
    Bytes msg{'k'}, sig;
    const CK_RV rvSign = signOnce(f, b.h, b.key, msg, sig);
    check(cleanGoneError(rvSign), "C_SignInit/C_Sign (" + why + "): " + rvName(rvSign));
    CK_SESSION_INFO info;
    const CK_RV rvInfo = f->C_GetSessionInfo(a.h, &info);
    check(cleanGoneError(rvInfo), "C_GetSessionInfo (" + why + "): " + rvName(rvInfo));
    const CK_RV rvInfo2 = f->C_GetSessionInfo(b.h, &info);
    check(rvInfo2 == CKR_SESSION_HANDLE_INVALID || rvInfo2 == CKR_SESSION_CLOSED,
          "the session is closed afterwards: " + rvName(rvInfo2));
    CK_ULONG n = 99;
    const CK_RV rvList = f->C_GetSlotList(CK_TRUE, nullptr, &n);
    check(rvList == CKR_OK && n == 0, "C_GetSlotList(tokenPresent) (" + why + "): " + rvName(rvList) +
                                          ", " + std::to_string(n) + " token(s)");
    CK_SESSION_HANDLE h = CK_INVALID_HANDLE;
    const CK_RV rvOpen = f->C_OpenSession(b.t.slot, CKF_SERIAL_SESSION, nullptr, nullptr, &h);
    check(rvOpen == CKR_TOKEN_NOT_PRESENT, "C_OpenSession (" + why + "): " + rvName(rvOpen));
    const double s = secondsSince(t0);
    std::printf("%s: C_Sign %s, C_GetSessionInfo %s then %s, C_GetSlotList %s (%lu tokens), "
                "C_OpenSession %s, %.3f s\n",
                why.c_str(), rvName(rvSign).c_str(), rvName(rvInfo).c_str(), rvName(rvInfo2).c_str(),
                rvName(rvList).c_str(), n, rvName(rvOpen).c_str(), s);
    check(s < 10, "bounded time (" + std::to_string(s) + " s)");
}

// Both tokens back in the same process: counters unchanged, a new session logs in and signs
// (verified by OpenSSL), nothing signed with the old sessions.
void expectRecovery(const LoggedIn& a, const LoggedIn& b, long sigsBefore) {
    const auto t0 = std::chrono::steady_clock::now();
    check(tokenSlots(f).size() == 2, "both tokens back in the same process");
    std::printf("tokens back after %.2f s\n", secondsSince(t0));
    check(tries(a.t) == a.tries, "auth counter unchanged (" + std::to_string(a.tries) + " → " +
                                     std::to_string(tries(a.t)) + ")");
    check(tries(b.t) == b.tries, "sign counter unchanged (" + std::to_string(b.tries) + " → " +
                                     std::to_string(tries(b.t)) + ")");
    check(simStatus()["signatures"] == sigsBefore, "the card computed no signature during the fault");
    CK_SESSION_INFO info;
    check(f->C_GetSessionInfo(a.h, &info) == CKR_SESSION_HANDLE_INVALID, "old auth session stays closed");
    works(b.t, "signature token: new session, login, verified signature");
    works(a.t, "auth token: new session, login, verified signature");
    check(tries(a.t) == a.tries && tries(b.t) == b.tries, "counters unchanged after the recovery logins");
}

// A blocking C_WaitForSlotEvent while pcscd is down neither hangs nor spins: it reports the
// insertion once pcscd and the card are back, and burns little CPU meanwhile.
struct SlotEventWatcher {
    std::thread th;
    std::atomic<CK_RV> rv{CKR_GENERAL_ERROR - 1};
    std::atomic<bool> done{false};
    void start() {
        th = std::thread([this] {
            CK_SLOT_ID slot = 0;
            rv = f->C_WaitForSlotEvent(0, &slot, nullptr);
            done = true;
        });
    }
};

double cpuSeconds() {
    timespec ts{};
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

void drainEvents() {
    CK_SLOT_ID slot = 0;
    for (int i = 0; i < 32 && f->C_WaitForSlotEvent(CKF_DONT_BLOCK, &slot, nullptr) == CKR_OK; ++i) {
    }
}

// pcscd is killed (SIGKILL) while both tokens are logged in, then started again.
void pcscdRestart() {
    LoggedIn a = loginOn(false), b = loginOn(true);
    const long sigsBefore = simStatus()["signatures"];
    check(pcscdCtl("stop --kill"), "pcscd killed");
    expectTokensGone(a, b, "pcscd down");
    drainEvents();
    SlotEventWatcher w;
    w.start();
    const double cpu0 = cpuSeconds();
    std::this_thread::sleep_for(std::chrono::milliseconds(1500));
    const double cpu = cpuSeconds() - cpu0;
    check(!w.done, "C_WaitForSlotEvent blocks while pcscd is down (no event, no error)");
    check(cpu < 0.5, "and does not spin: " + std::to_string(cpu) + " s CPU in 1.5 s");
    check(pcscdCtl("start"), "pcscd started again");
    for (int i = 0; i < 150 && !w.done; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(100));
    check(w.done && w.rv == CKR_OK, "C_WaitForSlotEvent reports the token coming back: " + rvName(w.rv));
    if (w.th.joinable()) w.th.join();  // alarm() ends a hang here
    expectRecovery(a, b, sigsBefore);
}

// pcscd is killed while the card computes a signature (simulator --sign-ms makes it last).
void pcscdKilledDuringSign() {
    LoggedIn a = loginOn(false), b = loginOn(true);
    Bytes der;
    check(readCert(f, b.h, der) == CKR_OK, "signature certificate read before the fault");
    const long sigsBefore = simStatus()["signatures"];
    std::atomic<CK_RV> rvSign{CKR_GENERAL_ERROR - 1};
    std::atomic<bool> done{false};
    std::thread signer([&] {
        Bytes msg{'d'}, sig;
        rvSign = signOnce(f, b.h, b.key, msg, sig);
        done = true;
    });
    std::this_thread::sleep_for(std::chrono::milliseconds(500));  // the 80 2A is at the card
    check(!done, "the signature is still being computed when pcscd is killed");
    const auto t0 = std::chrono::steady_clock::now();
    check(pcscdCtl("stop --kill"), "pcscd killed during the signature");
    for (int i = 0; i < 100 && !done; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(100));
    check(done, "C_Sign returned (" + std::to_string(secondsSince(t0)) + " s after the kill)");
    signer.join();
    check(rvSign == CKR_DEVICE_REMOVED, "C_Sign in flight → CKR_DEVICE_REMOVED: " + rvName(rvSign));
    CK_SESSION_INFO info;
    const CK_RV rvInfo = f->C_GetSessionInfo(b.h, &info);
    check(cleanGoneError(rvInfo), "its session afterwards: " + rvName(rvInfo));
    check(pcscdCtl("start"), "pcscd started again");
    // The card may have finished the interrupted signature: nothing more than that one.
    const long sigs = simStatus()["signatures"];
    check(sigs <= sigsBefore + 1, "at most the interrupted signature was computed");
    expectRecovery(a, b, sigs);
}

// The reader disappears while pcscd keeps running (pcscd-ctl remove-reader: pcscd with no reader,
// see scripts/pcscd-ctl for why it is restarted), then comes back.
void readerGone() {
    LoggedIn a = loginOn(false), b = loginOn(true);
    const long sigsBefore = simStatus()["signatures"];
    check(pcscdCtl("remove-reader"), "the reader is gone (pcscd runs with no reader)");
    expectTokensGone(a, b, "reader gone");
    CK_ULONG n = 0;
    check(f->C_GetSlotList(CK_FALSE, nullptr, &n) == CKR_OK && n > 0, "the slots stay (NSS caches them)");
    CK_SLOT_INFO si;
    check(f->C_GetSlotInfo(b.t.slot, &si) == CKR_OK && !(si.flags & CKF_TOKEN_PRESENT),
          "the slot reports no token");
    const std::string desc(reinterpret_cast<const char*>(si.slotDescription), sizeof si.slotDescription);
    const char* reader = std::getenv("MYNACARD_READER");
    check(reader && desc.find(reader) == std::string::npos,
          "the slot no longer names the reader: '" + desc.substr(0, desc.find_last_not_of(' ') + 1) + "'");
    check(pcscdCtl("add-reader"), "the reader is back");
    expectRecovery(a, b, sigsBefore);
}

// ---- concurrency ----------------------------------------------------------------------------

// `threads` threads × `count` signatures in one process, one login, a session per thread.
void threads(int nThreads, int count, bool sign) {
    Token t = token(sign);
    CK_SESSION_HANDLE h0 = open(t);
    check(login(f, h0, t.pin) == CKR_OK, "C_Login");
    Bytes der;
    check(readCert(f, h0, der) == CKR_OK, "certificate");
    std::atomic<int> good{0}, bad{0};
    std::mutex m;
    std::map<std::string, int> errors;
    const auto t0 = std::chrono::steady_clock::now();
    std::vector<std::thread> pool;
    for (int i = 0; i < nThreads; ++i) {
        pool.emplace_back([&, i] {
            CK_SESSION_HANDLE h = open(t);
            CK_OBJECT_HANDLE key = findOne(f, h, CKO_PRIVATE_KEY);
            for (int j = 0; j < count; ++j) {
                Bytes msg{'t', static_cast<unsigned char>(i), static_cast<unsigned char>(j),
                          static_cast<unsigned char>(j >> 8)},
                    sig;
                const CK_RV rv = signOnce(f, h, key, msg, sig);
                if (rv == CKR_OK && verifySignature(der, msg, sig)) {
                    ++good;
                } else {
                    ++bad;
                    std::lock_guard<std::mutex> lock(m);
                    ++errors[rvName(rv)];
                }
            }
            f->C_CloseSession(h);
        });
    }
    for (auto& th : pool) th.join();
    const double s =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    std::printf("threads: %d x %d signatures in %.2f s (%.1f/s), %d verified, %d failed\n",
                nThreads, count, s, nThreads * count / s, good.load(), bad.load());
    for (auto& [e, n] : errors) std::printf("  %s: %d\n", e.c_str(), n);
    check(good == nThreads * count, "every signature verifies against the certificate");
    f->C_CloseSession(h0);
}

// One of two processes: `count` signatures; CKR_USER_NOT_LOGGED_IN (the other process logged the
// card out when it finished) is answered by a new C_Login, never by a silent PIN replay.
void signLoop(int count) {
    Token t = token(true);
    CK_SESSION_HANDLE h = open(t);
    check(login(f, h, t.pin) == CKR_OK, "C_Login");
    Bytes der;
    check(readCert(f, h, der) == CKR_OK, "certificate");
    CK_OBJECT_HANDLE key = findOne(f, h, CKO_PRIVATE_KEY);
    int good = 0, relogins = 0, other = 0;
    // Both processes start signing at the same wall-clock moment (FAULT_START_AT, epoch s).
    if (const char* at = std::getenv("FAULT_START_AT")) {
        const auto start = std::chrono::system_clock::time_point(
            std::chrono::milliseconds(static_cast<long long>(std::atof(at) * 1000)));
        std::this_thread::sleep_until(start);
    }
    const auto wall0 = std::chrono::system_clock::now();
    const auto t0 = std::chrono::steady_clock::now();
    for (int j = 0; j < count; ++j) {
        Bytes msg{'p', static_cast<unsigned char>(getpid()), static_cast<unsigned char>(j),
                  static_cast<unsigned char>(j >> 8)},
            sig;
        CK_RV rv = signOnce(f, h, key, msg, sig);
        if (rv == CKR_USER_NOT_LOGGED_IN && relogins < count) {
            ++relogins;
            rv = login(f, h, t.pin);
            if (rv == CKR_OK) rv = signOnce(f, h, key, msg, sig);
        }
        if (rv == CKR_OK && verifySignature(der, msg, sig))
            ++good;
        else
            ++other, std::printf("  signature %d: %s\n", j, rvName(rv).c_str());
    }
    const double s =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    const auto ms = [](std::chrono::system_clock::time_point tp) {
        return static_cast<long long>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                          tp.time_since_epoch())
                                          .count());
    };
    std::printf("process %d: %d signatures in %.2f s, %d verified, %d re-logins, %d failed\n",
                getpid(), count, s, good, relogins, other);
    std::printf("window %lld %lld\n", ms(wall0), ms(std::chrono::system_clock::now()));
    check(good == count, "every signature of this process verifies");
    f->C_CloseSession(h);
}

// Process A of the shared-card test (tests/faults/shared_card.sh, issue 13): logs in to the auth
// token once, then obeys one command per line on stdin and answers one line on stdout:
//   sign   → "sign RV verified|unverified"   (a signature checked against the certificate)
//   login  → "login RV"
//   quit   → ends (C_Finalize follows in main)
void holdAuth() {
    Token t = token(false);
    CK_SESSION_HANDLE h = open(t);
    check(login(f, h, t.pin) == CKR_OK, "A: C_Login to the auth token");
    Bytes der;
    check(readCert(f, h, der) == CKR_OK, "A: auth certificate");
    const CK_OBJECT_HANDLE key = findOne(f, h, CKO_PRIVATE_KEY);
    std::printf("ready\n");
    std::fflush(stdout);
    char line[64];
    while (std::fgets(line, sizeof line, stdin)) {
        const std::string command(line, std::strcspn(line, "\r\n"));
        if (command == "sign") {
            const Bytes msg{'s', 'h', 'a', 'r', 'e', 'd'};
            Bytes sig;
            const CK_RV rv = signOnce(f, h, key, msg, sig);
            const bool ok = rv == CKR_OK && verifySignature(der, msg, sig);
            std::printf("sign %s %s\n", rvName(rv).c_str(), ok ? "verified" : "unverified");
        } else if (command == "login") {
            std::printf("login %s\n", rvName(login(f, h, t.pin)).c_str());
        } else if (command == "quit") {
            break;
        } else {
            std::printf("unknown %s\n", command.c_str());
        }
        std::fflush(stdout);
    }
    f->C_CloseSession(h);
}

// Both keys once (the secrets test greps the logs of this run).
void loginSign() {
    works(token(false), "auth key: login + verified signature");
    works(token(true), "signature key: login + verified signature");
}

}  // namespace

int main(int argc, char** argv) {
    if (argc < 3) {
        std::fprintf(stderr, "usage: %s MODULE.so SCENARIO [ARGS]\n", argv[0]);
        return 2;
    }
    if (std::string(argv[2]) == "control" && argc == 4) {  // fault_p11 - control "CMD" (scripts)
        const std::string reply = control(argv[3]);
        std::printf("%s\n", reply.c_str());
        return reply.rfind("ok", 0) == 0 ? 0 : 1;
    }
    alarm(static_cast<unsigned>(std::getenv("FAULT_ALARM") ? std::atoi(std::getenv("FAULT_ALARM")) : 120));
    f = loadModule(argv[1]);
    if (!f) return 1;
    const std::string s = argv[2];
    check(tokenSlots(f).size() == 2, "two tokens at start");
    if (s == "remove-cert") removeDuringCert();
    else if (s == "remove-verify") removeDuringVerify(false), removeDuringVerify(true);
    else if (s == "remove-sign") removeDuringSign(false);
    else if (s == "remove-multipart") removeDuringSign(true), multipartRemovedAtFinal();
    else if (s == "reset-other" && argc == 4) resetBetweenVerifyAndSign(argv[3]);
    else if (s == "reset-silent") resetBetweenVerifyAndSign(nullptr);
    else if (s == "wrong-pin") wrongPinControl();
    else if (s == "garbage" && argc == 4) garbage(argv[3]);
    else if (s == "threads" && argc == 5) threads(std::atoi(argv[3]), std::atoi(argv[4]), true);
    else if (s == "sign-loop" && argc == 4) signLoop(std::atoi(argv[3]));
    else if (s == "login-sign") loginSign();
    else if (s == "hold-auth") holdAuth();
    else if (s == "pcscd-restart") pcscdRestart();
    else if (s == "pcscd-kill-sign") pcscdKilledDuringSign();
    else if (s == "reader-gone") readerGone();
    else {
        std::fprintf(stderr, "unknown scenario %s\n", s.c_str());
        return 2;
    }
    check(f->C_Finalize(nullptr) == CKR_OK, "C_Finalize");
    std::printf("%d failure(s)\n", failures);
    return failures ? 1 : 0;
}
