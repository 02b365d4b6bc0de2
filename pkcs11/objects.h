// PKCS#11 objects of a token (issue 5 "Objects"): certificates, public and private RSA keys, all
// read-only, built from the card's certificates. Attribute values are stored in their PKCS#11
// encoding (CK_ULONG / CK_BBOOL in host byte order, byte strings as is).
#pragma once

#include <map>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "apdu/bytes.h"
#include "pkcs11/certificate.h"
#include "pkcs11/p11.h"

namespace mynacard::p11 {

class Object {
public:
    void setBytes(CK_ATTRIBUTE_TYPE type, apdu::Bytes value) { attrs_[type] = std::move(value); }
    void setString(CK_ATTRIBUTE_TYPE type, const std::string& value) {
        attrs_[type] = apdu::Bytes(value.begin(), value.end());
    }
    void setBool(CK_ATTRIBUTE_TYPE type, bool value) {
        attrs_[type] = apdu::Bytes{static_cast<std::uint8_t>(value ? CK_TRUE : CK_FALSE)};
    }
    void setUlong(CK_ATTRIBUTE_TYPE type, CK_ULONG value);
    // Attributes that exist but never leave the card (private exponent, primes).
    void setSensitive(CK_ATTRIBUTE_TYPE type) { sensitive_.insert(type); }
    void erase(CK_ATTRIBUTE_TYPE type) { attrs_.erase(type); }

    const apdu::Bytes* find(CK_ATTRIBUTE_TYPE type) const;
    bool isSensitive(CK_ATTRIBUTE_TYPE type) const { return sensitive_.count(type) != 0; }
    bool boolValue(CK_ATTRIBUTE_TYPE type) const;
    CK_ULONG ulongValue(CK_ATTRIBUTE_TYPE type) const;  // CK_UNAVAILABLE_INFORMATION if absent

    // C_GetAttributeValue (PKCS#11 v2.40 §5.7): processes every attribute and returns, by
    // priority, CKR_ATTRIBUTE_SENSITIVE, CKR_ATTRIBUTE_TYPE_INVALID, CKR_BUFFER_TOO_SMALL, CKR_OK.
    CK_RV getAttributes(CK_ATTRIBUTE_PTR tmpl, CK_ULONG count) const;
    // C_FindObjects matching: every template attribute present with a byte-identical value.
    bool matches(const std::vector<std::pair<CK_ATTRIBUTE_TYPE, apdu::Bytes>>& tmpl) const;

private:
    std::map<CK_ATTRIBUTE_TYPE, apdu::Bytes> attrs_;
    std::set<CK_ATTRIBUTE_TYPE> sensitive_;
};

// Attributes whose value comes from the certificate: matching a template that names none of them
// needs no card access (find.cpp), which keeps certificate reads to what an operation needs.
bool isCertificateDerived(CK_ATTRIBUTE_TYPE type);

// CKA_CERTIFICATE_CATEGORY values (v2.40 §4.6.2).
constexpr CK_ULONG kCategoryTokenUser = 1;
constexpr CK_ULONG kCategoryAuthority = 2;

Object makeCertificateObject(const CertInfo& cert, const std::string& label, bool isPrivate,
                             CK_ULONG category);
Object makePublicKeyObject(const CertInfo& cert, const std::string& label, bool isPrivate);
Object makePrivateKeyObject(const CertInfo& cert, const std::string& label, bool nonRepudiation);

}  // namespace mynacard::p11
