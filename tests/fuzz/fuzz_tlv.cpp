// fuzz_tlv: BER-TLV parsing (apdu/tlv.h, spec §5.3) on arbitrary bytes. Malformed input may only
// throw mynacard::ProtocolError; what parses must be self-consistent and re-encode to itself.
#include <cstddef>
#include <cstdint>

#include "apdu/errors.h"
#include "apdu/tlv.h"
#include "tests/fuzz/fuzz_input.h"

using namespace mynacard;
using mynacard::fuzz::invariantFailed;

namespace {

// Walks a parsed tree (bounded depth: each level is strictly shorter than its parent).
void walk(const apdu::Tlv& t, int depth) {
    if (t.headerLength < 2 || t.headerLength > 3 + 4) invariantFailed("TLV header length");
    apdu::Bytes again = apdu::encodeTlv(t.tag, t.value);
    if (again.size() > t.totalLength()) invariantFailed("re-encoding is longer than the original");
    (void)t.find(0x30);
    try {
        (void)t.require(0xDF21);
    } catch (const ProtocolError&) {
    }
    if (depth > 64) return;
    std::vector<apdu::Tlv> kids;
    try {
        kids = t.children();
    } catch (const ProtocolError&) {
        return;
    }
    std::size_t sum = 0;
    for (const auto& k : kids) {
        sum += k.totalLength();
        walk(k, depth + 1);
    }
    if (sum > t.value.size()) invariantFailed("children longer than their parent");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const apdu::Bytes bytes(data, data + size);

    std::optional<std::size_t> announced;
    try {
        announced = apdu::tlvTotalLength(data, size);
    } catch (const ProtocolError&) {
    }

    try {
        apdu::Tlv t = apdu::parseTlv(data, size);
        if (t.totalLength() > size) invariantFailed("parseTlv read beyond its input");
        if (!announced || *announced != t.totalLength())
            invariantFailed("tlvTotalLength disagrees with parseTlv");
        // The canonical encoding parses back to the same object.
        apdu::Tlv back = apdu::parseTlv(apdu::encodeTlv(t.tag, t.value));
        if (back.tag != t.tag || back.value != t.value || back.constructed != t.constructed)
            invariantFailed("encodeTlv/parseTlv round trip");
        walk(t, 0);
    } catch (const ProtocolError&) {
    }

    for (bool skip : {false, true}) {
        try {
            std::vector<apdu::Tlv> seq = apdu::parseTlvSequence(bytes, skip);
            std::size_t sum = 0;
            for (const auto& t : seq) sum += t.totalLength();
            if (sum > size) invariantFailed("parseTlvSequence items longer than the input");
            if (!skip && sum != size) invariantFailed("parseTlvSequence did not fill its input");
        } catch (const ProtocolError&) {
        }
    }
    return 0;
}
