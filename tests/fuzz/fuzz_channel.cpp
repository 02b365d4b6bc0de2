// fuzz_channel: the CardChannel (apdu/card_channel.h) and the applet layer above it against a
// fuzzed card — every response (any length, any SW, 61xx/6Cxx included) comes from the input.
//
// Input: one flags byte, then operation bytes interleaved with the card's answers (each a
// FuzzInput::chunk). flags bit 0: extended length; bit 1: "cycle" — the answers are read once
// and repeated forever, so a 61xx/6Cxx or short-chunk loop must be stopped by the code's own
// bounds (FuzzedCardTransport traps after 70000 exchanges in one operation); bits 2-3: max
// chunk 256/128/1/17; bit 4: drive the applet layer (CardSession) instead of the bare channel.
//
// Invariants checked besides "no crash, only mynacard::Error":
// - readBinary(offset, n) returns exactly n bytes; readTlvFile returns exactly one whole TLV;
// - at most one VERIFY with data per verify() call (a secret is never replayed, spec §9), and
//   none right after an empty VERIFY answered 63C0/63C1 when the final try is not allowed;
// - transactions are balanced (no begin left open after an exception).
#include <cstddef>
#include <cstdint>
#include <cstdlib>

#include "apdu/card/card_session.h"
#include "apdu/card/common_applet.h"
#include "apdu/card/face_applet.h"
#include "apdu/card/jpki_applet.h"
#include "apdu/card/resident_applet.h"
#include "apdu/card/text_applet.h"
#include "apdu/card_channel.h"
#include "apdu/command.h"
#include "apdu/errors.h"
#include "apdu/tlv.h"
#include "tests/fuzz/fuzz_input.h"

using namespace mynacard;
using mynacard::fuzz::FuzzedCardTransport;
using mynacard::fuzz::FuzzInput;
using mynacard::fuzz::invariantFailed;

namespace {

// Watches the VERIFY commands going to the fuzzed card (spec §9 client rules).
class PinWatch : public apdu::Transport {
  public:
    explicit PinWatch(FuzzedCardTransport& inner) : inner_(inner) {}
    bool allowFinalTry = false;
    int dataVerifies = 0;

    apdu::Bytes transmit(const apdu::Bytes& c) override {
        const bool isVerify = c.size() >= 4 && c[0] == 0x00 && c[1] == 0x20;
        const bool withData = isVerify && c.size() > 5;
        if (withData) {
            ++dataVerifies;
            if (!allowFinalTry && lastStatus_ == 0x63C1)
                invariantFailed("VERIFY sent with one try left and the final try not allowed");
            if (lastStatus_ == 0x63C0) invariantFailed("VERIFY sent to a blocked key");
        }
        if (withData && lastWasDataVerify6C_ && knownIssueAllowed())
            --dataVerifies;  // the known re-send (docs/reliability.md, finding F1): not counted
        apdu::Bytes r = inner_.transmit(c);
        lastWasDataVerify6C_ = withData && r.size() >= 2 && r[r.size() - 2] == 0x6C;
        if (isVerify && !withData && r.size() >= 2)
            lastStatus_ = static_cast<std::uint16_t>((r[r.size() - 2] << 8) | r.back());
        else if (!isVerify)
            lastStatus_ = 0;
        return r;
    }
    apdu::Bytes atr() const override { return inner_.atr(); }
    std::string readerName() const override { return inner_.readerName(); }
    void beginTransaction() override { inner_.beginTransaction(); }
    void endTransaction() override { inner_.endTransaction(); }

  private:
    // MYNACARD_FUZZ_ALLOW_KNOWN=1 lets a long run explore past finding F1 (CardChannel re-sends a
    // VERIFY answered 6Cxx, i.e. the secret twice) until its owner fixes it. Off by default.
    static bool knownIssueAllowed() {
        static const bool allowed = std::getenv("MYNACARD_FUZZ_ALLOW_KNOWN") != nullptr;
        return allowed;
    }
    bool lastWasDataVerify6C_ = false;
    FuzzedCardTransport& inner_;
    std::uint16_t lastStatus_ = 0;
};

template <typename F>
void typedErrorsOnly(F&& f) {
    try {
        f();
    } catch (const Error&) {
    }
}

void channelOp(apdu::CardChannel& ch, FuzzInput& in) {
    switch (in.byte() % 6) {
        case 0:
            typedErrorsOnly([&] { (void)ch.transmit(apdu::cmd::selectEf(in.u16())); });
            break;
        case 1:
            typedErrorsOnly([&] { (void)ch.transmit(apdu::cmd::readBinary(in.u16() & 0x7FFF, 256)); });
            break;
        case 2:
            typedErrorsOnly([&] {
                apdu::Bytes input = in.take(in.byte() % 64 + 1);
                if (input.empty()) input.push_back(0x00);  // the builder refuses empty input
                (void)ch.transmit(apdu::cmd::computeDigitalSignature(0x00, 0x80, input));
            });
            break;
        case 3:
            typedErrorsOnly([&] {
                apdu::Bytes f = ch.readTlvFile();
                std::optional<std::size_t> total = apdu::tlvTotalLength(f.data(), f.size());
                if (!total || *total != f.size()) invariantFailed("readTlvFile: not one whole TLV");
            });
            break;
        case 4:
            typedErrorsOnly([&] {
                const std::size_t offset = in.u16(), length = in.u16() % 2048;
                if (ch.readBinary(offset, length).size() != length)
                    invariantFailed("readBinary returned a different length");
            });
            break;
        case 5:
            typedErrorsOnly([&] { (void)ch.transmit(apdu::cmd::getChallenge(8)); });
            break;
    }
}

card::Secret secretFrom(std::uint8_t b) { return static_cast<card::Secret>(b % 9); }

void sessionOp(card::CardSession& s, PinWatch& watch, FuzzInput& in) {
    const std::uint8_t op = in.byte();
    switch (op % 10) {
        case 0: typedErrorsOnly([&] { (void)s.identify(); }); break;
        case 1: typedErrorsOnly([&] { (void)s.pinStatus(secretFrom(in.byte())); }); break;
        case 2: {
            // Valid-format secrets for each kind, so the request reaches the card.
            static const char* values[] = {"1234", "ABC123", "2345", "123456789012",
                                           "12345678901234", "123456789012", "12345678901234",
                                           "010101", "3456"};
            const std::uint8_t b = in.byte();
            const card::Secret secret = secretFrom(b);
            watch.allowFinalTry = (b & 0x80) != 0;
            const int before = watch.dataVerifies;
            typedErrorsOnly([&] {
                s.verify(card::makeCredential(secret, values[static_cast<int>(secret)],
                                              watch.allowFinalTry));
            });
            if (watch.dataVerifies - before > 1) invariantFailed("a secret was sent twice");
            break;
        }
        case 3:
            typedErrorsOnly([&] {
                (void)card::JpkiApplet(s).certificate(static_cast<card::JpkiCertificate>(in.byte() % 4));
            });
            break;
        case 4:
            typedErrorsOnly([&] {
                const int before = watch.dataVerifies;
                try {
                    (void)card::JpkiApplet(s).sign(card::JpkiKey::Auth, apdu::Bytes(32, 0x5A));
                } catch (const std::invalid_argument&) {
                    // a fuzzed certificate with a tiny key: the input does not fit, refused locally
                }
                if (watch.dataVerifies != before) invariantFailed("sign() sent a VERIFY");
            });
            break;
        case 5: typedErrorsOnly([&] { (void)card::CommonApplet(s).read(); }); break;
        case 6: typedErrorsOnly([&] { (void)card::TextApplet(s).readAttributes(); }); break;
        case 7: typedErrorsOnly([&] { (void)card::FaceApplet(s).readFront(); }); break;
        case 8: typedErrorsOnly([&] { (void)card::ResidentApplet(s).residentCode(); }); break;
        case 9: typedErrorsOnly([&] { (void)card::JpkiApplet(s).certificateAvailability(); }); break;
    }
}

// Several bounded-but-long operations (finding F2) in one input would exceed libFuzzer's
// -timeout: stop starting new operations past this many exchanges (not a finding).
constexpr std::size_t kInputExchangeBudget = 2 * FuzzedCardTransport::kMaxExchanges;

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    FuzzInput in(data, size);
    const std::uint8_t flags = in.byte();
    const bool cycle = flags & 0x02;
    static const std::size_t chunks[] = {256, 128, 1, 17};
    // In cycle mode the operations come first (a fixed 8), then the answers to repeat.
    apdu::Bytes ops = cycle ? in.take(8) : apdu::Bytes{};
    FuzzInput opIn(ops.data(), ops.size());
    FuzzedCardTransport card(in, cycle);
    FuzzInput& opSource = cycle ? opIn : in;

    if (flags & 0x10) {
        PinWatch watch(card);
        card::CardSession session(watch, card::SessionOptions{(flags & 1) != 0});
        for (int i = 0; i < 16 && !opSource.empty(); ++i) {
            if (card.exchanges() > kInputExchangeBudget) break;  // keeps one input < 10 s
            card.newOperation();
            sessionOp(session, watch, opSource);
        }
    } else {
        apdu::CardChannel ch(card);
        ch.setExtendedLength(flags & 0x01);
        ch.setMaxChunk(chunks[(flags >> 2) & 3]);
        for (int i = 0; i < 16 && !opSource.empty(); ++i) {
            if (card.exchanges() > kInputExchangeBudget) break;  // keeps one input < 10 s
            card.newOperation();
            channelOp(ch, opSource);
        }
    }
    if (card.transactionDepth() != 0) invariantFailed("transaction left open");
    return 0;
}
