#include "apdu/libctx.h"

#include <openssl/crypto.h>
#include <openssl/provider.h>

namespace mynacard::apdu {
namespace {

struct PrivateLibctx {
    OSSL_LIB_CTX* ctx = nullptr;
    OSSL_PROVIDER* provider = nullptr;

    PrivateLibctx() {
        // Initialise libcrypto first, so that its atexit cleanup is registered before this
        // object's destructor and therefore runs after it (atexit order is last in, first out).
        OPENSSL_init_crypto(0, nullptr);
        ctx = OSSL_LIB_CTX_new();
        if (ctx) provider = OSSL_PROVIDER_load(ctx, "default");
    }
    ~PrivateLibctx() {
        if (provider) OSSL_PROVIDER_unload(provider);
        OSSL_LIB_CTX_free(ctx);
    }
    PrivateLibctx(const PrivateLibctx&) = delete;
    PrivateLibctx& operator=(const PrivateLibctx&) = delete;
};

}  // namespace

OSSL_LIB_CTX* libctx() {
    static PrivateLibctx instance;  // initialised once, thread-safe (C++11 function-local static)
    return instance.ctx;
}

EvpMdPtr fetchDigest(const char* name) { return EvpMdPtr(EVP_MD_fetch(libctx(), name, nullptr)); }

X509* decodeCertificate(const unsigned char** in, long length) {
    X509* cert = X509_new_ex(libctx(), nullptr);
    if (cert == nullptr) return nullptr;
    // On failure d2i_X509 frees the object it was given and sets the pointer to null.
    return d2i_X509(&cert, in, length);
}

}  // namespace mynacard::apdu
