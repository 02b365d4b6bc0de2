#include "cardsim/card_data_crypto.h"

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>

#include <memory>
#include <stdexcept>

#include "apdu/tlv.h"
#include "cardsim/card_data_embedded.h"

namespace mynacard::sim::detail {

namespace {

[[noreturn]] void opensslFail(const std::string& what) {
    unsigned long code = ERR_get_error();
    char buf[256] = "no OpenSSL error queued";
    if (code) ERR_error_string_n(code, buf, sizeof buf);
    ERR_clear_error();
    throw std::runtime_error("cardsim: " + what + ": " + buf);
}

using BioPtr = std::unique_ptr<BIO, decltype(&BIO_free)>;
using CtxPtr = std::unique_ptr<EVP_PKEY_CTX, decltype(&EVP_PKEY_CTX_free)>;
using MdCtxPtr = std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)>;
using BnPtr = std::unique_ptr<BIGNUM, decltype(&BN_free)>;

BnPtr bnParam(const PKey& key, const char* name) {
    BIGNUM* bn = nullptr;
    if (EVP_PKEY_get_bn_param(key.get(), name, &bn) != 1) opensslFail(std::string("reading RSA ") + name);
    return BnPtr(bn, BN_free);
}

}  // namespace

PKey loadTestKey(const std::string& name) {
    std::string_view pem = embeddedFile("keys/" + name + ".pem");
    if (pem.empty()) throw std::runtime_error("cardsim: embedded test key keys/" + name + ".pem is missing");
    BioPtr bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())), BIO_free);
    if (!bio) opensslFail("BIO_new_mem_buf");
    EVP_PKEY* key = PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr);
    if (!key) opensslFail("parsing keys/" + name + ".pem");
    return PKey(key, EVP_PKEY_free);
}

apdu::Bytes sha256(const apdu::Bytes& data) {
    apdu::Bytes out(32);
    unsigned int len = 0;
    if (EVP_Digest(data.data(), data.size(), out.data(), &len, EVP_sha256(), nullptr) != 1 || len != 32)
        opensslFail("SHA-256");
    return out;
}

apdu::Bytes signSha256(const PKey& key, const apdu::Bytes& data) {
    MdCtxPtr ctx(EVP_MD_CTX_new(), EVP_MD_CTX_free);
    EVP_PKEY_CTX* pctx = nullptr;
    if (!ctx || EVP_DigestSignInit(ctx.get(), &pctx, EVP_sha256(), nullptr, key.get()) != 1)
        opensslFail("EVP_DigestSignInit");
    if (EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PADDING) != 1) opensslFail("set PKCS#1 padding");
    std::size_t len = 0;
    if (EVP_DigestSign(ctx.get(), nullptr, &len, data.data(), data.size()) != 1) opensslFail("EVP_DigestSign");
    apdu::Bytes sig(len);
    if (EVP_DigestSign(ctx.get(), sig.data(), &len, data.data(), data.size()) != 1) opensslFail("EVP_DigestSign");
    sig.resize(len);
    return sig;
}

apdu::Bytes signRaw(const PKey& key, const apdu::Bytes& digestInfo) {
    CtxPtr ctx(EVP_PKEY_CTX_new(key.get(), nullptr), EVP_PKEY_CTX_free);
    if (!ctx || EVP_PKEY_sign_init(ctx.get()) != 1) opensslFail("EVP_PKEY_sign_init");
    // No signature digest set: OpenSSL pads the bytes as given (type 1) and does not hash them.
    if (EVP_PKEY_CTX_set_rsa_padding(ctx.get(), RSA_PKCS1_PADDING) != 1) opensslFail("set PKCS#1 padding");
    std::size_t len = 0;
    if (EVP_PKEY_sign(ctx.get(), nullptr, &len, digestInfo.data(), digestInfo.size()) != 1)
        opensslFail("EVP_PKEY_sign");
    apdu::Bytes sig(len);
    if (EVP_PKEY_sign(ctx.get(), sig.data(), &len, digestInfo.data(), digestInfo.size()) != 1)
        opensslFail("EVP_PKEY_sign");
    sig.resize(len);
    return sig;
}

apdu::Bytes rsaModulus(const PKey& key) {
    BnPtr n = bnParam(key, OSSL_PKEY_PARAM_RSA_N);
    int size = EVP_PKEY_get_size(key.get());
    apdu::Bytes out(static_cast<std::size_t>(size));
    if (BN_bn2binpad(n.get(), out.data(), size) != size) opensslFail("encoding the modulus");
    return out;
}

apdu::Bytes publicKeyBlock(const PKey& key) {
    BnPtr e = bnParam(key, OSSL_PKEY_PARAM_RSA_E);
    apdu::Bytes exponent(static_cast<std::size_t>(BN_num_bytes(e.get())));
    BN_bn2bin(e.get(), exponent.data());
    apdu::Bytes out = apdu::encodeTlv(0x90, exponent);
    append(out, apdu::encodeTlv(0x91, rsaModulus(key)));
    return out;
}

std::string publicKeyPem(const PKey& key) {
    BioPtr bio(BIO_new(BIO_s_mem()), BIO_free);
    if (!bio || PEM_write_bio_PUBKEY(bio.get(), key.get()) != 1) opensslFail("PEM_write_bio_PUBKEY");
    char* data = nullptr;
    long len = BIO_get_mem_data(bio.get(), &data);
    return std::string(data, static_cast<std::size_t>(len));
}

apdu::Bytes toBytes(const std::string& s) { return apdu::Bytes(s.begin(), s.end()); }

void append(apdu::Bytes& out, const apdu::Bytes& more) { out.insert(out.end(), more.begin(), more.end()); }

}  // namespace mynacard::sim::detail
