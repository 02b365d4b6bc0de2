#include "pkcs11/objects.h"

#include <cstring>

namespace mynacard::p11 {

void Object::setUlong(CK_ATTRIBUTE_TYPE type, CK_ULONG value) {
    apdu::Bytes b(sizeof(CK_ULONG));
    std::memcpy(b.data(), &value, sizeof value);
    attrs_[type] = std::move(b);
}

const apdu::Bytes* Object::find(CK_ATTRIBUTE_TYPE type) const {
    auto it = attrs_.find(type);
    return it == attrs_.end() ? nullptr : &it->second;
}

bool Object::boolValue(CK_ATTRIBUTE_TYPE type) const {
    const apdu::Bytes* v = find(type);
    return v && v->size() == 1 && (*v)[0] == CK_TRUE;
}

CK_ULONG Object::ulongValue(CK_ATTRIBUTE_TYPE type) const {
    const apdu::Bytes* v = find(type);
    if (!v || v->size() != sizeof(CK_ULONG)) return CK_UNAVAILABLE_INFORMATION;
    CK_ULONG out;
    std::memcpy(&out, v->data(), sizeof out);
    return out;
}

CK_RV Object::getAttributes(CK_ATTRIBUTE_PTR tmpl, CK_ULONG count) const {
    bool sensitive = false, invalid = false, tooSmall = false;
    for (CK_ULONG i = 0; i < count; ++i) {
        CK_ATTRIBUTE& a = tmpl[i];
        if (isSensitive(a.type)) {
            a.ulValueLen = CK_UNAVAILABLE_INFORMATION;
            sensitive = true;
            continue;
        }
        const apdu::Bytes* v = find(a.type);
        if (!v) {
            a.ulValueLen = CK_UNAVAILABLE_INFORMATION;
            invalid = true;
            continue;
        }
        if (a.pValue == nullptr) {
            a.ulValueLen = v->size();
        } else if (a.ulValueLen >= v->size()) {
            if (!v->empty()) std::memcpy(a.pValue, v->data(), v->size());
            a.ulValueLen = v->size();
        } else {
            a.ulValueLen = CK_UNAVAILABLE_INFORMATION;
            tooSmall = true;
        }
    }
    if (sensitive) return CKR_ATTRIBUTE_SENSITIVE;
    if (invalid) return CKR_ATTRIBUTE_TYPE_INVALID;
    if (tooSmall) return CKR_BUFFER_TOO_SMALL;
    return CKR_OK;
}

bool Object::matches(const std::vector<std::pair<CK_ATTRIBUTE_TYPE, apdu::Bytes>>& tmpl) const {
    for (const auto& [type, value] : tmpl) {
        const apdu::Bytes* v = find(type);
        if (!v || *v != value) return false;
    }
    return true;
}

bool isCertificateDerived(CK_ATTRIBUTE_TYPE type) {
    switch (type) {
        case CKA_ID: case CKA_SUBJECT: case CKA_ISSUER: case CKA_SERIAL_NUMBER: case CKA_VALUE:
        case CKA_START_DATE: case CKA_END_DATE: case CKA_MODULUS: case CKA_MODULUS_BITS:
        case CKA_PUBLIC_EXPONENT: case CKA_PUBLIC_KEY_INFO:
            return true;
        default:
            return false;
    }
}

namespace {

void common(Object& o, CK_OBJECT_CLASS cls, const std::string& label, bool isPrivate) {
    o.setUlong(CKA_CLASS, cls);
    o.setBool(CKA_TOKEN, true);
    o.setBool(CKA_PRIVATE, isPrivate);
    o.setBool(CKA_MODIFIABLE, false);
    o.setBool(CKA_COPYABLE, false);
    o.setBool(CKA_DESTROYABLE, false);
    o.setString(CKA_LABEL, label);
}

void keyCommon(Object& o, const CertInfo& cert) {
    o.setUlong(CKA_KEY_TYPE, CKK_RSA);
    o.setBytes(CKA_ID, cert.keyId);
    o.setBytes(CKA_START_DATE, {});
    o.setBytes(CKA_END_DATE, {});
    o.setBool(CKA_DERIVE, false);
    // Generated on the card at issuance, not by a PKCS#11 C_GenerateKeyPair on this token.
    o.setBool(CKA_LOCAL, false);
    o.setUlong(CKA_KEY_GEN_MECHANISM, CK_UNAVAILABLE_INFORMATION);
    o.setBytes(CKA_SUBJECT, cert.subject);
    o.setBytes(CKA_MODULUS, cert.modulus);
    o.setUlong(CKA_MODULUS_BITS, cert.modulusBits);
    o.setBytes(CKA_PUBLIC_EXPONENT, cert.exponent);
    o.setBytes(CKA_PUBLIC_KEY_INFO, cert.spki);
}

}  // namespace

Object makeCertificateObject(const CertInfo& cert, const std::string& label, bool isPrivate,
                             CK_ULONG category) {
    Object o;
    common(o, CKO_CERTIFICATE, label, isPrivate);
    o.setUlong(CKA_CERTIFICATE_TYPE, CKC_X_509);
    o.setBool(CKA_TRUSTED, false);
    o.setUlong(CKA_CERTIFICATE_CATEGORY, category);
    o.setBytes(CKA_ID, cert.keyId);
    o.setBytes(CKA_SUBJECT, cert.subject);
    o.setBytes(CKA_ISSUER, cert.issuer);
    o.setBytes(CKA_SERIAL_NUMBER, cert.serial);
    o.setBytes(CKA_VALUE, cert.der);
    o.setBytes(CKA_START_DATE, cert.notBefore);
    o.setBytes(CKA_END_DATE, cert.notAfter);
    o.setBytes(CKA_URL, {});
    o.setBytes(CKA_HASH_OF_SUBJECT_PUBLIC_KEY, {});
    o.setBytes(CKA_HASH_OF_ISSUER_PUBLIC_KEY, {});
    o.setUlong(CKA_JAVA_MIDP_SECURITY_DOMAIN, 0);
    return o;
}

Object makePublicKeyObject(const CertInfo& cert, const std::string& label, bool isPrivate) {
    Object o;
    common(o, CKO_PUBLIC_KEY, label, isPrivate);
    keyCommon(o, cert);
    // The module offers no C_Verify/C_Encrypt (issue 5: the card signs, nothing else); consumers
    // verify with the public key in software.
    o.setBool(CKA_VERIFY, false);
    o.setBool(CKA_VERIFY_RECOVER, false);
    o.setBool(CKA_ENCRYPT, false);
    o.setBool(CKA_WRAP, false);
    o.setBool(CKA_TRUSTED, false);
    return o;
}

Object makePrivateKeyObject(const CertInfo& cert, const std::string& label, bool nonRepudiation) {
    Object o;
    common(o, CKO_PRIVATE_KEY, label, true);
    keyCommon(o, cert);
    o.setBool(CKA_SENSITIVE, true);
    o.setBool(CKA_DECRYPT, false);  // the card cannot decrypt (spec §4.4)
    o.setBool(CKA_SIGN, true);
    o.setBool(CKA_SIGN_RECOVER, false);
    o.setBool(CKA_UNWRAP, false);
    o.setBool(CKA_EXTRACTABLE, false);
    o.setBool(CKA_ALWAYS_SENSITIVE, true);
    o.setBool(CKA_NEVER_EXTRACTABLE, true);
    o.setBool(CKA_WRAP_WITH_TRUSTED, false);
    // False on purpose: one VERIFY per login; the card does not need it per signature (spec §3).
    o.setBool(CKA_ALWAYS_AUTHENTICATE, false);
    // PKCS#11 v2.40 has no non-repudiation attribute (that is an X.509 key usage, carried by the
    // certificate); `nonRepudiation` only shapes the label's meaning for now.
    (void)nonRepudiation;
    for (CK_ATTRIBUTE_TYPE t : {CKA_PRIVATE_EXPONENT, CKA_PRIME_1, CKA_PRIME_2, CKA_EXPONENT_1,
                                CKA_EXPONENT_2, CKA_COEFFICIENT})
        o.setSensitive(t);
    return o;
}

}  // namespace mynacard::p11
