// 券面事項入力補助AP records EF 0001..0007 (spec §5.3, §5.4).
#pragma once

#include "apdu/bytes.h"
#include "cardsim/card_data.h"
#include "cardsim/profile.h"

namespace mynacard::sim::detail {

struct TextApKeys {
    PKey issuer;  // signs EF 0003 DF33 and EF 0007 DF52; certified by EF 0004
    PKey cvca;    // the test CV CA (証明者鍵ID 6000033…) that signs EF 0004
    PKey apKey;   // EF 0013, public half in EF 0007
    PKey smKey;   // secure-messaging key delivery, public half in EF 0006
};

struct TextApRecords {
    apdu::Bytes myNumber, attributes, integrity, cvCert, basicInfo, smKey, apKey;
};

TextApRecords buildTextApRecords(const Profile& profile, const TextApKeys& keys);

}  // namespace mynacard::sim::detail
