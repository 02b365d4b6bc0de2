// Helpers for the text and face APs' signed records: the raw bytes of each child TLV exactly as
// stored (signatures and digests cover the stored encoding, spec §5.3/§6.3, not a re-encoding).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "apdu/bytes.h"
#include "apdu/tlv.h"

namespace mynacard::card {

struct RawTlv {
    apdu::Tlv tlv;
    std::size_t offset = 0;  // within the parent value
    apdu::Bytes raw;         // header + value as stored
};

// Children of `value` in order; FF/00 padding after the last object is tolerated.
std::vector<RawTlv> rawChildren(const apdu::Bytes& value);
// The first child with `tag`, or nullptr.
const RawTlv* findRaw(const std::vector<RawTlv>& children, std::uint32_t tag);
// As findRaw, but throws ProtocolError naming `what` when absent.
const RawTlv& requireRaw(const std::vector<RawTlv>& children, std::uint32_t tag, const char* what);
// Value as a string (UTF-8 / ASCII as stored).
std::string asString(const apdu::Bytes& value);
// Value as valid UTF-8: every byte that does not start a well-formed sequence becomes U+FFFD
// (characters outside JIS on the card are undocumented, spec §5.3; JSON output needs UTF-8).
std::string asUtf8(const apdu::Bytes& value);

}  // namespace mynacard::card
