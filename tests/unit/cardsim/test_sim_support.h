// Shared helpers for the simulator's unit tests: a card behind SimTransport, hex APDUs, and
// OpenSSL signature checks against certificates read from the card.
#pragma once

#include <openssl/evp.h>

#include <cstdint>
#include <memory>
#include <string>

#include "apdu/bytes.h"
#include "cardsim/card_data.h"
#include "cardsim/profile.h"
#include "cardsim/sim_card.h"
#include "cardsim/sim_transport.h"

namespace simtest {

using mynacard::apdu::Bytes;
using mynacard::sim::AppletId;

struct Resp {
    Bytes data;
    std::uint16_t sw = 0;
};

// The default profile with `variants`; its CardData comes from buildCardData (cached per
// variant set, since building keys and images is the slow part).
mynacard::sim::Profile profileWith(const mynacard::sim::Variants& variants);
mynacard::sim::CardData cardDataFor(const mynacard::sim::Profile& profile);

struct Sim {
    explicit Sim(const mynacard::sim::Variants& variants = {}, const std::string& statePath = "");
    mynacard::sim::Profile profile;
    std::unique_ptr<mynacard::sim::SimCard> card;
    std::unique_ptr<mynacard::sim::SimTransport> transport;

    Resp send(const Bytes& apdu);
    Resp send(const std::string& hex);
    // SELECT by full AID / SELECT EF; REQUIREs 9000.
    void selectAp(AppletId id);
    void selectEf(std::uint16_t fid);
    // SELECT EF + VERIFY (ASCII secret); returns the VERIFY SW.
    std::uint16_t verify(std::uint16_t keyFid, const std::string& secret);
    // Empty VERIFY on the currently selected key EF.
    std::uint16_t query();
    // READ BINARY of the whole current EF in 256-byte chunks; sw of the failing chunk if any.
    Resp readAll();
    // SELECT EF + readAll.
    Resp readEf(std::uint16_t fid);
};

Bytes hex(const std::string& text);
Bytes ascii(const std::string& text);
std::string apduHex(std::uint8_t cla, std::uint8_t ins, std::uint8_t p1, std::uint8_t p2,
                    const Bytes& data, int le = -1);
// SHA-256 DigestInfo (DER) of `message`.
Bytes sha256DigestInfo(const Bytes& message);
// True when `signature` is a valid sha256WithRSA (PKCS#1 v1.5) signature of `message` by the
// public key in the DER certificate `certDer`.
bool verifyWithCert(const Bytes& certDer, const Bytes& message, const Bytes& signature);
// As above with a public key (or key pair) instead of a certificate.
bool verifyWithKey(EVP_PKEY* key, const Bytes& message, const Bytes& signature);

}  // namespace simtest
