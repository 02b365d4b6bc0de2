#include "apdu/card/trust_anchors.h"

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include <fstream>
#include <sstream>

#include "apdu/card/digest_info.h"
#include "apdu/errors.h"
#include "apdu/libctx.h"

namespace mynacard::card {

TrustAnchors TrustAnchors::fromPem(const std::string& pem) {
    TrustAnchors anchors;
    BIO* bio = BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size()));
    if (bio == nullptr) throw Error("out of memory reading trust anchors");
    for (int index = 1;; ++index) {
        char* name = nullptr;
        char* header = nullptr;
        unsigned char* data = nullptr;
        long len = 0;
        if (PEM_read_bio(bio, &name, &header, &data, &len) != 1) break;
        std::string type = name;
        const unsigned char* p = data;
        EVP_PKEY* key = nullptr;
        std::string label;
        if (type == "PUBLIC KEY") {
            key = d2i_PUBKEY_ex(nullptr, &p, len, apdu::libctx(), nullptr);
            label = "public key #" + std::to_string(index);
        } else if (type == "RSA PUBLIC KEY") {
            // No _ex variant in OpenSSL 3.0; it builds a legacy RSA key without fetching, and
            // verifyPkcs1Payload() exports it into apdu::libctx() when it is used.
            key = d2i_PublicKey(EVP_PKEY_RSA, nullptr, &p, len);
            label = "RSA public key #" + std::to_string(index);
        } else if (type == "CERTIFICATE") {
            X509* cert = apdu::decodeCertificate(&p, len);
            if (cert != nullptr) {
                key = X509_get_pubkey(cert);
                char buf[256];
                X509_NAME_oneline(X509_get_subject_name(cert), buf, sizeof buf);
                label = std::string("certificate ") + buf;
                X509_free(cert);
            }
        }
        OPENSSL_free(name);
        OPENSSL_free(header);
        OPENSSL_free(data);
        if (!label.empty() && key == nullptr) {
            BIO_free(bio);
            throw Error("trust anchor " + label + " does not parse");
        }
        if (key != nullptr) anchors.add(PublicKey(key, EVP_PKEY_free), label);
    }
    BIO_free(bio);
    ERR_clear_error();  // PEM_read_bio leaves "no start line" at the end of input
    if (anchors.empty()) throw Error("no PUBLIC KEY or CERTIFICATE block in the trust anchors");
    return anchors;
}

TrustAnchors TrustAnchors::fromPemFile(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw Error("cannot read trust anchor file " + path);
    std::ostringstream text;
    text << in.rdbuf();
    return fromPem(text.str());
}

void TrustAnchors::add(PublicKey key, std::string label) {
    keys_.push_back({std::move(key), std::move(label)});
}

std::string TrustAnchors::findSigner(const CvCertificate& cv) const {
    const apdu::Bytes expected = digestInfo(HashAlgorithm::Sha256, sha256(cv.body));
    for (const Anchor& a : keys_)
        if (verifyPkcs1Payload(a.key, expected, cv.signature)) return a.label;
    return {};
}

}  // namespace mynacard::card
