// The shipped module through dlopen, against the simulated card behind a real pcscd (run inside
// scripts/with-sim, see CMakeLists.txt): the exported entry points only, a signature with each
// key verified by OpenSSL against the certificate object's CKA_VALUE, argument checks, and
// C_Finalize. Exit status 0 = pass; every failed check is printed.
#include <dlfcn.h>
#include <openssl/evp.h>
#include <openssl/x509.h>

#include <chrono>
#include <cstdio>
#include <future>
#include <string>
#include <vector>

#include <p11-kit/pkcs11.h>

namespace {

int failures = 0;
void check(bool ok, const std::string& what) {
    std::printf("%s - %s\n", ok ? "ok  " : "FAIL", what.c_str());
    if (!ok) ++failures;
}

bool verify(const std::vector<unsigned char>& der, const std::vector<unsigned char>& msg,
            const std::vector<unsigned char>& sig) {
    const unsigned char* p = der.data();
    X509* x = d2i_X509(nullptr, &p, static_cast<long>(der.size()));
    if (!x) return false;
    EVP_MD_CTX* ctx = EVP_MD_CTX_new();
    bool ok = EVP_DigestVerifyInit(ctx, nullptr, EVP_sha256(), nullptr, X509_get0_pubkey(x)) == 1 &&
              EVP_DigestVerify(ctx, sig.data(), sig.size(), msg.data(), msg.size()) == 1;
    EVP_MD_CTX_free(ctx);
    X509_free(x);
    return ok;
}

void signWith(CK_FUNCTION_LIST_PTR f, CK_SLOT_ID slot, const std::string& pin, const char* name) {
    CK_SESSION_HANDLE h = 0;
    check(f->C_OpenSession(slot, CKF_SERIAL_SESSION, nullptr, nullptr, &h) == CKR_OK,
          std::string(name) + ": C_OpenSession");
    check(f->C_Login(h, CKU_USER, (CK_UTF8CHAR_PTR)pin.data(), pin.size()) == CKR_OK,
          std::string(name) + ": C_Login");
    CK_OBJECT_CLASS cls = CKO_PRIVATE_KEY;
    CK_ATTRIBUTE t{CKA_CLASS, &cls, sizeof cls};
    CK_OBJECT_HANDLE key = 0, cert = 0;
    CK_ULONG n = 0;
    f->C_FindObjectsInit(h, &t, 1);
    f->C_FindObjects(h, &key, 1, &n);
    f->C_FindObjectsFinal(h);
    check(n == 1, std::string(name) + ": one private key after login");
    cls = CKO_CERTIFICATE;
    CK_ULONG category = 1;
    CK_ATTRIBUTE tc[2] = {{CKA_CLASS, &cls, sizeof cls}, {CKA_CERTIFICATE_CATEGORY, &category, sizeof category}};
    f->C_FindObjectsInit(h, tc, 2);
    f->C_FindObjects(h, &cert, 1, &n);
    f->C_FindObjectsFinal(h);
    check(n == 1, std::string(name) + ": the user certificate");
    CK_ATTRIBUTE v{CKA_VALUE, nullptr, 0};
    f->C_GetAttributeValue(h, cert, &v, 1);
    std::vector<unsigned char> der(v.ulValueLen);
    v.pValue = der.data();
    check(f->C_GetAttributeValue(h, cert, &v, 1) == CKR_OK, std::string(name) + ": CKA_VALUE");
    std::vector<unsigned char> msg{'d', 'l', 'o', 'p', 'e', 'n'}, sig(256);
    CK_MECHANISM m{CKM_SHA256_RSA_PKCS, nullptr, 0};
    CK_ULONG len = sig.size();
    check(f->C_SignInit(h, &m, key) == CKR_OK && f->C_Sign(h, msg.data(), msg.size(), sig.data(), &len) == CKR_OK,
          std::string(name) + ": C_Sign");
    sig.resize(len);
    check(verify(der, msg, sig), std::string(name) + ": OpenSSL verifies the signature");
    msg[0] ^= 1;
    check(!verify(der, msg, sig), std::string(name) + ": a changed message does not verify");
    f->C_CloseSession(h);
}

}  // namespace

int main(int argc, char** argv) {
    if (argc != 2) {
        std::fprintf(stderr, "usage: %s MODULE.so\n", argv[0]);
        return 2;
    }
    void* lib = dlopen(argv[1], RTLD_NOW | RTLD_LOCAL);
    if (!lib) {
        std::fprintf(stderr, "dlopen: %s\n", dlerror());
        return 1;
    }
    auto getList = reinterpret_cast<CK_C_GetFunctionList>(dlsym(lib, "C_GetFunctionList"));
    check(getList != nullptr, "C_GetFunctionList is exported");
    check(dlsym(lib, "_ZN8mynacard3p1110initializeEPv") == nullptr, "internal symbols are hidden");
    if (!getList) return 1;
    CK_FUNCTION_LIST_PTR f = nullptr;
    check(getList(&f) == CKR_OK && f, "function list");
    check(f->version.major == 2 && f->version.minor == 40, "version 2.40");
    CK_ULONG n = 0;
    check(f->C_GetSlotList(CK_TRUE, nullptr, &n) == CKR_CRYPTOKI_NOT_INITIALIZED, "not initialized");
    CK_C_INITIALIZE_ARGS args{};
    args.flags = CKF_OS_LOCKING_OK;
    check(f->C_Initialize(&args) == CKR_OK, "C_Initialize");
    check(f->C_GetSlotList(CK_TRUE, nullptr, &n) == CKR_OK && n == 2, "two tokens");
    std::vector<CK_SLOT_ID> slots(n);
    f->C_GetSlotList(CK_TRUE, slots.data(), &n);
    check(f->C_GetSlotList(CK_TRUE, nullptr, nullptr) == CKR_ARGUMENTS_BAD, "NULL count");
    if (n == 2) {
        signWith(f, slots[0], "1234", "auth");
        signWith(f, slots[1], "ABC123", "sign");
    }
    CK_SLOT_ID ev;
    check(f->C_WaitForSlotEvent(CKF_DONT_BLOCK, &ev, nullptr) == CKR_NO_EVENT,
          "no slot event for the card present at C_Initialize");
    // A blocked C_WaitForSlotEvent (pcsc-lite status-change wait) ends when another thread calls
    // C_Finalize, as NSS does when Firefox exits.
    auto waiter = std::async(std::launch::async, [f] {
        CK_SLOT_ID slot;
        return f->C_WaitForSlotEvent(0, &slot, nullptr);
    });
    check(waiter.wait_for(std::chrono::milliseconds(300)) == std::future_status::timeout,
          "C_WaitForSlotEvent blocks without an event");
    check(f->C_Finalize(nullptr) == CKR_OK, "C_Finalize");
    check(waiter.wait_for(std::chrono::seconds(5)) == std::future_status::ready &&
              waiter.get() == CKR_CRYPTOKI_NOT_INITIALIZED,
          "the blocked wait returns CKR_CRYPTOKI_NOT_INITIALIZED");
    dlclose(lib);
    std::printf("%d failure(s)\n", failures);
    return failures ? 1 : 0;
}
