// Argument validation of every entry point, C_Initialize forms, writes, randomness, fork (issue 5).
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <set>

#include "tests/conformance/fixture.h"

using namespace mynacard;
using namespace mynacard::p11test;

namespace {

// Calls every function except C_GetFunctionList / C_Initialize with harmless arguments.
std::vector<std::pair<std::string, CK_RV>> callEverything(CK_FUNCTION_LIST_PTR f, CK_SESSION_HANDLE h) {
    CK_BYTE buf[300] = {};
    CK_ULONG len = sizeof buf;
    CK_ULONG n = 0;
    CK_INFO info;
    CK_SLOT_ID slot = 0;
    CK_SLOT_INFO si;
    CK_TOKEN_INFO ti;
    CK_MECHANISM_INFO mi;
    CK_MECHANISM_TYPE mt[32];
    CK_SESSION_INFO ses;
    CK_OBJECT_HANDLE o = 0;
    CK_ATTRIBUTE a{CKA_CLASS, buf, sizeof buf};
    CK_MECHANISM m{CKM_SHA256_RSA_PKCS, nullptr, 0};
    CK_SESSION_HANDLE nh = 0;
    CK_UTF8CHAR pin[] = "1234";
    CK_UTF8CHAR label[32] = {};
    std::vector<std::pair<std::string, CK_RV>> r;
#define CALL(name, ...) r.emplace_back(#name, f->name(__VA_ARGS__))
    CALL(C_GetInfo, &info);
    CALL(C_GetSlotList, CK_FALSE, nullptr, &n);
    CALL(C_GetSlotInfo, 0, &si);
    CALL(C_GetTokenInfo, 0, &ti);
    CALL(C_GetMechanismList, 0, mt, &n);
    CALL(C_GetMechanismInfo, 0, CKM_RSA_PKCS, &mi);
    CALL(C_InitToken, 0, pin, 4, label);
    CALL(C_InitPIN, h, pin, 4);
    CALL(C_SetPIN, h, pin, 4, pin, 4);
    CALL(C_OpenSession, 0, CKF_SERIAL_SESSION, nullptr, nullptr, &nh);
    CALL(C_GetSessionInfo, h, &ses);
    CALL(C_GetOperationState, h, buf, &len);
    CALL(C_SetOperationState, h, buf, 4, 0, 0);
    CALL(C_Login, h, CKU_USER, pin, 4);
    CALL(C_Logout, h);
    CALL(C_CreateObject, h, &a, 1, &o);
    CALL(C_CopyObject, h, 0x11, &a, 1, &o);
    CALL(C_DestroyObject, h, 0x11);
    CALL(C_GetObjectSize, h, 0x11, &n);
    CALL(C_GetAttributeValue, h, 0x11, &a, 1);
    CALL(C_SetAttributeValue, h, 0x11, &a, 1);
    CALL(C_FindObjectsInit, h, &a, 1);
    CALL(C_FindObjects, h, &o, 1, &n);
    CALL(C_FindObjectsFinal, h);
    CALL(C_EncryptInit, h, &m, 0x11);
    CALL(C_Encrypt, h, buf, 4, buf, &len);
    CALL(C_EncryptUpdate, h, buf, 4, buf, &len);
    CALL(C_EncryptFinal, h, buf, &len);
    CALL(C_DecryptInit, h, &m, 0x11);
    CALL(C_Decrypt, h, buf, 4, buf, &len);
    CALL(C_DecryptUpdate, h, buf, 4, buf, &len);
    CALL(C_DecryptFinal, h, buf, &len);
    CALL(C_DigestInit, h, &m);
    CALL(C_Digest, h, buf, 4, buf, &len);
    CALL(C_DigestUpdate, h, buf, 4);
    CALL(C_DigestKey, h, 0x11);
    CALL(C_DigestFinal, h, buf, &len);
    CALL(C_SignInit, h, &m, 0x13);
    CALL(C_Sign, h, buf, 4, buf, &len);
    CALL(C_SignUpdate, h, buf, 4);
    CALL(C_SignFinal, h, buf, &len);
    CALL(C_SignRecoverInit, h, &m, 0x13);
    CALL(C_SignRecover, h, buf, 4, buf, &len);
    CALL(C_VerifyInit, h, &m, 0x12);
    CALL(C_Verify, h, buf, 4, buf, 4);
    CALL(C_VerifyUpdate, h, buf, 4);
    CALL(C_VerifyFinal, h, buf, 4);
    CALL(C_VerifyRecoverInit, h, &m, 0x12);
    CALL(C_VerifyRecover, h, buf, 4, buf, &len);
    CALL(C_DigestEncryptUpdate, h, buf, 4, buf, &len);
    CALL(C_DecryptDigestUpdate, h, buf, 4, buf, &len);
    CALL(C_SignEncryptUpdate, h, buf, 4, buf, &len);
    CALL(C_DecryptVerifyUpdate, h, buf, 4, buf, &len);
    CALL(C_GenerateKey, h, &m, &a, 1, &o);
    CALL(C_GenerateKeyPair, h, &m, &a, 1, &a, 1, &o, &o);
    CALL(C_WrapKey, h, &m, 0x11, 0x11, buf, &len);
    CALL(C_UnwrapKey, h, &m, 0x11, buf, 4, &a, 1, &o);
    CALL(C_DeriveKey, h, &m, 0x11, &a, 1, &o);
    CALL(C_SeedRandom, h, buf, 4);
    CALL(C_GenerateRandom, h, buf, 4);
    CALL(C_GetFunctionStatus, h);
    CALL(C_CancelFunction, h);
    CALL(C_CloseSession, h);
    CALL(C_CloseAllSessions, 0);
    CALL(C_WaitForSlotEvent, CKF_DONT_BLOCK, &slot, nullptr);
    CALL(C_Finalize, nullptr);
#undef CALL
    return r;
}

}  // namespace

TEST_CASE("every entry point answers CKR_CRYPTOKI_NOT_INITIALIZED before C_Initialize", "[args]") {
    Fixture fx(true, false);
    auto results = callEverything(fx.f, 1);
    CHECK(results.size() == 66);
    for (auto& [name, rv] : results) {
        INFO(name);
        CHECK(rv == CKR_CRYPTOKI_NOT_INITIALIZED);
    }
}

TEST_CASE("an invalid session handle is reported by every session function", "[args]") {
    Fixture fx;
    auto results = callEverything(fx.f, 0x7777);
    const std::set<std::string> noSession = {"C_GetInfo", "C_GetSlotList", "C_GetSlotInfo",
        "C_GetTokenInfo", "C_GetMechanismList", "C_GetMechanismInfo", "C_InitToken",
        "C_OpenSession", "C_CloseAllSessions", "C_WaitForSlotEvent", "C_Finalize"};
    for (auto& [name, rv] : results) {
        INFO(name << " → " << rv);
        if (!noSession.count(name)) CHECK(rv == CKR_SESSION_HANDLE_INVALID);
    }
}

TEST_CASE("NULL pointers are CKR_ARGUMENTS_BAD, checked before handles", "[args]") {
    Fixture fx;
    CK_FUNCTION_LIST_PTR f = fx.f;
    const CK_SESSION_HANDLE bad = 0x7777;  // pointers come first in the validation order
    CK_ULONG n = 0;
    CK_BYTE buf[8];
    CHECK(C_GetFunctionList(nullptr) == CKR_ARGUMENTS_BAD);
    CHECK(f->C_GetInfo(nullptr) == CKR_ARGUMENTS_BAD);
    CHECK(f->C_GetSlotList(CK_TRUE, nullptr, nullptr) == CKR_ARGUMENTS_BAD);
    CHECK(f->C_GetSlotInfo(99, nullptr) == CKR_ARGUMENTS_BAD);
    CHECK(f->C_GetTokenInfo(99, nullptr) == CKR_ARGUMENTS_BAD);
    CHECK(f->C_GetMechanismList(99, nullptr, nullptr) == CKR_ARGUMENTS_BAD);
    CHECK(f->C_OpenSession(99, CKF_SERIAL_SESSION, nullptr, nullptr, nullptr) == CKR_ARGUMENTS_BAD);
    CHECK(f->C_GetSessionInfo(bad, nullptr) == CKR_ARGUMENTS_BAD);
    CHECK(f->C_Login(bad, CKU_USER, nullptr, 4) == CKR_ARGUMENTS_BAD);
    CHECK(f->C_FindObjectsInit(bad, nullptr, 1) == CKR_ARGUMENTS_BAD);
    CHECK(f->C_FindObjects(bad, nullptr, 1, &n) == CKR_ARGUMENTS_BAD);
    CHECK(f->C_GetAttributeValue(bad, 0x11, nullptr, 1) == CKR_ARGUMENTS_BAD);
    CHECK(f->C_SignInit(bad, nullptr, 0x13) == CKR_ARGUMENTS_BAD);
    CHECK(f->C_Sign(bad, buf, 4, buf, nullptr) == CKR_ARGUMENTS_BAD);
    CHECK(f->C_Sign(bad, nullptr, 4, buf, &n) == CKR_ARGUMENTS_BAD);
    CHECK(f->C_SignUpdate(bad, nullptr, 4) == CKR_ARGUMENTS_BAD);
    CHECK(f->C_SignFinal(bad, buf, nullptr) == CKR_ARGUMENTS_BAD);
    CHECK(f->C_DigestInit(bad, nullptr) == CKR_ARGUMENTS_BAD);
    CHECK(f->C_Digest(bad, buf, 4, buf, nullptr) == CKR_ARGUMENTS_BAD);
    CHECK(f->C_GenerateRandom(bad, nullptr, 4) == CKR_ARGUMENTS_BAD);
    CHECK(f->C_WaitForSlotEvent(CKF_DONT_BLOCK, nullptr, nullptr) == CKR_ARGUMENTS_BAD);
    CHECK(f->C_WaitForSlotEvent(CKF_DONT_BLOCK, &n, buf) == CKR_ARGUMENTS_BAD);
    CHECK(f->C_Finalize(buf) == CKR_ARGUMENTS_BAD);
    CHECK(f->C_OpenSession(99, CKF_SERIAL_SESSION, nullptr, nullptr, (CK_SESSION_HANDLE*)buf) ==
          CKR_SLOT_ID_INVALID);
    CK_SESSION_HANDLE h;
    CHECK(f->C_OpenSession(0, 0, nullptr, nullptr, &h) == CKR_SESSION_PARALLEL_NOT_SUPPORTED);
}

TEST_CASE("C_Initialize argument forms", "[args]") {
    Fixture fx(true, false);
    CK_FUNCTION_LIST_PTR f = fx.f;
    CK_C_INITIALIZE_ARGS args{};
    int dummy;
    args.pReserved = &dummy;
    CHECK(f->C_Initialize(&args) == CKR_ARGUMENTS_BAD);
    args = CK_C_INITIALIZE_ARGS{};
    args.CreateMutex = [](CK_VOID_PTR_PTR) -> CK_RV { return CKR_OK; };
    CHECK(f->C_Initialize(&args) == CKR_ARGUMENTS_BAD);  // some but not all callbacks
    args.DestroyMutex = [](CK_VOID_PTR) -> CK_RV { return CKR_OK; };
    args.LockMutex = [](CK_VOID_PTR) -> CK_RV { return CKR_OK; };
    args.UnlockMutex = [](CK_VOID_PTR) -> CK_RV { return CKR_OK; };
    CHECK(f->C_Initialize(&args) == CKR_CANT_LOCK);  // callbacks we would be obliged to use
    // NSS's form: its callbacks plus CKF_OS_LOCKING_OK and CKF_LIBRARY_CANT_CREATE_OS_THREADS.
    args.flags = CKF_OS_LOCKING_OK | CKF_LIBRARY_CANT_CREATE_OS_THREADS;
    REQUIRE(f->C_Initialize(&args) == CKR_OK);
    CHECK(f->C_Initialize(nullptr) == CKR_CRYPTOKI_ALREADY_INITIALIZED);
    REQUIRE(f->C_Finalize(nullptr) == CKR_OK);
    CHECK(f->C_Finalize(nullptr) == CKR_CRYPTOKI_NOT_INITIALIZED);
    CK_C_INITIALIZE_ARGS os{};
    os.flags = CKF_OS_LOCKING_OK;
    REQUIRE(f->C_Initialize(&os) == CKR_OK);
    CK_INFO info;
    REQUIRE(f->C_GetInfo(&info) == CKR_OK);
    CHECK(info.cryptokiVersion.major == 2);
    CHECK(info.cryptokiVersion.minor == 40);
    CHECK(info.flags == 0);
}

TEST_CASE("writes are refused with CKR_TOKEN_WRITE_PROTECTED; no RNG", "[args]") {
    Fixture fx;
    CK_SESSION_HANDLE h = fx.open(0, CKF_SERIAL_SESSION | CKF_RW_SESSION);  // RW is accepted
    CK_OBJECT_CLASS cls = CKO_DATA;
    CK_ATTRIBUTE a{CKA_CLASS, &cls, sizeof cls};
    CK_OBJECT_HANDLE o;
    CHECK(fx.f->C_CreateObject(h, &a, 1, &o) == CKR_TOKEN_WRITE_PROTECTED);
    CHECK(fx.f->C_CreateObject(h, &a, 1, nullptr) == CKR_ARGUMENTS_BAD);
    CHECK(fx.f->C_DestroyObject(h, 0x11) == CKR_TOKEN_WRITE_PROTECTED);
    CHECK(fx.f->C_DestroyObject(h, 0x99) == CKR_OBJECT_HANDLE_INVALID);
    CHECK(fx.f->C_SetAttributeValue(h, 0x11, &a, 1) == CKR_TOKEN_WRITE_PROTECTED);
    CHECK(fx.f->C_CopyObject(h, 0x11, &a, 1, &o) == CKR_TOKEN_WRITE_PROTECTED);
    CK_MECHANISM m{CKM_RSA_PKCS_KEY_PAIR_GEN, nullptr, 0};
    CHECK(fx.f->C_GenerateKeyPair(h, &m, &a, 1, &a, 1, &o, &o) == CKR_TOKEN_WRITE_PROTECTED);
    CHECK(fx.f->C_GenerateKey(h, &m, &a, 1, &o) == CKR_TOKEN_WRITE_PROTECTED);
    CK_UTF8CHAR pin[] = "1234", label[32] = {};
    CHECK(fx.f->C_InitToken(0, pin, 4, label) == CKR_TOKEN_WRITE_PROTECTED);
    CHECK(fx.f->C_InitPIN(h, pin, 4) == CKR_TOKEN_WRITE_PROTECTED);
    CK_BYTE buf[16];
    CHECK(fx.f->C_GenerateRandom(h, buf, sizeof buf) == CKR_RANDOM_NO_RNG);
    CHECK(fx.f->C_SeedRandom(h, buf, sizeof buf) == CKR_RANDOM_NO_RNG);
    CHECK(fx.f->C_GetFunctionStatus(h) == CKR_FUNCTION_NOT_PARALLEL);
}

TEST_CASE("a forked child must C_Initialize again", "[fork]") {
    Fixture fx;
    CK_SESSION_HANDLE h = fx.open(0);
    (void)h;
    pid_t pid = fork();
    REQUIRE(pid >= 0);
    if (pid == 0) {
        int code = 0;
        CK_ULONG n = 0;
        if (fx.f->C_GetSlotList(CK_TRUE, nullptr, &n) != CKR_CRYPTOKI_NOT_INITIALIZED) code |= 1;
        if (fx.f->C_CloseSession(h) != CKR_CRYPTOKI_NOT_INITIALIZED) code |= 2;
        if (fx.f->C_Initialize(nullptr) != CKR_OK) code |= 4;
        if (fx.f->C_GetSlotList(CK_TRUE, nullptr, &n) != CKR_OK || n != 2) code |= 8;
        _exit(code);
    }
    int status = 0;
    REQUIRE(waitpid(pid, &status, 0) == pid);
    REQUIRE(WIFEXITED(status));
    CHECK(WEXITSTATUS(status) == 0);
    // The parent is unaffected.
    CK_SESSION_INFO si;
    CHECK(fx.f->C_GetSessionInfo(h, &si) == CKR_OK);
}

TEST_CASE("debug log: calls and APDUs, secrets masked", "[log]") {
    char path[] = "/tmp/mynacard-p11-log-XXXXXX";
    int fd = mkstemp(path);
    REQUIRE(fd >= 0);
    close(fd);
    setenv("MYNACARD_PKCS11_DEBUG", "2", 1);
    setenv("MYNACARD_PKCS11_LOG", path, 1);
    {
        Fixture fx;
        CK_SESSION_HANDLE h = fx.open(1);
        fx.login(h, "ABC123");
    }
    unsetenv("MYNACARD_PKCS11_DEBUG");
    unsetenv("MYNACARD_PKCS11_LOG");
    std::FILE* in = std::fopen(path, "r");
    REQUIRE(in);
    std::string log;
    char buf[4096];
    std::size_t n;
    while ((n = std::fread(buf, 1, sizeof buf, in)) > 0) log.append(buf, n);
    std::fclose(in);
    unlink(path);
    CHECK(log.find("C_Login -> 0x00000000") != std::string::npos);
    // C_Login names the signature password EF 001B by SFI (P2 = 9B); its 6 bytes are masked.
    CHECK(log.find("apdu > 00 20 00 9B 06 XX XX XX XX XX XX") != std::string::npos);
    CHECK(log.find("41 42 43 31 32 33") == std::string::npos);  // "ABC123" in hex
    CHECK(log.find("ABC123") == std::string::npos);
}
