// The C ABI: one-line wrappers. Each runs its core function inside the noexcept guard (guard.h),
// so no exception crosses the ABI; the core validates in the fixed order initialized → pointers →
// handles → session state → operation state → mechanism → work (module.h).
#include "pkcs11/guard.h"
#include "pkcs11/module.h"

using namespace mynacard::p11;

#define G(name, body) return guard(name, [&]() -> CK_RV { body; })

extern "C" {

CK_RV C_Initialize(CK_VOID_PTR a) { G("C_Initialize", return initialize(a)); }
CK_RV C_Finalize(CK_VOID_PTR r) { G("C_Finalize", return finalize(r)); }
CK_RV C_GetInfo(CK_INFO_PTR i) { G("C_GetInfo", return getInfo(i)); }
CK_RV C_GetSlotList(CK_BBOOL p, CK_SLOT_ID_PTR l, CK_ULONG_PTR c) { G("C_GetSlotList", return getSlotList(p, l, c)); }
CK_RV C_GetSlotInfo(CK_SLOT_ID s, CK_SLOT_INFO_PTR i) { G("C_GetSlotInfo", return getSlotInfo(s, i)); }
CK_RV C_GetTokenInfo(CK_SLOT_ID s, CK_TOKEN_INFO_PTR i) { G("C_GetTokenInfo", return getTokenInfo(s, i)); }
CK_RV C_GetMechanismList(CK_SLOT_ID s, CK_MECHANISM_TYPE_PTR l, CK_ULONG_PTR c) { G("C_GetMechanismList", return getMechanismList(s, l, c)); }
CK_RV C_GetMechanismInfo(CK_SLOT_ID s, CK_MECHANISM_TYPE t, CK_MECHANISM_INFO_PTR i) { G("C_GetMechanismInfo", return getMechanismInfo(s, t, i)); }
CK_RV C_InitToken(CK_SLOT_ID s, CK_UTF8CHAR_PTR p, CK_ULONG n, CK_UTF8CHAR_PTR l) { G("C_InitToken", return initToken(s, p, n, l)); }
CK_RV C_InitPIN(CK_SESSION_HANDLE h, CK_UTF8CHAR_PTR p, CK_ULONG n) { G("C_InitPIN", return refuseWrite(h, p || !n, std::nullopt)); }
CK_RV C_SetPIN(CK_SESSION_HANDLE h, CK_UTF8CHAR_PTR o, CK_ULONG on, CK_UTF8CHAR_PTR n, CK_ULONG nn) { G("C_SetPIN", return setPin(h, o, on, n, nn)); }
CK_RV C_OpenSession(CK_SLOT_ID s, CK_FLAGS f, CK_VOID_PTR, CK_NOTIFY, CK_SESSION_HANDLE_PTR h) { G("C_OpenSession", return openSession(s, f, h)); }
CK_RV C_CloseSession(CK_SESSION_HANDLE h) { G("C_CloseSession", return closeSession(h)); }
CK_RV C_CloseAllSessions(CK_SLOT_ID s) { G("C_CloseAllSessions", return closeAllSessions(s)); }
CK_RV C_GetSessionInfo(CK_SESSION_HANDLE h, CK_SESSION_INFO_PTR i) { G("C_GetSessionInfo", return getSessionInfo(h, i)); }
CK_RV C_GetOperationState(CK_SESSION_HANDLE h, CK_BYTE_PTR, CK_ULONG_PTR n) { G("C_GetOperationState", return unsupported(h, n != nullptr)); }
CK_RV C_SetOperationState(CK_SESSION_HANDLE h, CK_BYTE_PTR s, CK_ULONG n, CK_OBJECT_HANDLE, CK_OBJECT_HANDLE) { G("C_SetOperationState", return unsupported(h, s || !n)); }
CK_RV C_Login(CK_SESSION_HANDLE h, CK_USER_TYPE u, CK_UTF8CHAR_PTR p, CK_ULONG n) { G("C_Login", return login(h, u, p, n)); }
CK_RV C_Logout(CK_SESSION_HANDLE h) { G("C_Logout", return logout(h)); }
CK_RV C_CreateObject(CK_SESSION_HANDLE h, CK_ATTRIBUTE_PTR t, CK_ULONG n, CK_OBJECT_HANDLE_PTR o) { G("C_CreateObject", return refuseWrite(h, (t || !n) && o, std::nullopt)); }
CK_RV C_CopyObject(CK_SESSION_HANDLE h, CK_OBJECT_HANDLE k, CK_ATTRIBUTE_PTR t, CK_ULONG n, CK_OBJECT_HANDLE_PTR o) { G("C_CopyObject", return refuseWrite(h, (t || !n) && o, k)); }
CK_RV C_DestroyObject(CK_SESSION_HANDLE h, CK_OBJECT_HANDLE k) { G("C_DestroyObject", return refuseWrite(h, true, k)); }
CK_RV C_GetObjectSize(CK_SESSION_HANDLE h, CK_OBJECT_HANDLE k, CK_ULONG_PTR n) { G("C_GetObjectSize", return getObjectSize(h, k, n)); }
CK_RV C_GetAttributeValue(CK_SESSION_HANDLE h, CK_OBJECT_HANDLE k, CK_ATTRIBUTE_PTR t, CK_ULONG n) { G("C_GetAttributeValue", return getAttributeValue(h, k, t, n)); }
CK_RV C_SetAttributeValue(CK_SESSION_HANDLE h, CK_OBJECT_HANDLE k, CK_ATTRIBUTE_PTR t, CK_ULONG n) { G("C_SetAttributeValue", return refuseWrite(h, t || !n, k)); }
CK_RV C_FindObjectsInit(CK_SESSION_HANDLE h, CK_ATTRIBUTE_PTR t, CK_ULONG n) { G("C_FindObjectsInit", return findObjectsInit(h, t, n)); }
CK_RV C_FindObjects(CK_SESSION_HANDLE h, CK_OBJECT_HANDLE_PTR o, CK_ULONG m, CK_ULONG_PTR n) { G("C_FindObjects", return findObjects(h, o, m, n)); }
CK_RV C_FindObjectsFinal(CK_SESSION_HANDLE h) { G("C_FindObjectsFinal", return findObjectsFinal(h)); }
CK_RV C_EncryptInit(CK_SESSION_HANDLE h, CK_MECHANISM_PTR m, CK_OBJECT_HANDLE k) { G("C_EncryptInit", return refuseInit(h, m, k)); }
CK_RV C_Encrypt(CK_SESSION_HANDLE h, CK_BYTE_PTR, CK_ULONG, CK_BYTE_PTR, CK_ULONG_PTR) { G("C_Encrypt", return refuseContinue(h)); }
CK_RV C_EncryptUpdate(CK_SESSION_HANDLE h, CK_BYTE_PTR, CK_ULONG, CK_BYTE_PTR, CK_ULONG_PTR) { G("C_EncryptUpdate", return refuseContinue(h)); }
CK_RV C_EncryptFinal(CK_SESSION_HANDLE h, CK_BYTE_PTR, CK_ULONG_PTR) { G("C_EncryptFinal", return refuseContinue(h)); }
CK_RV C_DecryptInit(CK_SESSION_HANDLE h, CK_MECHANISM_PTR m, CK_OBJECT_HANDLE k) { G("C_DecryptInit", return refuseInit(h, m, k)); }
CK_RV C_Decrypt(CK_SESSION_HANDLE h, CK_BYTE_PTR, CK_ULONG, CK_BYTE_PTR, CK_ULONG_PTR) { G("C_Decrypt", return refuseContinue(h)); }
CK_RV C_DecryptUpdate(CK_SESSION_HANDLE h, CK_BYTE_PTR, CK_ULONG, CK_BYTE_PTR, CK_ULONG_PTR) { G("C_DecryptUpdate", return refuseContinue(h)); }
CK_RV C_DecryptFinal(CK_SESSION_HANDLE h, CK_BYTE_PTR, CK_ULONG_PTR) { G("C_DecryptFinal", return refuseContinue(h)); }
CK_RV C_DigestInit(CK_SESSION_HANDLE h, CK_MECHANISM_PTR m) { G("C_DigestInit", return digestInit(h, m)); }
CK_RV C_Digest(CK_SESSION_HANDLE h, CK_BYTE_PTR d, CK_ULONG n, CK_BYTE_PTR o, CK_ULONG_PTR on) { G("C_Digest", return digest(h, d, n, o, on)); }
CK_RV C_DigestUpdate(CK_SESSION_HANDLE h, CK_BYTE_PTR d, CK_ULONG n) { G("C_DigestUpdate", return digestUpdate(h, d, n)); }
CK_RV C_DigestKey(CK_SESSION_HANDLE h, CK_OBJECT_HANDLE k) { G("C_DigestKey", return digestKey(h, k)); }
CK_RV C_DigestFinal(CK_SESSION_HANDLE h, CK_BYTE_PTR o, CK_ULONG_PTR on) { G("C_DigestFinal", return digestFinal(h, o, on)); }
CK_RV C_SignInit(CK_SESSION_HANDLE h, CK_MECHANISM_PTR m, CK_OBJECT_HANDLE k) { G("C_SignInit", return signInit(h, m, k)); }
CK_RV C_Sign(CK_SESSION_HANDLE h, CK_BYTE_PTR d, CK_ULONG n, CK_BYTE_PTR s, CK_ULONG_PTR sn) { G("C_Sign", return sign(h, d, n, s, sn)); }
CK_RV C_SignUpdate(CK_SESSION_HANDLE h, CK_BYTE_PTR d, CK_ULONG n) { G("C_SignUpdate", return signUpdate(h, d, n)); }
CK_RV C_SignFinal(CK_SESSION_HANDLE h, CK_BYTE_PTR s, CK_ULONG_PTR sn) { G("C_SignFinal", return signFinal(h, s, sn)); }
CK_RV C_SignRecoverInit(CK_SESSION_HANDLE h, CK_MECHANISM_PTR m, CK_OBJECT_HANDLE k) { G("C_SignRecoverInit", return refuseInit(h, m, k)); }
CK_RV C_SignRecover(CK_SESSION_HANDLE h, CK_BYTE_PTR, CK_ULONG, CK_BYTE_PTR, CK_ULONG_PTR) { G("C_SignRecover", return refuseContinue(h)); }
CK_RV C_VerifyInit(CK_SESSION_HANDLE h, CK_MECHANISM_PTR m, CK_OBJECT_HANDLE k) { G("C_VerifyInit", return refuseInit(h, m, k)); }
CK_RV C_Verify(CK_SESSION_HANDLE h, CK_BYTE_PTR, CK_ULONG, CK_BYTE_PTR, CK_ULONG) { G("C_Verify", return refuseContinue(h)); }
CK_RV C_VerifyUpdate(CK_SESSION_HANDLE h, CK_BYTE_PTR, CK_ULONG) { G("C_VerifyUpdate", return refuseContinue(h)); }
CK_RV C_VerifyFinal(CK_SESSION_HANDLE h, CK_BYTE_PTR, CK_ULONG) { G("C_VerifyFinal", return refuseContinue(h)); }
CK_RV C_VerifyRecoverInit(CK_SESSION_HANDLE h, CK_MECHANISM_PTR m, CK_OBJECT_HANDLE k) { G("C_VerifyRecoverInit", return refuseInit(h, m, k)); }
CK_RV C_VerifyRecover(CK_SESSION_HANDLE h, CK_BYTE_PTR, CK_ULONG, CK_BYTE_PTR, CK_ULONG_PTR) { G("C_VerifyRecover", return refuseContinue(h)); }
CK_RV C_DigestEncryptUpdate(CK_SESSION_HANDLE h, CK_BYTE_PTR, CK_ULONG, CK_BYTE_PTR, CK_ULONG_PTR) { G("C_DigestEncryptUpdate", return refuseContinue(h)); }
CK_RV C_DecryptDigestUpdate(CK_SESSION_HANDLE h, CK_BYTE_PTR, CK_ULONG, CK_BYTE_PTR, CK_ULONG_PTR) { G("C_DecryptDigestUpdate", return refuseContinue(h)); }
CK_RV C_SignEncryptUpdate(CK_SESSION_HANDLE h, CK_BYTE_PTR, CK_ULONG, CK_BYTE_PTR, CK_ULONG_PTR) { G("C_SignEncryptUpdate", return refuseContinue(h)); }
CK_RV C_DecryptVerifyUpdate(CK_SESSION_HANDLE h, CK_BYTE_PTR, CK_ULONG, CK_BYTE_PTR, CK_ULONG_PTR) { G("C_DecryptVerifyUpdate", return refuseContinue(h)); }
CK_RV C_GenerateKey(CK_SESSION_HANDLE h, CK_MECHANISM_PTR m, CK_ATTRIBUTE_PTR t, CK_ULONG n, CK_OBJECT_HANDLE_PTR o) { G("C_GenerateKey", return refuseWrite(h, m && (t || !n) && o, std::nullopt)); }
CK_RV C_GenerateKeyPair(CK_SESSION_HANDLE h, CK_MECHANISM_PTR m, CK_ATTRIBUTE_PTR pt, CK_ULONG pn, CK_ATTRIBUTE_PTR st, CK_ULONG sn, CK_OBJECT_HANDLE_PTR po, CK_OBJECT_HANDLE_PTR so) { G("C_GenerateKeyPair", return refuseWrite(h, m && (pt || !pn) && (st || !sn) && po && so, std::nullopt)); }
CK_RV C_WrapKey(CK_SESSION_HANDLE h, CK_MECHANISM_PTR m, CK_OBJECT_HANDLE w, CK_OBJECT_HANDLE, CK_BYTE_PTR, CK_ULONG_PTR n) { G("C_WrapKey", return n ? refuseInit(h, m, w) : CKR_ARGUMENTS_BAD); }
CK_RV C_UnwrapKey(CK_SESSION_HANDLE h, CK_MECHANISM_PTR m, CK_OBJECT_HANDLE k, CK_BYTE_PTR w, CK_ULONG wn, CK_ATTRIBUTE_PTR t, CK_ULONG n, CK_OBJECT_HANDLE_PTR o) { G("C_UnwrapKey", return refuseWrite(h, m && (w || !wn) && (t || !n) && o, k)); }
CK_RV C_DeriveKey(CK_SESSION_HANDLE h, CK_MECHANISM_PTR m, CK_OBJECT_HANDLE k, CK_ATTRIBUTE_PTR t, CK_ULONG n, CK_OBJECT_HANDLE_PTR o) { G("C_DeriveKey", return refuseWrite(h, m && (t || !n) && o, k)); }
CK_RV C_SeedRandom(CK_SESSION_HANDLE h, CK_BYTE_PTR s, CK_ULONG n) { G("C_SeedRandom", return seedRandom(h, s || !n)); }
CK_RV C_GenerateRandom(CK_SESSION_HANDLE h, CK_BYTE_PTR o, CK_ULONG n) { G("C_GenerateRandom", return generateRandom(h, o, n)); }
CK_RV C_GetFunctionStatus(CK_SESSION_HANDLE h) { G("C_GetFunctionStatus", return notParallel(h)); }
CK_RV C_CancelFunction(CK_SESSION_HANDLE h) { G("C_CancelFunction", return notParallel(h)); }
CK_RV C_WaitForSlotEvent(CK_FLAGS f, CK_SLOT_ID_PTR s, CK_VOID_PTR r) { G("C_WaitForSlotEvent", return waitForSlotEvent(f, s, r)); }

CK_RV C_GetFunctionList(CK_FUNCTION_LIST_PTR_PTR list) {
    if (!list) return CKR_ARGUMENTS_BAD;
    static CK_FUNCTION_LIST f = [] {
        CK_FUNCTION_LIST f{};
        f.version = {2, 40};
    f.C_Initialize = C_Initialize;
    f.C_Finalize = C_Finalize;
    f.C_GetInfo = C_GetInfo;
    f.C_GetFunctionList = C_GetFunctionList;
    f.C_GetSlotList = C_GetSlotList;
    f.C_GetSlotInfo = C_GetSlotInfo;
    f.C_GetTokenInfo = C_GetTokenInfo;
    f.C_GetMechanismList = C_GetMechanismList;
    f.C_GetMechanismInfo = C_GetMechanismInfo;
    f.C_InitToken = C_InitToken;
    f.C_InitPIN = C_InitPIN;
    f.C_SetPIN = C_SetPIN;
    f.C_OpenSession = C_OpenSession;
    f.C_CloseSession = C_CloseSession;
    f.C_CloseAllSessions = C_CloseAllSessions;
    f.C_GetSessionInfo = C_GetSessionInfo;
    f.C_GetOperationState = C_GetOperationState;
    f.C_SetOperationState = C_SetOperationState;
    f.C_Login = C_Login;
    f.C_Logout = C_Logout;
    f.C_CreateObject = C_CreateObject;
    f.C_CopyObject = C_CopyObject;
    f.C_DestroyObject = C_DestroyObject;
    f.C_GetObjectSize = C_GetObjectSize;
    f.C_GetAttributeValue = C_GetAttributeValue;
    f.C_SetAttributeValue = C_SetAttributeValue;
    f.C_FindObjectsInit = C_FindObjectsInit;
    f.C_FindObjects = C_FindObjects;
    f.C_FindObjectsFinal = C_FindObjectsFinal;
    f.C_EncryptInit = C_EncryptInit;
    f.C_Encrypt = C_Encrypt;
    f.C_EncryptUpdate = C_EncryptUpdate;
    f.C_EncryptFinal = C_EncryptFinal;
    f.C_DecryptInit = C_DecryptInit;
    f.C_Decrypt = C_Decrypt;
    f.C_DecryptUpdate = C_DecryptUpdate;
    f.C_DecryptFinal = C_DecryptFinal;
    f.C_DigestInit = C_DigestInit;
    f.C_Digest = C_Digest;
    f.C_DigestUpdate = C_DigestUpdate;
    f.C_DigestKey = C_DigestKey;
    f.C_DigestFinal = C_DigestFinal;
    f.C_SignInit = C_SignInit;
    f.C_Sign = C_Sign;
    f.C_SignUpdate = C_SignUpdate;
    f.C_SignFinal = C_SignFinal;
    f.C_SignRecoverInit = C_SignRecoverInit;
    f.C_SignRecover = C_SignRecover;
    f.C_VerifyInit = C_VerifyInit;
    f.C_Verify = C_Verify;
    f.C_VerifyUpdate = C_VerifyUpdate;
    f.C_VerifyFinal = C_VerifyFinal;
    f.C_VerifyRecoverInit = C_VerifyRecoverInit;
    f.C_VerifyRecover = C_VerifyRecover;
    f.C_DigestEncryptUpdate = C_DigestEncryptUpdate;
    f.C_DecryptDigestUpdate = C_DecryptDigestUpdate;
    f.C_SignEncryptUpdate = C_SignEncryptUpdate;
    f.C_DecryptVerifyUpdate = C_DecryptVerifyUpdate;
    f.C_GenerateKey = C_GenerateKey;
    f.C_GenerateKeyPair = C_GenerateKeyPair;
    f.C_WrapKey = C_WrapKey;
    f.C_UnwrapKey = C_UnwrapKey;
    f.C_DeriveKey = C_DeriveKey;
    f.C_SeedRandom = C_SeedRandom;
    f.C_GenerateRandom = C_GenerateRandom;
    f.C_GetFunctionStatus = C_GetFunctionStatus;
    f.C_CancelFunction = C_CancelFunction;
    f.C_WaitForSlotEvent = C_WaitForSlotEvent;
        return f;
    }();
    *list = &f;
    return CKR_OK;
}

}  // extern "C"
