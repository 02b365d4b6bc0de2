// Decoding of command APDUs as the card sees them (ISO/IEC 7816-4:2020 §5.1, cases 1–4, short and
// extended). A body that fits no case is a length error (6700), never an out-of-bounds read.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>

#include "apdu/bytes.h"

namespace mynacard::sim {

struct ParsedApdu {
    std::uint8_t cla = 0, ins = 0, p1 = 0, p2 = 0;
    apdu::Bytes data;
    bool hasLe = false;
    std::size_t le = 0;     // Ne: short 00 = 256, extended 0000 = 65536
    bool extended = false;  // Lc and/or Le used the extended (3-byte / 2-byte) form
};

// nullopt when the length fields do not match the APDU's size (the card answers 6700).
std::optional<ParsedApdu> parseApdu(const apdu::Bytes& raw);

}  // namespace mynacard::sim
