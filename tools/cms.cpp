#include "tools/cms.h"

#include <openssl/bio.h>
#include <openssl/cms.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>

#include <fstream>
#include <iterator>
#include <memory>

#include "apdu/card/crypto.h"
#include "apdu/errors.h"

namespace mynacard::cli {
namespace {

template <typename T, void (*F)(T*)>
struct Deleter {
    void operator()(T* p) const { F(p); }
};
using X509Ptr = std::unique_ptr<X509, Deleter<X509, X509_free>>;
using BioPtr = std::unique_ptr<BIO, Deleter<BIO, BIO_free_all>>;
using CmsPtr = std::unique_ptr<CMS_ContentInfo, Deleter<CMS_ContentInfo, CMS_ContentInfo_free>>;
using StorePtr = std::unique_ptr<X509_STORE, Deleter<X509_STORE, X509_STORE_free>>;
using PkeyPtr = std::unique_ptr<EVP_PKEY, Deleter<EVP_PKEY, EVP_PKEY_free>>;

std::string opensslError(const char* what) {
    std::string s = what;
    const unsigned long e = ERR_get_error();
    if (e != 0) {
        char buf[256];
        ERR_error_string_n(e, buf, sizeof buf);
        s += ": ";
        s += buf;
    }
    ERR_clear_error();
    return s;
}

[[noreturn]] void fail(const char* what) { throw Error(opensslError(what)); }

X509Ptr parseCertificate(const apdu::Bytes& data) {
    const apdu::Bytes der = pemOrDerToDer(data);
    const unsigned char* p = der.data();
    X509Ptr cert(d2i_X509(nullptr, &p, static_cast<long>(der.size())));
    if (!cert) throw Error(opensslError("not an X.509 certificate"));
    return cert;
}

apdu::Bytes readFile(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw std::invalid_argument("cannot read file: " + path);
    return apdu::Bytes(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

// Every certificate in PEM (several blocks) or DER (one) files.
StorePtr loadStore(const std::vector<std::string>& caFiles) {
    StorePtr store(X509_STORE_new());
    if (!store) fail("X509_STORE_new");
    for (const auto& path : caFiles) {
        const apdu::Bytes data = readFile(path);
        int added = 0;
        BioPtr bio(BIO_new_mem_buf(data.data(), static_cast<int>(data.size())));
        while (X509* x = PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr)) {
            X509_STORE_add_cert(store.get(), x);
            X509_free(x);
            ++added;
        }
        ERR_clear_error();
        if (added == 0) {
            const unsigned char* p = data.data();
            X509Ptr x(d2i_X509(nullptr, &p, static_cast<long>(data.size())));
            if (!x) throw std::invalid_argument("no certificate in " + path);
            X509_STORE_add_cert(store.get(), x.get());
        }
    }
    return store;
}

std::string subjectLine(X509* cert) {
    BioPtr bio(BIO_new(BIO_s_mem()));
    X509_NAME_print_ex(bio.get(), X509_get_subject_name(cert), 0, XN_FLAG_ONELINE & ~ASN1_STRFLGS_ESC_MSB);
    char* p = nullptr;
    const long n = BIO_get_mem_data(bio.get(), &p);
    return std::string(p, static_cast<std::size_t>(n));
}

void appendDerLength(apdu::Bytes& out, std::size_t n) {
    if (n < 0x80) {
        out.push_back(static_cast<std::uint8_t>(n));
        return;
    }
    apdu::Bytes len;
    for (std::size_t v = n; v != 0; v >>= 8) len.insert(len.begin(), static_cast<std::uint8_t>(v & 0xFF));
    out.push_back(static_cast<std::uint8_t>(0x80 | len.size()));
    out.insert(out.end(), len.begin(), len.end());
}

// The DER the signature covers: the signed attributes as an explicit SET OF (RFC 5652 §5.4), in
// the order they appear in the encoded SignerInfo — which is the order OpenSSL re-encodes when
// verifying, so the CMS is round-tripped through DER before this is called.
apdu::Bytes signedAttributesDer(CMS_SignerInfo* si) {
    apdu::Bytes body;
    const int count = CMS_signed_get_attr_count(si);
    if (count <= 0) throw Error("CMS: no signed attributes");
    for (int i = 0; i < count; ++i) {
        X509_ATTRIBUTE* attr = CMS_signed_get_attr(si, i);
        unsigned char* der = nullptr;
        const int n = i2d_X509_ATTRIBUTE(attr, &der);
        if (n <= 0) fail("i2d_X509_ATTRIBUTE");
        body.insert(body.end(), der, der + n);
        OPENSSL_free(der);
    }
    apdu::Bytes out{0x31};
    appendDerLength(out, body.size());
    out.insert(out.end(), body.begin(), body.end());
    return out;
}

apdu::Bytes encode(CMS_ContentInfo* cms) {
    unsigned char* der = nullptr;
    const int n = i2d_CMS_ContentInfo(cms, &der);
    if (n <= 0) fail("i2d_CMS_ContentInfo");
    apdu::Bytes out(der, der + n);
    OPENSSL_free(der);
    return out;
}

CmsPtr decode(const apdu::Bytes& der) {
    const unsigned char* p = der.data();
    CmsPtr cms(d2i_CMS_ContentInfo(nullptr, &p, static_cast<long>(der.size())));
    if (!cms) fail("d2i_CMS_ContentInfo");
    return cms;
}

}  // namespace

apdu::Bytes derToPem(const apdu::Bytes& der, const char* label) {
    BioPtr bio(BIO_new(BIO_s_mem()));
    if (PEM_write_bio(bio.get(), label, "", der.data(), static_cast<long>(der.size())) <= 0)
        fail("PEM_write_bio");
    char* p = nullptr;
    const long n = BIO_get_mem_data(bio.get(), &p);
    return apdu::Bytes(p, p + n);
}

apdu::Bytes pemOrDerToDer(const apdu::Bytes& data) {
    static const std::string marker = "-----BEGIN ";
    if (data.size() > marker.size() &&
        std::search(data.begin(), data.end(), marker.begin(), marker.end()) != data.end()) {
        BioPtr bio(BIO_new_mem_buf(data.data(), static_cast<int>(data.size())));
        char* name = nullptr;
        char* header = nullptr;
        unsigned char* der = nullptr;
        long len = 0;
        if (PEM_read_bio(bio.get(), &name, &header, &der, &len) != 1) fail("bad PEM");
        apdu::Bytes out(der, der + len);
        OPENSSL_free(name);
        OPENSSL_free(header);
        OPENSSL_free(der);
        return out;
    }
    return data;
}

apdu::Bytes cmsSign(const CmsSignRequest& request) {
    if (!request.sign) throw Error("cmsSign: no signer");
    X509Ptr cert = parseCertificate(request.signerCertificate);
    PkeyPtr publicKey(X509_get_pubkey(cert.get()));
    if (!publicKey) fail("certificate public key");
    const EVP_MD* md = EVP_get_digestbyname(card::hashName(request.hash));
    if (md == nullptr) throw Error("unknown digest");

    // CMS_PARTIAL: OpenSSL neither hashes nor signs; the public key only fixes the algorithms
    // and the signer identifier (issuer and serial).
    const unsigned flags = CMS_BINARY | CMS_PARTIAL | CMS_NOSMIMECAP | (request.detached ? CMS_DETACHED : 0);
    CmsPtr cms(CMS_sign(nullptr, nullptr, nullptr, nullptr, flags));
    if (!cms) fail("CMS_sign");
    CMS_SignerInfo* si = CMS_add1_signer(cms.get(), cert.get(), publicKey.get(), md, flags);
    if (si == nullptr) fail("CMS_add1_signer");
    for (const auto& extra : request.extraCertificates) {
        X509Ptr x = parseCertificate(extra);
        if (CMS_add1_cert(cms.get(), x.get()) != 1) fail("CMS_add1_cert");
    }

    const apdu::Bytes digest = card::hashData(request.hash, request.content);
    if (CMS_signed_add1_attr_by_NID(si, NID_pkcs9_contentType, V_ASN1_OBJECT,
                                    OBJ_nid2obj(NID_pkcs7_data), -1) != 1 ||
        CMS_signed_add1_attr_by_NID(si, NID_pkcs9_messageDigest, V_ASN1_OCTET_STRING, digest.data(),
                                    static_cast<int>(digest.size())) != 1)
        fail("CMS signed attributes");
    std::unique_ptr<ASN1_TIME, Deleter<ASN1_TIME, ASN1_TIME_free>> now(X509_gmtime_adj(nullptr, 0));
    if (!now || CMS_signed_add1_attr_by_NID(si, NID_pkcs9_signingTime, now->type, now.get(), -1) != 1)
        fail("CMS signingTime");

    if (!request.detached) {
        ASN1_OCTET_STRING** pos = CMS_get0_content(cms.get());
        if (pos == nullptr) fail("CMS_get0_content");
        if (*pos == nullptr) *pos = ASN1_OCTET_STRING_new();
        if (*pos == nullptr ||
            ASN1_OCTET_STRING_set(*pos, request.content.data(), static_cast<int>(request.content.size())) != 1)
            fail("CMS content");
        (*pos)->flags &= ~ASN1_STRING_FLAG_CONT;
    }

    // Round-trip so that the attributes are in their encoded (DER SET OF) order.
    CmsPtr final = decode(encode(cms.get()));
    auto* infos = CMS_get0_SignerInfos(final.get());
    if (infos == nullptr || sk_CMS_SignerInfo_num(infos) != 1) throw Error("CMS: expected one signer");
    CMS_SignerInfo* fsi = sk_CMS_SignerInfo_value(infos, 0);

    const apdu::Bytes toSign = card::digestInfoForData(request.hash, signedAttributesDer(fsi));
    const apdu::Bytes signature = request.sign(toSign);
    card::PublicKey key(EVP_PKEY_dup(publicKey.get()), EVP_PKEY_free);
    if (!card::verifyPkcs1Payload(key, toSign, signature))
        throw ProtocolError("the signature does not match the signer certificate");
    ASN1_OCTET_STRING* sig = CMS_SignerInfo_get0_signature(fsi);
    if (sig == nullptr || ASN1_STRING_set(sig, signature.data(), static_cast<int>(signature.size())) != 1)
        fail("CMS signature");
    return encode(final.get());
}

VerifyResult verifyRaw(const apdu::Bytes& data, const apdu::Bytes& signature,
                       const apdu::Bytes& certificate, card::HashAlgorithm hash,
                       const std::vector<std::string>& caFiles) {
    VerifyResult r;
    X509Ptr cert = parseCertificate(certificate);
    r.signer = subjectLine(cert.get());
    card::PublicKey key(X509_get_pubkey(cert.get()), EVP_PKEY_free);
    if (!key) fail("certificate public key");
    if (!card::verifyPkcs1Payload(key, card::digestInfoForData(hash, data), signature)) {
        r.reason = "the signature does not match the data and the certificate";
        return r;
    }
    if (!caFiles.empty()) {
        StorePtr store = loadStore(caFiles);
        std::unique_ptr<X509_STORE_CTX, Deleter<X509_STORE_CTX, X509_STORE_CTX_free>> ctx(X509_STORE_CTX_new());
        if (!ctx || X509_STORE_CTX_init(ctx.get(), store.get(), cert.get(), nullptr) != 1) fail("X509_STORE_CTX");
        if (X509_verify_cert(ctx.get()) != 1) {
            r.reason = std::string("certificate chain: ") +
                       X509_verify_cert_error_string(X509_STORE_CTX_get_error(ctx.get()));
            ERR_clear_error();
            return r;
        }
    }
    r.ok = true;
    return r;
}

VerifyResult verifyCms(const apdu::Bytes& cmsData, const apdu::Bytes* content,
                       const std::vector<std::string>& caFiles) {
    VerifyResult r;
    if (caFiles.empty()) throw std::invalid_argument("a CMS signature needs --ca FILE (trust anchors)");
    CmsPtr cms = decode(pemOrDerToDer(cmsData));
    StorePtr store = loadStore(caFiles);
    BioPtr in;
    if (content != nullptr) in.reset(BIO_new_mem_buf(content->data(), static_cast<int>(content->size())));
    const int ok = CMS_verify(cms.get(), nullptr, store.get(), in.get(), nullptr, CMS_BINARY);
    if (auto* signers = CMS_get0_signers(cms.get())) {
        if (sk_X509_num(signers) > 0) r.signer = subjectLine(sk_X509_value(signers, 0));
        sk_X509_free(signers);
    }
    if (ok != 1) {
        r.reason = opensslError("CMS verification failed");
        return r;
    }
    r.ok = true;
    return r;
}

}  // namespace mynacard::cli

namespace mynacard::cli {
apdu::Bytes certificateText(const apdu::Bytes& der) {
    const unsigned char* p = der.data();
    X509* x = d2i_X509(nullptr, &p, static_cast<long>(der.size()));
    if (x == nullptr) throw ProtocolError("the card's certificate does not parse");
    BIO* bio = BIO_new(BIO_s_mem());
    X509_print_ex(bio, x, XN_FLAG_ONELINE & ~ASN1_STRFLGS_ESC_MSB, 0);
    char* data = nullptr;
    const long n = BIO_get_mem_data(bio, &data);
    apdu::Bytes out(data, data + n);
    BIO_free(bio);
    X509_free(x);
    return out;
}
}  // namespace mynacard::cli
