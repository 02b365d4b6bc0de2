// Every file the simulated card holds, and its private keys, generated from a Profile.
// Built once per simulator start (certificates are issued by the simulator's fixed test CAs, so the
// same profile gives the same keys; signatures over certificates may differ run to run).
#pragma once

#include <openssl/evp.h>

#include <memory>
#include <string>

#include "apdu/bytes.h"
#include "cardsim/profile.h"

namespace mynacard::sim {

using PKey = std::shared_ptr<EVP_PKEY>;  // deleter: EVP_PKEY_free

struct CardData {
    // JPKI-AP (spec §4): DER certificates, token info (EF 0006, 160 bytes), EF 0008 (3 bytes).
    apdu::Bytes authCert, authCaCert, signCert, signCaCert;
    PKey authKey, signKey;
    apdu::Bytes tokenInfo, certAvailability;

    // 券面事項入力補助AP (spec §5.3): EF 0001..0007 contents as stored (with filler).
    apdu::Bytes textMyNumber, textAttributes, textIntegrity, textCvCert, textBasicInfo,
        textSmKey, textApKey;
    PKey textApPrivateKey;  // EF 0013: the AP's own key (challenge signing)

    // 券面AP (spec §6.3/6.4): EF 0001..0005.
    apdu::Bytes faceAge, faceRecord, faceBasicInfo, faceCvCert, faceMyNumberImage;
    PKey faceCardKey;  // the card's own key whose public half is DF24 (EF 001A)

    // 住基AP (spec §15 decision): record EF 0001 = 01 0B + 11 digits; EF 0002 16-byte key id.
    apdu::Bytes residentRecord, residentKeyId;
    // 共通AP (spec §8.1): record EF 0001 = 01 1C + 28 digits; EF 0002 16-byte key id.
    apdu::Bytes commonRecord, commonKeyId;

    // PEM: the JPKI test root(s) and the CV-certificate CA public keys that verify EF 0004 of the
    // text and face APs, for clients' trust stores (exported by `mynacard-sim --export-anchors`).
    std::string trustAnchorsPem;
};

CardData buildCardData(const Profile& profile);

}  // namespace mynacard::sim
