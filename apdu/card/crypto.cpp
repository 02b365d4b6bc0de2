#include "apdu/card/crypto.h"

#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/param_build.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

#include "apdu/errors.h"
#include "apdu/libctx.h"

namespace mynacard::card {

// Every fetch goes to apdu::libctx(), never to the host process's default context (libctx.h).
PublicKey publicKeyFromCertificate(const apdu::Bytes& der) {
    const unsigned char* p = der.data();
    X509* cert = apdu::decodeCertificate(&p, static_cast<long>(der.size()));
    if (cert == nullptr) throw ProtocolError("certificate from the card is not valid DER X.509");
    EVP_PKEY* key = X509_get_pubkey(cert);
    X509_free(cert);
    if (key == nullptr) throw ProtocolError("certificate from the card has no usable public key");
    return PublicKey(key, EVP_PKEY_free);
}

PublicKey rsaPublicKey(const apdu::Bytes& modulus, const apdu::Bytes& exponent) {
    BIGNUM* n = BN_bin2bn(modulus.data(), static_cast<int>(modulus.size()), nullptr);
    BIGNUM* e = BN_bin2bn(exponent.data(), static_cast<int>(exponent.size()), nullptr);
    OSSL_PARAM_BLD* bld = OSSL_PARAM_BLD_new();
    OSSL_PARAM* params = nullptr;
    EVP_PKEY_CTX* ctx = EVP_PKEY_CTX_new_from_name(apdu::libctx(), "RSA", nullptr);
    EVP_PKEY* key = nullptr;
    if (n && e && bld && ctx && OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_N, n) == 1 &&
        OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_E, e) == 1 &&
        (params = OSSL_PARAM_BLD_to_param(bld)) != nullptr && EVP_PKEY_fromdata_init(ctx) == 1) {
        if (EVP_PKEY_fromdata(ctx, &key, EVP_PKEY_PUBLIC_KEY, params) != 1) key = nullptr;
    }
    OSSL_PARAM_free(params);
    OSSL_PARAM_BLD_free(bld);
    EVP_PKEY_CTX_free(ctx);
    BN_free(n);
    BN_free(e);
    ERR_clear_error();
    if (key == nullptr) throw ProtocolError("the card's RSA public key is not usable");
    return PublicKey(key, EVP_PKEY_free);
}

std::size_t keySizeBytes(const PublicKey& key) {
    int size = EVP_PKEY_get_size(key.get());
    return size > 0 ? static_cast<std::size_t>(size) : 0;
}

bool verifyPkcs1Payload(const PublicKey& key, const apdu::Bytes& expectedPayload,
                        const apdu::Bytes& signature) {
    if (!key || signature.size() != keySizeBytes(key)) return false;
    EVP_PKEY_CTX* ctx = EVP_PKEY_CTX_new_from_pkey(apdu::libctx(), key.get(), nullptr);
    bool ok = false;
    if (ctx != nullptr && EVP_PKEY_verify_recover_init(ctx) == 1 &&
        EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_PKCS1_PADDING) == 1) {
        apdu::Bytes out(signature.size());
        size_t outLen = out.size();
        if (EVP_PKEY_verify_recover(ctx, out.data(), &outLen, signature.data(), signature.size()) ==
            1) {
            out.resize(outLen);
            ok = out == expectedPayload;
        }
    }
    EVP_PKEY_CTX_free(ctx);
    ERR_clear_error();  // a bad signature leaves errors on the queue; nothing else reads them
    return ok;
}

apdu::Bytes sha256(const std::uint8_t* data, std::size_t size) {
    apdu::Bytes out(32);
    unsigned int len = 0;
    apdu::EvpMdPtr md = apdu::fetchDigest("SHA256");
    if (!md || EVP_Digest(data, size, out.data(), &len, md.get(), nullptr) != 1 || len != 32)
        throw Error("OpenSSL cannot compute SHA-256");
    return out;
}

apdu::Bytes sha256(const apdu::Bytes& data) { return sha256(data.data(), data.size()); }

}  // namespace mynacard::card
