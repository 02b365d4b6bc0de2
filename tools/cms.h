// CMS SignedData whose signature comes from the card (issue 6, RFC 5652): the card only signs a
// DigestInfo (80 2A), so the SignedData is built with OpenSSL's CMS API around the signer
// certificate's PUBLIC key (CMS_PARTIAL), and the card's signature over the DER of the signed
// attributes is injected afterwards. Verification helpers for `mynacard verify` live here too.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "apdu/bytes.h"
#include "apdu/card/digest_info.h"

namespace mynacard::cli {

struct CmsSignRequest {
    apdu::Bytes content;
    apdu::Bytes signerCertificate;          // DER
    std::vector<apdu::Bytes> extraCertificates;  // DER (the CA certificate)
    card::HashAlgorithm hash = card::HashAlgorithm::Sha256;
    bool detached = true;
    // Signs a DER DigestInfo with the key of signerCertificate (the card: 80 2A).
    std::function<apdu::Bytes(const apdu::Bytes& digestInfo)> sign;
};

// DER ContentInfo(SignedData) with signed attributes contentType, messageDigest, signingTime.
// Throws mynacard::Error when OpenSSL refuses something; the signature is checked with the
// certificate's public key before the CMS is returned.
apdu::Bytes cmsSign(const CmsSignRequest& request);

apdu::Bytes derToPem(const apdu::Bytes& der, const char* label);
// Accepts PEM (any label) or DER; returns DER.
apdu::Bytes pemOrDerToDer(const apdu::Bytes& data);

struct VerifyResult {
    bool ok = false;
    std::string reason;       // why not, when !ok
    std::string signer;       // subject of the signer certificate (one line)
};

// Raw PKCS#1 v1.5 signature of `data` (hashed with `hash`) against a certificate (PEM or DER);
// when `caFiles` is not empty the certificate must also chain to one of them.
VerifyResult verifyRaw(const apdu::Bytes& data, const apdu::Bytes& signature,
                       const apdu::Bytes& certificate, card::HashAlgorithm hash,
                       const std::vector<std::string>& caFiles);
// CMS SignedData (PEM or DER); `content` for a detached signature (empty: attached). The signer
// must chain to one of `caFiles` (at least one required).
VerifyResult verifyCms(const apdu::Bytes& cms, const apdu::Bytes* content,
                       const std::vector<std::string>& caFiles);

}  // namespace mynacard::cli

namespace mynacard::cli {
// Readable dump of a DER certificate (OpenSSL's X509_print), UTF-8 names kept.
apdu::Bytes certificateText(const apdu::Bytes& der);
}  // namespace mynacard::cli
