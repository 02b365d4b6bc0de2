// The OpenSSL library context of every algorithm the card layer and the PKCS#11 module fetch
// (hashes, RSA verification, key and certificate decoding). A private context with only the
// default provider: the host process may have loaded a PKCS#11 provider into OpenSSL's default
// context (which could recurse into this very module) or run it FIPS-only (which may refuse
// SHA-1 or a card's key); neither must change what the card layer computes.
#pragma once

#include <openssl/evp.h>
#include <openssl/types.h>
#include <openssl/x509.h>

#include <memory>

namespace mynacard::apdu {

// Created on first use (thread-safe) and freed at exit or when the module is unloaded. Null only
// when OpenSSL cannot allocate a context; callers then pass null, i.e. the default context.
OSSL_LIB_CTX* libctx();

struct EvpMdFree {
    void operator()(EVP_MD* md) const { EVP_MD_free(md); }
};
using EvpMdPtr = std::unique_ptr<EVP_MD, EvpMdFree>;

// A digest ("SHA256", "sha1", ...) fetched from libctx(); null when it is not available.
EvpMdPtr fetchDigest(const char* name);

// d2i_X509 into a certificate bound to libctx() (decoding already hashes it for the extension
// cache, and later operations use the certificate's context). Advances *in like d2i_X509; null
// when the DER does not parse. The caller frees the result with X509_free.
X509* decodeCertificate(const unsigned char** in, long length);

}  // namespace mynacard::apdu
