// Fault and concurrency scenarios against the shipped PKCS#11 module (dlopen) and the simulator
// behind a private pcscd, run by tests/faults/run_fault.sh inside scripts/with-sim with the
// simulator's control socket (cardsim/sim_control.h). Usage: fault_p11 MODULE.so SCENARIO [ARGS].
// Exit status 0 = every check passed. alarm() turns a hang into a failure (SIGALRM kills us).
#include <sys/wait.h>

#include <atomic>
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
    check(control("remove-on B0 2").rfind("ok", 0) == 0, "arm: remove at the 2nd READ BINARY");
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
    else {
        std::fprintf(stderr, "unknown scenario %s\n", s.c_str());
        return 2;
    }
    check(f->C_Finalize(nullptr) == CKR_OK, "C_Finalize");
    std::printf("%d failure(s)\n", failures);
    return failures ? 1 : 0;
}
