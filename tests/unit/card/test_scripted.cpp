// Scripted cards: identification, the PIN-safety rules step by step, and a card that answers in
// 61xx/6Cxx style or with responses split at every chunk boundary.
#include <catch2/catch.hpp>

#include <openssl/evp.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

#include "apdu/card/card_session.h"
#include "apdu/card/jpki_applet.h"
#include "apdu/errors.h"
#include "sim_fixture.h"
#include "tests/support/scripted_transport.h"

using namespace mynacard;
using namespace mynacard::card;
using mynacard::test::ScriptedTransport;

namespace {

const char* kSelectJpki = "00 A4 04 0C 0A D3 92 F0 00 26 01 00 00 00 01";
const char* kSelectAuthPin = "00 A4 02 0C 02 00 18";
const char* kEmptyVerify = "00 20 00 80";

std::string labelHex(const std::string& label) {
    apdu::Bytes b(label.begin(), label.end());
    b.resize(32, ' ');
    b.resize(160, 0);
    return apdu::toHex(b) + "9000";
}

// OpenSSL signature (what a real card computes): PKCS#1 v1.5 type 1 over `input`.
apdu::Bytes rsaSign(EVP_PKEY* key, const apdu::Bytes& input) {
    EVP_PKEY_CTX* ctx = EVP_PKEY_CTX_new(key, nullptr);
    REQUIRE(EVP_PKEY_sign_init(ctx) == 1);
    REQUIRE(EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_PKCS1_PADDING) == 1);
    size_t len = 0;
    REQUIRE(EVP_PKEY_sign(ctx, nullptr, &len, input.data(), input.size()) == 1);
    apdu::Bytes sig(len);
    REQUIRE(EVP_PKEY_sign(ctx, sig.data(), &len, input.data(), input.size()) == 1);
    EVP_PKEY_CTX_free(ctx);
    sig.resize(len);
    return sig;
}

// Independent check with OpenSSL's verifier: sha256WithRSA over `data` with the cert's key.
bool opensslVerifies(const apdu::Bytes& certDer, const apdu::Bytes& data, const apdu::Bytes& sig) {
    const unsigned char* p = certDer.data();
    X509* cert = d2i_X509(nullptr, &p, static_cast<long>(certDer.size()));
    EVP_PKEY* key = X509_get_pubkey(cert);
    EVP_MD_CTX* md = EVP_MD_CTX_new();
    bool ok = EVP_DigestVerifyInit(md, nullptr, EVP_sha256(), nullptr, key) == 1 &&
              EVP_DigestVerify(md, sig.data(), sig.size(), data.data(), data.size()) == 1;
    EVP_MD_CTX_free(md);
    EVP_PKEY_free(key);
    X509_free(cert);
    return ok;
}

// A small JPKI card model for the handler mode of ScriptedTransport.
struct MiniCard {
    enum class Style { Plain, ShortReads, GetResponse, WrongLe };
    Style style = Style::Plain;
    std::size_t split = 256;  // max bytes per READ BINARY / GET RESPONSE answer
    apdu::Bytes cert;
    EVP_PKEY* key = nullptr;
    bool corruptSignature = false;
    std::uint16_t ef = 0;
    apdu::Bytes pending;

    static apdu::Bytes sw(std::uint16_t s) { return {std::uint8_t(s >> 8), std::uint8_t(s)}; }

    apdu::Bytes reply(apdu::Bytes data, std::size_t le) {
        if (style == Style::GetResponse && !data.empty()) {
            pending = std::move(data);
            return {0x61, std::uint8_t(std::min<std::size_t>(pending.size(), 256) & 0xFF)};
        }
        (void)le;
        data.push_back(0x90);
        data.push_back(0x00);
        return data;
    }

    apdu::Bytes operator()(const apdu::Bytes& c) {
        std::uint8_t ins = c[1];
        if (ins == 0xC0) {  // GET RESPONSE: at most `split` bytes per answer
            std::size_t le = c[4] == 0 ? 256 : c[4];
            std::size_t n = std::min({le, split, pending.size()});
            apdu::Bytes out(pending.begin(), pending.begin() + n);
            pending.erase(pending.begin(), pending.begin() + n);
            if (pending.empty()) {
                out.push_back(0x90);
                out.push_back(0x00);
            } else {
                out.push_back(0x61);
                out.push_back(std::uint8_t(std::min<std::size_t>(pending.size(), 256) & 0xFF));
            }
            return out;
        }
        if (ins == 0xA4 && c[2] == 0x04) return sw(0x9000);
        if (ins == 0xA4 && c[2] == 0x02) {
            ef = std::uint16_t(c[5] << 8 | c[6]);
            return sw(ef == 0x000A || ef == 0x0017 || ef == 0x0018 ? 0x9000 : 0x6A82);
        }
        if (ins == 0xB0) {
            std::size_t off = std::size_t(c[2]) << 8 | c[3];
            std::size_t le = c[4] == 0 ? 256 : c[4];
            if (off >= cert.size()) return sw(0x6B00);
            std::size_t avail = cert.size() - off;
            if (style == Style::WrongLe && le > avail)
                return {0x6C, std::uint8_t(avail & 0xFF)};  // "wrong Le, use xx"
            std::size_t n = std::min(le, avail);
            if (style == Style::ShortReads) n = std::min(n, split);
            return reply(apdu::Bytes(cert.begin() + off, cert.begin() + off + n), le);
        }
        if (ins == 0x20) return c.size() == 4 ? sw(0x63C3) : sw(0x9000);
        if (ins == 0x2A) {
            apdu::Bytes input(c.begin() + 5, c.begin() + 5 + c[4]);
            apdu::Bytes sig = rsaSign(key, input);
            if (corruptSignature) sig[100] ^= 0x01;
            return reply(sig, 256);
        }
        return sw(0x6D00);
    }
};

}  // namespace

// Issue 13 "look without touching": identification first reads JPKI EF 0006 by SFI in whatever
// applet is current, and selects the JPKI applet only when that is not the JPKI applet's file.
const char* kTokenInfoBySfi = "00 B0 86 00 00";

TEST_CASE("identify: not a My Number Card when the JPKI AID is refused", "[scripted][identify]") {
    ScriptedTransport t({{kTokenInfoBySfi, "6A82"}, {kSelectJpki, "6A82"}});
    CardSession s(t);
    const Identification& id = s.identify();
    CHECK(id.kind == CardKind::NotMyNumber);
    CHECK(id.message.find("not a My Number Card") != std::string::npos);
    CHECK(t.finished());
    s.identify();  // cached: no second exchange
    CHECK(t.exchanges() == 2);
}

TEST_CASE("identify: any refusal of the JPKI AID means another card", "[scripted][identify]") {
    for (const char* sw : {"6D00", "6E00", "6999", "6A86"}) {
        ScriptedTransport t({{kTokenInfoBySfi, sw}, {kSelectJpki, sw}});
        CardSession s(t);
        CHECK(s.identify().kind == CardKind::NotMyNumber);
        CHECK(t.finished());
    }
}

TEST_CASE("identify: JPKI AID without EF 0006 is a My Number Card", "[scripted][identify]") {
    ScriptedTransport t({{kTokenInfoBySfi, "6A82"},
                         {kSelectJpki, "9000"},
                         {kTokenInfoBySfi, "6A82"},
                         {"00 A4 02 0C 02 00 06", "6A82"}});
    CardSession s(t);
    CHECK(s.identify().kind == CardKind::MyNumberCard);
    CHECK_FALSE(s.identify().tokenInfo);
    CHECK(t.finished());
}

TEST_CASE("identify: the JPKI applet already answers: one READ BINARY by SFI, no SELECT",
          "[scripted][identify]") {
    ScriptedTransport t({{kTokenInfoBySfi, labelHex("JPKIAPICCTOKEN2")}});
    CardSession s(t);
    const Identification& id = s.identify();
    CHECK(id.kind == CardKind::MyNumberCard);
    REQUIRE(id.tokenInfo);
    CHECK(id.tokenInfo->label == "JPKIAPICCTOKEN2");
    CHECK(t.finished());
    CHECK(t.exchanges() == 1);
    CHECK(s.currentApplet() == Applet::Jpki);
}

TEST_CASE("identify: EF 0006 of another applet is not the JPKI applet's: SELECT",
          "[scripted][identify]") {
    // 券面AP has an EF 0006 too (spec §6): its contents carry no JPKI token label.
    ScriptedTransport t({{kTokenInfoBySfi, std::string(320, '0') + "9000"},
                         {kSelectJpki, "9000"},
                         {kTokenInfoBySfi, labelHex("JPKIAPICCTOKEN2")}});
    CardSession s(t);
    CHECK(s.identify().kind == CardKind::MyNumberCard);
    CHECK(t.finished());
}

TEST_CASE("identify: token labels name the card kind, in 3 APDUs", "[scripted][identify]") {
    struct Case {
        const char* label;
        CardKind kind;
    };
    for (Case c : {Case{"JPKIAPICCTOKEN2", CardKind::MyNumberCard},
                   Case{"JPKIAPICCTOKEN", CardKind::JukiCard},
                   Case{"JPKIAPGPSETOKEN", CardKind::SmartphoneJpki},
                   Case{"JPKIAPIOSTOKEN", CardKind::SmartphoneJpki}}) {
        ScriptedTransport t({{kTokenInfoBySfi, "6986"},
                             {kSelectJpki, "9000"},
                             {kTokenInfoBySfi, labelHex(c.label)}});
        CardSession s(t);
        const Identification& id = s.identify();
        CHECK(id.kind == c.kind);
        REQUIRE(id.tokenInfo);
        CHECK(id.tokenInfo->label == c.label);
        CHECK(id.tokenInfo->complete);
        CHECK_FALSE(id.message.empty());
        CHECK(t.finished());
    }
}

TEST_CASE("PIN safety on a scripted card", "[scripted][pin]") {
    SECTION("blocked counter: nothing sent") {
        for (const char* blocked : {"63C0", "6983", "6984"}) {
            ScriptedTransport t(
                {{kSelectJpki, "9000"}, {kSelectAuthPin, "9000"}, {kEmptyVerify, blocked}});
            CardSession s(t);
            try {
                s.verify(makeCredential(Secret::JpkiAuthPin, "1234"));
                FAIL("verify did not refuse a blocked PIN");
            } catch (const PinError& e) {
                CHECK(e.kind() == PinError::Kind::Blocked);
                CHECK(e.triesLeft() == 0);
            }
            CHECK(t.finished());
        }
    }
    SECTION("final try refused unless allowed") {
        ScriptedTransport t(
            {{kSelectJpki, "9000"}, {kSelectAuthPin, "9000"}, {kEmptyVerify, "63C1"}});
        CardSession s(t);
        try {
            s.verify(makeCredential(Secret::JpkiAuthPin, "1234"));
            FAIL("spent the final try without consent");
        } catch (const PinError& e) {
            CHECK(e.kind() == PinError::Kind::FinalTryRefused);
            CHECK(e.triesLeft() == 1);
        }
        CHECK(t.finished());
        // the EF is selected again: EF knowledge does not outlive a transaction
        t.expect(kSelectAuthPin, "9000").expect(kEmptyVerify, "63C1");
        t.expect("00 20 00 80 04 31 32 33 34", "9000");
        s.verify(makeCredential(Secret::JpkiAuthPin, "1234", true));
        CHECK(s.isVerified(Secret::JpkiAuthPin));
        CHECK(t.finished());
    }
    SECTION("9000 on the empty VERIFY is 'unknown', never a login") {
        ScriptedTransport t(
            {{kSelectJpki, "9000"}, {kSelectAuthPin, "9000"}, {kEmptyVerify, "9000"}});
        CardSession s(t);
        PinStatus st = s.pinStatus(Secret::JpkiAuthPin);
        CHECK(st.available);
        CHECK(st.triesLeft == -1);
        CHECK_FALSE(st.known());
        CHECK_FALSE(s.isVerified(Secret::JpkiAuthPin));
        CHECK(t.finished());
    }
    SECTION("wrong PIN maps 63Cx and is never retried") {
        ScriptedTransport t({{kSelectJpki, "9000"},
                             {kSelectAuthPin, "9000"},
                             {kEmptyVerify, "63C3"},
                             {"00 20 00 80 04 31 31 31 31", "63C2"}});
        CardSession s(t);
        try {
            s.verify(makeCredential(Secret::JpkiAuthPin, "1111"));
            FAIL("wrong PIN accepted");
        } catch (const PinError& e) {
            CHECK(e.kind() == PinError::Kind::Incorrect);
            CHECK(e.triesLeft() == 2);
        }
        CHECK(t.finished());
        CHECK_FALSE(s.isVerified(Secret::JpkiAuthPin));
    }
    SECTION("transport error during VERIFY: counter re-read, secret never resent") {
        int verifies = 0;
        std::vector<std::string> log;
        ScriptedTransport t([&](const apdu::Bytes& c) -> apdu::Bytes {
            log.push_back(apdu::toHex(c, true));
            if (c[1] == 0x20 && c.size() > 4) {
                ++verifies;
                throw TransportError(TransportError::Kind::CardReset, "reset during VERIFY");
            }
            if (c[1] == 0x20) return {0x63, 0xC2};
            return {0x90, 0x00};
        });
        CardSession s(t);
        CHECK_THROWS_AS(s.verify(makeCredential(Secret::JpkiAuthPin, "1234")), TransportError);
        CHECK(verifies == 1);
        REQUIRE(log.size() == 7);
        // after the failed VERIFY: SELECT AP, SELECT EF, empty VERIFY — nothing else
        CHECK(log[4] == kSelectJpki);
        CHECK(log[5] == kSelectAuthPin);
        CHECK(log[6] == kEmptyVerify);
        CHECK_FALSE(s.isVerified(Secret::JpkiAuthPin));
    }
    SECTION("6982 after a login: NotLoggedIn, no replay") {
        ScriptedTransport t({{kSelectJpki, "9000"},
                             {kSelectAuthPin, "9000"},
                             {kEmptyVerify, "63C3"},
                             {"00 20 00 80 04 31 32 33 34", "9000"}});
        CardSession s(t);
        s.verify(makeCredential(Secret::JpkiAuthPin, "1234"));
        REQUIRE(s.isVerified(Secret::JpkiAuthPin));
        CHECK(t.finished());
        try {
            s.throwNotLoggedIn(Secret::JpkiAuthPin, "signing");
        } catch (const PinError& e) {
            CHECK(e.kind() == PinError::Kind::NotLoggedIn);
            CHECK(std::string(e.what()).find("another application") != std::string::npos);
        }
        CHECK_FALSE(s.isVerified(Secret::JpkiAuthPin));
        CHECK(t.exchanges() == 4);
    }
}

TEST_CASE("a card answering in 61xx / 6Cxx style or in short chunks", "[scripted][chunks]") {
    sim::Profile p = sim::defaultProfile();
    const sim::CardData& data = test::cardDataFor(p);
    MiniCard model;
    model.cert = data.authCert;
    model.key = data.authKey.get();
    const apdu::Bytes digest = hashData(HashAlgorithm::Sha256, apdu::fromHex("01 02 03"));

    auto run = [&](MiniCard::Style style, std::size_t split) {
        model.style = style;
        model.split = split;
        model.pending.clear();
        ScriptedTransport t(std::ref(model));
        CardSession s(t);
        JpkiApplet jpki(s);
        CardSession::Transaction tx(s);
        apdu::Bytes cert = jpki.certificate(JpkiCertificate::Auth);
        REQUIRE(cert == data.authCert);
        s.verify(makeCredential(Secret::JpkiAuthPin, "1234"));
        apdu::Bytes sig = jpki.sign(JpkiKey::Auth, digestInfo(HashAlgorithm::Sha256, digest));
        REQUIRE(opensslVerifies(data.authCert, apdu::fromHex("01 02 03"), sig));
    };
    SECTION("READ BINARY answers cut at every size 1..256") {
        for (std::size_t split = 1; split <= 256; ++split) run(MiniCard::Style::ShortReads, split);
    }
    SECTION("T=0 style: 61xx and GET RESPONSE pieces") {
        for (std::size_t split : {8, 16, 100, 127, 128, 200, 255, 256})
            run(MiniCard::Style::GetResponse, split);
    }
    SECTION("6Cxx: the card names the right Le") { run(MiniCard::Style::WrongLe, 256); }
    SECTION("a corrupted signature never reaches the caller") {
        model.corruptSignature = true;
        CHECK_THROWS_AS(run(MiniCard::Style::Plain, 256), ProtocolError);
    }
}

TEST_CASE("signature by the wrong key is refused", "[scripted][sign]") {
    sim::Profile p = sim::defaultProfile();
    const sim::CardData& data = test::cardDataFor(p);
    MiniCard model;
    model.cert = data.authCert;
    model.key = data.signKey.get();  // the card signs with a key that does not match the cert
    ScriptedTransport t(std::ref(model));
    CardSession s(t);
    JpkiApplet jpki(s);
    CardSession::Transaction tx(s);
    s.verify(makeCredential(Secret::JpkiAuthPin, "1234"));
    CHECK_THROWS_AS(jpki.sign(JpkiKey::Auth, digestInfoForData(HashAlgorithm::Sha256, {1, 2})),
                    ProtocolError);
}
