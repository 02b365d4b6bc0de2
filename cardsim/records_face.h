// 券面事項確認AP (card face) records EF 0001..0005 (spec §6.3, §6.4).
#pragma once

#include "apdu/bytes.h"
#include "cardsim/card_data.h"
#include "cardsim/profile.h"

namespace mynacard::sim::detail {

struct FaceApKeys {
    PKey issuer;   // signs DF28 and EF 0001/0005; certified by EF 0004
    PKey cvca;     // the test CV CA (証明者鍵ID 6000023…) that signs EF 0004
    PKey cardKey;  // the card's own key: DF24, EF 0001 DF12, EF 0005 DF42
};

struct FaceApRecords {
    apdu::Bytes age, record, basicInfo, cvCert, myNumberImage;
};

// Image sizes (pixels) of the synthetic card face.
struct FaceImageSizes {
    static constexpr int kNameW = 300, kNameH = 40, kAddressW = 300, kAddressH = 80;
    static constexpr int kCodeW = 24, kCodeH = 12, kNumberW = 72, kNumberH = 12;
    static constexpr int kPhotoW = 96, kPhotoH = 120;
};

FaceApRecords buildFaceApRecords(const Profile& profile, const FaceApKeys& keys);

// The DigestInfo DF28 signs (spec §6.3): 30 71 … 04 60 ‖ SHA-256(DF22‖DF23‖DF24) ‖
// SHA-256(DF25‖DF26) ‖ SHA-256(DF27), each over the raw TLVs.
apdu::Bytes faceDigestInfo(const apdu::Bytes& df22to24, const apdu::Bytes& df25to26, const apdu::Bytes& df27);

}  // namespace mynacard::sim::detail
