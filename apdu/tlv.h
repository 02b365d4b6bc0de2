// BER-TLV (ISO/IEC 7816-4:2020 §6.3, X.690 §8.1) for the card's records: multi-byte tags such as
// DF21 / 7F21 / 5F4E, short and long-form lengths (81 xx, 82 xx xx). Every read is bounds-checked;
// malformed input throws ProtocolError, never reads out of bounds.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <vector>

#include "apdu/bytes.h"

namespace mynacard::apdu {

struct Tlv {
    std::uint32_t tag = 0;         // the tag bytes as a big-endian number: 0xDF21, 0x7F21, 0x30
    bool constructed = false;      // bit 6 of the first tag byte
    std::size_t headerLength = 0;  // tag + length bytes
    Bytes value;

    std::size_t totalLength() const { return headerLength + value.size(); }
    // Children of a constructed value (or of any value the caller knows to hold TLVs), parsed
    // with parseTlvSequence(value, true): 00 padding and trailing FF filler are skipped.
    std::vector<Tlv> children() const;
    // First direct child with this tag, or nullopt.
    std::optional<Tlv> find(std::uint32_t tag) const;
    // As find(), but throws ProtocolError naming the tag when it is missing.
    Tlv require(std::uint32_t tag) const;
};

// Parses one TLV at the start of `data` (trailing bytes, e.g. FF filler, are ignored).
// Tags are 1..3 bytes; a first byte 00 is refused, FF is accepted (FF20 etc., spec §5.3).
// Lengths: short form, 81/82/83; indefinite (80) and 84+ (>= 2^24) throw ProtocolError.
Tlv parseTlv(const std::uint8_t* data, std::size_t size);
Tlv parseTlv(const Bytes& data);
// Parses a sequence of TLVs that fills `data` exactly. When skipPadding is true, 00 bytes
// before, between or after objects are skipped, and so is a run of FF reaching the end of
// `data` (file filler). An FF elsewhere starts a tag: this card uses FF10..FF50 (spec §5.3).
std::vector<Tlv> parseTlvSequence(const Bytes& data, bool skipPadding = false);

// Total length (header + value) announced by a TLV header at the start of `data`, or nullopt if
// `data` is too short to contain the whole header. Throws ProtocolError on a malformed header.
// Used by chunked READ BINARY to learn a file's length from its own DER/BER header.
std::optional<std::size_t> tlvTotalLength(const std::uint8_t* data, std::size_t size);

// Encoding (used by the simulator and tests).
Bytes encodeTag(std::uint32_t tag);
Bytes encodeLength(std::size_t length);  // shortest form: xx, 81 xx, 82 xx xx, 83 xx xx xx
Bytes encodeTlv(std::uint32_t tag, const Bytes& value);

}  // namespace mynacard::apdu
