// fuzz_records: every record parser of the applet clients (apdu/card/) on arbitrary bytes.
// Input: one selector byte, then the record(s) as length-prefixed chunks (FuzzInput::chunk) or,
// for single-record parsers, the rest of the input. Bad records may only throw mynacard::Error
// (ProtocolError in practice); anything else (std::out_of_range, a sanitizer report) is a finding.
//
// Parsers that are not exposed as pure functions (JPKI token info EF 0006, EF 0008, the 住基
// record, the face AP's EF 0001) are reached through a CardSession over FileCard: a card that
// answers every SELECT with 9000 and serves the fuzzed bytes as the content of every EF.
#include <cstddef>
#include <cstdint>
#include <string>

#include "apdu/card/card_session.h"
#include "apdu/card/common_applet.h"
#include "apdu/card/crypto.h"
#include "apdu/card/cv_certificate.h"
#include "apdu/card/face_applet.h"
#include "apdu/card/jpki_applet.h"
#include "apdu/card/resident_applet.h"
#include "apdu/card/text_applet.h"
#include "apdu/card/trust_anchors.h"
#include "apdu/errors.h"
#include "cardsim/card_data.h"
#include "cardsim/profile.h"
#include "tests/fuzz/fuzz_input.h"

using namespace mynacard;
using mynacard::fuzz::FuzzInput;
using mynacard::fuzz::invariantFailed;

namespace {

// The simulator's CV-certificate CA keys: seeds taken from the simulator then verify, so the
// fuzzer also explores the branches after a successful signature check (spec §5.4 (a)).
const card::TrustAnchors& simAnchors() {
    static const card::TrustAnchors anchors =
        card::TrustAnchors::fromPem(sim::buildCardData(sim::defaultProfile()).trustAnchorsPem);
    return anchors;
}

// A card whose every EF holds `file` (transparent and record EFs alike).
class FileCard : public apdu::Transport {
  public:
    explicit FileCard(apdu::Bytes file) : file_(std::move(file)) {}
    apdu::Bytes transmit(const apdu::Bytes& c) override {
        if (c.size() < 4) invariantFailed("short command APDU");
        if (++count_ > 20000) invariantFailed("unbounded reads of one fuzzed file");
        const std::uint8_t ins = c[1];
        if (ins == 0xB0) {  // READ BINARY: P1P2 = offset, Le in the last byte (00 = 256)
            std::size_t offset = (std::size_t{c[2]} << 8) | c[3];
            std::size_t le = c.size() == 5 ? (c[4] == 0 ? 256 : c[4]) : 256;
            if (offset >= file_.size()) return {0x6B, 0x00};
            apdu::Bytes out(file_.begin() + static_cast<std::ptrdiff_t>(offset),
                            file_.begin() + static_cast<std::ptrdiff_t>(
                                                std::min(file_.size(), offset + le)));
            out.push_back(0x90);
            out.push_back(0x00);
            return out;
        }
        if (ins == 0xB2) {  // READ RECORD: the whole file as record 1, capped at 256
            apdu::Bytes out(file_.begin(),
                            file_.begin() + static_cast<std::ptrdiff_t>(std::min<std::size_t>(
                                                file_.size(), 256)));
            out.push_back(0x90);
            out.push_back(0x00);
            return out;
        }
        if (ins == 0x20) return c.size() == 5 || c.size() == 4 ? apdu::Bytes{0x63, 0xC3}
                                                               : apdu::Bytes{0x90, 0x00};
        return {0x90, 0x00};  // SELECT and anything else
    }
    apdu::Bytes atr() const override { return {0x3B, 0x00}; }
    std::string readerName() const override { return "file card"; }
    void beginTransaction() override {}
    void endTransaction() override {}

  private:
    apdu::Bytes file_;
    std::size_t count_ = 0;
};

template <typename F>
void expectTypedErrors(F&& f) {
    try {
        f();
    } catch (const Error&) {
        // mynacard::Error: the documented outcome for a malformed record.
    }
}

void viaSession(const apdu::Bytes& file, std::uint8_t which) {
    FileCard card(file);
    card::CardSession session(card);
    switch (which % 6) {
        case 0:
            expectTypedErrors([&] {
                const card::Identification& id = session.identify();
                if (id.tokenInfo && id.tokenInfo->raw.size() > 160)
                    invariantFailed("token info longer than EF 0006");
            });
            break;
        case 1:
            expectTypedErrors([&] { (void)card::JpkiApplet(session).certificateAvailability(); });
            break;
        case 2:
            expectTypedErrors([&] {
                card::ResidentCode r = card::ResidentApplet(session).residentCode();
                if (r.code && r.code->size() != 11) invariantFailed("住民票コード is not 11 digits");
            });
            break;
        case 3:
            expectTypedErrors([&] { (void)card::FaceApplet(session).readAgeBirthDate(); });
            break;
        case 4:
            expectTypedErrors([&] {
                (void)card::JpkiApplet(session).certificate(card::JpkiCertificate::AuthCa);
            });
            break;
        case 5:
            expectTypedErrors([&] {
                std::optional<card::CommonInfo> info = card::CommonApplet(session).read();
                if (info && info->serial.size() != 15) invariantFailed("card serial length");
            });
            break;
    }
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
    (void)simAnchors();
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    FuzzInput in(data, size);
    const std::uint8_t selector = in.byte();
    switch (selector % 10) {
        case 0:
            expectTypedErrors([&] {
                card::MyNumberRecord r = card::TextApplet::parseMyNumber(in.rest());
                if (r.myNumber.size() != 12) invariantFailed("My Number is not 12 digits");
            });
            break;
        case 1:
            expectTypedErrors([&] { (void)card::TextApplet::parseAttributes(in.rest()); });
            break;
        case 2:
            expectTypedErrors([&] {
                card::CvCertificate cv = card::parseCvCertificate(in.rest());
                card::PublicKey key = cv.publicKey();
                (void)simAnchors().findSigner(cv);
            });
            break;
        case 3:
            expectTypedErrors([&] { (void)card::parseRawPublicKey(in.rest()); });
            break;
        case 4:
            expectTypedErrors([&] {
                card::FaceFront f = card::FaceApplet::parseFront(in.rest());
                if (f.raw.size() > size) invariantFailed("FF20 record longer than its input");
            });
            break;
        case 5:
            expectTypedErrors([&] { (void)card::CommonApplet::parseRecord(in.rest()); });
            break;
        case 6: {  // spec §5.4: EF 0001, EF 0002, EF 0003, EF 0004 → the verification report
            const std::uint8_t flags = in.byte();
            apdu::Bytes mn = in.chunk(), attrs = in.chunk(), integrity = in.chunk(), cv = in.chunk();
            std::optional<card::MyNumberRecord> m;
            std::optional<card::TextAttributes> a;
            expectTypedErrors([&] { m = card::TextApplet::parseMyNumber(mn); });
            expectTypedErrors([&] { a = card::TextApplet::parseAttributes(attrs); });
            expectTypedErrors([&] {
                card::VerificationReport r = card::TextApplet::verifyRecords(
                    m ? &*m : nullptr, a ? &*a : nullptr, integrity, cv,
                    (flags & 1) ? &simAnchors() : nullptr);
                if (r.verified && !(flags & 1)) invariantFailed("verified without trust anchors");
            });
            break;
        }
        case 7: {  // spec §6.3: EF 0002 + EF 0004 → the verification report
            const std::uint8_t flags = in.byte();
            apdu::Bytes front = in.chunk(), cv = in.chunk();
            expectTypedErrors([&] {
                card::FaceFront f = card::FaceApplet::parseFront(front);
                card::VerificationReport r = card::FaceApplet::verifyFront(
                    f, cv, (flags & 1) ? &simAnchors() : nullptr);
                if (r.verified && !(flags & 1)) invariantFailed("verified without trust anchors");
            });
            break;
        }
        case 8:
            expectTypedErrors([&] { (void)card::publicKeyFromCertificate(in.rest()); });
            break;
        case 9: {
            const std::uint8_t which = in.byte();
            viaSession(in.rest(), which);
            break;
        }
    }
    return 0;
}
