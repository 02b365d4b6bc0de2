// fuzz_seed_gen OUTDIR: writes the seed corpora of the fuzz targets (OUTDIR/<target>/<name>)
// from the in-process simulator (default profile): the records as the card stores them, and
// recorded exchanges of real operations re-encoded in each target's input format. Commands
// are recorded unmasked on purpose: these are the simulator's published test secrets.
// Only small seeds are written (a few KB per target): large image records are left out.
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iostream>
#include <string>
#include <vector>

#include "apdu/bytes.h"
#include "apdu/card/card_session.h"
#include "apdu/card/common_applet.h"
#include "apdu/card/face_applet.h"
#include "apdu/card/jpki_applet.h"
#include "apdu/card/text_applet.h"
#include "apdu/card_channel.h"
#include "apdu/command.h"
#include "apdu/errors.h"
#include "cardsim/card_data.h"
#include "cardsim/profile.h"
#include "cardsim/sim_card.h"
#include "cardsim/sim_transport.h"

using namespace mynacard;
namespace fs = std::filesystem;

namespace {

fs::path outDir;

void write(const std::string& target, const std::string& name, const apdu::Bytes& data) {
    fs::create_directories(outDir / target);
    std::ofstream f(outDir / target / name, std::ios::binary);
    f.write(reinterpret_cast<const char*>(data.data()), static_cast<std::streamsize>(data.size()));
    std::cout << target << "/" << name << " " << data.size() << " bytes\n";
}

// FuzzInput::chunk encoding: one length byte, or FF + 2 bytes.
void putChunk(apdu::Bytes& out, const apdu::Bytes& c) {
    if (c.size() < 0xFF) {
        out.push_back(static_cast<std::uint8_t>(c.size()));
    } else {
        out.push_back(0xFF);
        out.push_back(static_cast<std::uint8_t>(c.size() >> 8));
        out.push_back(static_cast<std::uint8_t>(c.size()));
    }
    out.insert(out.end(), c.begin(), c.end());
}

// Records commands and responses on their way to the simulator.
class Recorder : public apdu::Transport {
  public:
    explicit Recorder(apdu::Transport& inner) : inner_(inner) {}
    apdu::Bytes transmit(const apdu::Bytes& c) override {
        apdu::Bytes r = inner_.transmit(c);
        commands.push_back(c);
        responses.push_back(r);
        return r;
    }
    apdu::Bytes atr() const override { return inner_.atr(); }
    std::string readerName() const override { return inner_.readerName(); }
    void beginTransaction() override {}
    void endTransaction() override {}
    std::vector<apdu::Bytes> commands, responses;

  private:
    apdu::Transport& inner_;
};

apdu::Bytes cat(std::initializer_list<apdu::Bytes> parts) {
    apdu::Bytes out;
    for (const auto& p : parts) out.insert(out.end(), p.begin(), p.end());
    return out;
}

}  // namespace

int main(int argc, char** argv) {
    if (argc != 2) {
        std::cerr << "usage: fuzz_seed_gen OUTDIR\n";
        return 2;
    }
    outDir = argv[1];
    const sim::Profile profile = sim::defaultProfile();
    const sim::CardData d = sim::buildCardData(profile);

    // fuzz_tlv: BER-TLV records as stored (filler included).
    write("fuzz_tlv", "text_attributes", d.textAttributes);
    write("fuzz_tlv", "text_integrity", d.textIntegrity);
    write("fuzz_tlv", "text_cv_certificate", d.textCvCert);
    write("fuzz_tlv", "face_age", d.faceAge);

    // fuzz_records: selector byte + record(s).
    write("fuzz_records", "0_my_number", cat({{0}, d.textMyNumber}));
    write("fuzz_records", "1_attributes", cat({{1}, d.textAttributes}));
    write("fuzz_records", "2_cv_certificate", cat({{2}, d.textCvCert}));
    write("fuzz_records", "5_common", cat({{5}, d.commonRecord}));
    {
        apdu::Bytes in{6, 1};
        putChunk(in, d.textMyNumber);
        putChunk(in, d.textAttributes);
        putChunk(in, d.textIntegrity);
        putChunk(in, d.textCvCert);
        write("fuzz_records", "6_text_verify", in);
    }
    write("fuzz_records", "9_0_token_info", cat({{9, 0}, d.tokenInfo}));
    write("fuzz_records", "9_1_cert_availability", cat({{9, 1}, d.certAvailability}));
    write("fuzz_records", "9_2_resident", cat({{9, 2}, d.residentRecord}));
    write("fuzz_records", "9_3_face_age", cat({{9, 3}, d.faceAge}));

    // fuzz_sim / fuzz_channel: real operations against the simulator, recorded.
    struct Op {
        std::string name;
        apdu::Bytes opBytes;  // fuzz_channel session-mode operation bytes
        std::function<void(card::CardSession&)> run;
    };
    const std::vector<Op> ops = {
        {"identify", {0}, [](card::CardSession& s) { s.identify(); }},
        {"pin_status", {1, 0}, [](card::CardSession& s) { s.pinStatus(card::Secret::JpkiAuthPin); }},
        {"verify_auth", {2, 0x80}, [](card::CardSession& s) {
             s.verify(card::makeCredential(card::Secret::JpkiAuthPin, "1234", true)); }},
        {"common", {5}, [](card::CardSession& s) { card::CommonApplet(s).read(); }},
        {"availability", {9}, [](card::CardSession& s) { card::JpkiApplet(s).certificateAvailability(); }},
    };
    apdu::Bytes simAll{0}, channelSession{0x10};
    for (const Op& op : ops) {
        sim::SimCard card(profile, d);
        sim::SimTransport st(card);
        Recorder rec(st);
        card::CardSession session(rec);
        op.run(session);
        apdu::Bytes simSeed{0};
        for (const auto& c : rec.commands) putChunk(simSeed, c), putChunk(simAll, c);
        write("fuzz_sim", op.name, simSeed);
        apdu::Bytes ch{0x10};
        ch.insert(ch.end(), op.opBytes.begin(), op.opBytes.end());
        channelSession.insert(channelSession.end(), op.opBytes.begin(), op.opBytes.end());
        for (const auto& r : rec.responses) putChunk(ch, r), putChunk(channelSession, r);
        write("fuzz_channel", "session_" + op.name, ch);
    }
    // One longer session for fuzz_sim: the sequence above on one card, plus a signature.
    {
        sim::SimCard card(profile, d);
        sim::SimTransport st(card);
        Recorder rec(st);
        card::CardSession session(rec);
        card::JpkiApplet jpki(session);
        jpki.verify(card::makeCredential(card::Secret::JpkiAuthPin, "1234", true));
        jpki.sign(card::JpkiKey::Auth, apdu::Bytes(32, 0x5A));
        apdu::Bytes in{0};
        for (const auto& c : rec.commands)
            if (c.size() < 300) putChunk(in, c);  // commands only: responses are not input here
        write("fuzz_sim", "verify_sign", in);
        for (std::uint8_t v : {1, 2, 3}) {  // the same on the t0 / no-extended / short-read cards
            in[0] = v;
            write("fuzz_sim", "verify_sign_variant" + std::to_string(v), in);
        }
    }
    // Bare channel: readTlvFile of the text AP's CV certificate (EF 0004), 61xx-style and plain.
    {
        sim::SimCard card(profile, d);
        sim::SimTransport st(card);
        apdu::CardChannel pre(st);
        pre.transmit(apdu::cmd::selectAid(card::appletAid(card::Applet::Text)));
        pre.transmit(apdu::cmd::selectEf(0x0004));
        Recorder rec(st);
        apdu::CardChannel ch(rec);
        ch.readTlvFile();
        apdu::Bytes in{0x00, 3};
        for (const auto& r : rec.responses) putChunk(in, r);
        write("fuzz_channel", "read_tlv_file", in);
        // 61xx then data: a T=0 style answer to READ BINARY.
        apdu::Bytes t0{0x00, 1, 0x00, 0x00};
        putChunk(t0, {0x61, 0x10});
        putChunk(t0, cat({apdu::Bytes(16, 0xAB), {0x90, 0x00}}));
        write("fuzz_channel", "get_response", t0);
        // An endless 61xx card in cycle mode: the channel's bound must stop it.
        apdu::Bytes endless{0x02, 1, 0, 0, 1, 0, 0, 1, 0};
        putChunk(endless, {0x61, 0x00});
        write("fuzz_channel", "endless_61xx", endless);
        apdu::Bytes wrongLe{0x02, 1, 0, 0, 1, 0, 0, 1, 0};
        putChunk(wrongLe, {0x6C, 0x10});
        write("fuzz_channel", "endless_6cxx", wrongLe);
    }
    // fuzz_pkcs11 (flags bit 0: the simulator behind the module): call sequences, see the
    // operation numbers in fuzz_pkcs11.cpp (Caller::step).
    {
        const apdu::Bytes open{3, 0, 0}, login{5, 0, 1, 0}, findKey{7, 0, 3, 1, 8};
        apdu::Bytes signOnce = cat({{1}, open, login, findKey, {9, 0, 0, 0, 0}, {10, 0, 32},
                                    apdu::Bytes(32, 0x5A), {128, 0}});
        signOnce.insert(signOnce.end(), {8, 0, 0, 3, 5, 0xFE, 6, 0xFF, 3, 4});
        write("fuzz_pkcs11", "login_sign", signOnce);
        write("fuzz_pkcs11", "multipart_sign",
              cat({{1}, open, login, findKey, {9, 1, 0, 0, 0}, {11, 0, 16}, apdu::Bytes(16, 0x11),
                   {12, 128, 0}, {15, 0, 6, 0, 17, 15, 0}}));
        write("fuzz_pkcs11", "sign_token_wrong_then_right",
              cat({{1}, {3, 0, 1}, {5, 0, 1, 3, 4, '9', '9', '9', '9'}, {5, 0, 1, 2},
                   {2, 1}, {0, 8, 1}, {14, 8, 1, 0}}));
    }
    return 0;
}
