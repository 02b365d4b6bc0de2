// Slots, tokens, objects and attribute rules over CK_FUNCTION_LIST* (issue 5 acceptance).
#include <algorithm>
#include <cstring>

#include "tests/conformance/fixture.h"

using namespace mynacard;
using namespace mynacard::p11test;

TEST_CASE("slot list: two slots per reader, spare empty slots, tokens only with a card", "[slots]") {
    Fixture fx;
    CK_ULONG n = 0;
    REQUIRE(fx.f->C_GetSlotList(CK_FALSE, nullptr, &n) == CKR_OK);
    CHECK(n == 2 * p11::kSlotPairs);
    std::vector<CK_SLOT_ID> all(n);
    CK_ULONG small = 1;
    CHECK(fx.f->C_GetSlotList(CK_FALSE, all.data(), &small) == CKR_BUFFER_TOO_SMALL);
    CHECK(small == n);
    REQUIRE(fx.f->C_GetSlotList(CK_FALSE, all.data(), &n) == CKR_OK);

    CK_ULONG present = 0;
    REQUIRE(fx.f->C_GetSlotList(CK_TRUE, nullptr, &present) == CKR_OK);
    REQUIRE(present == 2);
    std::vector<CK_SLOT_ID> slots(present);
    REQUIRE(fx.f->C_GetSlotList(CK_TRUE, slots.data(), &present) == CKR_OK);
    CHECK(slots == std::vector<CK_SLOT_ID>{0, 1});

    CK_SLOT_INFO si;
    REQUIRE(fx.f->C_GetSlotInfo(0, &si) == CKR_OK);
    CHECK(text(si.slotDescription, sizeof si.slotDescription).find(kReader) == 0);
    CHECK((si.flags & CKF_TOKEN_PRESENT));
    CHECK((si.flags & CKF_REMOVABLE_DEVICE));
    REQUIRE(fx.f->C_GetSlotInfo(2, &si) == CKR_OK);  // a spare slot
    CHECK_FALSE((si.flags & CKF_TOKEN_PRESENT));
    CHECK(fx.f->C_GetSlotInfo(2 * p11::kSlotPairs, &si) == CKR_SLOT_ID_INVALID);
    CK_TOKEN_INFO ti;
    CHECK(fx.f->C_GetTokenInfo(2, &ti) == CKR_TOKEN_NOT_PRESENT);
}

TEST_CASE("an empty reader shows empty slots", "[slots]") {
    Fixture fx(false);
    CK_ULONG present = 5;
    REQUIRE(fx.f->C_GetSlotList(CK_TRUE, nullptr, &present) == CKR_OK);
    CHECK(present == 0);
    CK_SLOT_INFO si;
    REQUIRE(fx.f->C_GetSlotInfo(0, &si) == CKR_OK);
    CHECK_FALSE((si.flags & CKF_TOKEN_PRESENT));
    CK_SESSION_HANDLE h;
    CHECK(fx.f->C_OpenSession(0, CKF_SERIAL_SESSION, nullptr, nullptr, &h) == CKR_TOKEN_NOT_PRESENT);
}

TEST_CASE("token info: labels, serial from the 共通AP, flags, PIN lengths", "[tokens]") {
    Fixture fx;
    CK_TOKEN_INFO auth, sign;
    REQUIRE(fx.f->C_GetTokenInfo(0, &auth) == CKR_OK);
    REQUIRE(fx.f->C_GetTokenInfo(1, &sign) == CKR_OK);
    std::string authLabel = text(auth.label, 32), signLabel = text(sign.label, 32);
    CHECK(authLabel == "JPKI User Authentication");
    CHECK(signLabel == "JPKI Digital Signature");
    CHECK(authLabel.find("Sign") == std::string::npos);
    CHECK(signLabel.find("Auth") == std::string::npos);
    for (auto* t : {&auth, &sign})
        for (std::size_t i = 0; i < sizeof t->label; ++i) CHECK((t->label[i] >= 0x20 && t->label[i] < 0x7F));
    CHECK(text(auth.serialNumber, 16) == sim::defaultProfile().serial);
    CHECK(text(sign.serialNumber, 16) == sim::defaultProfile().serial);
    CK_FLAGS required = CKF_LOGIN_REQUIRED | CKF_USER_PIN_INITIALIZED | CKF_TOKEN_INITIALIZED |
                        CKF_WRITE_PROTECTED;
    CHECK((auth.flags & required) == required);
    CHECK_FALSE((auth.flags & (CKF_RNG | CKF_USER_PIN_COUNT_LOW | CKF_USER_PIN_FINAL_TRY |
                               CKF_USER_PIN_LOCKED)));
    CHECK(auth.ulMinPinLen == 4);
    CHECK(auth.ulMaxPinLen == 4);
    CHECK(sign.ulMinPinLen == 6);
    CHECK(sign.ulMaxPinLen == 16);
}

TEST_CASE("economy: listing slots and tokens from cold takes at most 10 APDUs", "[economy]") {
    Fixture fx;
    std::size_t before = fx.apdus();
    CK_ULONG n = 0;
    REQUIRE(fx.f->C_GetSlotList(CK_TRUE, nullptr, &n) == CKR_OK);
    std::vector<CK_SLOT_ID> slots(n);
    REQUIRE(fx.f->C_GetSlotList(CK_TRUE, slots.data(), &n) == CKR_OK);
    for (CK_SLOT_ID s : slots) {
        CK_SLOT_INFO si;
        CK_TOKEN_INFO ti;
        REQUIRE(fx.f->C_GetSlotInfo(s, &si) == CKR_OK);
        REQUIRE(fx.f->C_GetTokenInfo(s, &ti) == CKR_OK);
        REQUIRE(fx.f->C_GetTokenInfo(s, &ti) == CKR_OK);  // cached: no more APDUs
    }
    INFO("APDUs: " << fx.apdus() - before);
    CHECK(fx.apdus() - before <= 10);
}

TEST_CASE("objects on the auth token before login; economy <= 8 + R", "[objects][economy]") {
    Fixture fx;
    std::size_t before = fx.apdus();
    CK_SESSION_HANDLE h = fx.open(0);
    CK_TOKEN_INFO ti;
    REQUIRE(fx.f->C_GetTokenInfo(0, &ti) == CKR_OK);
    auto objs = fx.find(h);
    REQUIRE(objs.size() == 3);  // certificate, public key, CA certificate; no private key yet
    std::vector<apdu::Bytes> ids;
    int certs = 0, pubs = 0;
    for (auto o : objs) {
        CHECK_FALSE(fx.boolAttr(h, o, CKA_PRIVATE));
        CHECK(fx.boolAttr(h, o, CKA_TOKEN));
        CHECK_FALSE(fx.boolAttr(h, o, CKA_MODIFIABLE));
        CHECK(!fx.attr(h, o, CKA_LABEL).empty());
        CK_ULONG cls = fx.ulongAttr(h, o, CKA_CLASS);
        if (cls == CKO_CERTIFICATE) {
            ++certs;
            auto der = fx.attr(h, o, CKA_VALUE);
            CHECK((der == fx.card->data().authCert || der == fx.card->data().authCaCert));
            CHECK(!fx.attr(h, o, CKA_SUBJECT).empty());
            CHECK(!fx.attr(h, o, CKA_ISSUER).empty());
            CHECK(fx.attr(h, o, CKA_SERIAL_NUMBER).at(0) == 0x02);
            CHECK(fx.ulongAttr(h, o, CKA_CERTIFICATE_TYPE) == CKC_X_509);
            CK_ULONG cat = fx.ulongAttr(h, o, CKA_CERTIFICATE_CATEGORY);
            CHECK(cat == (der == fx.card->data().authCert ? 1u : 2u));
        } else {
            ++pubs;
            CHECK(cls == CKO_PUBLIC_KEY);
            CHECK(fx.ulongAttr(h, o, CKA_KEY_TYPE) == CKK_RSA);
            CHECK(fx.attr(h, o, CKA_MODULUS).size() == 256);
        }
        ids.push_back(fx.attr(h, o, CKA_ID));
    }
    CHECK(certs == 2);
    CHECK(pubs == 1);
    // The user certificate and its key share one CKA_ID; the CA certificate has its own.
    std::sort(ids.begin(), ids.end());
    CHECK(std::unique(ids.begin(), ids.end()) - ids.begin() == 2);
    // R = the two certificates this needs (auth + auth CA), each read once.
    std::size_t used = fx.apdus() - before;
    INFO("APDUs: " << used);
    CHECK(used <= 8 + readCost(fx.card->data().authCert) + readCost(fx.card->data().authCaCert));
}

TEST_CASE("C_GetAttributeValue processes every attribute and picks the return by priority",
          "[attributes]") {
    Fixture fx;
    CK_SESSION_HANDLE h = fx.open(0);
    fx.login(h, "1234");
    CK_OBJECT_HANDLE key = fx.privateKey(h);

    CK_BYTE small[1];
    CK_BYTE modulus[512];
    CK_ULONG keyType = 0;
    CK_ATTRIBUTE t[4] = {{CKA_KEY_TYPE, &keyType, sizeof keyType},
                         {CKA_MODULUS, small, sizeof small},
                         {CKA_VALUE_LEN, nullptr, 0},  // not an attribute of an RSA private key
                         {CKA_PRIVATE_EXPONENT, modulus, sizeof modulus}};
    CHECK(fx.f->C_GetAttributeValue(h, key, t, 4) == CKR_ATTRIBUTE_SENSITIVE);
    CHECK(keyType == CKK_RSA);  // processed despite the errors around it
    CHECK(t[1].ulValueLen == CK_UNAVAILABLE_INFORMATION);
    CHECK(t[2].ulValueLen == CK_UNAVAILABLE_INFORMATION);
    CHECK(t[3].ulValueLen == CK_UNAVAILABLE_INFORMATION);

    CK_ATTRIBUTE t2[2] = {{CKA_MODULUS, small, sizeof small}, {CKA_VALUE_LEN, nullptr, 0}};
    CHECK(fx.f->C_GetAttributeValue(h, key, t2, 2) == CKR_ATTRIBUTE_TYPE_INVALID);
    CK_ATTRIBUTE t3[2] = {{CKA_MODULUS, small, sizeof small}, {CKA_MODULUS, nullptr, 0}};
    CHECK(fx.f->C_GetAttributeValue(h, key, t3, 2) == CKR_BUFFER_TOO_SMALL);
    CHECK(t3[1].ulValueLen == 256);  // the length query in the same call still answered
    CK_ATTRIBUTE t4{CKA_MODULUS, modulus, sizeof modulus};
    REQUIRE(fx.f->C_GetAttributeValue(h, key, &t4, 1) == CKR_OK);
    CHECK(t4.ulValueLen == 256);

    CHECK(fx.boolAttr(h, key, CKA_SENSITIVE));
    CHECK_FALSE(fx.boolAttr(h, key, CKA_EXTRACTABLE));
    CHECK(fx.boolAttr(h, key, CKA_ALWAYS_SENSITIVE));
    CHECK(fx.boolAttr(h, key, CKA_NEVER_EXTRACTABLE));
    CHECK_FALSE(fx.boolAttr(h, key, CKA_ALWAYS_AUTHENTICATE));
    CHECK(fx.boolAttr(h, key, CKA_SIGN));
    CHECK_FALSE(fx.boolAttr(h, key, CKA_DECRYPT));
    CHECK(fx.boolAttr(h, key, CKA_PRIVATE));
    CHECK(fx.attr(h, key, CKA_PUBLIC_EXPONENT) == apdu::Bytes{0x01, 0x00, 0x01});

    CHECK(fx.f->C_GetAttributeValue(h, 0x999, &t4, 1) == CKR_OBJECT_HANDLE_INVALID);
    CHECK(fx.f->C_GetAttributeValue(h, key, nullptr, 1) == CKR_ARGUMENTS_BAD);
}

TEST_CASE("find with templates; private objects appear only after login", "[objects]") {
    Fixture fx;
    CK_SESSION_HANDLE h = fx.open(1);
    auto before = fx.find(h);
    REQUIRE(before.size() == 1);  // the signature CA only: the card hides the signature cert
    CHECK(fx.attr(h, before[0], CKA_VALUE) == fx.card->data().signCaCert);
    fx.login(h, "abc123");  // lower case is accepted and upper-cased (spec §4.5)
    auto after = fx.find(h);
    CHECK(after.size() == 4);
    apdu::Bytes cert = fx.userCertificate(h);
    CHECK(cert == fx.card->data().signCert);
    CK_OBJECT_HANDLE key = fx.privateKey(h);
    apdu::Bytes id = fx.attr(h, key, CKA_ID);
    CK_ATTRIBUTE byId{CKA_ID, id.data(), id.size()};
    CHECK(fx.find(h, {byId}).size() == 3);  // certificate, public and private key
    CK_BBOOL yes = CK_TRUE;
    CK_ATTRIBUTE priv{CKA_PRIVATE, &yes, 1};
    CHECK(fx.find(h, {priv}).size() == 3);  // the signature cert, its public key, private key

    // The auth token's CKA_ID differs.
    CK_SESSION_HANDLE a = fx.open(0);
    fx.login(a, "1234");
    CHECK(fx.attr(a, fx.privateKey(a), CKA_ID) != id);

    // C_FindObjectsInit twice → CKR_OPERATION_ACTIVE; C_FindObjects without init.
    REQUIRE(fx.f->C_FindObjectsInit(h, nullptr, 0) == CKR_OK);
    CHECK(fx.f->C_FindObjectsInit(h, nullptr, 0) == CKR_OPERATION_ACTIVE);
    REQUIRE(fx.f->C_FindObjectsFinal(h) == CKR_OK);
    CK_OBJECT_HANDLE o;
    CK_ULONG n;
    CHECK(fx.f->C_FindObjects(h, &o, 1, &n) == CKR_OPERATION_NOT_INITIALIZED);
    CHECK(fx.f->C_FindObjectsFinal(h) == CKR_OPERATION_NOT_INITIALIZED);
}

TEST_CASE("mechanisms: list, info, no PSS, no decryption", "[mechanisms]") {
    Fixture fx;
    CK_ULONG n = 0;
    REQUIRE(fx.f->C_GetMechanismList(0, nullptr, &n) == CKR_OK);
    std::vector<CK_MECHANISM_TYPE> m(n);
    CK_ULONG small = 1;
    CHECK(fx.f->C_GetMechanismList(0, m.data(), &small) == CKR_BUFFER_TOO_SMALL);
    REQUIRE(fx.f->C_GetMechanismList(0, m.data(), &n) == CKR_OK);
    for (auto t : {CKM_RSA_PKCS, CKM_SHA1_RSA_PKCS, CKM_SHA224_RSA_PKCS, CKM_SHA256_RSA_PKCS,
                   CKM_SHA384_RSA_PKCS, CKM_SHA512_RSA_PKCS, CKM_SHA_1, CKM_SHA256, CKM_SHA512})
        CHECK(std::find(m.begin(), m.end(), t) != m.end());
    CHECK(std::find(m.begin(), m.end(), CKM_RSA_PKCS_PSS) == m.end());
    CK_MECHANISM_INFO info;
    REQUIRE(fx.f->C_GetMechanismInfo(0, CKM_RSA_PKCS, &info) == CKR_OK);
    CHECK((info.flags & (CKF_HW | CKF_SIGN)) == (CKF_HW | CKF_SIGN));
    CHECK_FALSE((info.flags & (CKF_DECRYPT | CKF_ENCRYPT)));
    CHECK(info.ulMinKeySize == 2048);
    CHECK(fx.f->C_GetMechanismInfo(0, CKM_RSA_PKCS_PSS, &info) == CKR_MECHANISM_INVALID);
    CHECK(fx.f->C_GetMechanismInfo(0, CKM_RSA_PKCS, nullptr) == CKR_ARGUMENTS_BAD);
    CHECK(fx.f->C_GetMechanismList(3, nullptr, &n) == CKR_TOKEN_NOT_PRESENT);
}

TEST_CASE("digests on the host, single- and multi-part with length queries", "[digest]") {
    Fixture fx;
    CK_SESSION_HANDLE h = fx.open(0);
    CK_MECHANISM m{CKM_SHA256, nullptr, 0};
    apdu::Bytes data{'a', 'b', 'c'};
    REQUIRE(fx.f->C_DigestInit(h, &m) == CKR_OK);
    CHECK(fx.f->C_DigestInit(h, &m) == CKR_OPERATION_ACTIVE);
    CK_ULONG len = 0;
    REQUIRE(fx.f->C_Digest(h, data.data(), data.size(), nullptr, &len) == CKR_OK);
    CHECK(len == 32);
    apdu::Bytes out(len);
    CK_ULONG tiny = 4;
    CHECK(fx.f->C_Digest(h, data.data(), data.size(), out.data(), &tiny) == CKR_BUFFER_TOO_SMALL);
    REQUIRE(fx.f->C_Digest(h, data.data(), data.size(), out.data(), &len) == CKR_OK);
    CHECK(apdu::toHex(out) == "BA7816BF8F01CFEA414140DE5DAE2223B00361A396177A9CB410FF61F20015AD");
    CHECK(fx.f->C_DigestUpdate(h, data.data(), 1) == CKR_OPERATION_NOT_INITIALIZED);
    REQUIRE(fx.f->C_DigestInit(h, &m) == CKR_OK);
    REQUIRE(fx.f->C_DigestUpdate(h, data.data(), 1) == CKR_OK);
    REQUIRE(fx.f->C_DigestUpdate(h, data.data() + 1, 2) == CKR_OK);
    len = out.size();
    REQUIRE(fx.f->C_DigestFinal(h, out.data(), &len) == CKR_OK);
    CHECK(apdu::toHex(out) == "BA7816BF8F01CFEA414140DE5DAE2223B00361A396177A9CB410FF61F20015AD");
    CK_MECHANISM bad{CKM_RSA_PKCS, nullptr, 0};
    CHECK(fx.f->C_DigestInit(h, &bad) == CKR_MECHANISM_INVALID);
}
