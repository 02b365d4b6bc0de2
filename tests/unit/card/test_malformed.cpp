// Bad input from the card (or a configuration file) gets a typed error, never a crash or an
// out-of-bounds read: every parser is fed every truncation and single-byte corruption of a real
// record.
#include <catch2/catch.hpp>

#include "apdu/card/common_applet.h"
#include "apdu/card/cv_certificate.h"
#include "apdu/card/face_applet.h"
#include "apdu/card/record_util.h"
#include "apdu/card/text_applet.h"
#include "apdu/card/trust_anchors.h"
#include "apdu/tlv.h"
#include "sim_fixture.h"

using namespace mynacard;
using namespace mynacard::card;

namespace {

// Runs `parse` on every prefix and on copies with one byte replaced; only mynacard errors may
// escape (ProtocolError for structure, Error for crypto refusals).
template <typename F>
void torture(const apdu::Bytes& good, F parse) {
    // Truncations stop short of the record's own end (trailing filler is not part of it).
    const std::size_t total = apdu::parseTlv(good).totalLength();
    for (std::size_t n = 0; n < total; n += (n < 64 ? 1 : 37)) {
        apdu::Bytes cut(good.begin(), good.begin() + static_cast<std::ptrdiff_t>(n));
        try {
            parse(cut);
        } catch (const Error&) {
        }
    }
    for (std::size_t i = 0; i < std::min<std::size_t>(good.size(), 16); ++i) {
        for (std::uint8_t v : {0x00, 0x7F, 0x81, 0x82, 0x83, 0xFF}) {
            if (good[i] == v) continue;  // not a corruption
            apdu::Bytes bad = good;
            bad[i] = v;
            try {
                parse(bad);
            } catch (const Error&) {
            }
        }
    }
}

}  // namespace

TEST_CASE("record parsers survive truncation and corruption", "[malformed]") {
    const sim::CardData& d = test::cardDataFor(sim::defaultProfile());
    TrustAnchors anchors = TrustAnchors::fromPem(d.trustAnchorsPem);
    torture(d.textMyNumber, [](const apdu::Bytes& b) { TextApplet::parseMyNumber(b); });
    torture(d.textAttributes, [](const apdu::Bytes& b) { TextApplet::parseAttributes(b); });
    torture(d.faceRecord, [](const apdu::Bytes& b) { FaceApplet::parseFront(b); });
    torture(d.textCvCert, [](const apdu::Bytes& b) { parseCvCertificate(b); });
    torture(d.commonRecord, [](const apdu::Bytes& b) { CommonApplet::parseRecord(b); });
    MyNumberRecord mn = TextApplet::parseMyNumber(d.textMyNumber);
    TextAttributes at = TextApplet::parseAttributes(d.textAttributes);
    torture(d.textIntegrity, [&](const apdu::Bytes& b) {
        CHECK_FALSE(TextApplet::verifyRecords(&mn, &at, b, d.textCvCert, &anchors).verified);
    });
    torture(d.textCvCert, [&](const apdu::Bytes& b) {
        CHECK_FALSE(TextApplet::verifyRecords(&mn, &at, d.textIntegrity, b, &anchors).verified);
    });
    // The untouched records do verify (so the checks above can fail).
    CHECK(TextApplet::verifyRecords(&mn, &at, d.textIntegrity, d.textCvCert, &anchors).verified);
}

TEST_CASE("bad trust anchor files are refused with an error", "[malformed]") {
    CHECK_THROWS_AS(TrustAnchors::fromPem(""), Error);
    CHECK_THROWS_AS(TrustAnchors::fromPem("not pem at all"), Error);
    CHECK_THROWS_AS(
        TrustAnchors::fromPem("-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n"),
        Error);
    CHECK_THROWS_AS(TrustAnchors::fromPemFile("/nonexistent/anchors.pem"), Error);
    const sim::CardData& d = test::cardDataFor(sim::defaultProfile());
    CHECK(TrustAnchors::fromPem(d.trustAnchorsPem).size() == 4);
}

TEST_CASE("text fields from the card are always valid UTF-8", "[malformed][utf8]") {
    using mynacard::apdu::Bytes;
    CHECK(asUtf8(Bytes{'A', 0xE5, 0xB1, 0xB1}) == "A\u5C71");        // 山
    CHECK(asUtf8(Bytes{0xE3, 0x80, 0x80}) == "\u3000");              // ideographic space
    CHECK(asUtf8(Bytes{0xFF, 'a'}) == "\uFFFDa");                    // invalid lead byte
    CHECK(asUtf8(Bytes{0xE5, 0xB1}) == "\uFFFD\uFFFD");              // truncated
    CHECK(asUtf8(Bytes{0xC0, 0x80}) == "\uFFFD\uFFFD");              // overlong NUL
    CHECK(asUtf8(Bytes{0xED, 0xA0, 0x80}) == "\uFFFD\uFFFD\uFFFD");  // surrogate
    CHECK(asUtf8(Bytes{0xF0, 0x9F, 0x98, 0x80}) == "\U0001F600");
}
