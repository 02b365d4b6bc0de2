// Command APDUs (ISO/IEC 7816-4:2020 §5.1) and builders for the commands the My Number Card uses.
// Spec: ../shared/spec/card-protocol.md §3.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>

#include "apdu/bytes.h"

namespace mynacard::apdu {

struct CommandApdu {
    std::uint8_t cla = 0x00;
    std::uint8_t ins = 0x00;
    std::uint8_t p1 = 0x00;
    std::uint8_t p2 = 0x00;
    Bytes data;  // Nc = data.size()
    std::optional<std::size_t>
        ne;                      // expected length; 256 short max, 65536 extended max; none = no Le
    bool forceExtended = false;  // encode extended even when short would do
    bool sensitive = false;      // data is a secret: traces show it masked, storage is wiped

    // Still an aggregate (C++17: defaulted members are not user-provided). The destructor wipes
    // `data` of a sensitive command so a PIN does not linger in freed heap memory.
    CommandApdu() = default;
    CommandApdu(const CommandApdu&) = default;
    CommandApdu(CommandApdu&&) = default;
    CommandApdu& operator=(const CommandApdu&) = default;
    CommandApdu& operator=(CommandApdu&&) = default;
    ~CommandApdu();

    // Case 1..4 per ISO 7816-4 §5.1; short when Nc <= 255 and Ne <= 256 unless forceExtended.
    // Throws std::invalid_argument when Nc > 65535, Ne == 0 or Ne > 65536. Case 1 has no
    // extended form, so forceExtended does not change it.
    Bytes encode() const;
    bool isExtended() const;
    int isoCase() const;  // 1, 2, 3 or 4
};

// Builders. Each names the ISO 7816-4:2020 clause (or the card-proprietary source) it follows.
namespace cmd {

// §11.2.2 SELECT, P1=04 (DF name), P2=0C (no response data).
CommandApdu selectAid(const Bytes& aid);
// §11.2.2 SELECT, P1=02 (EF under current DF), P2=0C. Only form the card accepts (spec §3).
CommandApdu selectEf(std::uint16_t fid);
// §11.3.3 READ BINARY, 15-bit offset in P1-P2 (P1 b8 = 0). ne 1..256 short, up to 65536 extended.
CommandApdu readBinary(std::uint16_t offset, std::size_t ne);
// §11.3.3 READ BINARY with short EF identifier: P1 = 80|SFI, P2 = 8-bit offset.
CommandApdu readBinarySfi(std::uint8_t sfi, std::uint8_t offset, std::size_t ne);
// §11.4.3 READ RECORD, P2 = (SFI<<3)|04 (sfi 0 = current EF), record number in P1.
CommandApdu readRecord(std::uint8_t record, std::uint8_t sfi, std::size_t ne);
// §11.5.6 VERIFY with data (P2=80: key of the currently selected EF).
CommandApdu verify(std::uint8_t p2, const SecureBytes& secret);
// §11.5.6 VERIFY without data: asks for the retry counter, spends no try.
CommandApdu verifyStatus(std::uint8_t p2);
// §11.5.7 CHANGE REFERENCE DATA, P1=01 (new value only; old value verified before).
CommandApdu changeReferenceData(std::uint8_t p2, const SecureBytes& newValue);
// JICSAP CHANGE KEY 80 32 00 P2 (住基AP / 共通AP PIN change, spec §3).
CommandApdu changeKey(std::uint8_t p2, const SecureBytes& newValue);
// Card-proprietary COMPUTE DIGITAL SIGNATURE 80 2A P1 P2 (spec §4.4); ne 256 for RSA-2048.
CommandApdu computeDigitalSignature(std::uint8_t p1, std::uint8_t p2, const Bytes& input,
                                    std::size_t ne = 256);
// §11.7.1 GET RESPONSE.
CommandApdu getResponse(std::size_t ne);
// §11.6.3 GET CHALLENGE.
CommandApdu getChallenge(std::size_t ne);

}  // namespace cmd
}  // namespace mynacard::apdu
