// Issue 13 "one card, many applications": the card has one security state for both JPKI keys,
// shared by every process on the machine. These tests check, on the simulated card in its default
// "SELECT clears the security state" behaviour, that the module leaves the card as the logout
// policy says (pkcs11/README.md) and that what only looks changes nothing. Each defect of the
// issue has a case here that fails without its fix. "Another process" is a second CardSession
// (or raw APDUs) on the same simulated card.
#include <catch2/catch.hpp>

#include <chrono>
#include <cstdlib>
#include <future>
#include <optional>
#include <thread>

#include "apdu/card/card_session.h"
#include "apdu/card/jpki_applet.h"
#include "apdu/command.h"
#include "cardsim/sim_transport.h"
#include "tests/conformance/fixture.h"

using namespace mynacard;
using namespace mynacard::p11test;

namespace {

const apdu::Bytes kMessage{'s', 'h', 'a', 'r', 'e', 'd'};
constexpr std::uint16_t kAuthPinEf = 0x0018, kSignPinEf = 0x001B;

bool unlocked(const Fixture& fx, std::uint16_t keyEf) {
    return fx.card->isVerified(sim::AppletId::Jpki, keyEf);
}

CK_STATE sessionState(Fixture& fx, CK_SESSION_HANDLE h) {
    CK_SESSION_INFO si;
    REQUIRE(fx.f->C_GetSessionInfo(h, &si) == CKR_OK);
    return si.state;
}

CK_RV setPin(Fixture& fx, CK_SESSION_HANDLE h, const std::string& oldPin, const std::string& newPin) {
    return fx.f->C_SetPIN(h, (CK_UTF8CHAR_PTR)oldPin.data(), oldPin.size(),
                          (CK_UTF8CHAR_PTR)newPin.data(), newPin.size());
}

CK_RV loginAs(Fixture& fx, CK_SESSION_HANDLE h, CK_USER_TYPE user, const std::string& pin) {
    return fx.f->C_Login(h, user, (CK_UTF8CHAR_PTR)pin.data(), pin.size());
}

std::size_t verifiesWithData(const Fixture& fx) {
    std::size_t n = 0;
    for (const std::string& line : fx.world->traceLog)
        if (line.rfind("00 20 00 ", 0) == 0 && line.size() > 14 && line[11] == ' ' &&
            line.substr(12, 2) != "->")
            ++n;
    return n;
}

}  // namespace

TEST_CASE("defect 1: C_SetPIN on a token that was not logged in leaves the card logged out",
          "[shared]") {
    Fixture fx;
    CK_SESSION_HANDLE auth = fx.open(0, CKF_SERIAL_SESSION | CKF_RW_SESSION);
    REQUIRE(setPin(fx, auth, "1234", "4321") == CKR_OK);
    CHECK(fx.card->secret(sim::AppletId::Jpki, kAuthPinEf) == std::string("4321"));
    CHECK_FALSE(unlocked(fx, kAuthPinEf));  // a raw 80 2A from anyone would fail
    CHECK(sessionState(fx, auth) == CKS_RW_PUBLIC_SESSION);
    CHECK(fx.f->C_Logout(auth) == CKR_USER_NOT_LOGGED_IN);

    CK_SESSION_HANDLE sign = fx.open(1, CKF_SERIAL_SESSION | CKF_RW_SESSION);
    REQUIRE(setPin(fx, sign, "ABC123", "XYZ789") == CKR_OK);
    CHECK_FALSE(unlocked(fx, kSignPinEf));
    CHECK(fx.f->C_Logout(sign) == CKR_USER_NOT_LOGGED_IN);

    // A token that was logged in stays logged in (VERIFY old + CHANGE keeps the state).
    fx.login(auth, "4321");
    REQUIRE(setPin(fx, auth, "4321", "1234") == CKR_OK);
    CHECK(unlocked(fx, kAuthPinEf));
    CHECK(sessionState(fx, auth) == CKS_RW_USER_FUNCTIONS);
    CHECK(fx.f->C_Logout(auth) == CKR_OK);
    CHECK_FALSE(unlocked(fx, kAuthPinEf));
}

TEST_CASE("defect 2: C_Finalize logs the card out", "[shared]") {
    Fixture fx;
    CK_SESSION_HANDLE auth = fx.open(0);
    fx.login(auth, "1234");
    CHECK(verifyWithCertificate(fx.card->data().authCert, CKM_SHA256_RSA_PKCS, kMessage,
                                fx.sign(auth, CKM_SHA256_RSA_PKCS, kMessage)));
    REQUIRE(unlocked(fx, kAuthPinEf));
    fx.world->trace = true;
    REQUIRE(fx.f->C_Finalize(nullptr) == CKR_OK);
    CHECK_FALSE(unlocked(fx, kAuthPinEf));
    // The logout is a SELECT of another applet, after the last signature.
    REQUIRE_FALSE(fx.world->traceLog.empty());
    CHECK(fx.world->traceLog.back().rfind("00 A4 04 0C", 0) == 0);
    REQUIRE(fx.f->C_Initialize(nullptr) == CKR_OK);  // for the fixture's own C_Finalize

    // The signature key too.
    CK_SESSION_HANDLE sign = fx.open(1);
    fx.login(sign, "ABC123");
    REQUIRE(unlocked(fx, kSignPinEf));
    REQUIRE(fx.f->C_Finalize(nullptr) == CKR_OK);
    CHECK_FALSE(unlocked(fx, kSignPinEf));
    REQUIRE(fx.f->C_Initialize(nullptr) == CKR_OK);
}

TEST_CASE("defect 3: another process's applet switch is not 'no such key'", "[shared]") {
    Fixture fx;
    CK_SESSION_HANDLE auth = fx.open(0);
    fx.login(auth, "1234");
    // Another process selects the 共通AP: our auth login is gone (that is the card).
    REQUIRE(fx.world->foreignApdu(kReader, apdu::cmd::selectAid(apdu::fromHex(
                                               "D3921000310001010100")).encode()) ==
            apdu::Bytes{0x90, 0x00});
    // The signature token stays, and logging in to it works (it looked like "no signature key"
    // and answered CKR_DEVICE_ERROR before).
    CK_SESSION_HANDLE sign = fx.open(1);
    CHECK(loginAs(fx, sign, CKU_USER, "ABC123") == CKR_OK);
    CHECK(verifyWithCertificate(fx.card->data().signCert, CKM_SHA256_RSA_PKCS, kMessage,
                                fx.sign(sign, CKM_SHA256_RSA_PKCS, kMessage)));
    CK_ULONG count = 0;
    REQUIRE(fx.f->C_GetSlotList(CK_TRUE, nullptr, &count) == CKR_OK);
    CHECK(count == 2);
    CHECK(fx.card->triesLeft(sim::AppletId::Jpki, kSignPinEf) == 5);
}

TEST_CASE("defect 4: a failed certificate read after VERIFY leaves token and card logged out",
          "[shared]") {
    Fixture fx;
    CK_SESSION_HANDLE sign = fx.open(1);
    // The signature certificate's SELECT fails once, after the password was accepted.
    bool armed = true;
    fx.world->intercept = [&armed](const apdu::Bytes& command) -> std::optional<apdu::Bytes> {
        if (armed && command == apdu::fromHex("00 A4 02 0C 02 00 01")) {
            armed = false;
            return apdu::Bytes{0x6F, 0x00};
        }
        return std::nullopt;
    };
    CHECK(loginAs(fx, sign, CKU_USER, "ABC123") == CKR_DEVICE_ERROR);
    CHECK_FALSE(unlocked(fx, kSignPinEf));
    CHECK(sessionState(fx, sign) == CKS_RO_PUBLIC_SESSION);
    CHECK(fx.card->triesLeft(sim::AppletId::Jpki, kSignPinEf) == 5);
    // The retry is a plain login (it was CKR_USER_ALREADY_LOGGED_IN).
    CHECK(loginAs(fx, sign, CKU_USER, "ABC123") == CKR_OK);
    CHECK(verifyWithCertificate(fx.card->data().signCert, CKM_SHA256_RSA_PKCS, kMessage,
                                fx.sign(sign, CKM_SHA256_RSA_PKCS, kMessage)));
    fx.world->intercept = nullptr;
}

TEST_CASE("defect 5: CKU_CONTEXT_SPECIFIC verifies the PIN it is given", "[shared]") {
    Fixture fx;
    CK_SESSION_HANDLE auth = fx.open(0);
    fx.login(auth, "1234");
    CK_MECHANISM m{CKM_SHA256_RSA_PKCS, nullptr, 0};
    REQUIRE(fx.f->C_SignInit(auth, &m, fx.privateKey(auth)) == CKR_OK);
    // A wrong PIN is not accepted (it answered CKR_OK for any PIN), and it cost a try, like any
    // wrong VERIFY; the card dropped the key's state with it.
    CHECK(loginAs(fx, auth, CKU_CONTEXT_SPECIFIC, "9999") == CKR_PIN_INCORRECT);
    CHECK(fx.card->triesLeft(sim::AppletId::Jpki, kAuthPinEf) == 2);
    CHECK(sessionState(fx, auth) == CKS_RO_PUBLIC_SESSION);
    // A malformed one never reaches the card.
    CHECK(loginAs(fx, auth, CKU_CONTEXT_SPECIFIC, "99999") == CKR_PIN_LEN_RANGE);
    CHECK(fx.card->triesLeft(sim::AppletId::Jpki, kAuthPinEf) == 2);
    // The right one logs in again and the operation goes on.
    CHECK(loginAs(fx, auth, CKU_CONTEXT_SPECIFIC, "1234") == CKR_OK);
    CHECK(fx.card->triesLeft(sim::AppletId::Jpki, kAuthPinEf) == 3);
    apdu::Bytes sig(256);
    CK_ULONG len = sig.size();
    REQUIRE(fx.f->C_Sign(auth, (CK_BYTE_PTR)kMessage.data(), kMessage.size(), sig.data(), &len) ==
            CKR_OK);
    sig.resize(len);
    CHECK(verifyWithCertificate(fx.card->data().authCert, CKM_SHA256_RSA_PKCS, kMessage, sig));
}

TEST_CASE("look without touching: another process identifying the card keeps our login",
          "[shared]") {
    Fixture fx;
    CK_SESSION_HANDLE auth = fx.open(0);
    fx.login(auth, "1234");
    fx.sign(auth, CKM_SHA256_RSA_PKCS, kMessage);
    fx.world->trace = true;
    // Another process identifies the card and reads the public certificates, as `pkcs11-tool
    // -L` / `-O` would: the JPKI applet answers, so nothing is selected by AID.
    {
        sim::SimTransport other(*fx.card);
        card::CardSession session(other);
        REQUIRE(session.identify().kind == card::CardKind::MyNumberCard);
        card::JpkiApplet jpki(session);
        CHECK(jpki.pinStatus(card::JpkiKey::Sign).triesLeft == 5);
        CHECK_FALSE(jpki.certificate(card::JpkiCertificate::Auth).empty());
        CHECK_FALSE(jpki.certificate(card::JpkiCertificate::AuthCa).empty());
    }
    CHECK(unlocked(fx, kAuthPinEf));
    const std::size_t verifies = verifiesWithData(fx);
    CHECK(verifyWithCertificate(fx.card->data().authCert, CKM_SHA256_RSA_PKCS, kMessage,
                                fx.sign(auth, CKM_SHA256_RSA_PKCS, kMessage)));
    CHECK(verifiesWithData(fx) == verifies);  // no second VERIFY from us
    CHECK(verifies == 0);
}

TEST_CASE("identification selects no applet when the JPKI applet already answers", "[shared]") {
    Fixture fx(true, false);
    // Another process has the JPKI applet selected and the auth key unlocked.
    {
        sim::SimTransport other(*fx.card);
        card::CardSession session(other);
        card::JpkiApplet(session).verify(card::makeCredential(card::Secret::JpkiAuthPin, "1234"));
    }
    REQUIRE(unlocked(fx, kAuthPinEf));
    fx.world->trace = true;
    REQUIRE(fx.f->C_Initialize(nullptr) == CKR_OK);
    CK_ULONG count = 0;
    REQUIRE(fx.f->C_GetSlotList(CK_TRUE, nullptr, &count) == CKR_OK);
    CHECK(count == 2);
    CK_SESSION_HANDLE auth = fx.open(0);
    fx.findClass(auth, CKO_CERTIFICATE);
    fx.userCertificate(auth);
    REQUIRE(fx.f->C_CloseSession(auth) == CKR_OK);
    for (const std::string& line : fx.world->traceLog) CHECK(line.rfind("00 A4 04", 0) != 0);
    CHECK(unlocked(fx, kAuthPinEf));
}

TEST_CASE("defect 6: identification waiting for another process's transaction blocks no other call",
          "[shared]") {
    Fixture fx(true, false);
    fx.world->holdForeignTransaction(true);
    REQUIRE(fx.f->C_Initialize(nullptr) == CKR_OK);
    // This thread identifies the card: it waits in SCardBeginTransaction.
    auto identifying = std::async(std::launch::async, [&] {
        CK_ULONG n = 0;
        return fx.f->C_GetSlotList(CK_TRUE, nullptr, &n);
    });
    for (int i = 0; i < 200; ++i) {
        {
            std::lock_guard<std::mutex> lock(fx.world->mutex);
            if (fx.world->waitingTransactions > 0) break;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    {
        std::lock_guard<std::mutex> lock(fx.world->mutex);
        REQUIRE(fx.world->waitingTransactions > 0);
    }
    // Meanwhile the other threads of this process go on: they need no card.
    auto others = std::async(std::launch::async, [&] {
        CK_ULONG n = 0;
        CK_INFO info;
        CK_SLOT_INFO slotInfo;
        CK_RV rv = fx.f->C_GetSlotList(CK_FALSE, nullptr, &n);
        if (rv == CKR_OK) rv = fx.f->C_GetInfo(&info);
        if (rv == CKR_OK) rv = fx.f->C_GetSlotInfo(2, &slotInfo);  // a spare slot
        return rv;
    });
    const bool othersDone = others.wait_for(std::chrono::seconds(3)) == std::future_status::ready;
    CHECK(othersDone);
    // And C_Finalize does not wait for it either.
    auto finalizing = std::async(std::launch::async, [&] { return fx.f->C_Finalize(nullptr); });
    const bool finalized = finalizing.wait_for(std::chrono::seconds(3)) == std::future_status::ready;
    CHECK(finalized);
    fx.world->holdForeignTransaction(false);
    CHECK(others.get() == CKR_OK);
    CHECK(finalizing.get() == CKR_OK);
    const CK_RV rv = identifying.get();
    CHECK((rv == CKR_OK || rv == CKR_CRYPTOKI_NOT_INITIALIZED));
    REQUIRE(fx.f->C_Initialize(nullptr) == CKR_OK);  // for the fixture's C_Finalize
    CK_ULONG n = 0;
    REQUIRE(fx.f->C_GetSlotList(CK_TRUE, nullptr, &n) == CKR_OK);
    CHECK(n == 2);
}

TEST_CASE("logout policy: the auth login stays while another client is connected", "[shared]") {
    Fixture fx;
    fx.world->otherClients = 1;  // another process holds a connection to the card
    CK_SESSION_HANDLE auth = fx.open(0);
    fx.login(auth, "1234");
    REQUIRE(fx.f->C_Logout(auth) == CKR_OK);
    CHECK(unlocked(fx, kAuthPinEf));                          // left for the other process
    CHECK(sessionState(fx, auth) == CKS_RO_PUBLIC_SESSION);  // ours is logged out
    CHECK(fx.f->C_Logout(auth) == CKR_USER_NOT_LOGGED_IN);
    // Alone on the card: logged out for real.
    fx.world->otherClients = 0;
    fx.login(auth, "1234");
    REQUIRE(fx.f->C_CloseSession(auth) == CKR_OK);  // the last session: C_Logout implied
    CHECK_FALSE(unlocked(fx, kAuthPinEf));
}

TEST_CASE("logout policy: the signature password is logged out even with others connected",
          "[shared]") {
    Fixture fx;
    fx.world->otherClients = 1;
    CK_SESSION_HANDLE auth = fx.open(0), sign = fx.open(1);
    fx.login(auth, "1234");
    fx.login(sign, "ABC123");
    REQUIRE(fx.f->C_CloseSession(sign) == CKR_OK);
    CHECK_FALSE(unlocked(fx, kSignPinEf));
    CHECK_FALSE(unlocked(fx, kAuthPinEf));  // the card has one state: the auth login went too
    CHECK(sessionState(fx, auth) == CKS_RO_PUBLIC_SESSION);
}

TEST_CASE("a process that only looks holds no PC/SC handle between calls", "[shared]") {
    Fixture fx;
    auto handles = [&] {
        std::lock_guard<std::mutex> lock(fx.world->mutex);
        return fx.world->handles[kReader];
    };
    CK_ULONG n = 0;
    REQUIRE(fx.f->C_GetSlotList(CK_TRUE, nullptr, &n) == CKR_OK);
    CHECK(handles() == 0);
    CK_SESSION_HANDLE auth = fx.open(0);
    fx.userCertificate(auth);
    CK_TOKEN_INFO ti;
    REQUIRE(fx.f->C_GetTokenInfo(0, &ti) == CKR_OK);
    CHECK(handles() == 0);
    // Logged in: the handle stays (a reset must not go unnoticed while the key is unlocked).
    fx.login(auth, "1234");
    CHECK(handles() == 1);
    fx.sign(auth, CKM_SHA256_RSA_PKCS, kMessage);
    CHECK(handles() == 1);
    REQUIRE(fx.f->C_Logout(auth) == CKR_OK);
    CHECK(handles() == 0);
}

TEST_CASE("C_Logout of the auth token keeps our signature login; the signature logout ends both",
          "[shared]") {
    Fixture fx;
    CK_SESSION_HANDLE auth = fx.open(0), sign = fx.open(1);
    fx.login(auth, "1234");
    fx.login(sign, "ABC123");
    REQUIRE(fx.f->C_Logout(auth) == CKR_OK);
    CHECK(sessionState(fx, auth) == CKS_RO_PUBLIC_SESSION);
    CHECK(sessionState(fx, sign) == CKS_RO_USER_FUNCTIONS);  // still ours, still unlocked
    CHECK(unlocked(fx, kSignPinEf));
    CHECK(verifyWithCertificate(fx.card->data().signCert, CKM_SHA256_RSA_PKCS, kMessage,
                                fx.sign(sign, CKM_SHA256_RSA_PKCS, kMessage)));
    // C_Finalize must not leave the signature key unlocked.
    REQUIRE(fx.f->C_Finalize(nullptr) == CKR_OK);
    CHECK_FALSE(unlocked(fx, kSignPinEf));
    REQUIRE(fx.f->C_Initialize(nullptr) == CKR_OK);
}
