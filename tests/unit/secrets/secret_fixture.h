// Shared by the secrets tests: distinctive secrets (they occur nowhere in the simulated card's
// data, so any match in freed memory is a copy of the secret), a simulated card that knows them,
// and OpenSSL signature verification (an operation is proven to have worked, not just not to
// throw).
#pragma once

#include <memory>
#include <string>

#include "apdu/bytes.h"
#include "cardsim/card_data.h"
#include "cardsim/profile.h"
#include "cardsim/sim_card.h"
#include "tests/conformance/fixture.h"

namespace mynacard::secrets_test {

// All ASCII, as the card receives them (spec §3 VERIFY data, §4.5 upper-cased password).
inline constexpr const char* kAuthPin = "7395";
inline constexpr const char* kAuthPinNew = "2846";
inline constexpr const char* kSignTyped = "qz7X9k";  // as typed; the card gets QZ7X9K
inline constexpr const char* kSignPassword = "QZ7X9K";
inline constexpr const char* kSignPasswordNew = "WV3R8T";
inline constexpr const char* kTextPin = "6081";
inline constexpr const char* kResidentPin = "5173";
inline constexpr const char* kResidentPinNew = "4962";
// 照合番号B of the default card data (spec §6.5): era 550217 + expiry year 2035 + code 2285.
inline constexpr const char* kCollationB = "55021720352285";

inline constexpr const char* kAllSecrets[] = {kAuthPin,      kAuthPinNew,      kSignTyped,
                                              kSignPassword, kSignPasswordNew, kTextPin,
                                              kResidentPin,  kResidentPinNew,  kCollationB};

inline const sim::CardData& defaultCardData() {
    static const sim::CardData data = sim::buildCardData(sim::defaultProfile());
    return data;
}

// The default card with our PINs (PINs live in the profile, not in the card data).
inline sim::Profile secretsProfile() {
    sim::Profile p = sim::defaultProfile();
    p.pinAuth = kAuthPin;
    p.pinSign = kSignPassword;
    p.pinText = kTextPin;
    p.pinResident = kResidentPin;
    return p;
}

inline std::unique_ptr<sim::SimCard> makeCard() {
    return std::make_unique<sim::SimCard>(secretsProfile(), defaultCardData());
}

// PKCS#1 v1.5 / SHA-256 signature check with the certificate's public key (the conformance
// tests' OpenSSL helper).
inline bool verifySha256(const apdu::Bytes& certDer, const apdu::Bytes& data,
                         const apdu::Bytes& sig) {
    return p11test::verifyWithCertificate(certDer, CKM_SHA256_RSA_PKCS, data, sig);
}

}  // namespace mynacard::secrets_test
