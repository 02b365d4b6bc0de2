// Login state, PIN rules and counters, signing with both tokens (verified with OpenSSL against the
// certificate object's CKA_VALUE), length queries, economy (issue 5 acceptance).
#include <thread>

#include "apdu/command.h"
#include "cardsim/applet.h"
#include "tests/conformance/fixture.h"

using namespace mynacard;
using namespace mynacard::p11test;

namespace {
const apdu::Bytes kMessage{'h', 'e', 'l', 'l', 'o', ' ', 'j', 'p', 'k', 'i'};

CK_FLAGS tokenFlags(Fixture& fx, CK_SLOT_ID slot) {
    CK_TOKEN_INFO ti;
    REQUIRE(fx.f->C_GetTokenInfo(slot, &ti) == CKR_OK);
    return ti.flags;
}

CK_RV tryLogin(Fixture& fx, CK_SESSION_HANDLE h, const std::string& pin) {
    return fx.f->C_Login(h, CKU_USER, (CK_UTF8CHAR_PTR)pin.data(), pin.size());
}
}  // namespace

TEST_CASE("login + one signature with the auth key: <= 10 + R APDUs, verifies", "[sign][economy]") {
    Fixture fx;
    fx.world->trace = true;
    std::size_t before = fx.apdus();
    CK_ULONG n = 0;
    REQUIRE(fx.f->C_GetSlotList(CK_TRUE, nullptr, &n) == CKR_OK);
    CK_TOKEN_INFO ti;
    REQUIRE(fx.f->C_GetTokenInfo(0, &ti) == CKR_OK);
    CK_SESSION_HANDLE h = fx.open(0);
    fx.login(h, "1234");
    CK_MECHANISM m{CKM_SHA256_RSA_PKCS, nullptr, 0};
    REQUIRE(fx.f->C_SignInit(h, &m, fx.privateKey(h)) == CKR_OK);
    apdu::Bytes sig(256);
    CK_ULONG len = sig.size();
    REQUIRE(fx.f->C_Sign(h, (CK_BYTE_PTR)kMessage.data(), kMessage.size(), sig.data(), &len) == CKR_OK);
    std::size_t used = fx.apdus() - before;
    INFO("APDUs: " << used);
    std::string trace;
    for (auto& line : fx.world->traceLog) trace += line + "\n";
    INFO(trace);
    CHECK(used <= 10 + readCost(fx.card->data().authCert));
    CHECK(verifyWithCertificate(fx.card->data().authCert, CKM_SHA256_RSA_PKCS, kMessage, sig));
    // 1–2 APDUs per further signature in a logged-in session.
    std::size_t mid = fx.apdus();
    apdu::Bytes sig2 = fx.sign(h, CKM_SHA256_RSA_PKCS, kMessage);
    CHECK(fx.apdus() - mid <= 2);
    CHECK(sig2 == sig);  // PKCS#1 v1.5 is deterministic
    apdu::Bytes wrong = kMessage;
    wrong[0] ^= 1;
    CHECK_FALSE(verifyWithCertificate(fx.card->data().authCert, CKM_SHA256_RSA_PKCS, wrong, sig));
}

TEST_CASE("login + one signature with the signature key: <= 10 + R APDUs", "[sign][economy]") {
    Fixture fx;
    std::size_t before = fx.apdus();
    CK_ULONG n = 0;
    REQUIRE(fx.f->C_GetSlotList(CK_TRUE, nullptr, &n) == CKR_OK);
    CK_TOKEN_INFO ti;
    REQUIRE(fx.f->C_GetTokenInfo(1, &ti) == CKR_OK);
    CK_SESSION_HANDLE h = fx.open(1);
    fx.login(h, "ABC123");
    apdu::Bytes sig = fx.sign(h, CKM_SHA256_RSA_PKCS, kMessage);
    std::size_t used = fx.apdus() - before;
    INFO("APDUs: " << used);
    CHECK(used <= 10 + readCost(fx.card->data().signCert));
    apdu::Bytes cert = fx.userCertificate(h);
    CHECK(verifyWithCertificate(cert, CKM_SHA256_RSA_PKCS, kMessage, sig));
    CHECK(fx.card->signatureCount() == 1);
}

TEST_CASE("every hash mechanism and raw CKM_RSA_PKCS sign correctly", "[sign]") {
    Fixture fx;
    CK_SESSION_HANDLE h = fx.open(0);
    fx.login(h, "1234");
    apdu::Bytes cert = fx.userCertificate(h);
    for (auto mech : {CKM_SHA1_RSA_PKCS, CKM_SHA224_RSA_PKCS, CKM_SHA256_RSA_PKCS,
                      CKM_SHA384_RSA_PKCS, CKM_SHA512_RSA_PKCS}) {
        INFO("mechanism " << mech);
        CHECK(verifyWithCertificate(cert, mech, kMessage, fx.sign(h, mech, kMessage)));
    }
    // A DigestInfo through CKM_RSA_PKCS, and raw input up to 245 bytes.
    apdu::Bytes digestInfo = apdu::fromHex("3031300D060960864801650304020105000420");
    digestInfo.insert(digestInfo.end(), 32, 0x5A);
    CHECK(verifyWithCertificate(cert, CKM_RSA_PKCS, digestInfo, fx.sign(h, CKM_RSA_PKCS, digestInfo)));
    apdu::Bytes raw(245, 0x42);
    CHECK(verifyWithCertificate(cert, CKM_RSA_PKCS, raw, fx.sign(h, CKM_RSA_PKCS, raw)));
    CK_MECHANISM m{CKM_RSA_PKCS, nullptr, 0};
    REQUIRE(fx.f->C_SignInit(h, &m, fx.privateKey(h)) == CKR_OK);
    apdu::Bytes big(246, 0x42), sig(256);
    CK_ULONG len = sig.size();
    CHECK(fx.f->C_Sign(h, big.data(), big.size(), sig.data(), &len) == CKR_DATA_LEN_RANGE);
    CHECK(fx.f->C_Sign(h, raw.data(), raw.size(), sig.data(), &len) == CKR_OPERATION_NOT_INITIALIZED);
}

TEST_CASE("length queries and CKR_BUFFER_TOO_SMALL keep the operation; multi-part", "[sign]") {
    Fixture fx;
    CK_SESSION_HANDLE h = fx.open(0);
    fx.login(h, "1234");
    apdu::Bytes cert = fx.userCertificate(h);
    CK_MECHANISM m{CKM_SHA384_RSA_PKCS, nullptr, 0};
    REQUIRE(fx.f->C_SignInit(h, &m, fx.privateKey(h)) == CKR_OK);
    CHECK(fx.f->C_SignInit(h, &m, fx.privateKey(h)) == CKR_OPERATION_ACTIVE);
    REQUIRE(fx.f->C_SignUpdate(h, (CK_BYTE_PTR)kMessage.data(), 3) == CKR_OK);
    REQUIRE(fx.f->C_SignUpdate(h, (CK_BYTE_PTR)kMessage.data() + 3, kMessage.size() - 3) == CKR_OK);
    CK_ULONG len = 0;
    std::size_t before = fx.card->signatureCount();
    REQUIRE(fx.f->C_SignFinal(h, nullptr, &len) == CKR_OK);
    CHECK(len == 256);
    apdu::Bytes sig(len);
    CK_ULONG small = 10;
    CHECK(fx.f->C_SignFinal(h, sig.data(), &small) == CKR_BUFFER_TOO_SMALL);
    CHECK(small == 256);
    CHECK(fx.card->signatureCount() == before);  // queries never reach the card
    REQUIRE(fx.f->C_SignFinal(h, sig.data(), &len) == CKR_OK);
    CHECK(verifyWithCertificate(cert, CKM_SHA384_RSA_PKCS, kMessage, sig));
    CHECK(fx.f->C_SignFinal(h, sig.data(), &len) == CKR_OPERATION_NOT_INITIALIZED);
}

TEST_CASE("sign init rules: key handles, mechanisms, parameters", "[sign]") {
    Fixture fx;
    CK_SESSION_HANDLE h = fx.open(0);
    CK_MECHANISM m{CKM_SHA256_RSA_PKCS, nullptr, 0};
    // Before login the private key is not visible at all.
    CHECK(fx.f->C_SignInit(h, &m, 0x13) == CKR_KEY_HANDLE_INVALID);
    fx.login(h, "1234");
    CK_OBJECT_HANDLE key = fx.privateKey(h);
    CK_MECHANISM pss{CKM_RSA_PKCS_PSS, nullptr, 0};
    CHECK(fx.f->C_SignInit(h, &pss, key) == CKR_MECHANISM_INVALID);
    CK_BYTE param = 0;
    CK_MECHANISM withParam{CKM_SHA256_RSA_PKCS, &param, 1};
    CHECK(fx.f->C_SignInit(h, &withParam, key) == CKR_MECHANISM_PARAM_INVALID);
    auto pubs = fx.findClass(h, CKO_PUBLIC_KEY);
    REQUIRE(pubs.size() == 1);
    CHECK(fx.f->C_SignInit(h, &m, pubs[0]) == CKR_KEY_FUNCTION_NOT_PERMITTED);
    CHECK(fx.f->C_SignInit(h, nullptr, key) == CKR_ARGUMENTS_BAD);
    CK_MECHANISM dec{CKM_RSA_PKCS, nullptr, 0};
    CHECK(fx.f->C_DecryptInit(h, &dec, key) == CKR_KEY_FUNCTION_NOT_PERMITTED);
}

TEST_CASE("PIN rules: malformed PINs never reach the card", "[login]") {
    Fixture fx;
    CK_SESSION_HANDLE a = fx.open(0), s = fx.open(1);
    std::size_t before = fx.apdus();
    CHECK(tryLogin(fx, a, "123") == CKR_PIN_LEN_RANGE);
    CHECK(tryLogin(fx, a, "12345") == CKR_PIN_LEN_RANGE);
    CHECK(tryLogin(fx, a, "12a4") == CKR_PIN_INCORRECT);
    CHECK(tryLogin(fx, s, "ABC12") == CKR_PIN_LEN_RANGE);
    CHECK(tryLogin(fx, s, "ABCDEFGHIJKLMNOPQ") == CKR_PIN_LEN_RANGE);
    CHECK(tryLogin(fx, s, "ABCDEF") == CKR_PIN_INCORRECT);  // no digit
    CHECK(tryLogin(fx, s, "ABC-123") == CKR_PIN_INCORRECT);
    CHECK(fx.apdus() == before);
    CHECK(fx.card->triesLeft(sim::AppletId::Jpki, 0x0018) == 3);
    CHECK(fx.card->triesLeft(sim::AppletId::Jpki, 0x001B) == 5);
    CHECK(fx.f->C_Login(a, CKU_USER, nullptr, 0) == CKR_ARGUMENTS_BAD);
    CHECK(fx.f->C_Login(a, CKU_SO, (CK_UTF8CHAR_PTR) "1234", 4) == CKR_USER_TYPE_INVALID);
}

TEST_CASE("counter flags after wrong PINs; a good PIN resets them", "[login]") {
    Fixture fx;
    CK_SESSION_HANDLE h = fx.open(0);
    CHECK_FALSE((tokenFlags(fx, 0) & CKF_USER_PIN_COUNT_LOW));
    CHECK(tryLogin(fx, h, "9999") == CKR_PIN_INCORRECT);
    CK_FLAGS f1 = tokenFlags(fx, 0);
    CHECK((f1 & CKF_USER_PIN_COUNT_LOW));
    CHECK_FALSE((f1 & CKF_USER_PIN_FINAL_TRY));
    CHECK(tryLogin(fx, h, "9999") == CKR_PIN_INCORRECT);
    CHECK((tokenFlags(fx, 0) & CKF_USER_PIN_FINAL_TRY));
    CHECK(fx.card->triesLeft(sim::AppletId::Jpki, 0x0018) == 1);
    // Issue 13 "the final try": refused without sending anything, even the right PIN;
    // CKR_PIN_LOCKED (CKR_PIN_INCORRECT would make NSS prompt in a loop), the flags unchanged.
    const std::size_t before = fx.card->commandCount();
    fx.world->trace = true;
    CHECK(tryLogin(fx, h, "1234") == CKR_PIN_LOCKED);
    for (const std::string& line : fx.world->traceLog) CHECK(line.rfind("00 20 00 98 04", 0) != 0);
    CHECK(fx.card->commandCount() - before <= 1);  // at most the counter read
    CHECK(fx.card->triesLeft(sim::AppletId::Jpki, 0x0018) == 1);
    CHECK((tokenFlags(fx, 0) & CKF_USER_PIN_FINAL_TRY));
    CK_SESSION_INFO si;
    REQUIRE(fx.f->C_GetSessionInfo(h, &si) == CKR_OK);
    CHECK(si.state == CKS_RO_PUBLIC_SESSION);
    // The documented switch allows it (read at C_Initialize).
    REQUIRE(fx.f->C_Finalize(nullptr) == CKR_OK);
    setenv("MYNACARD_PKCS11_ALLOW_FINAL_TRY", "1", 1);
    REQUIRE(fx.f->C_Initialize(nullptr) == CKR_OK);
    unsetenv("MYNACARD_PKCS11_ALLOW_FINAL_TRY");
    h = fx.open(0);
    fx.login(h, "1234");  // a successful VERIFY resets the counter
    CK_FLAGS f3 = tokenFlags(fx, 0);
    CHECK_FALSE((f3 & (CKF_USER_PIN_COUNT_LOW | CKF_USER_PIN_FINAL_TRY | CKF_USER_PIN_LOCKED)));
    CHECK(tryLogin(fx, h, "1234") == CKR_USER_ALREADY_LOGGED_IN);
    // The signature token's counter is independent.
    CHECK_FALSE((tokenFlags(fx, 1) & CKF_USER_PIN_COUNT_LOW));
}

TEST_CASE("a locked PIN: CKF_USER_PIN_LOCKED and CKR_PIN_LOCKED without sending it", "[login]") {
    Fixture fx;
    fx.card->setTriesLeft(sim::AppletId::Jpki, 0x0018, 0);
    CK_SESSION_HANDLE h = fx.open(0);
    CHECK((tokenFlags(fx, 0) & CKF_USER_PIN_LOCKED));
    CHECK(tryLogin(fx, h, "1234") == CKR_PIN_LOCKED);
    CHECK(fx.card->triesLeft(sim::AppletId::Jpki, 0x0018) == 0);
}

TEST_CASE("login state per token; logout; session states", "[login]") {
    Fixture fx;
    CK_SESSION_HANDLE a1 = fx.open(0), a2 = fx.open(0, CKF_SERIAL_SESSION | CKF_RW_SESSION);
    CK_SESSION_HANDLE s1 = fx.open(1);
    fx.login(a1, "1234");
    CK_SESSION_INFO si;
    REQUIRE(fx.f->C_GetSessionInfo(a2, &si) == CKR_OK);
    CHECK(si.state == CKS_RW_USER_FUNCTIONS);  // login is per token: every session sees it
    REQUIRE(fx.f->C_GetSessionInfo(s1, &si) == CKR_OK);
    CHECK(si.state == CKS_RO_PUBLIC_SESSION);  // the other token is not logged in
    CHECK(fx.findClass(s1, CKO_PRIVATE_KEY).empty());
    REQUIRE(fx.f->C_Logout(a2) == CKR_OK);
    REQUIRE(fx.f->C_GetSessionInfo(a1, &si) == CKR_OK);
    CHECK(si.state == CKS_RO_PUBLIC_SESSION);
    CHECK(fx.f->C_Logout(a1) == CKR_USER_NOT_LOGGED_IN);
    CHECK(fx.findClass(a1, CKO_PRIVATE_KEY).empty());
    // C_Logout dropped the card's state by selecting another applet, not by a reset.
    CHECK(fx.card->currentApplet() != sim::AppletId::Jpki);
}

TEST_CASE("6982 on a signature: CKR_USER_NOT_LOGGED_IN, token logged out, PIN not replayed",
          "[login][sign]") {
    Fixture fx;
    CK_SESSION_HANDLE h = fx.open(0);
    fx.login(h, "1234");
    apdu::Bytes first = fx.sign(h, CKM_SHA256_RSA_PKCS, kMessage);
    // Another process selects another applet: the card forgets our VERIFY.
    auto rsp = fx.world->foreignApdu(kReader, apdu::cmd::selectAid(apdu::fromHex("D3921000310001010100")).encode());
    REQUIRE(rsp == apdu::Bytes{0x90, 0x00});
    std::size_t verifiesBefore = fx.card->commandCount();
    CK_MECHANISM m{CKM_SHA256_RSA_PKCS, nullptr, 0};
    REQUIRE(fx.f->C_SignInit(h, &m, fx.privateKey(h)) == CKR_OK);
    apdu::Bytes sig(256);
    CK_ULONG len = sig.size();
    CHECK(fx.f->C_Sign(h, (CK_BYTE_PTR)kMessage.data(), kMessage.size(), sig.data(), &len) ==
          CKR_USER_NOT_LOGGED_IN);
    // No VERIFY replay: SELECT EF (6A82), the look at the JPKI applet by SFI (it no longer
    // answers), SELECT JPKI, SELECT EF, 80 2A (6982).
    CHECK(fx.card->commandCount() - verifiesBefore <= 5);
    CHECK(fx.card->triesLeft(sim::AppletId::Jpki, 0x0018) == 3);
    CK_SESSION_INFO si;
    REQUIRE(fx.f->C_GetSessionInfo(h, &si) == CKR_OK);
    CHECK(si.state == CKS_RO_PUBLIC_SESSION);
    CHECK(fx.card->triesLeft(sim::AppletId::Jpki, 0x0018) == 3);
    fx.login(h, "1234");
    CHECK(fx.sign(h, CKM_SHA256_RSA_PKCS, kMessage) == first);
}

TEST_CASE("C_SetPIN changes the PIN", "[login]") {
    Fixture fx;
    CK_SESSION_HANDLE ro = fx.open(0);
    CK_SESSION_HANDLE rw = fx.open(0, CKF_SERIAL_SESSION | CKF_RW_SESSION);
    CK_UTF8CHAR oldPin[] = "1234", newPin[] = "4321", bad[] = "43a1";
    CHECK(fx.f->C_SetPIN(ro, oldPin, 4, newPin, 4) == CKR_SESSION_READ_ONLY);
    CHECK(fx.f->C_SetPIN(rw, oldPin, 4, bad, 4) == CKR_PIN_INVALID);
    CHECK(fx.f->C_SetPIN(rw, oldPin, 4, newPin, 3) == CKR_PIN_LEN_RANGE);
    REQUIRE(fx.f->C_SetPIN(rw, oldPin, 4, newPin, 4) == CKR_OK);
    CHECK(fx.card->secret(sim::AppletId::Jpki, 0x0018) == std::string("4321"));
    CHECK(fx.f->C_SetPIN(rw, nullptr, 4, newPin, 4) == CKR_ARGUMENTS_BAD);
}

TEST_CASE("concurrent C_Sign from many threads is correct", "[threads]") {
    Fixture fx;
    CK_SESSION_HANDLE first = fx.open(0);
    fx.login(first, "1234");
    apdu::Bytes cert = fx.userCertificate(first);
    constexpr int kThreads = 6, kRounds = 5;
    std::vector<CK_SESSION_HANDLE> sessions;
    for (int i = 0; i < kThreads; ++i) sessions.push_back(fx.open(i % 2 == 0 ? 0 : 0));
    std::atomic<int> good{0}, bad{0};
    std::vector<std::thread> threads;
    for (int i = 0; i < kThreads; ++i)
        threads.emplace_back([&, i] {
            CK_SESSION_HANDLE h = sessions[i];
            for (int r = 0; r < kRounds; ++r) {
                apdu::Bytes msg{static_cast<std::uint8_t>(i), static_cast<std::uint8_t>(r)};
                CK_MECHANISM m{CKM_SHA256_RSA_PKCS, nullptr, 0};
                CK_OBJECT_HANDLE key = 0x13;  // the auth private key's fixed handle
                apdu::Bytes sig(256);
                CK_ULONG len = sig.size();
                if (fx.f->C_SignInit(h, &m, key) == CKR_OK &&
                    fx.f->C_Sign(h, msg.data(), msg.size(), sig.data(), &len) == CKR_OK &&
                    verifyWithCertificate(cert, CKM_SHA256_RSA_PKCS, msg, sig))
                    ++good;
                else
                    ++bad;
            }
        });
    for (auto& t : threads) t.join();
    CHECK(bad == 0);
    CHECK(good == kThreads * kRounds);
    CHECK(fx.privateKey(first) == 0x13);
}

TEST_CASE("token flags follow wrong PINs entered by other applications", "[login]") {
    Fixture fx;
    CHECK_FALSE((tokenFlags(fx, 0) & CKF_USER_PIN_COUNT_LOW));
    // Another application selects the JPKI applet and the auth PIN EF and sends two wrong PINs.
    fx.world->foreignApdu(kReader, apdu::cmd::selectAid(apdu::fromHex("D392F000260100000001")).encode());
    fx.world->foreignApdu(kReader, apdu::cmd::selectEf(0x0018).encode());
    for (int i = 0; i < 2; ++i)
        fx.world->foreignApdu(kReader,
                              apdu::cmd::verify(0x80, apdu::SecureBytes::fromString("0000")).encode());
    REQUIRE(fx.card->triesLeft(sim::AppletId::Jpki, 0x0018) == 1);
    std::this_thread::sleep_for(std::chrono::milliseconds(p11::kTriesFreshMs + 100));
    CK_FLAGS flags = tokenFlags(fx, 0);
    CHECK((flags & CKF_USER_PIN_FINAL_TRY));
    CHECK((flags & CKF_USER_PIN_COUNT_LOW));
}
