// Shared pieces of the text-AP and card-face-AP records (spec §5.3, §6.3).
#pragma once

#include <cstdint>
#include <vector>

#include "apdu/bytes.h"

namespace mynacard::sim::detail {

// OUTER <len> { OFFSETS <2n> <n × u16 BE>, objects... } where each offset is the position of the
// corresponding object's tag counted from the start of the file (spec §5.3 DF21, §6.3 DF21).
// `objects` are complete TLVs, in order.
apdu::Bytes recordWithOffsets(std::uint32_t outerTag, std::uint32_t offsetsTag, const std::vector<apdu::Bytes>& objects);

// Concatenation of complete TLVs.
apdu::Bytes concatTlvs(const std::vector<apdu::Bytes>& tlvs);

// Simulator key IDs (spec §5.3 EF 0004: 7 digits ‖ 08 05 ‖ 3 digits ‖ padding). 証明者鍵ID of the
// test CV CAs use the documented test prefixes; the other IDs are the simulator's own choice.
struct KeyIds {
    static apdu::Bytes textCvca();     // 6000033…001: 証明者鍵ID in text EF 0004
    static apdu::Bytes textIssuer();   // 6100033…001: 被証明者鍵ID in text EF 0004
    static apdu::Bytes textBasic();    // 6200033…001: text EF 0005 DF42
    static apdu::Bytes faceCvca();     // 6000023…001: 証明者鍵ID in face EF 0004
    static apdu::Bytes faceIssuer();   // 6100023…001: 被証明者鍵ID in face EF 0004
    static apdu::Bytes faceBasic();    // 6200023…001: face EF 0003 DF32 / DF35
    static apdu::Bytes residentKey();  // 6000013…001: 住基AP / 共通AP EF 0002
};

}  // namespace mynacard::sim::detail
