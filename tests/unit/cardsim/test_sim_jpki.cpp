// JPKI-AP (spec §4): EFs, access rules, COMPUTE DIGITAL SIGNATURE verified with OpenSSL.
#include <openssl/rsa.h>
#include <openssl/x509.h>

#include <catch2/catch.hpp>

#include "test_sim_support.h"

using namespace simtest;
using mynacard::sim::Variants;

TEST_CASE("JPKI-AP selects by its full AID and by a prefix", "[cardsim][jpki]") {
    Sim sim;
    CHECK(sim.send("00 A4 04 0C 0A D3 92 F0 00 26 01 00 00 00 01").sw == 0x9000);
    CHECK(sim.card->currentApplet() == AppletId::Jpki);
    CHECK(sim.send("00 A4 04 0C 0A D3 92 F0 00 26 01 00 00 00 02").sw == 0x6A82);
    CHECK(sim.card->currentApplet() == AppletId::Jpki);  // a failed SELECT changes nothing
    CHECK(sim.send("00 A4 04 0C 05 D3 92 10 00 31").sw == 0x9000);  // JICSAP prefix selection
    CHECK(sim.card->currentApplet() == AppletId::TextAssist);
}

TEST_CASE("JPKI free EFs read without a PIN; the signature certificate needs the password",
          "[cardsim][jpki]") {
    Sim sim;
    sim.selectAp(AppletId::Jpki);
    CHECK(sim.readEf(0x000A).data == sim.card->data().authCert);
    CHECK(sim.readEf(0x000B).data == sim.card->data().authCaCert);
    CHECK(sim.readEf(0x0002).data == sim.card->data().signCaCert);
    Resp token = sim.readEf(0x0006);
    REQUIRE(token.data.size() >= 32);
    CHECK(std::string(token.data.begin(), token.data.begin() + 15) == "JPKIAPICCTOKEN2");
    Resp avail = sim.readEf(0x0008);
    REQUIRE(avail.data.size() == 3);
    CHECK(avail.data[0] == 0x8F);
    CHECK(avail.data[1] == 0x8F);

    sim.selectEf(0x0001);
    CHECK(sim.send("00 B0 00 00 00").sw == 0x6982);
    CHECK(sim.verify(0x0018, sim.profile.pinAuth) == 0x9000);  // the auth PIN does not open it
    CHECK(sim.readEf(0x0001).sw == 0x6982);
    CHECK(sim.verify(0x001B, sim.profile.pinSign) == 0x9000);
    Resp cert = sim.readEf(0x0001);
    CHECK(cert.sw == 0x9000);
    CHECK(cert.data == sim.card->data().signCert);
}

TEST_CASE("JPKI signatures verify against the certificates read from the card", "[cardsim][jpki]") {
    Sim sim;
    sim.selectAp(AppletId::Jpki);
    const Bytes message = ascii("mynacard signs this");
    const Bytes di = sha256DigestInfo(message);

    SECTION("auth key 0017 after the auth PIN") {
        Bytes cert = sim.readEf(0x000A).data;
        sim.selectEf(0x0017);
        CHECK(sim.send(apduHex(0x80, 0x2A, 0x00, 0x80, di, 0)).sw == 0x6982);
        CHECK(sim.verify(0x0018, sim.profile.pinAuth) == 0x9000);
        sim.selectEf(0x0017);
        Resp sig = sim.send(apduHex(0x80, 0x2A, 0x00, 0x80, di, 0));
        REQUIRE(sig.sw == 0x9000);
        CHECK(sig.data.size() == 256);
        CHECK(verifyWithCert(cert, message, sig.data));
        CHECK_FALSE(verifyWithCert(cert, ascii("something else"), sig.data));
        // One VERIFY allows several signatures (spec §3); P2=80|SFI names the key directly.
        Resp again = sim.send(apduHex(0x80, 0x2A, 0x00, 0x97, di, 0));
        REQUIRE(again.sw == 0x9000);
        CHECK(again.data == sig.data);  // PKCS#1 v1.5 is deterministic
    }
    SECTION("signature key 001A after the signature password") {
        CHECK(sim.verify(0x0018, sim.profile.pinAuth) == 0x9000);
        sim.selectEf(0x001A);
        CHECK(sim.send(apduHex(0x80, 0x2A, 0x00, 0x80, di, 0)).sw ==
              0x6982);  // wrong secret verified
        CHECK(sim.verify(0x001B, sim.profile.pinSign) == 0x9000);
        Bytes cert = sim.readEf(0x0001).data;
        sim.selectEf(0x001A);
        Resp sig = sim.send(apduHex(0x80, 0x2A, 0x00, 0x80, di, 0));
        REQUIRE(sig.sw == 0x9000);
        CHECK(verifyWithCert(cert, message, sig.data));
        CHECK_FALSE(verifyWithCert(sim.card->data().authCert, message, sig.data));
    }
}

TEST_CASE("COMPUTE DIGITAL SIGNATURE input rules", "[cardsim][jpki]") {
    Sim sim;
    sim.selectAp(AppletId::Jpki);
    REQUIRE(sim.verify(0x0018, sim.profile.pinAuth) == 0x9000);
    sim.selectEf(0x0017);
    CHECK(sim.send(apduHex(0x80, 0x2A, 0x01, 0x80, ascii("x"), 0)).sw ==
          0x6A86);                                   // P1 other than 00
    CHECK(sim.send("80 2A 00 80 00").sw == 0x6985);  // no input
    CHECK(sim.send(apduHex(0x80, 0x2A, 0x00, 0x80, Bytes(246, 0x41), 0)).sw == 0x6985);  // > k-11
    Resp max = sim.send(apduHex(0x80, 0x2A, 0x00, 0x80, Bytes(245, 0x41), 0));
    CHECK(max.sw == 0x9000);
    CHECK(max.data.size() == 256);
    Resp one = sim.send(apduHex(0x80, 0x2A, 0x00, 0x80, Bytes{0x01}, 0));
    REQUIRE(one.sw == 0x9000);
    // The card pads type 1 itself: the public operation recovers 00 01 FF..FF 00 <input>.
    const unsigned char* p = sim.card->data().authCert.data();
    X509* x = d2i_X509(nullptr, &p, static_cast<long>(sim.card->data().authCert.size()));
    REQUIRE(x != nullptr);
    EVP_PKEY_CTX* ctx = EVP_PKEY_CTX_new(X509_get0_pubkey(x), nullptr);
    REQUIRE(EVP_PKEY_verify_recover_init(ctx) == 1);
    REQUIRE(EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_PKCS1_PADDING) == 1);
    unsigned char out[256];
    size_t outLen = sizeof out;
    REQUIRE(EVP_PKEY_verify_recover(ctx, out, &outLen, one.data.data(), one.data.size()) == 1);
    CHECK(outLen == 1);
    CHECK(out[0] == 0x01);
    EVP_PKEY_CTX_free(ctx);
    X509_free(x);

    sim.selectEf(0x000A);  // a certificate is not a key
    CHECK(sim.send(apduHex(0x80, 0x2A, 0x00, 0x80, ascii("x"), 0)).sw == 0x6A88);
    CHECK(sim.send(apduHex(0x80, 0x2A, 0x00, 0x00, ascii("x"), 0)).sw ==
          0x6A86);  // JPKI has no default key
    CHECK(sim.send(apduHex(0x00, 0x2A, 0x00, 0x80, ascii("x"), 0)).sw == 0x6E00);  // CLA must be 80
}

TEST_CASE("Security state is per AP and lost on leaving, re-selecting and reset",
          "[cardsim][jpki]") {
    Sim sim;
    sim.selectAp(AppletId::Jpki);
    REQUIRE(sim.verify(0x001B, sim.profile.pinSign) == 0x9000);
    CHECK(sim.readEf(0x0001).sw == 0x9000);

    SECTION("selecting another AP") {
        sim.selectAp(AppletId::TextAssist);
        sim.selectAp(AppletId::Jpki);
        CHECK(sim.readEf(0x0001).sw == 0x6982);
    }
    SECTION("re-selecting the same AP by AID (default)") {
        sim.selectAp(AppletId::Jpki);
        CHECK(sim.readEf(0x0001).sw == 0x6982);
    }
    SECTION("selecting other EFs keeps it") {
        sim.selectEf(0x000A);
        sim.selectEf(0x001A);
        CHECK(sim.readEf(0x0001).sw == 0x9000);
    }
    SECTION("reset and power-off") {
        sim.card->reset();
        sim.selectAp(AppletId::Jpki);
        CHECK(sim.readEf(0x0001).sw == 0x6982);
        REQUIRE(sim.verify(0x001B, sim.profile.pinSign) == 0x9000);
        sim.card->powerOff();
        sim.card->powerOn();
        CHECK(sim.send("00 A4 02 0C 02 00 01").sw == 0x6A82);  // no AP after power-on
        sim.selectAp(AppletId::Jpki);
        CHECK(sim.readEf(0x0001).sw == 0x6982);
    }
}

TEST_CASE("Variant reselectKeepsState keeps the state on re-selecting the same AP only",
          "[cardsim][jpki][variant]") {
    Variants v;
    v.reselectKeepsState = true;
    Sim sim(v);
    sim.selectAp(AppletId::Jpki);
    REQUIRE(sim.verify(0x001B, sim.profile.pinSign) == 0x9000);
    sim.selectAp(AppletId::Jpki);
    CHECK(sim.readEf(0x0001).sw == 0x9000);
    sim.selectAp(AppletId::Common);
    sim.selectAp(AppletId::Jpki);
    CHECK(sim.readEf(0x0001).sw == 0x6982);
}

TEST_CASE("VERIFY names the key by SFI in P2", "[cardsim][jpki]") {
    Sim sim;
    sim.selectAp(AppletId::Jpki);
    CHECK(sim.send(apduHex(0x00, 0x20, 0x00, 0x98, ascii(sim.profile.pinAuth))).sw == 0x9000);
    CHECK(sim.send(apduHex(0x00, 0x20, 0x00, 0x9B, ascii(sim.profile.pinSign))).sw == 0x9000);
    CHECK(sim.readEf(0x0001).sw == 0x9000);
    CHECK(sim.send("00 20 00 98").sw == 0x63C3);
    CHECK(sim.send("00 20 00 9B").sw == 0x63C5);
    CHECK(sim.send("00 20 00 99").sw == 0x6A88);  // no such key EF
}
