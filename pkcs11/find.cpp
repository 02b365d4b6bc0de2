// Objects: C_FindObjects*, C_GetAttributeValue, C_GetObjectSize and the refused writes.
#include <algorithm>

#include "pkcs11/module.h"

namespace mynacard::p11 {
namespace {

bool visible(const Card& card, TokenKind kind, ObjectRole role) {
    auto roles = visibleRoles(card, kind);
    return std::find(roles.begin(), roles.end(), role) != roles.end();
}

ObjectRole visibleRole(const Session& session, CK_OBJECT_HANDLE handle) {
    auto role = roleOfHandle(session.kind, handle);
    if (!role || !visible(*session.card, session.kind, *role)) fail(CKR_OBJECT_HANDLE_INVALID);
    return *role;
}

// Matches the template attributes the stub knows; a certificate-derived attribute the stub
// lacks is left to the full object (it needs the card). Any other missing attribute fails, as
// it would on the full object.
bool stubMatches(const Object& stub,
                 const std::vector<std::pair<CK_ATTRIBUTE_TYPE, apdu::Bytes>>& wanted) {
    for (const auto& [type, value] : wanted) {
        const apdu::Bytes* v = stub.find(type);
        if (v ? *v != value : !isCertificateDerived(type)) return false;
    }
    return true;
}

}  // namespace

CK_RV findObjectsInit(CK_SESSION_HANDLE h, CK_ATTRIBUTE_PTR tmpl, CK_ULONG count) {
    auto s = current();
    if (!tmpl && count) return CKR_ARGUMENTS_BAD;
    std::vector<std::pair<CK_ATTRIBUTE_TYPE, apdu::Bytes>> wanted;
    bool needCertificates = false;
    for (CK_ULONG i = 0; i < count; ++i) {
        const CK_ATTRIBUTE& a = tmpl[i];
        if (!a.pValue && a.ulValueLen) return CKR_ARGUMENTS_BAD;
        auto* p = static_cast<const std::uint8_t*>(a.pValue);
        wanted.emplace_back(a.type, apdu::Bytes(p, p + (p ? a.ulValueLen : 0)));
        needCertificates = needCertificates || isCertificateDerived(a.type);
    }
    auto session = getSession(*s, h);
    std::lock_guard<std::mutex> sessionLock(session->mutex);
    if (session->findActive) return CKR_OPERATION_ACTIVE;
    std::vector<CK_OBJECT_HANDLE> found;
    auto& card = session->card;
    withCard(*s, card, [&] {
        for (ObjectRole role : visibleRoles(*card, session->kind)) {
            // Match on what is known without the card when the template allows it: reading
            // certificates nobody asked for would cost APDUs (issue 5 economy).
            const auto& cached = card->objects[static_cast<int>(session->kind) * kObjectsPerToken +
                                               static_cast<int>(role)];
            // First on the stub (class, key type, label, CA certificates' fixed CKA_ID, …): only
            // an object that still qualifies has its certificate read, so pkcs11-tool's
            // {CKO_PRIVATE_KEY, CKA_ID} search never reads the CA certificate.
            bool match;
            if (cached)
                match = cached->matches(wanted);
            else if (!stubMatches(stubObject(session->kind, role), wanted))
                match = false;
            else if (needCertificates)
                match = loadObject(*card, session->kind, role).matches(wanted);
            else
                match = true;
            if (match) found.push_back(objectHandle(session->kind, role));
        }
    });
    session->found = std::move(found);
    session->findPos = 0;
    session->findActive = true;
    return CKR_OK;
}

CK_RV findObjects(CK_SESSION_HANDLE h, CK_OBJECT_HANDLE_PTR out, CK_ULONG max, CK_ULONG_PTR count) {
    auto s = current();
    if (!out || !count) return CKR_ARGUMENTS_BAD;
    auto session = getSession(*s, h);
    std::lock_guard<std::mutex> sessionLock(session->mutex);
    if (!session->findActive) return CKR_OPERATION_NOT_INITIALIZED;
    CK_ULONG n = 0;
    while (n < max && session->findPos < session->found.size())
        out[n++] = session->found[session->findPos++];
    *count = n;
    return CKR_OK;
}

CK_RV findObjectsFinal(CK_SESSION_HANDLE h) {
    auto s = current();
    auto session = getSession(*s, h);
    std::lock_guard<std::mutex> sessionLock(session->mutex);
    if (!session->findActive) return CKR_OPERATION_NOT_INITIALIZED;
    session->findActive = false;
    session->found.clear();
    return CKR_OK;
}

CK_RV getAttributeValue(CK_SESSION_HANDLE h, CK_OBJECT_HANDLE obj, CK_ATTRIBUTE_PTR tmpl,
                        CK_ULONG count) {
    auto s = current();
    if (!tmpl && count) return CKR_ARGUMENTS_BAD;
    auto session = getSession(*s, h);
    ObjectRole role = visibleRole(*session, obj);
    CK_RV rv = CKR_OK;
    withCard(*s, session->card, [&] {
        rv = loadObject(*session->card, session->kind, role).getAttributes(tmpl, count);
    });
    return rv;
}

CK_RV getObjectSize(CK_SESSION_HANDLE h, CK_OBJECT_HANDLE obj, CK_ULONG_PTR size) {
    auto s = current();
    if (!size) return CKR_ARGUMENTS_BAD;
    auto session = getSession(*s, h);
    visibleRole(*session, obj);
    *size = CK_UNAVAILABLE_INFORMATION;  // card objects occupy no token memory we could report
    return CKR_OK;
}

CK_RV refuseWrite(CK_SESSION_HANDLE h, bool pointersOk, std::optional<CK_OBJECT_HANDLE> object) {
    auto s = current();
    if (!pointersOk) return CKR_ARGUMENTS_BAD;
    auto session = getSession(*s, h);
    if (object) visibleRole(*session, *object);
    return CKR_TOKEN_WRITE_PROTECTED;
}

}  // namespace mynacard::p11
