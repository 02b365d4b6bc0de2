#include "cardsim/apdu_parser.h"

namespace mynacard::sim {

std::optional<ParsedApdu> parseApdu(const apdu::Bytes& raw) {
    if (raw.size() < 4) return std::nullopt;
    ParsedApdu a;
    a.cla = raw[0];
    a.ins = raw[1];
    a.p1 = raw[2];
    a.p2 = raw[3];
    const std::size_t body = raw.size() - 4;
    const std::uint8_t* b = raw.data() + 4;
    if (body == 0) return a;  // case 1
    if (body == 1) {          // case 2 short
        a.hasLe = true;
        a.le = b[0] == 0 ? 256 : b[0];
        return a;
    }
    if (b[0] != 0) {  // short Lc
        const std::size_t lc = b[0];
        if (body == 1 + lc) {
            a.data.assign(b + 1, b + 1 + lc);
            return a;
        }
        if (body == 2 + lc) {
            a.data.assign(b + 1, b + 1 + lc);
            a.hasLe = true;
            a.le = b[1 + lc] == 0 ? 256 : b[1 + lc];
            return a;
        }
        return std::nullopt;
    }
    // Extended forms start with a 00 byte (ISO 7816-4 §5.1).
    a.extended = true;
    if (body == 3) {  // case 2E
        const std::size_t le = (std::size_t(b[1]) << 8) | b[2];
        a.hasLe = true;
        a.le = le == 0 ? 65536 : le;
        return a;
    }
    if (body < 3) return std::nullopt;
    const std::size_t lc = (std::size_t(b[1]) << 8) | b[2];
    if (lc == 0) return std::nullopt;
    if (body == 3 + lc) {
        a.data.assign(b + 3, b + 3 + lc);
        return a;
    }
    if (body == 5 + lc) {
        a.data.assign(b + 3, b + 3 + lc);
        const std::size_t le = (std::size_t(b[3 + lc]) << 8) | b[4 + lc];
        a.hasLe = true;
        a.le = le == 0 ? 65536 : le;
        return a;
    }
    return std::nullopt;
}

}  // namespace mynacard::sim
