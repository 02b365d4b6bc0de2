#include <catch2/catch.hpp>
#include <cstring>

#include "pkcs11/objects.h"

using namespace mynacard;
using namespace mynacard::p11;

TEST_CASE("C_GetAttributeValue priority: sensitive > type invalid > buffer too small", "[objects]") {
    Object o;
    o.setUlong(CKA_CLASS, CKO_PRIVATE_KEY);
    o.setBytes(CKA_MODULUS, apdu::Bytes(256, 0xAB));
    o.setSensitive(CKA_PRIVATE_EXPONENT);
    CK_ULONG cls = 0;
    CK_BYTE small[4];
    CK_ATTRIBUTE all[4] = {{CKA_CLASS, &cls, sizeof cls},
                           {CKA_MODULUS, small, sizeof small},
                           {CKA_VALUE, nullptr, 0},
                           {CKA_PRIVATE_EXPONENT, nullptr, 0}};
    CHECK(o.getAttributes(all, 4) == CKR_ATTRIBUTE_SENSITIVE);
    CHECK(cls == CKO_PRIVATE_KEY);
    CHECK(all[0].ulValueLen == sizeof(CK_ULONG));
    CHECK(all[1].ulValueLen == CK_UNAVAILABLE_INFORMATION);
    CHECK(all[2].ulValueLen == CK_UNAVAILABLE_INFORMATION);
    CHECK(all[3].ulValueLen == CK_UNAVAILABLE_INFORMATION);
    // The module trusts ulValueLen as the buffer size: reset the template before reusing it.
    auto reset = [&] {
        all[0].ulValueLen = sizeof cls;
        all[1].ulValueLen = sizeof small;
        all[2].ulValueLen = 0;
        all[3].ulValueLen = 0;
    };
    reset();
    CHECK(o.getAttributes(all, 3) == CKR_ATTRIBUTE_TYPE_INVALID);
    reset();
    CHECK(o.getAttributes(all, 2) == CKR_BUFFER_TOO_SMALL);
    CK_ATTRIBUTE query{CKA_MODULUS, nullptr, 0};
    CHECK(o.getAttributes(&query, 1) == CKR_OK);
    CHECK(query.ulValueLen == 256);
    apdu::Bytes buf(300);
    CK_ATTRIBUTE get{CKA_MODULUS, buf.data(), buf.size()};
    CHECK(o.getAttributes(&get, 1) == CKR_OK);
    CHECK(get.ulValueLen == 256);
    CHECK(buf[255] == 0xAB);
    CHECK(o.getAttributes(nullptr, 0) == CKR_OK);
}

TEST_CASE("template matching is byte-exact and needs every attribute", "[objects]") {
    Object o;
    o.setUlong(CKA_CLASS, CKO_CERTIFICATE);
    o.setBool(CKA_TOKEN, true);
    CK_ULONG cls = CKO_CERTIFICATE;
    apdu::Bytes clsBytes(sizeof cls);
    std::memcpy(clsBytes.data(), &cls, sizeof cls);
    CHECK(o.matches({}));
    CHECK(o.matches({{CKA_CLASS, clsBytes}}));
    CHECK(o.matches({{CKA_CLASS, clsBytes}, {CKA_TOKEN, {CK_TRUE}}}));
    CHECK_FALSE(o.matches({{CKA_TOKEN, {CK_FALSE}}}));
    CHECK_FALSE(o.matches({{CKA_LABEL, {}}}));
    CHECK(isCertificateDerived(CKA_MODULUS));
    CHECK_FALSE(isCertificateDerived(CKA_CLASS));
}
