#include "apdu/response.h"

#include <cstdio>

#include "apdu/errors.h"

namespace mynacard::apdu {

ResponseApdu ResponseApdu::parse(const Bytes& raw) {
    if (raw.size() < 2)
        throw ProtocolError("response APDU of " + std::to_string(raw.size()) +
                            " bytes has no status word");
    ResponseApdu r;
    r.data.assign(raw.begin(), raw.end() - 2);
    r.sw = static_cast<std::uint16_t>(raw[raw.size() - 2] << 8 | raw[raw.size() - 1]);
    return r;
}

namespace {
// Meanings from ISO 7816-4 §5.6 tables 5-6, worded as this card uses them (spec §3.1).
struct Meaning {
    std::uint16_t sw;
    const char* text;
};
constexpr Meaning kMeanings[] = {
    {sw::kOk, "OK"},
    {sw::kEndOfFileWarning, "end of file reached before Ne bytes"},
    {sw::kNoLimitKey, "verification failed (key without retry limit)"},
    {sw::kWrongLength, "wrong length"},
    {sw::kIncompatibleFile, "command incompatible with file structure"},
    {sw::kSecurityNotSatisfied, "security status not satisfied"},
    {sw::kAuthMethodBlocked, "authentication method blocked"},
    {sw::kReferenceDataBlocked, "reference data blocked"},
    {sw::kConditionsNotSatisfied, "conditions of use not satisfied"},
    {sw::kCommandNotAllowed, "command not allowed (no current EF)"},
    {sw::kIncorrectData, "incorrect data"},
    {sw::kFunctionNotSupported, "function not supported"},
    {sw::kFileNotFound, "file or application not found"},
    {sw::kRecordNotFound, "record not found"},
    {sw::kIncorrectP1P2, "incorrect P1-P2"},
    {sw::kDataNotFound, "referenced data not found"},
    {sw::kWrongP1P2, "wrong P1-P2 (offset beyond end of file)"},
    {sw::kInsNotSupported, "instruction not supported"},
    {sw::kClaNotSupported, "class not supported"},
    {sw::kNoPreciseDiagnosis, "no precise diagnosis"},
    // Secure-messaging answers seen on this card (spec §3.1, §5.6).
    {0x6882, "secure messaging not supported"},
    {0x6987, "expected secure messaging data objects missing"},
    {0x6988, "incorrect secure messaging data objects"},
};

const char* fixedMeaning(std::uint16_t code) {
    for (const Meaning& m : kMeanings)
        if (m.sw == code) return m.text;
    return nullptr;
}
}  // namespace

std::string describeStatusWord(std::uint16_t code) {
    char hex[5];
    std::snprintf(hex, sizeof hex, "%04X", static_cast<unsigned>(code));
    std::string out = std::string(hex) + " ";
    const unsigned sw1 = code >> 8, sw2 = code & 0xFF;
    if (const char* m = fixedMeaning(code)) return out + m;
    if ((code & 0xFFF0) == 0x63C0) {
        if (code == 0x63C0) return out + "verification failed, no tries left (blocked)";
        return out + "verification failed, " + std::to_string(code & 0x0F) + " tries left";
    }
    if (sw1 == 0x61) {
        return out + std::to_string(sw2 == 0 ? 256 : sw2) + " more bytes available (GET RESPONSE)";
    }
    if (sw1 == 0x6C) {
        return out + "wrong Le, exact length is " + std::to_string(sw2 == 0 ? 256 : sw2);
    }
    switch (sw1) {
        case 0x62:
            return out + "warning, non-volatile memory unchanged";
        case 0x63:
            return out + "warning, non-volatile memory changed";
        case 0x64:
            return out + "execution error, non-volatile memory unchanged";
        case 0x65:
            return out + "execution error, non-volatile memory changed";
        case 0x66:
            return out + "security-related issue";
        case 0x68:
            return out + "functions in CLA not supported";
        case 0x69:
            return out + "command not allowed";
        case 0x6A:
            return out + "wrong parameters P1-P2";
        default:
            return out + "unknown status word";
    }
}

}  // namespace mynacard::apdu
