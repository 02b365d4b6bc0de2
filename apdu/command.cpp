#include "apdu/command.h"

#include <stdexcept>
#include <string>

namespace mynacard::apdu {

namespace {
constexpr std::size_t kMaxShortNc = 255;
constexpr std::size_t kMaxShortNe = 256;
constexpr std::size_t kMaxExtendedNc = 65535;
constexpr std::size_t kMaxExtendedNe = 65536;

void checkLimits(const CommandApdu& c) {
    if (c.data.size() > kMaxExtendedNc)
        throw std::invalid_argument("APDU: Nc " + std::to_string(c.data.size()) + " > 65535");
    if (c.ne && (*c.ne == 0 || *c.ne > kMaxExtendedNe))
        throw std::invalid_argument("APDU: Ne " + std::to_string(*c.ne) + " not in 1..65536");
}

// Secrets are copied straight from SecureBytes into a buffer of the exact size, so no
// reallocation leaves a stray copy behind.
Bytes copySecret(const SecureBytes& secret) { return Bytes(secret.begin(), secret.end()); }
}  // namespace

CommandApdu::~CommandApdu() {
    if (sensitive) secureWipe(data.data(), data.size());
}

int CommandApdu::isoCase() const {
    if (data.empty()) return ne ? 2 : 1;
    return ne ? 4 : 3;
}

bool CommandApdu::isExtended() const {
    if (isoCase() == 1) return false;
    return forceExtended || data.size() > kMaxShortNc || (ne && *ne > kMaxShortNe);
}

// ISO 7816-4 §5.1 (length fields): short Lc is one byte 01..FF; short Le is one byte where 00
// means 256. Extended Lc is 00 hi lo; extended Le is two bytes after an extended Lc, or 00 hi lo
// when there is no Lc (case 2E); 00 00 means 65536.
Bytes CommandApdu::encode() const {
    checkLimits(*this);
    const bool ext = isExtended();
    Bytes out{cla, ins, p1, p2};
    out.reserve(4 + 3 + data.size() + 3);
    if (!data.empty()) {
        if (ext) {
            out.push_back(0x00);
            out.push_back(static_cast<std::uint8_t>(data.size() >> 8));
        }
        out.push_back(static_cast<std::uint8_t>(data.size() & 0xFF));
        out.insert(out.end(), data.begin(), data.end());
    }
    if (ne) {
        const std::size_t le = *ne == (ext ? kMaxExtendedNe : kMaxShortNe) ? 0 : *ne;
        if (ext) {
            if (data.empty()) out.push_back(0x00);  // case 2E: Le is 00 hi lo
            out.push_back(static_cast<std::uint8_t>(le >> 8));
        }
        out.push_back(static_cast<std::uint8_t>(le & 0xFF));
    }
    return out;
}

namespace cmd {

namespace {
CommandApdu make(std::uint8_t cla, std::uint8_t ins, std::uint8_t p1, std::uint8_t p2) {
    CommandApdu c;
    c.cla = cla;
    c.ins = ins;
    c.p1 = p1;
    c.p2 = p2;
    return c;
}

CommandApdu withSecret(CommandApdu c, const SecureBytes& secret, const char* what) {
    if (secret.empty()) throw std::invalid_argument(std::string(what) + ": empty secret");
    if (secret.size() > kMaxShortNc)
        throw std::invalid_argument(std::string(what) + ": secret longer than 255 bytes");
    c.sensitive = true;  // set before the copy exists, so every exit path wipes it
    c.data = copySecret(secret);
    return c;
}
}  // namespace

// ISO 7816-4 §11.2.2 SELECT by DF name (P1=04), P2=0C: no FCI wanted (spec §3: everyone does
// this). A DF name is 1..16 bytes; the card also selects by prefix, so callers pass the full AID.
CommandApdu selectAid(const Bytes& aid) {
    if (aid.empty() || aid.size() > 16)
        throw std::invalid_argument("selectAid: an AID is 1..16 bytes");
    CommandApdu c = make(0x00, 0xA4, 0x04, 0x0C);
    c.data = aid;
    return c;
}

// ISO 7816-4 §11.2.2 SELECT EF under the current DF (P1=02), P2=0C. P1=09 (path) fails on this
// card (spec §3).
CommandApdu selectEf(std::uint16_t fid) {
    CommandApdu c = make(0x00, 0xA4, 0x02, 0x0C);
    c.data = {static_cast<std::uint8_t>(fid >> 8), static_cast<std::uint8_t>(fid & 0xFF)};
    return c;
}

// ISO 7816-4 §11.3.3 READ BINARY (B0) with a 15-bit offset: P1 b8 set would mean "SFI".
CommandApdu readBinary(std::uint16_t offset, std::size_t ne) {
    if (offset > 0x7FFF) throw std::invalid_argument("readBinary: offset > 0x7FFF");
    CommandApdu c = make(0x00, 0xB0, static_cast<std::uint8_t>(offset >> 8),
                         static_cast<std::uint8_t>(offset & 0xFF));
    c.ne = ne;
    return c;
}

// ISO 7816-4 §11.3.3 READ BINARY with SFI: P1 = 100xxxxx (SFI 1..30), P2 = offset 0..255.
CommandApdu readBinarySfi(std::uint8_t sfi, std::uint8_t offset, std::size_t ne) {
    if (sfi < 1 || sfi > 30) throw std::invalid_argument("readBinarySfi: SFI not in 1..30");
    CommandApdu c = make(0x00, 0xB0, static_cast<std::uint8_t>(0x80 | sfi), offset);
    c.ne = ne;
    return c;
}

// ISO 7816-4 §11.4.3 READ RECORD (B2): P2 b3..b1 = 100 "record number in P1"; b8..b4 = SFI,
// 0 for the current EF. `00 B2 01 0C 00` reads record 1 of SFI 1 (spec §3).
CommandApdu readRecord(std::uint8_t record, std::uint8_t sfi, std::size_t ne) {
    if (sfi > 30) throw std::invalid_argument("readRecord: SFI not in 0..30");
    CommandApdu c = make(0x00, 0xB2, record, static_cast<std::uint8_t>(sfi << 3 | 0x04));
    c.ne = ne;
    return c;
}

// ISO 7816-4 §11.5.6 VERIFY (20), P1=00. P2=80 names the key of the selected EF (spec §3).
CommandApdu verify(std::uint8_t p2, const SecureBytes& secret) {
    return withSecret(make(0x00, 0x20, 0x00, p2), secret, "verify");
}

// ISO 7816-4 §11.5.6 VERIFY with an absent data field: returns 63Cx, spends no try (spec §3).
CommandApdu verifyStatus(std::uint8_t p2) { return make(0x00, 0x20, 0x00, p2); }

// ISO 7816-4 §11.5.7 CHANGE REFERENCE DATA (24), P1=01: data is the new value only; the old one
// was verified earlier in the session (spec §3).
CommandApdu changeReferenceData(std::uint8_t p2, const SecureBytes& newValue) {
    return withSecret(make(0x00, 0x24, 0x01, p2), newValue, "changeReferenceData");
}

// JICSAP CHANGE KEY (CLA 80, INS 32), used by 共通AP / 住基AP after VERIFY (spec §3).
CommandApdu changeKey(std::uint8_t p2, const SecureBytes& newValue) {
    return withSecret(make(0x80, 0x32, 0x00, p2), newValue, "changeKey");
}

// Card-proprietary COMPUTE DIGITAL SIGNATURE (80 2A), spec §4.4: P1=00 takes a DER DigestInfo
// and the card applies PKCS#1 v1.5 padding; the answer is the 256-byte signature (Le 00).
CommandApdu computeDigitalSignature(std::uint8_t p1, std::uint8_t p2, const Bytes& input,
                                    std::size_t ne) {
    if (input.empty()) throw std::invalid_argument("computeDigitalSignature: empty input");
    CommandApdu c = make(0x80, 0x2A, p1, p2);
    c.data = input;
    c.ne = ne;
    return c;
}

// ISO 7816-4 §11.7.1 GET RESPONSE (C0): fetches data announced by 61xx.
CommandApdu getResponse(std::size_t ne) {
    CommandApdu c = make(0x00, 0xC0, 0x00, 0x00);
    c.ne = ne;
    return c;
}

// ISO 7816-4 §11.6.3 GET CHALLENGE (84), P1=P2=00; the card gives 1..256 bytes (spec §3).
CommandApdu getChallenge(std::size_t ne) {
    CommandApdu c = make(0x00, 0x84, 0x00, 0x00);
    c.ne = ne;
    return c;
}

}  // namespace cmd
}  // namespace mynacard::apdu
