#include "apdu/card/record_util.h"

#include "apdu/errors.h"

namespace mynacard::card {

std::vector<RawTlv> rawChildren(const apdu::Bytes& value) {
    std::vector<RawTlv> out;
    std::size_t at = 0;
    while (at < value.size()) {
        if (value[at] == 0xFF || value[at] == 0x00) {
            // Trailing filler only: a tag may legitimately start with FF (FF20...), so padding
            // is accepted only when everything that follows is padding as well.
            bool rest = true;
            for (std::size_t i = at; i < value.size(); ++i)
                if (value[i] != 0xFF && value[i] != 0x00) rest = false;
            if (rest) break;
        }
        RawTlv child;
        child.tlv = apdu::parseTlv(value.data() + at, value.size() - at);
        child.offset = at;
        child.raw.assign(value.begin() + static_cast<std::ptrdiff_t>(at),
                         value.begin() + static_cast<std::ptrdiff_t>(at + child.tlv.totalLength()));
        at += child.tlv.totalLength();
        out.push_back(std::move(child));
    }
    return out;
}

const RawTlv* findRaw(const std::vector<RawTlv>& children, std::uint32_t tag) {
    for (const RawTlv& c : children)
        if (c.tlv.tag == tag) return &c;
    return nullptr;
}

const RawTlv& requireRaw(const std::vector<RawTlv>& children, std::uint32_t tag, const char* what) {
    const RawTlv* c = findRaw(children, tag);
    if (c == nullptr) throw ProtocolError(std::string("record lacks ") + what);
    return *c;
}

std::string asString(const apdu::Bytes& value) { return std::string(value.begin(), value.end()); }

std::string asUtf8(const apdu::Bytes& v) {
    std::string out;
    std::size_t i = 0;
    while (i < v.size()) {
        std::uint8_t c = v[i];
        std::size_t len = c < 0x80           ? 1
                          : (c >> 5) == 0x6  ? 2
                          : (c >> 4) == 0xE  ? 3
                          : (c >> 3) == 0x1E ? 4
                                             : 0;
        bool ok = len > 0 && i + len <= v.size();
        for (std::size_t k = 1; ok && k < len; ++k) ok = (v[i + k] & 0xC0) == 0x80;
        if (ok && len > 1) {
            // reject overlong forms, surrogates and values above U+10FFFF
            std::uint32_t cp = c & (0xFF >> (len + 1));
            for (std::size_t k = 1; k < len; ++k) cp = (cp << 6) | (v[i + k] & 0x3F);
            static const std::uint32_t minimum[] = {0, 0, 0x80, 0x800, 0x10000};
            ok = cp >= minimum[len] && cp <= 0x10FFFF && (cp < 0xD800 || cp > 0xDFFF);
        }
        if (ok) {
            out.append(reinterpret_cast<const char*>(v.data() + i), len);
            i += len;
        } else {
            out += "\xEF\xBF\xBD";  // U+FFFD
            ++i;
        }
    }
    return out;
}

}  // namespace mynacard::card
