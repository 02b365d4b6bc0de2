// 公的個人認証AP (JPKI-AP, spec §4): certificates, token info, the two secrets and signing.
// Every signature is checked against the certificate's public key before it is returned
// (issue 4: a wrong key or a corrupted response never reaches a caller).
#pragma once

#include <optional>

#include "apdu/bytes.h"
#include "apdu/card/card_session.h"
#include "apdu/card/digest_info.h"

namespace mynacard::card {

enum class JpkiKey { Auth, Sign };
enum class JpkiCertificate { Auth, AuthCa, Sign, SignCa };

Secret jpkiSecret(JpkiKey key);  // Auth → JpkiAuthPin, Sign → JpkiSignPassword
const char* jpkiCertificateName(JpkiCertificate which);

// EF 0008 (spec §4.1): which certificates the card carries ("8F 8F 00" = both, first byte =
// signature certificate per the one card examined, spec §10.1).
struct CertificateAvailability {
    bool known = false;  // EF 0008 was readable
    bool signCertificate = true;
    bool authCertificate = true;
    apdu::Bytes raw;
};

class JpkiApplet {
  public:
    explicit JpkiApplet(CardSession& session) : session_(session) {}

    // JPKI EF 0006 (read by CardSession::identify; no extra APDU when already identified).
    std::optional<TokenInfo> tokenInfo();
    CertificateAvailability certificateAvailability();

    // DER certificate, read at most once per card session (cached in the CardSession).
    // Sign needs the signature password verified (6982 → PinError NotLoggedIn); on smartphone
    // JPKI the auth certificate needs the auth PIN. A card without the certificate throws
    // CardStatusError(6A82).
    apdu::Bytes certificate(JpkiCertificate which);
    // The certificate if already read in this card session (no APDU), else nullopt.
    std::optional<apdu::Bytes> cachedCertificate(JpkiCertificate which) const;

    PinStatus pinStatus(JpkiKey key) { return session_.pinStatus(jpkiSecret(key)); }
    void verify(const Credential& credential) { session_.verify(credential); }
    bool isLoggedIn(JpkiKey key) const { return session_.isVerified(jpkiSecret(key)); }
    void changePin(JpkiKey key, const apdu::SecureBytes& oldValue,
                   const apdu::SecureBytes& newValue, bool allowFinalTry = false);
    // Drops the JPKI security state (selects another applet).
    bool logout() { return session_.logout(Applet::Jpki); }

    // 80 2A 00 80 over `input` — a DER DigestInfo or any 1..k-11 bytes (≤245 for RSA-2048) —
    // with the key, which must be unlocked (verify() earlier in this card session, or pass a
    // credential to do both in one transaction). The signature is verified with the
    // certificate's public key (ProtocolError when it does not match). 6982 → PinError
    // NotLoggedIn; the secret is never replayed.
    apdu::Bytes sign(JpkiKey key, const apdu::Bytes& input);
    apdu::Bytes sign(JpkiKey key, const apdu::Bytes& input, const Credential& credential);
    // Hashes on the host and signs the DigestInfo.
    apdu::Bytes signData(JpkiKey key, HashAlgorithm alg, const apdu::Bytes& data);

  private:
    CardSession& session_;
};

}  // namespace mynacard::card
