// Tokens: CK_TOKEN_INFO, mechanisms, and the object set of each token (issue 5 "Slots, tokens,
// objects"). Certificates are read lazily, at most once per card session.
#include <algorithm>
#include <chrono>

#include "apdu/errors.h"
#include "pkcs11/log.h"
#include "pkcs11/module.h"
#include "pkcs11/pin_rules.h"

namespace mynacard::p11 {
namespace {

const char* tokenLabel(TokenKind kind) {
    // Only the auth token's label contains "Auth", only the signature token's "Sign" (issue 5).
    return kind == TokenKind::Auth ? "JPKI User Authentication" : "JPKI Digital Signature";
}

struct Labels {
    const char* cert;
    const char* pub;
    const char* priv;
    const char* ca;
};
const Labels kLabels[2] = {
    {"JPKI User Authentication Certificate", "JPKI User Authentication Public Key",
     "JPKI User Authentication Private Key", "JPKI User Authentication CA"},
    {"JPKI Digital Signature Certificate", "JPKI Digital Signature Public Key",
     "JPKI Digital Signature Private Key", "JPKI Digital Signature CA"},
};

// Reads the counter when not known yet, or stale while logged out (card lock held). Whether the
// card has a signature key at all is decided once, by identification (slot_table.cpp): an
// answer that looks like "no such key" later is another process's applet switch the card layer
// could not see through, never a reason to drop the token (issue 13 defect 3).
void ensureTries(Card& card, TokenKind kind) {
    const int k = static_cast<int>(kind);
    auto& tries = card.tries[k];
    bool stale = !card.loggedIn[k] && nowMs() - card.triesAt[k] > kTriesFreshMs;
    if (tries != Card::kTriesUnread && !stale) return;
    int t = card.access->triesLeft(kind);
    if (t == CardAccess::kNoSuchSecret) {
        P11_LOG("reader '" + card.reader + "': the card did not show the counter; kept unknown");
        t = -1;
    }
    tries = t;
    card.triesAt[k] = nowMs();
}

}  // namespace

long long nowMs() {
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::steady_clock::now().time_since_epoch())
        .count();
}

CertKind certificateFor(TokenKind kind, ObjectRole role) {
    bool ca = role == ObjectRole::CaCertificate;
    if (kind == TokenKind::Auth) return ca ? CertKind::AuthCa : CertKind::Auth;
    return ca ? CertKind::SignCa : CertKind::Sign;
}

CK_OBJECT_HANDLE objectHandle(TokenKind kind, ObjectRole role) {
    return (kind == TokenKind::Auth ? 0x10 : 0x20) + static_cast<CK_OBJECT_HANDLE>(role) + 1;
}

std::optional<ObjectRole> roleOfHandle(TokenKind kind, CK_OBJECT_HANDLE handle) {
    CK_OBJECT_HANDLE base = kind == TokenKind::Auth ? 0x10 : 0x20;
    if (handle <= base || handle > base + kObjectsPerToken) return std::nullopt;
    return static_cast<ObjectRole>(handle - base - 1);
}

std::vector<ObjectRole> visibleRoles(const Card& card, TokenKind kind) {
    bool loggedIn = card.loggedIn[static_cast<int>(kind)];
    std::vector<ObjectRole> roles;
    // The signature certificate (holder's name, address, birth date) is hidden by the card until
    // the password is verified, so its objects appear after login only (issue 5).
    if (kind == TokenKind::Auth || loggedIn) {
        roles.push_back(ObjectRole::UserCertificate);
        roles.push_back(ObjectRole::PublicKey);
    }
    if (loggedIn) roles.push_back(ObjectRole::PrivateKey);
    roles.push_back(ObjectRole::CaCertificate);
    return roles;
}

const CertInfo& loadCertificate(Card& card, CertKind kind) {
    auto& slot = card.certs[static_cast<int>(kind)];
    if (!slot) {
        slot = parseCertificate(card.access->readCertificate(kind));
        P11_LOG("read certificate " + std::to_string(static_cast<int>(kind)) + " (" +
                std::to_string(slot->der.size()) + " bytes)");
    }
    return *slot;
}

namespace {

Object buildObject(TokenKind kind, ObjectRole role, const CertInfo& cert) {
    const Labels& l = kLabels[static_cast<int>(kind)];
    bool sign = kind == TokenKind::Sign;
    switch (role) {
        case ObjectRole::UserCertificate:
            return makeCertificateObject(cert, l.cert, sign, kCategoryTokenUser);
        case ObjectRole::PublicKey: return makePublicKeyObject(cert, l.pub, sign);
        case ObjectRole::PrivateKey: return makePrivateKeyObject(cert, l.priv, sign);
        case ObjectRole::CaCertificate: break;
    }
    Object ca = makeCertificateObject(cert, l.ca, false, kCategoryAuthority);
    ca.setBytes(CKA_ID, caCertificateId(kind));
    return ca;
}

}  // namespace

apdu::Bytes caCertificateId(TokenKind kind) {
    static const std::string ids[2] = {"JPKI-AUTH-CA", "JPKI-SIGN-CA"};
    const std::string& id = ids[static_cast<int>(kind)];
    return apdu::Bytes(id.begin(), id.end());
}

const Object& loadObject(Card& card, TokenKind kind, ObjectRole role) {
    auto& slot = card.objects[static_cast<int>(kind) * kObjectsPerToken + static_cast<int>(role)];
    if (!slot) slot = buildObject(kind, role, loadCertificate(card, certificateFor(kind, role)));
    return *slot;
}

Object stubObject(TokenKind kind, ObjectRole role) {
    Object o = buildObject(kind, role, CertInfo{});
    // A CA certificate's CKA_ID is fixed per token (caCertificateId), so it is known without the
    // card; every other CKA_ID comes from a certificate.
    if (role != ObjectRole::CaCertificate) o.erase(CKA_ID);
    for (CK_ATTRIBUTE_TYPE t :
         {CKA_SUBJECT, CKA_ISSUER, CKA_SERIAL_NUMBER, CKA_VALUE, CKA_START_DATE, CKA_END_DATE,
          CKA_MODULUS, CKA_MODULUS_BITS, CKA_PUBLIC_EXPONENT, CKA_PUBLIC_KEY_INFO})
        o.erase(t);
    return o;
}

CK_RV getTokenInfo(CK_SLOT_ID slot, CK_TOKEN_INFO_PTR info) {
    auto s = current();
    if (!info) return CKR_ARGUMENTS_BAD;
    std::shared_ptr<Card> card;
    CK_ULONG sessions = 0, rwSessions = 0;
    {
        std::unique_lock<std::mutex> lock(s->mutex);
        if (slot >= 2 * kSlotPairs) return CKR_SLOT_ID_INVALID;
        try {
            refreshSlots(*s);
        } catch (const TransportError& e) {
            P11_LOG(std::string("C_GetTokenInfo: ") + e.what());
        }
        card = tokenCard(*s, lock, slot);
        if (!card) return CKR_TOKEN_NOT_PRESENT;
        countSessions(*s, slot, sessions, rwSessions);
    }
    const TokenKind kind = slot % 2 == 0 ? TokenKind::Auth : TokenKind::Sign;
    std::string serial = card->identity.serial;
    withCard(*s, card, [&] {
        ensureTries(*card, kind);
        // Without a 共通AP the serial comes from the auth certificate (never a constant).
        if (serial.empty()) {
            std::string hex = loadCertificate(*card, CertKind::Auth).serialHex;
            serial = hex.size() > 16 ? hex.substr(hex.size() - 16) : hex;
        }
    });
    if (kind == TokenKind::Sign && card->noSignatureKey) return CKR_TOKEN_NOT_PRESENT;

    *info = CK_TOKEN_INFO{};
    padText(info->label, sizeof info->label, tokenLabel(kind));
    padText(info->manufacturerID, sizeof info->manufacturerID, "J-LIS");
    padText(info->model, sizeof info->model, "My Number Card");
    padText(info->serialNumber, sizeof info->serialNumber, serial);
    CK_FLAGS flags = CKF_LOGIN_REQUIRED | CKF_USER_PIN_INITIALIZED | CKF_TOKEN_INITIALIZED |
                     CKF_WRITE_PROTECTED;
    int tries = card->tries[static_cast<int>(kind)];
    if (tries == 0) {
        flags |= CKF_USER_PIN_LOCKED;
    } else if (tries > 0 && tries < maxTries(kind)) {
        flags |= CKF_USER_PIN_COUNT_LOW;
        if (tries == 1) flags |= CKF_USER_PIN_FINAL_TRY;
    }
    info->flags = flags;
    info->ulMaxSessionCount = CK_EFFECTIVELY_INFINITE;
    info->ulSessionCount = sessions;
    info->ulMaxRwSessionCount = CK_EFFECTIVELY_INFINITE;
    info->ulRwSessionCount = rwSessions;
    info->ulMaxPinLen = maxPinLength(kind);
    info->ulMinPinLen = minPinLength(kind);
    info->ulTotalPublicMemory = CK_UNAVAILABLE_INFORMATION;
    info->ulFreePublicMemory = CK_UNAVAILABLE_INFORMATION;
    info->ulTotalPrivateMemory = CK_UNAVAILABLE_INFORMATION;
    info->ulFreePrivateMemory = CK_UNAVAILABLE_INFORMATION;
    info->hardwareVersion = {1, 0};
    info->firmwareVersion = {1, 0};
    padText(info->utcTime, sizeof info->utcTime, "");
    return CKR_OK;
}

CK_RV getMechanismList(CK_SLOT_ID slot, CK_MECHANISM_TYPE_PTR list, CK_ULONG_PTR count) {
    auto s = current();
    if (!count) return CKR_ARGUMENTS_BAD;
    std::unique_lock<std::mutex> lock(s->mutex);
    if (slot >= 2 * kSlotPairs) return CKR_SLOT_ID_INVALID;
    if (!tokenCard(*s, lock, slot)) return CKR_TOKEN_NOT_PRESENT;
    return returnList(supportedMechanisms(), list, count);
}

CK_RV getMechanismInfo(CK_SLOT_ID slot, CK_MECHANISM_TYPE type, CK_MECHANISM_INFO_PTR info) {
    auto s = current();
    if (!info) return CKR_ARGUMENTS_BAD;
    std::unique_lock<std::mutex> lock(s->mutex);
    if (slot >= 2 * kSlotPairs) return CKR_SLOT_ID_INVALID;
    if (!tokenCard(*s, lock, slot)) return CKR_TOKEN_NOT_PRESENT;
    *info = mechanismInfo(type);
    return CKR_OK;
}

}  // namespace mynacard::p11
