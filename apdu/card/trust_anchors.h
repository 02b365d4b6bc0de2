// The keys a record's EF 0004 certificate must chain to (spec §5.4 step 1). Production anchors
// are configurable (J-LIS does not put them on the card); tests use the simulator's
// (CardData::trustAnchorsPem). Several generations share one name, so every key is tried.
#pragma once

#include <string>
#include <vector>

#include "apdu/bytes.h"
#include "apdu/card/crypto.h"
#include "apdu/card/cv_certificate.h"

namespace mynacard::card {

class TrustAnchors {
  public:
    TrustAnchors() = default;
    // PEM text with any mix of PUBLIC KEY, RSA PUBLIC KEY and CERTIFICATE blocks. Throws
    // mynacard::Error when a block does not parse or there is no block at all.
    static TrustAnchors fromPem(const std::string& pem);
    static TrustAnchors fromPemFile(const std::string& path);

    void add(PublicKey key, std::string label);
    bool empty() const { return keys_.empty(); }
    std::size_t size() const { return keys_.size(); }

    // Label of the first anchor whose key verifies `cv`'s signature (SHA-256 PKCS#1 v1.5 over
    // the body), or "" when none does.
    std::string findSigner(const CvCertificate& cv) const;

  private:
    struct Anchor {
        PublicKey key;
        std::string label;
    };
    std::vector<Anchor> keys_;
};

}  // namespace mynacard::card
