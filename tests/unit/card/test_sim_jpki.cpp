// JPKI-AP against the simulator, for the default profile and every variant (issue 4 acceptance).
#include <catch2/catch.hpp>

#include <openssl/evp.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

#include "apdu/card/jpki_applet.h"
#include "sim_fixture.h"

using namespace mynacard;
using namespace mynacard::card;
using mynacard::test::SimFixture;
using mynacard::test::variantProfile;

namespace {

EVP_PKEY* certKey(const apdu::Bytes& der) {
    const unsigned char* p = der.data();
    X509* cert = d2i_X509(nullptr, &p, static_cast<long>(der.size()));
    REQUIRE(cert != nullptr);
    EVP_PKEY* key = X509_get_pubkey(cert);
    X509_free(cert);
    return key;
}

// OpenSSL's own verifier over the message (hash chosen by name), independent of our code.
bool opensslVerifies(const apdu::Bytes& certDer, const char* hash, const apdu::Bytes& message,
                     const apdu::Bytes& sig) {
    EVP_PKEY* key = certKey(certDer);
    EVP_MD_CTX* md = EVP_MD_CTX_new();
    bool ok = EVP_DigestVerifyInit(md, nullptr, EVP_get_digestbyname(hash), nullptr, key) == 1 &&
              EVP_DigestVerify(md, sig.data(), sig.size(), message.data(), message.size()) == 1;
    EVP_MD_CTX_free(md);
    EVP_PKEY_free(key);
    return ok;
}

// RSA public operation + PKCS#1 v1.5 unpadding with OpenSSL: the raw input the card padded.
apdu::Bytes opensslRecover(const apdu::Bytes& certDer, const apdu::Bytes& sig) {
    EVP_PKEY* key = certKey(certDer);
    EVP_PKEY_CTX* ctx = EVP_PKEY_CTX_new(key, nullptr);
    apdu::Bytes out(sig.size());
    size_t len = out.size();
    bool ok = EVP_PKEY_verify_recover_init(ctx) == 1 &&
              EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_PKCS1_PADDING) == 1 &&
              EVP_PKEY_verify_recover(ctx, out.data(), &len, sig.data(), sig.size()) == 1;
    EVP_PKEY_CTX_free(ctx);
    EVP_PKEY_free(key);
    out.resize(ok ? len : 0);
    return out;
}

std::size_t chunks(std::size_t size) { return (size + 255) / 256; }

}  // namespace

TEST_CASE("JPKI-AP on every profile", "[sim][jpki]") {
    const std::string name = GENERATE(as<std::string>{}, "default", "empty-verify-9000",
                                      "blocked-6983", "no-extended", "no-signature-certificate",
                                      "smartphone", "juki", "jpki-only", "t0", "short-reads");
    INFO("profile " << name);
    const bool juki = name == "juki", phone = name == "smartphone";
    const bool noSign = name == "no-signature-certificate";
    SimFixture f(variantProfile(name));
    const sim::CardData& d = f.card.data();
    JpkiApplet jpki(f.session);

    const Identification& id = f.session.identify();
    CHECK(id.kind == (juki    ? CardKind::JukiCard
                      : phone ? CardKind::SmartphoneJpki
                              : CardKind::MyNumberCard));
    CHECK_FALSE(id.message.empty());

    CertificateAvailability avail = jpki.certificateAvailability();
    if (name == "jpki-only") {
        CHECK_FALSE(id.tokenInfo);  // no EF 0006: still a My Number Card (issue 4)
        CHECK_FALSE(avail.known);
    } else {
        REQUIRE(id.tokenInfo);
        CHECK(avail.known);
        CHECK(avail.signCertificate == !noSign);
    }

    CHECK(jpki.certificate(JpkiCertificate::SignCa) == d.signCaCert);
    const apdu::Bytes message = apdu::fromHex("48 65 6C 6C 6F 20 4A 50 4B 49");

    // Authentication key and certificates.
    if (juki) {
        CHECK_THROWS_AS(jpki.certificate(JpkiCertificate::Auth), CardStatusError);
        CHECK_FALSE(jpki.pinStatus(JpkiKey::Auth).available);
    } else {
        CHECK(jpki.certificate(JpkiCertificate::AuthCa) == d.authCaCert);
        if (phone) {
            // spec §10.2: the auth certificate needs the PIN on smartphone JPKI.
            try {
                jpki.certificate(JpkiCertificate::Auth);
                FAIL("smartphone auth certificate read without the PIN");
            } catch (const PinError& e) {
                CHECK(e.kind() == PinError::Kind::NotLoggedIn);
            }
        }
        CHECK(jpki.pinStatus(JpkiKey::Auth).triesLeft == 3);
        CardSession::Transaction tx(f.session);
        jpki.verify(makeCredential(Secret::JpkiAuthPin, "1234"));
        apdu::Bytes cert = jpki.certificate(JpkiCertificate::Auth);
        CHECK(cert == d.authCert);
        for (HashAlgorithm alg : {HashAlgorithm::Sha1, HashAlgorithm::Sha224, HashAlgorithm::Sha256,
                                  HashAlgorithm::Sha384, HashAlgorithm::Sha512}) {
            apdu::Bytes sig = jpki.signData(JpkiKey::Auth, alg, message);
            CHECK(opensslVerifies(cert, hashName(alg), message, sig));
        }
        apdu::Bytes raw(245, 0x5A);  // raw ≤ 245-byte input (spec §4.4 P1=00)
        CHECK(opensslRecover(cert, jpki.sign(JpkiKey::Auth, raw)) == raw);
        CHECK_THROWS_AS(jpki.sign(JpkiKey::Auth, apdu::Bytes(246, 1)), std::invalid_argument);
        CHECK(f.card.triesLeft(sim::AppletId::Jpki, 0x0018) == 3);
    }

    // Signature key: the certificate needs the password; lower case is accepted (upper-cased).
    if (noSign) {
        CHECK_THROWS_AS(jpki.certificate(JpkiCertificate::Sign), CardStatusError);
        CHECK_FALSE(jpki.pinStatus(JpkiKey::Sign).available);
        CHECK_THROWS_AS(jpki.verify(makeCredential(Secret::JpkiSignPassword, "abc123")),
                        CardStatusError);
    } else {
        try {
            jpki.certificate(JpkiCertificate::Sign);
            FAIL("signature certificate read without the password");
        } catch (const PinError& e) {
            CHECK(e.kind() == PinError::Kind::NotLoggedIn);
        }
        CHECK(jpki.pinStatus(JpkiKey::Sign).triesLeft == 5);
        apdu::Bytes sig =
            jpki.sign(JpkiKey::Sign, digestInfoForData(HashAlgorithm::Sha256, message),
                      makeCredential(Secret::JpkiSignPassword, "abc123"));
        apdu::Bytes cert = jpki.certificate(JpkiCertificate::Sign);
        CHECK(cert == d.signCert);
        CHECK(opensslVerifies(cert, "sha256", message, sig));
        CHECK(f.card.triesLeft(sim::AppletId::Jpki, 0x001B) == 5);
        CHECK(jpki.isLoggedIn(JpkiKey::Sign));
    }
    CHECK(f.transport.extendedCommands() == 0);  // portable by default (spec §15)
}

TEST_CASE("APDU economy: certificates once per card session", "[sim][jpki][count]") {
    SimFixture f;
    JpkiApplet jpki(f.session);
    const std::size_t len = f.card.data().authCert.size();
    jpki.certificate(JpkiCertificate::Auth);
    // SELECT AP + SELECT EF + N READ BINARY
    CHECK(f.transport.commands.size() == 2 + chunks(len));
    jpki.certificate(JpkiCertificate::Auth);
    CHECK(f.transport.commands.size() == 2 + chunks(len));  // cached

    // Login + one signature on a fresh session: 6 + R (R = SELECT + READs of the certificate).
    SimFixture g;
    JpkiApplet j2(g.session);
    {
        CardSession::Transaction tx(g.session);
        j2.verify(makeCredential(Secret::JpkiAuthPin, "1234"));
        j2.sign(JpkiKey::Auth, digestInfoForData(HashAlgorithm::Sha256, {1}));
    }
    CHECK(g.transport.commands.size() == 6 + 1 + chunks(len));
    // Further signatures: SELECT key EF + 80 2A.
    std::size_t before = g.transport.commands.size();
    j2.sign(JpkiKey::Auth, digestInfoForData(HashAlgorithm::Sha256, {2}));
    CHECK(g.transport.commands.size() == before + 2);
}

TEST_CASE("VERIFY and the signature run in one PC/SC transaction", "[sim][jpki][transaction]") {
    SimFixture f;
    JpkiApplet jpki(f.session);
    jpki.sign(JpkiKey::Sign, digestInfoForData(HashAlgorithm::Sha256, {7}),
              makeCredential(Secret::JpkiSignPassword, "ABC123"));
    CHECK(f.transport.begins == 1);
    CHECK(f.transport.verifiesWithData() == 1);
    CHECK(f.transport.count(0x2A) == 1);
}

TEST_CASE("extended length: used when allowed, abandoned for good on 6700",
          "[sim][jpki][extended]") {
    SECTION("accepted") {
        SimFixture f(sim::defaultProfile(), SessionOptions{true});
        JpkiApplet jpki(f.session);
        CHECK(jpki.certificate(JpkiCertificate::Auth) == f.card.data().authCert);
        CHECK(f.transport.commands.size() == 3);
        CHECK(jpki.certificate(JpkiCertificate::AuthCa) == f.card.data().authCaCert);
        CHECK(f.transport.commands.size() == 5);
    }
    SECTION("rejected by the card (6700): silent fallback, remembered") {
        SimFixture f(variantProfile("no-extended"), SessionOptions{true});
        JpkiApplet jpki(f.session);
        CHECK(jpki.certificate(JpkiCertificate::Auth) == f.card.data().authCert);
        CHECK(f.transport.extendedCommands() == 1);
        CHECK(jpki.certificate(JpkiCertificate::AuthCa) == f.card.data().authCaCert);
        CHECK(f.transport.extendedCommands() == 1);  // never tried again
    }
}

TEST_CASE("JPKI PIN and password change", "[sim][jpki][change]") {
    SimFixture f;
    JpkiApplet jpki(f.session);
    jpki.changePin(JpkiKey::Auth, apdu::SecureBytes::fromString("1234"),
                   apdu::SecureBytes::fromString("5678"));
    CHECK(f.card.secret(sim::AppletId::Jpki, 0x0018) == std::optional<std::string>("5678"));
    jpki.changePin(JpkiKey::Sign, apdu::SecureBytes::fromString("abc123"),
                   apdu::SecureBytes::fromString("newpass9"));
    CHECK(f.card.secret(sim::AppletId::Jpki, 0x001B) == std::optional<std::string>("NEWPASS9"));
    // the new values work, the old ones are refused
    jpki.verify(makeCredential(Secret::JpkiAuthPin, "5678"));
    CHECK_THROWS_AS(jpki.verify(makeCredential(Secret::JpkiSignPassword, "ABC123")), PinError);
    CHECK(f.card.triesLeft(sim::AppletId::Jpki, 0x001B) == 4);
    // a malformed new value is refused before anything is sent
    std::size_t sent = f.transport.commands.size();
    CHECK_THROWS_AS(jpki.changePin(JpkiKey::Auth, apdu::SecureBytes::fromString("5678"),
                                   apdu::SecureBytes::fromString("12345")),
                    PinError);
    CHECK(f.transport.commands.size() == sent);
}
