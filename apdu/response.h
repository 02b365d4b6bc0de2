// Response APDUs and status words (ISO/IEC 7816-4:2020 §5.6), with the meanings this card gives
// them (spec §3.1).
#pragma once

#include <cstdint>
#include <string>

#include "apdu/bytes.h"

namespace mynacard::apdu {

namespace sw {
constexpr std::uint16_t kOk = 0x9000;
constexpr std::uint16_t kEndOfFileWarning = 0x6282;
constexpr std::uint16_t kNoLimitKey = 0x6300;
constexpr std::uint16_t kWrongLength = 0x6700;
constexpr std::uint16_t kIncompatibleFile = 0x6981;
constexpr std::uint16_t kSecurityNotSatisfied = 0x6982;
constexpr std::uint16_t kAuthMethodBlocked = 0x6983;
constexpr std::uint16_t kReferenceDataBlocked = 0x6984;
constexpr std::uint16_t kConditionsNotSatisfied = 0x6985;
constexpr std::uint16_t kCommandNotAllowed = 0x6986;
constexpr std::uint16_t kIncorrectData = 0x6A80;
constexpr std::uint16_t kFunctionNotSupported = 0x6A81;
constexpr std::uint16_t kFileNotFound = 0x6A82;
constexpr std::uint16_t kRecordNotFound = 0x6A83;
constexpr std::uint16_t kIncorrectP1P2 = 0x6A86;
constexpr std::uint16_t kDataNotFound = 0x6A88;
constexpr std::uint16_t kWrongP1P2 = 0x6B00;  // also "offset beyond end of file" on this card
constexpr std::uint16_t kInsNotSupported = 0x6D00;
constexpr std::uint16_t kClaNotSupported = 0x6E00;
constexpr std::uint16_t kNoPreciseDiagnosis = 0x6F00;
}  // namespace sw

struct ResponseApdu {
    Bytes data;
    std::uint16_t sw = 0;

    // Splits raw transport bytes; throws ProtocolError when fewer than 2 bytes.
    static ResponseApdu parse(const Bytes& raw);

    std::uint8_t sw1() const { return static_cast<std::uint8_t>(sw >> 8); }
    std::uint8_t sw2() const { return static_cast<std::uint8_t>(sw & 0xFF); }
    bool ok() const { return sw == sw::kOk; }
    bool isCounter() const { return (sw & 0xFFF0) == 0x63C0; }  // 63Cx
    int counter() const { return isCounter() ? (sw & 0x0F) : -1; }
    // 63C0, 6983 and 6984 all mean "blocked" (spec §15).
    bool isBlocked() const {
        return sw == 0x63C0 || sw == sw::kAuthMethodBlocked || sw == sw::kReferenceDataBlocked;
    }
};

// "6982 security status not satisfied" style text for messages and traces.
std::string describeStatusWord(std::uint16_t sw);

}  // namespace mynacard::apdu
