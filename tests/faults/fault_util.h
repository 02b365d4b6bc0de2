// Helpers of the fault / concurrency tests (issue 8): the shipped PKCS#11 module via dlopen, the
// simulator's control socket ($MYNACARD_SIM_CONTROL, cardsim/sim_control.h) and OpenSSL checks.
// Header-only on purpose: two small programs share it and nothing else does.
#pragma once

#include <dlfcn.h>
#include <openssl/evp.h>
#include <openssl/x509.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <p11-kit/pkcs11.h>

namespace faults {

using Bytes = std::vector<unsigned char>;

inline int failures = 0;
inline void check(bool ok, const std::string& what) {
    std::printf("%s - %s\n", ok ? "ok  " : "FAIL", what.c_str());
    std::fflush(stdout);
    if (!ok) ++failures;
}

// One command to the simulator's control socket; returns its reply line ("" when unreachable).
inline std::string control(const std::string& command) {
    const char* path = std::getenv("MYNACARD_SIM_CONTROL");
    if (!path) return "";
    int fd = socket(AF_UNIX, SOCK_STREAM, 0);
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    std::snprintf(addr.sun_path, sizeof addr.sun_path, "%s", path);
    if (fd < 0 || connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
        if (fd >= 0) close(fd);
        return "";
    }
    const std::string line = command + "\n";
    std::string reply;
    if (write(fd, line.data(), line.size()) == static_cast<ssize_t>(line.size())) {
        char c;
        while (read(fd, &c, 1) == 1 && c != '\n') reply += c;
    }
    close(fd);
    return reply;
}

// `status` parsed into key → value ("auth-tries" → 4 ...); empty when the control is unreachable.
inline std::map<std::string, long> simStatus() {
    std::map<std::string, long> out;
    std::istringstream in(control("status"));
    std::string word;
    in >> word;
    if (word != "ok") return out;
    while (in >> word) {
        const auto eq = word.find('=');
        if (eq == std::string::npos) continue;
        try {
            out[word.substr(0, eq)] = std::stol(word.substr(eq + 1));
        } catch (const std::exception&) {
        }
    }
    return out;
}

inline bool verifySignature(const Bytes& certDer, const Bytes& msg, const Bytes& sig) {
    const unsigned char* p = certDer.data();
    X509* x = d2i_X509(nullptr, &p, static_cast<long>(certDer.size()));
    if (!x) return false;
    EVP_MD_CTX* ctx = EVP_MD_CTX_new();
    const bool ok =
        EVP_DigestVerifyInit(ctx, nullptr, EVP_sha256(), nullptr, X509_get0_pubkey(x)) == 1 &&
        EVP_DigestVerify(ctx, sig.data(), sig.size(), msg.data(), msg.size()) == 1;
    EVP_MD_CTX_free(ctx);
    X509_free(x);
    return ok;
}

inline CK_FUNCTION_LIST_PTR loadModule(const char* path) {
    void* lib = dlopen(path, RTLD_NOW | RTLD_LOCAL);
    if (!lib) {
        std::fprintf(stderr, "dlopen: %s\n", dlerror());
        return nullptr;
    }
    auto getList = reinterpret_cast<CK_C_GetFunctionList>(dlsym(lib, "C_GetFunctionList"));
    CK_FUNCTION_LIST_PTR f = nullptr;
    if (!getList || getList(&f) != CKR_OK) return nullptr;
    CK_C_INITIALIZE_ARGS args{};
    args.flags = CKF_OS_LOCKING_OK;
    if (f->C_Initialize(&args) != CKR_OK) return nullptr;
    return f;
}

// The slots with a token (auth token first, then the signature token), waiting up to `seconds`
// for `want` of them (after a re-insertion pcscd needs a poll cycle to see the card).
inline std::vector<CK_SLOT_ID> tokenSlots(CK_FUNCTION_LIST_PTR f, CK_ULONG want = 2,
                                          int seconds = 15) {
    const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(seconds);
    for (;;) {
        CK_ULONG n = 0;
        std::vector<CK_SLOT_ID> slots;
        if (f->C_GetSlotList(CK_TRUE, nullptr, &n) == CKR_OK && n > 0) {
            slots.resize(n);
            if (f->C_GetSlotList(CK_TRUE, slots.data(), &n) != CKR_OK) n = 0;
            slots.resize(n);
        }
        if (slots.size() >= want || std::chrono::steady_clock::now() > until) return slots;
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
}

// Waits until the module sees no token (after `remove`): the removal reached pcscd.
inline bool waitNoToken(CK_FUNCTION_LIST_PTR f, int seconds = 15) {
    const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(seconds);
    while (std::chrono::steady_clock::now() < until) {
        CK_ULONG n = 99;
        if (f->C_GetSlotList(CK_TRUE, nullptr, &n) == CKR_OK && n == 0) return true;
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    return false;
}

inline CK_OBJECT_HANDLE findOne(CK_FUNCTION_LIST_PTR f, CK_SESSION_HANDLE h, CK_OBJECT_CLASS cls,
                                CK_RV* rv = nullptr) {
    CK_ULONG category = 1;
    CK_ATTRIBUTE t[2] = {{CKA_CLASS, &cls, sizeof cls},
                         {CKA_CERTIFICATE_CATEGORY, &category, sizeof category}};
    CK_OBJECT_HANDLE o = CK_INVALID_HANDLE;
    CK_ULONG n = 0;
    CK_RV r = f->C_FindObjectsInit(h, t, cls == CKO_CERTIFICATE ? 2 : 1);
    if (r == CKR_OK) r = f->C_FindObjects(h, &o, 1, &n);
    f->C_FindObjectsFinal(h);
    if (rv) *rv = r;
    return n == 1 ? o : CK_INVALID_HANDLE;
}

// CKA_VALUE of the user certificate; the module reads it from the card on first use.
inline CK_RV readCert(CK_FUNCTION_LIST_PTR f, CK_SESSION_HANDLE h, Bytes& der) {
    CK_RV rv = CKR_OK;
    CK_OBJECT_HANDLE cert = findOne(f, h, CKO_CERTIFICATE, &rv);
    if (rv != CKR_OK) return rv;
    if (cert == CK_INVALID_HANDLE) return CKR_OBJECT_HANDLE_INVALID;
    CK_ATTRIBUTE v{CKA_VALUE, nullptr, 0};
    rv = f->C_GetAttributeValue(h, cert, &v, 1);
    if (rv != CKR_OK) return rv;
    der.assign(v.ulValueLen, 0);
    v.pValue = der.data();
    return f->C_GetAttributeValue(h, cert, &v, 1);
}

inline CK_RV signOnce(CK_FUNCTION_LIST_PTR f, CK_SESSION_HANDLE h, CK_OBJECT_HANDLE key,
                      const Bytes& msg, Bytes& sig) {
    CK_MECHANISM m{CKM_SHA256_RSA_PKCS, nullptr, 0};
    CK_RV rv = f->C_SignInit(h, &m, key);
    if (rv != CKR_OK) return rv;
    sig.assign(512, 0);
    CK_ULONG len = sig.size();
    rv = f->C_Sign(h, const_cast<unsigned char*>(msg.data()), msg.size(), sig.data(), &len);
    sig.resize(rv == CKR_OK ? len : 0);
    return rv;
}

inline CK_RV login(CK_FUNCTION_LIST_PTR f, CK_SESSION_HANDLE h, const std::string& pin) {
    return f->C_Login(h, CKU_USER, (CK_UTF8CHAR_PTR)pin.data(), pin.size());
}

inline std::string rvName(CK_RV rv) {
    static const std::map<CK_RV, const char*> names{
        {CKR_OK, "CKR_OK"},
        {CKR_DEVICE_REMOVED, "CKR_DEVICE_REMOVED"},
        {CKR_TOKEN_NOT_PRESENT, "CKR_TOKEN_NOT_PRESENT"},
        {CKR_USER_NOT_LOGGED_IN, "CKR_USER_NOT_LOGGED_IN"},
        {CKR_SESSION_HANDLE_INVALID, "CKR_SESSION_HANDLE_INVALID"},
        {CKR_SESSION_CLOSED, "CKR_SESSION_CLOSED"},
        {CKR_DEVICE_ERROR, "CKR_DEVICE_ERROR"},
        {CKR_PIN_INCORRECT, "CKR_PIN_INCORRECT"},
        {CKR_USER_ALREADY_LOGGED_IN, "CKR_USER_ALREADY_LOGGED_IN"},
        {CKR_OPERATION_NOT_INITIALIZED, "CKR_OPERATION_NOT_INITIALIZED"},
        {CKR_FUNCTION_FAILED, "CKR_FUNCTION_FAILED"},
        {CKR_TOKEN_NOT_RECOGNIZED, "CKR_TOKEN_NOT_RECOGNIZED"},
        {CKR_SLOT_ID_INVALID, "CKR_SLOT_ID_INVALID"},
    };
    const auto it = names.find(rv);
    char buf[32];
    std::snprintf(buf, sizeof buf, "0x%lx", static_cast<unsigned long>(rv));
    return it != names.end() ? it->second : buf;
}

// The clean errors a fault may produce (issue 8): anything else (CKR_OK included) is a failure.
inline bool cleanFaultError(CK_RV rv) {
    // Not CKR_DEVICE_ERROR: a card pulled mid-APDU must be reported as removed (PcscTransport
    // asks pcscd after a failed exchange), not as a broken device.
    return rv == CKR_DEVICE_REMOVED || rv == CKR_TOKEN_NOT_PRESENT ||
           rv == CKR_SESSION_HANDLE_INVALID || rv == CKR_SESSION_CLOSED ||
           rv == CKR_USER_NOT_LOGGED_IN;
}

}  // namespace faults
