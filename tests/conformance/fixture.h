// Shared fixture of the PKCS#11 conformance tests: the statically linked module over
// CK_FUNCTION_LIST*, one simulated reader with the default card, and OpenSSL helpers that verify
// signatures against the certificate object's CKA_VALUE.
#pragma once

#include <openssl/evp.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

#include <catch2/catch.hpp>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "cardsim/card_data.h"
#include "cardsim/profile.h"
#include "cardsim/sim_card.h"
#include "pkcs11/p11.h"
#include "tests/conformance/sim_reader_provider.h"

namespace mynacard::p11test {

inline const char* kReader = "Sim Reader 0";

inline sim::CardData& defaultCardData() {
    static sim::CardData data = sim::buildCardData(sim::defaultProfile());
    return data;
}

inline std::shared_ptr<sim::SimCard> defaultCard() {
    return std::make_shared<sim::SimCard>(sim::defaultProfile(), defaultCardData());
}

inline CK_FUNCTION_LIST_PTR functions() {
    CK_FUNCTION_LIST_PTR f = nullptr;
    REQUIRE(C_GetFunctionList(&f) == CKR_OK);
    REQUIRE(f != nullptr);
    return f;
}

struct Fixture {
    std::shared_ptr<SimWorld> world = std::make_shared<SimWorld>();
    CK_FUNCTION_LIST_PTR f = functions();
    std::shared_ptr<sim::SimCard> card;

    explicit Fixture(bool withCard = true, bool initialize = true) {
        if (withCard) card = defaultCard();
        world->addReader(kReader, card);
        useSimulator(world);
        if (initialize) REQUIRE(f->C_Initialize(nullptr) == CKR_OK);
    }
    ~Fixture() { f->C_Finalize(nullptr); }

    CK_SESSION_HANDLE open(CK_SLOT_ID slot, CK_FLAGS flags = CKF_SERIAL_SESSION) {
        CK_SESSION_HANDLE h = 0;
        REQUIRE(f->C_OpenSession(slot, flags, nullptr, nullptr, &h) == CKR_OK);
        return h;
    }

    void login(CK_SESSION_HANDLE h, const std::string& pin) {
        REQUIRE(f->C_Login(h, CKU_USER, (CK_UTF8CHAR_PTR)pin.data(), pin.size()) == CKR_OK);
    }

    std::vector<CK_OBJECT_HANDLE> find(CK_SESSION_HANDLE h, std::vector<CK_ATTRIBUTE> tmpl = {}) {
        REQUIRE(f->C_FindObjectsInit(h, tmpl.empty() ? nullptr : tmpl.data(), tmpl.size()) == CKR_OK);
        std::vector<CK_OBJECT_HANDLE> out(16);
        CK_ULONG n = 0;
        REQUIRE(f->C_FindObjects(h, out.data(), out.size(), &n) == CKR_OK);
        REQUIRE(f->C_FindObjectsFinal(h) == CKR_OK);
        out.resize(n);
        return out;
    }

    std::vector<CK_OBJECT_HANDLE> findClass(CK_SESSION_HANDLE h, CK_OBJECT_CLASS cls) {
        CK_ATTRIBUTE a{CKA_CLASS, &cls, sizeof cls};
        return find(h, {a});
    }

    apdu::Bytes attr(CK_SESSION_HANDLE h, CK_OBJECT_HANDLE o, CK_ATTRIBUTE_TYPE type) {
        CK_ATTRIBUTE a{type, nullptr, 0};
        REQUIRE(f->C_GetAttributeValue(h, o, &a, 1) == CKR_OK);
        apdu::Bytes v(a.ulValueLen);
        a.pValue = v.data();
        REQUIRE(f->C_GetAttributeValue(h, o, &a, 1) == CKR_OK);
        return v;
    }

    CK_ULONG ulongAttr(CK_SESSION_HANDLE h, CK_OBJECT_HANDLE o, CK_ATTRIBUTE_TYPE type) {
        CK_ULONG v = 0;
        CK_ATTRIBUTE a{type, &v, sizeof v};
        REQUIRE(f->C_GetAttributeValue(h, o, &a, 1) == CKR_OK);
        return v;
    }

    bool boolAttr(CK_SESSION_HANDLE h, CK_OBJECT_HANDLE o, CK_ATTRIBUTE_TYPE type) {
        CK_BBOOL v = CK_FALSE;
        CK_ATTRIBUTE a{type, &v, sizeof v};
        REQUIRE(f->C_GetAttributeValue(h, o, &a, 1) == CKR_OK);
        return v == CK_TRUE;
    }

    // The user certificate's DER (CKA_VALUE) of a logged-in or auth session.
    apdu::Bytes userCertificate(CK_SESSION_HANDLE h) {
        CK_OBJECT_CLASS cls = CKO_CERTIFICATE;
        CK_ULONG cat = 1;
        std::vector<CK_ATTRIBUTE> t{{CKA_CLASS, &cls, sizeof cls},
                                    {CKA_CERTIFICATE_CATEGORY, &cat, sizeof cat}};
        auto certs = find(h, t);
        REQUIRE(certs.size() == 1);
        return attr(h, certs[0], CKA_VALUE);
    }

    CK_OBJECT_HANDLE privateKey(CK_SESSION_HANDLE h) {
        auto keys = findClass(h, CKO_PRIVATE_KEY);
        REQUIRE(keys.size() == 1);
        return keys[0];
    }

    apdu::Bytes sign(CK_SESSION_HANDLE h, CK_MECHANISM_TYPE mech, const apdu::Bytes& data) {
        CK_MECHANISM m{mech, nullptr, 0};
        REQUIRE(f->C_SignInit(h, &m, privateKey(h)) == CKR_OK);
        CK_ULONG len = 0;
        REQUIRE(f->C_Sign(h, (CK_BYTE_PTR)data.data(), data.size(), nullptr, &len) == CKR_OK);
        apdu::Bytes sig(len);
        CK_RV rv = f->C_Sign(h, (CK_BYTE_PTR)data.data(), data.size(), sig.data(), &len);
        REQUIRE(rv == CKR_OK);
        sig.resize(len);
        return sig;
    }

    std::size_t apdus() const { return world->apduCount(); }
};

// OpenSSL verification of a PKCS#1 v1.5 signature with the certificate's public key. For
// CKM_RSA_PKCS `data` is the exact payload (e.g. a DigestInfo); otherwise it is hashed.
inline bool verifyWithCertificate(const apdu::Bytes& certDer, CK_MECHANISM_TYPE mech,
                                  const apdu::Bytes& data, const apdu::Bytes& sig) {
    const unsigned char* p = certDer.data();
    std::unique_ptr<X509, decltype(&X509_free)> x509(
        d2i_X509(nullptr, &p, static_cast<long>(certDer.size())), X509_free);
    if (!x509) return false;
    EVP_PKEY* key = X509_get0_pubkey(x509.get());
    if (!key) return false;
    if (mech == CKM_RSA_PKCS) {
        std::unique_ptr<EVP_PKEY_CTX, decltype(&EVP_PKEY_CTX_free)> ctx(
            EVP_PKEY_CTX_new(key, nullptr), EVP_PKEY_CTX_free);
        if (EVP_PKEY_verify_recover_init(ctx.get()) != 1 ||
            EVP_PKEY_CTX_set_rsa_padding(ctx.get(), RSA_PKCS1_PADDING) != 1)
            return false;
        apdu::Bytes out(512);
        std::size_t len = out.size();
        if (EVP_PKEY_verify_recover(ctx.get(), out.data(), &len, sig.data(), sig.size()) != 1)
            return false;
        out.resize(len);
        return out == data;
    }
    const EVP_MD* md = mech == CKM_SHA1_RSA_PKCS     ? EVP_sha1()
                       : mech == CKM_SHA224_RSA_PKCS ? EVP_sha224()
                       : mech == CKM_SHA256_RSA_PKCS ? EVP_sha256()
                       : mech == CKM_SHA384_RSA_PKCS ? EVP_sha384()
                                                     : EVP_sha512();
    std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(EVP_MD_CTX_new(), EVP_MD_CTX_free);
    if (EVP_DigestVerifyInit(ctx.get(), nullptr, md, nullptr, key) != 1) return false;
    return EVP_DigestVerify(ctx.get(), sig.data(), sig.size(), data.data(), data.size()) == 1;
}

// R of issue 5's economy targets: the APDUs that read a certificate once. The module reads a
// certificate with SELECT EF + one extended-length READ BINARY (issue 13; the simulator's
// default card accepts extended APDUs), so R = 2 whatever its size. Before issue 13 it read
// 256-byte chunks: 1 + ceil(size / 256), 5 or 6 for the default card's certificates.
inline std::size_t readCost(const apdu::Bytes&) { return 2; }

inline std::string text(const CK_UTF8CHAR* p, std::size_t n) {
    std::string s(reinterpret_cast<const char*>(p), n);
    while (!s.empty() && s.back() == ' ') s.pop_back();
    return s;
}

// Every slot event queued so far (C_WaitForSlotEvent without blocking).
inline std::set<CK_SLOT_ID> drainEvents(CK_FUNCTION_LIST_PTR f) {
    std::set<CK_SLOT_ID> slots;
    CK_SLOT_ID slot;
    while (f->C_WaitForSlotEvent(CKF_DONT_BLOCK, &slot, nullptr) == CKR_OK) slots.insert(slot);
    return slots;
}

}  // namespace mynacard::p11test
