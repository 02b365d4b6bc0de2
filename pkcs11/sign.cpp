// Signing (issue 5 "Mechanisms"): CKM_RSA_PKCS with a DigestInfo or ≤245 bytes, CKM_SHA*_RSA_PKCS
// hashed on the host; single- and multi-part; length queries that leave the operation active.
// Every card signature is checked against the certificate before it is returned.
#include <algorithm>

#include "apdu/errors.h"
#include "pkcs11/log.h"
#include "pkcs11/module.h"

namespace mynacard::p11 {
namespace {

void endSign(Session& session) {
    session.signActive = false;
    session.signMulti = false;
    session.signHash.reset();
    apdu::secureWipe(session.signBuffer.data(), session.signBuffer.size());
    session.signBuffer.clear();
}

void endDigest(Session& session) {
    session.digestActive = false;
    session.digestMulti = false;
    session.digest.reset();
}

// Produces the signature of `input` (the exact PKCS#1 v1.5 payload) or answers a length query.
// The operation ends unless the call was a length query or the buffer was too small (v2.40 §5.2).
CK_RV produceSignature(State& s, Session& session, const apdu::Bytes& input, CK_BYTE_PTR sig,
                       CK_ULONG_PTR sigLen) {
    const TokenKind kind = session.kind;
    auto& card = session.card;
    CK_RV rv = CKR_OK;
    try {
        withCard(s, card, [&] {
            const CertInfo& cert =
                loadCertificate(*card, certificateFor(kind, ObjectRole::PrivateKey));
            const CK_ULONG size = cert.modulus.size();
            if (!sig) {
                *sigLen = size;
                return;
            }
            if (*sigLen < size) {
                *sigLen = size;
                rv = CKR_BUFFER_TOO_SMALL;
                return;
            }
            if (!card->loggedIn[static_cast<int>(kind)]) fail(CKR_USER_NOT_LOGGED_IN);
            apdu::Bytes signature;
            try {
                signature = card->access->sign(kind, input);
            } catch (const PinError& e) {
                // Another process selected another applet and the card forgot our VERIFY: report
                // it and mark the token logged out; the PIN is never replayed (issue 5).
                if (e.kind() == PinError::Kind::NotLoggedIn) {
                    card->loggedIn[static_cast<int>(kind)] = false;
                    fail(CKR_USER_NOT_LOGGED_IN, e.what());
                }
                throw;
            }
            if (signature.size() != size || !signatureMatches(cert, input, signature))
                fail(CKR_DEVICE_ERROR, "the card's signature does not verify");
            std::copy(signature.begin(), signature.end(), sig);
            *sigLen = size;
            rv = CKR_OK;
            endSign(session);
        });
    } catch (...) {
        endSign(session);
        throw;
    }
    return rv;
}

// The PKCS#1 payload of a single-part C_Sign.
apdu::Bytes singlePartInput(const Session& session, CK_BYTE_PTR data, CK_ULONG len) {
    if (session.signMechanism == CKM_RSA_PKCS) {
        if (len == 0 || len > kMaxRawInput) fail(CKR_DATA_LEN_RANGE);
        return apdu::Bytes(data, data + len);
    }
    Hasher h(session.signMechanism);
    h.update(data, len);
    return h.digestInfo(h.final());
}

}  // namespace

CK_RV signInit(CK_SESSION_HANDLE h, CK_MECHANISM_PTR mechanism, CK_OBJECT_HANDLE key) {
    auto s = current();
    if (!mechanism) return CKR_ARGUMENTS_BAD;
    auto session = getSession(*s, h);
    std::lock_guard<std::mutex> sessionLock(session->mutex);
    auto role = roleOfHandle(session->kind, key);
    auto roles = visibleRoles(*session->card, session->kind);
    if (!role || std::find(roles.begin(), roles.end(), *role) == roles.end())
        return CKR_KEY_HANDLE_INVALID;
    if (session->signActive) return CKR_OPERATION_ACTIVE;
    if (!isSignMechanism(mechanism->mechanism)) return CKR_MECHANISM_INVALID;
    if (mechanism->pParameter || mechanism->ulParameterLen) return CKR_MECHANISM_PARAM_INVALID;
    if (*role != ObjectRole::PrivateKey) return CKR_KEY_FUNCTION_NOT_PERMITTED;
    session->signMechanism = mechanism->mechanism;
    session->signKey = *role;
    session->signBuffer.clear();
    session->signMulti = false;
    if (mechanism->mechanism != CKM_RSA_PKCS)
        session->signHash.emplace(mechanism->mechanism);
    else
        session->signHash.reset();
    session->signActive = true;
    return CKR_OK;
}

CK_RV sign(CK_SESSION_HANDLE h, CK_BYTE_PTR data, CK_ULONG len, CK_BYTE_PTR sig,
           CK_ULONG_PTR sigLen) {
    auto s = current();
    if (!sigLen || (!data && len)) return CKR_ARGUMENTS_BAD;
    auto session = getSession(*s, h);
    std::lock_guard<std::mutex> sessionLock(session->mutex);
    if (!session->signActive) return CKR_OPERATION_NOT_INITIALIZED;
    if (session->signMulti) return CKR_OPERATION_ACTIVE;  // C_SignUpdate started multi-part
    apdu::Bytes input;
    try {
        input = singlePartInput(*session, data, len);
    } catch (...) {
        endSign(*session);
        throw;
    }
    return produceSignature(*s, *session, input, sig, sigLen);
}

CK_RV signUpdate(CK_SESSION_HANDLE h, CK_BYTE_PTR part, CK_ULONG len) {
    auto s = current();
    if (!part && len) return CKR_ARGUMENTS_BAD;
    auto session = getSession(*s, h);
    std::lock_guard<std::mutex> sessionLock(session->mutex);
    if (!session->signActive) return CKR_OPERATION_NOT_INITIALIZED;
    session->signMulti = true;
    if (session->signHash) {
        session->signHash->update(part, len);
        return CKR_OK;
    }
    if (session->signBuffer.size() + len > kMaxRawInput) {
        endSign(*session);
        return CKR_DATA_LEN_RANGE;
    }
    session->signBuffer.insert(session->signBuffer.end(), part, part + len);
    return CKR_OK;
}

CK_RV signFinal(CK_SESSION_HANDLE h, CK_BYTE_PTR sig, CK_ULONG_PTR sigLen) {
    auto s = current();
    if (!sigLen) return CKR_ARGUMENTS_BAD;
    auto session = getSession(*s, h);
    std::lock_guard<std::mutex> sessionLock(session->mutex);
    if (!session->signActive) return CKR_OPERATION_NOT_INITIALIZED;
    apdu::Bytes input;
    if (session->signHash) {
        input = session->signHash->digestInfo(session->signHash->peekFinal());
    } else {
        if (session->signBuffer.empty()) {
            endSign(*session);
            return CKR_DATA_LEN_RANGE;
        }
        input = session->signBuffer;
    }
    return produceSignature(*s, *session, input, sig, sigLen);
}

CK_RV digestInit(CK_SESSION_HANDLE h, CK_MECHANISM_PTR mechanism) {
    auto s = current();
    if (!mechanism) return CKR_ARGUMENTS_BAD;
    auto session = getSession(*s, h);
    std::lock_guard<std::mutex> sessionLock(session->mutex);
    if (session->digestActive) return CKR_OPERATION_ACTIVE;
    if (!isDigestMechanism(mechanism->mechanism)) return CKR_MECHANISM_INVALID;
    if (mechanism->pParameter || mechanism->ulParameterLen) return CKR_MECHANISM_PARAM_INVALID;
    session->digest.emplace(mechanism->mechanism);
    session->digestMulti = false;
    session->digestActive = true;
    return CKR_OK;
}

namespace {

CK_RV finishDigest(Session& session, CK_BYTE_PTR out, CK_ULONG_PTR outLen,
                   const std::function<apdu::Bytes()>& compute) {
    const CK_ULONG size = session.digest->size();
    if (!out) {
        *outLen = size;
        return CKR_OK;
    }
    if (*outLen < size) {
        *outLen = size;
        return CKR_BUFFER_TOO_SMALL;
    }
    apdu::Bytes d = compute();
    std::copy(d.begin(), d.end(), out);
    *outLen = d.size();
    endDigest(session);
    return CKR_OK;
}

}  // namespace

CK_RV digest(CK_SESSION_HANDLE h, CK_BYTE_PTR data, CK_ULONG len, CK_BYTE_PTR out,
             CK_ULONG_PTR outLen) {
    auto s = current();
    if (!outLen || (!data && len)) return CKR_ARGUMENTS_BAD;
    auto session = getSession(*s, h);
    std::lock_guard<std::mutex> sessionLock(session->mutex);
    if (!session->digestActive) return CKR_OPERATION_NOT_INITIALIZED;
    if (session->digestMulti) return CKR_OPERATION_ACTIVE;
    return finishDigest(*session, out, outLen, [&] {
        session->digest->update(data, len);
        return session->digest->final();
    });
}

CK_RV digestUpdate(CK_SESSION_HANDLE h, CK_BYTE_PTR part, CK_ULONG len) {
    auto s = current();
    if (!part && len) return CKR_ARGUMENTS_BAD;
    auto session = getSession(*s, h);
    std::lock_guard<std::mutex> sessionLock(session->mutex);
    if (!session->digestActive) return CKR_OPERATION_NOT_INITIALIZED;
    session->digestMulti = true;
    session->digest->update(part, len);
    return CKR_OK;
}

CK_RV digestFinal(CK_SESSION_HANDLE h, CK_BYTE_PTR out, CK_ULONG_PTR outLen) {
    auto s = current();
    if (!outLen) return CKR_ARGUMENTS_BAD;
    auto session = getSession(*s, h);
    std::lock_guard<std::mutex> sessionLock(session->mutex);
    if (!session->digestActive) return CKR_OPERATION_NOT_INITIALIZED;
    return finishDigest(*session, out, outLen, [&] { return session->digest->final(); });
}

CK_RV digestKey(CK_SESSION_HANDLE h, CK_OBJECT_HANDLE key) {
    auto s = current();
    auto session = getSession(*s, h);
    std::lock_guard<std::mutex> sessionLock(session->mutex);
    auto role = roleOfHandle(session->kind, key);
    if (!role) return CKR_KEY_HANDLE_INVALID;
    if (!session->digestActive) return CKR_OPERATION_NOT_INITIALIZED;
    return CKR_KEY_INDIGESTIBLE;  // only secret keys can be digested; the card has none
}

CK_RV generateRandom(CK_SESSION_HANDLE h, CK_BYTE_PTR out, CK_ULONG len) {
    auto s = current();
    if (!out && len) return CKR_ARGUMENTS_BAD;
    getSession(*s, h);
    return CKR_RANDOM_NO_RNG;  // no CKF_RNG: we do not vouch for the card's GET CHALLENGE
}

CK_RV refuseInit(CK_SESSION_HANDLE h, CK_MECHANISM_PTR mechanism, CK_OBJECT_HANDLE key) {
    auto s = current();
    if (!mechanism) return CKR_ARGUMENTS_BAD;
    auto session = getSession(*s, h);
    auto role = roleOfHandle(session->kind, key);
    auto roles = visibleRoles(*session->card, session->kind);
    if (!role || std::find(roles.begin(), roles.end(), *role) == roles.end())
        return CKR_KEY_HANDLE_INVALID;
    const auto& mechs = supportedMechanisms();
    if (std::find(mechs.begin(), mechs.end(), mechanism->mechanism) == mechs.end())
        return CKR_MECHANISM_INVALID;
    return CKR_KEY_FUNCTION_NOT_PERMITTED;  // the card only signs (no decryption, spec §4.4)
}

CK_RV initToken(CK_SLOT_ID slot, CK_UTF8CHAR_PTR pin, CK_ULONG len, CK_UTF8CHAR_PTR label) {
    auto s = current();
    if (!label || (!pin && len)) return CKR_ARGUMENTS_BAD;
    std::unique_lock<std::mutex> lock(s->mutex);
    if (slot >= 2 * kSlotPairs) return CKR_SLOT_ID_INVALID;
    if (!tokenCard(*s, lock, slot)) return CKR_TOKEN_NOT_PRESENT;
    return CKR_TOKEN_WRITE_PROTECTED;
}

CK_RV unsupported(CK_SESSION_HANDLE h, bool pointersOk) {
    auto s = current();
    if (!pointersOk) return CKR_ARGUMENTS_BAD;
    getSession(*s, h);
    return CKR_FUNCTION_NOT_SUPPORTED;
}

CK_RV seedRandom(CK_SESSION_HANDLE h, bool pointersOk) {
    auto s = current();
    if (!pointersOk) return CKR_ARGUMENTS_BAD;
    getSession(*s, h);
    return CKR_RANDOM_NO_RNG;  // no RNG at all (pkcs11-tool --test reads this as "RNG not available")
}

CK_RV notParallel(CK_SESSION_HANDLE h) {
    auto s = current();
    getSession(*s, h);
    return CKR_FUNCTION_NOT_PARALLEL;
}

CK_RV refuseContinue(CK_SESSION_HANDLE h) {
    auto s = current();
    getSession(*s, h);
    return CKR_OPERATION_NOT_INITIALIZED;
}

}  // namespace mynacard::p11
