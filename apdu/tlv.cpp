#include "apdu/tlv.h"

#include <algorithm>
#include <cstddef>
#include <stdexcept>
#include <string>

#include "apdu/errors.h"

namespace mynacard::apdu {

namespace {
constexpr std::size_t kMaxTagBytes = 3;  // ISO 7816-4 §6.3: tags are one to three bytes

std::string tagName(std::uint32_t tag) {
    Bytes b = encodeTag(tag);
    return toHex(b);
}

// Result of decoding a tag and a length; `complete` is false when `size` ran out first.
struct Header {
    bool complete = false;
    std::uint32_t tag = 0;
    bool constructed = false;
    std::size_t headerLength = 0;
    std::size_t valueLength = 0;
};

// X.690 §8.1.2-8.1.3 and ISO 7816-4 §6.3. Never reads past data[size - 1].
Header decodeHeader(const std::uint8_t* data, std::size_t size) {
    Header h;
    std::size_t pos = 0;
    if (size == 0) return h;
    const std::uint8_t first = data[pos++];
    // ISO 7816-4 §6.3 calls 00 and FF invalid first tag bytes, but this card's records use
    // private-class tags FF10..FF50 (spec §5.3, §6.1), so only 00 (padding / X.690
    // end-of-contents) is refused here. A run of FF filler still fails: it reads as a tag
    // longer than three bytes.
    if (first == 0x00) throw ProtocolError("BER-TLV: padding byte 00 where a tag was expected");
    h.constructed = (first & 0x20) != 0;
    h.tag = first;
    if ((first & 0x1F) == 0x1F) {  // high tag number: more tag bytes follow while b8 is set
        std::uint8_t b = 0;
        do {
            if (pos >= kMaxTagBytes) throw ProtocolError("BER-TLV: tag longer than 3 bytes");
            if (pos >= size) return h;
            b = data[pos++];
            h.tag = h.tag << 8 | b;
        } while (b & 0x80);
    }
    if (pos >= size) return h;
    const std::uint8_t len = data[pos++];
    if (len < 0x80) {
        h.valueLength = len;
    } else if (len == 0x80) {
        // Indefinite length needs end-of-contents scanning and is not DER; the card never uses it.
        throw ProtocolError("BER-TLV: indefinite length (80) in tag " + tagName(h.tag));
    } else if (len <= 0x83) {
        const std::size_t n = len & 0x7F;
        if (size - pos < n) return h;
        for (std::size_t i = 0; i < n; ++i) h.valueLength = h.valueLength << 8 | data[pos++];
    } else {
        // 84 and above announce >= 2^24 bytes: far beyond any file on the card (15-bit offsets).
        throw ProtocolError("BER-TLV: length field " + toHex(&len, 1) + " too long in tag " +
                            tagName(h.tag));
    }
    h.headerLength = pos;
    h.complete = true;
    return h;
}
}  // namespace

Tlv parseTlv(const std::uint8_t* data, std::size_t size) {
    const Header h = decodeHeader(data, size);
    if (!h.complete) throw ProtocolError("BER-TLV: truncated header");
    if (h.valueLength > size - h.headerLength)
        throw ProtocolError("BER-TLV: tag " + tagName(h.tag) + " announces " +
                            std::to_string(h.valueLength) + " bytes but only " +
                            std::to_string(size - h.headerLength) + " follow");
    Tlv t;
    t.tag = h.tag;
    t.constructed = h.constructed;
    t.headerLength = h.headerLength;
    t.value.assign(data + h.headerLength, data + h.headerLength + h.valueLength);
    return t;
}

Tlv parseTlv(const Bytes& data) { return parseTlv(data.data(), data.size()); }

std::vector<Tlv> parseTlvSequence(const Bytes& data, bool skipPadding) {
    std::vector<Tlv> out;
    std::size_t pos = 0;
    while (pos < data.size()) {
        if (skipPadding && data[pos] == 0x00) {
            ++pos;
            continue;
        }
        // FF may start a tag (FF20) or be filler; only a run of FF up to the end is filler.
        if (skipPadding && std::all_of(data.begin() + static_cast<std::ptrdiff_t>(pos), data.end(),
                                       [](std::uint8_t b) { return b == 0xFF; }))
            break;
        Tlv t = parseTlv(data.data() + pos, data.size() - pos);
        pos += t.totalLength();  // >= 2, so the loop always advances
        out.push_back(std::move(t));
    }
    return out;
}

std::optional<std::size_t> tlvTotalLength(const std::uint8_t* data, std::size_t size) {
    const Header h = decodeHeader(data, size);
    if (!h.complete) return std::nullopt;
    return h.headerLength + h.valueLength;
}

// ISO 7816-4 §6.3 allows padding between data objects (erased or rewritten records).
std::vector<Tlv> Tlv::children() const { return parseTlvSequence(value, true); }

std::optional<Tlv> Tlv::find(std::uint32_t wanted) const {
    for (Tlv& child : children())
        if (child.tag == wanted) return std::move(child);
    return std::nullopt;
}

Tlv Tlv::require(std::uint32_t wanted) const {
    std::optional<Tlv> t = find(wanted);
    if (!t) throw ProtocolError("BER-TLV: tag " + tagName(wanted) + " missing in " + tagName(tag));
    return std::move(*t);
}

Bytes encodeTag(std::uint32_t tag) {
    Bytes out;
    for (int shift = 24; shift > 0; shift -= 8) {
        const auto b = static_cast<std::uint8_t>(tag >> shift);
        if (b != 0 || !out.empty()) out.push_back(b);
    }
    out.push_back(static_cast<std::uint8_t>(tag));
    return out;
}

Bytes encodeLength(std::size_t length) {
    if (length < 0x80) return {static_cast<std::uint8_t>(length)};
    if (length <= 0xFF) return {0x81, static_cast<std::uint8_t>(length)};
    if (length <= 0xFFFF)
        return {0x82, static_cast<std::uint8_t>(length >> 8), static_cast<std::uint8_t>(length)};
    if (length <= 0xFFFFFF)
        return {0x83, static_cast<std::uint8_t>(length >> 16),
                static_cast<std::uint8_t>(length >> 8), static_cast<std::uint8_t>(length)};
    throw std::invalid_argument("encodeLength: " + std::to_string(length) + " >= 2^24");
}

Bytes encodeTlv(std::uint32_t tag, const Bytes& value) {
    Bytes out = encodeTag(tag);
    const Bytes len = encodeLength(value.size());
    out.reserve(out.size() + len.size() + value.size());
    out.insert(out.end(), len.begin(), len.end());
    out.insert(out.end(), value.begin(), value.end());
    return out;
}

}  // namespace mynacard::apdu
