#include "apdu/card/jpki_applet.h"

#include "apdu/card/crypto.h"
#include "apdu/errors.h"

namespace mynacard::card {
namespace {

// spec §4.1 EF map
constexpr std::uint16_t kCertAvailabilityEf = 0x0008;

std::uint16_t certificateEf(JpkiCertificate which) {
    switch (which) {
        case JpkiCertificate::Auth:
            return 0x000A;
        case JpkiCertificate::AuthCa:
            return 0x000B;
        case JpkiCertificate::Sign:
            return 0x0001;
        case JpkiCertificate::SignCa:
            return 0x0002;
    }
    return 0;
}

std::uint16_t keyEf(JpkiKey key) { return key == JpkiKey::Auth ? 0x0017 : 0x001A; }

std::string cacheKey(JpkiCertificate which) {
    return "jpki.cert." + std::to_string(static_cast<int>(which));
}

JpkiCertificate certificateOf(JpkiKey key) {
    return key == JpkiKey::Auth ? JpkiCertificate::Auth : JpkiCertificate::Sign;
}

}  // namespace

Secret jpkiSecret(JpkiKey key) {
    return key == JpkiKey::Auth ? Secret::JpkiAuthPin : Secret::JpkiSignPassword;
}

const char* jpkiCertificateName(JpkiCertificate which) {
    switch (which) {
        case JpkiCertificate::Auth:
            return "user authentication certificate";
        case JpkiCertificate::AuthCa:
            return "user authentication CA certificate";
        case JpkiCertificate::Sign:
            return "digital signature certificate";
        case JpkiCertificate::SignCa:
            return "digital signature CA certificate";
    }
    return "?";
}

std::optional<TokenInfo> JpkiApplet::tokenInfo() { return session_.identify().tokenInfo; }

CertificateAvailability JpkiApplet::certificateAvailability() {
    CardSession::Transaction tx(session_);
    CertificateAvailability a;
    session_.selectApplet(Applet::Jpki);
    if (session_.selectEf(kCertAvailabilityEf) != apdu::sw::kOk) return a;
    apdu::ResponseApdu r = session_.transmit(apdu::cmd::readBinary(0, 3));
    if (!r.ok() || r.data.size() < 2) return a;
    a.known = true;
    a.raw = r.data;
    a.signCertificate = r.data[0] == 0x8F;
    a.authCertificate = r.data[1] == 0x8F;
    return a;
}

std::optional<apdu::Bytes> JpkiApplet::cachedCertificate(JpkiCertificate which) const {
    if (const apdu::Bytes* c = session_.cached(cacheKey(which))) return *c;
    return std::nullopt;
}

apdu::Bytes JpkiApplet::certificate(JpkiCertificate which) {
    if (const apdu::Bytes* c = session_.cached(cacheKey(which))) return *c;
    CardSession::Transaction tx(session_);
    session_.selectApplet(Applet::Jpki);
    std::optional<Secret> needs;
    if (which == JpkiCertificate::Sign) needs = Secret::JpkiSignPassword;
    if (which == JpkiCertificate::Auth) needs = Secret::JpkiAuthPin;  // smartphone JPKI only
    apdu::Bytes der = session_.readTlvEf(certificateEf(which), needs);
    publicKeyFromCertificate(der);  // refuse anything that is not a certificate before caching
    session_.store(cacheKey(which), der);
    return der;
}

void JpkiApplet::changePin(JpkiKey key, const apdu::SecureBytes& oldValue,
                           const apdu::SecureBytes& newValue, bool allowFinalTry) {
    Credential old{jpkiSecret(key), oldValue.clone(), allowFinalTry};
    session_.changeSecret(old, newValue);
}

apdu::Bytes JpkiApplet::sign(JpkiKey key, const apdu::Bytes& input, const Credential& credential) {
    if (credential.secret != jpkiSecret(key))
        throw std::invalid_argument("credential does not unlock this key");
    CardSession::Transaction tx(session_);  // VERIFY + signature in one transaction (spec §9)
    session_.verify(credential);
    return sign(key, input);
}

apdu::Bytes JpkiApplet::sign(JpkiKey key, const apdu::Bytes& input) {
    const Secret secret = jpkiSecret(key);
    CardSession::Transaction tx(session_);
    // The certificate is needed to check the signature: read it (once per card session) before
    // selecting the key EF. For the signature key this already needs the password.
    PublicKey publicKey = publicKeyFromCertificate(certificate(certificateOf(key)));
    const std::size_t k = keySizeBytes(publicKey);
    // spec §4.4: P1=00 pads what it is given; at most k-11 bytes fit PKCS#1 v1.5 type 1.
    if (input.empty() || k < 11 || input.size() > k - 11)
        throw std::invalid_argument("signature input must be 1.." + std::to_string(k - 11) +
                                    " bytes (a DigestInfo or raw data)");
    session_.selectApplet(Applet::Jpki);
    std::uint16_t sw = session_.selectEf(keyEf(key));
    if (sw == apdu::sw::kFileNotFound && session_.isVerified(secret)) {
        // The key EF existed when we logged in: another application has selected another applet
        // since, which also dropped our login (spec §3).
        session_.throwNotLoggedIn(secret, "signing", true);
    }
    if (sw != apdu::sw::kOk)
        throw CardStatusError(sw, std::string("selecting the ") +
                                      (key == JpkiKey::Auth ? "authentication" : "signature") +
                                      " key: " + apdu::describeStatusWord(sw));
    apdu::ResponseApdu r =
        session_.transmit(apdu::cmd::computeDigitalSignature(0x00, 0x80, input, k));
    if (r.sw == apdu::sw::kSecurityNotSatisfied) session_.throwNotLoggedIn(secret, "signing");
    if (!r.ok())
        throw CardStatusError(r.sw, "COMPUTE DIGITAL SIGNATURE: " + apdu::describeStatusWord(r.sw));
    if (!verifyPkcs1Payload(publicKey, input, r.data))
        throw ProtocolError(
            "the card's signature does not verify with its certificate's public key; not used");
    return r.data;
}

apdu::Bytes JpkiApplet::signData(JpkiKey key, HashAlgorithm alg, const apdu::Bytes& data) {
    return sign(key, digestInfoForData(alg, data));
}

}  // namespace mynacard::card
