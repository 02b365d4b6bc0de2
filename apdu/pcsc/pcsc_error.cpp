#include "apdu/pcsc/pcsc_error.h"

#include <winscard.h>

#include <cstdio>

namespace mynacard::pcsc {

using Kind = TransportError::Kind;

TransportError::Kind transportErrorKind(long code) {
    switch (static_cast<LONG>(code)) {
    // pcscd is not there, stopped, or shutting down: the caller may retry later.
    case SCARD_E_NO_SERVICE:
    case SCARD_E_SERVICE_STOPPED:
    case SCARD_P_SHUTDOWN:
    case SCARD_E_SERVER_TOO_BUSY:
        return Kind::NoService;
    // The reader named by the caller does not exist (any more) or cannot be used.
    case SCARD_E_UNKNOWN_READER:
    case SCARD_E_READER_UNAVAILABLE:
    case SCARD_E_NO_READERS_AVAILABLE:
    case SCARD_E_READER_UNSUPPORTED:
    case SCARD_E_DUPLICATE_READER:
        return Kind::NoReader;
    case SCARD_E_NO_SMARTCARD:
        return Kind::NoCard;
    case SCARD_W_REMOVED_CARD:
        return Kind::CardRemoved;
    // Someone reset the card: every security state (verified PINs) is gone.
    case SCARD_W_RESET_CARD:
        return Kind::CardReset;
    // The card or the link misbehaves; a fresh connect may help, nothing else will.
    case SCARD_F_COMM_ERROR:
    case SCARD_E_COMM_DATA_LOST:
    case SCARD_W_UNRESPONSIVE_CARD:
    case SCARD_W_UNPOWERED_CARD:
    case SCARD_W_UNSUPPORTED_CARD:
    case SCARD_E_NOT_READY:
    case SCARD_E_PROTO_MISMATCH:
    case SCARD_E_CARD_UNSUPPORTED:
    case SCARD_E_UNKNOWN_CARD:
    case SCARD_E_INVALID_ATR:
    case SCARD_F_WAITED_TOO_LONG:
        return Kind::CommunicationFailed;
    case SCARD_E_TIMEOUT:
        return Kind::Timeout;
    case SCARD_E_CANCELLED:
    case SCARD_E_SYSTEM_CANCELLED:
    case SCARD_W_CANCELLED_BY_USER:
        return Kind::Cancelled;
    case SCARD_E_SHARING_VIOLATION:
        return Kind::SharingViolation;
    // Programming errors (bad handle, parameter, buffer), internal errors, SCARD_E_UNEXPECTED
    // (== SCARD_E_UNSUPPORTED_FEATURE in pcsc-lite) and the Windows smart-card file-system and
    // PIN codes that pcsc-lite declares but never returns.
    default:
        return Kind::Other;
    }
}

std::string pcscCodeName(long code) {
#define MYNACARD_PCSC_NAME(c) \
    case c:                   \
        return #c;
    switch (static_cast<LONG>(code)) {
        MYNACARD_PCSC_NAME(SCARD_S_SUCCESS)
        MYNACARD_PCSC_NAME(SCARD_F_INTERNAL_ERROR)
        MYNACARD_PCSC_NAME(SCARD_E_CANCELLED)
        MYNACARD_PCSC_NAME(SCARD_E_INVALID_HANDLE)
        MYNACARD_PCSC_NAME(SCARD_E_INVALID_PARAMETER)
        MYNACARD_PCSC_NAME(SCARD_E_INVALID_TARGET)
        MYNACARD_PCSC_NAME(SCARD_E_NO_MEMORY)
        MYNACARD_PCSC_NAME(SCARD_F_WAITED_TOO_LONG)
        MYNACARD_PCSC_NAME(SCARD_E_INSUFFICIENT_BUFFER)
        MYNACARD_PCSC_NAME(SCARD_E_UNKNOWN_READER)
        MYNACARD_PCSC_NAME(SCARD_E_TIMEOUT)
        MYNACARD_PCSC_NAME(SCARD_E_SHARING_VIOLATION)
        MYNACARD_PCSC_NAME(SCARD_E_NO_SMARTCARD)
        MYNACARD_PCSC_NAME(SCARD_E_UNKNOWN_CARD)
        MYNACARD_PCSC_NAME(SCARD_E_CANT_DISPOSE)
        MYNACARD_PCSC_NAME(SCARD_E_PROTO_MISMATCH)
        MYNACARD_PCSC_NAME(SCARD_E_NOT_READY)
        MYNACARD_PCSC_NAME(SCARD_E_INVALID_VALUE)
        MYNACARD_PCSC_NAME(SCARD_E_SYSTEM_CANCELLED)
        MYNACARD_PCSC_NAME(SCARD_F_COMM_ERROR)
        MYNACARD_PCSC_NAME(SCARD_F_UNKNOWN_ERROR)
        MYNACARD_PCSC_NAME(SCARD_E_INVALID_ATR)
        MYNACARD_PCSC_NAME(SCARD_E_NOT_TRANSACTED)
        MYNACARD_PCSC_NAME(SCARD_E_READER_UNAVAILABLE)
        MYNACARD_PCSC_NAME(SCARD_P_SHUTDOWN)
        MYNACARD_PCSC_NAME(SCARD_E_PCI_TOO_SMALL)
        MYNACARD_PCSC_NAME(SCARD_E_READER_UNSUPPORTED)
        MYNACARD_PCSC_NAME(SCARD_E_DUPLICATE_READER)
        MYNACARD_PCSC_NAME(SCARD_E_CARD_UNSUPPORTED)
        MYNACARD_PCSC_NAME(SCARD_E_NO_SERVICE)
        MYNACARD_PCSC_NAME(SCARD_E_SERVICE_STOPPED)
        MYNACARD_PCSC_NAME(SCARD_E_UNEXPECTED)  // == SCARD_E_UNSUPPORTED_FEATURE
        MYNACARD_PCSC_NAME(SCARD_E_ICC_INSTALLATION)
        MYNACARD_PCSC_NAME(SCARD_E_ICC_CREATEORDER)
        MYNACARD_PCSC_NAME(SCARD_E_DIR_NOT_FOUND)
        MYNACARD_PCSC_NAME(SCARD_E_FILE_NOT_FOUND)
        MYNACARD_PCSC_NAME(SCARD_E_NO_DIR)
        MYNACARD_PCSC_NAME(SCARD_E_NO_FILE)
        MYNACARD_PCSC_NAME(SCARD_E_NO_ACCESS)
        MYNACARD_PCSC_NAME(SCARD_E_WRITE_TOO_MANY)
        MYNACARD_PCSC_NAME(SCARD_E_BAD_SEEK)
        MYNACARD_PCSC_NAME(SCARD_E_INVALID_CHV)
        MYNACARD_PCSC_NAME(SCARD_E_UNKNOWN_RES_MNG)
        MYNACARD_PCSC_NAME(SCARD_E_NO_SUCH_CERTIFICATE)
        MYNACARD_PCSC_NAME(SCARD_E_CERTIFICATE_UNAVAILABLE)
        MYNACARD_PCSC_NAME(SCARD_E_NO_READERS_AVAILABLE)
        MYNACARD_PCSC_NAME(SCARD_E_COMM_DATA_LOST)
        MYNACARD_PCSC_NAME(SCARD_E_NO_KEY_CONTAINER)
        MYNACARD_PCSC_NAME(SCARD_E_SERVER_TOO_BUSY)
        MYNACARD_PCSC_NAME(SCARD_W_UNSUPPORTED_CARD)
        MYNACARD_PCSC_NAME(SCARD_W_UNRESPONSIVE_CARD)
        MYNACARD_PCSC_NAME(SCARD_W_UNPOWERED_CARD)
        MYNACARD_PCSC_NAME(SCARD_W_RESET_CARD)
        MYNACARD_PCSC_NAME(SCARD_W_REMOVED_CARD)
        MYNACARD_PCSC_NAME(SCARD_W_SECURITY_VIOLATION)
        MYNACARD_PCSC_NAME(SCARD_W_WRONG_CHV)
        MYNACARD_PCSC_NAME(SCARD_W_CHV_BLOCKED)
        MYNACARD_PCSC_NAME(SCARD_W_EOF)
        MYNACARD_PCSC_NAME(SCARD_W_CANCELLED_BY_USER)
        MYNACARD_PCSC_NAME(SCARD_W_CARD_NOT_AUTHENTICATED)
    default: {
        char buf[16];
        std::snprintf(buf, sizeof buf, "0x%08lX", static_cast<unsigned long>(code) & 0xFFFFFFFFul);
        return buf;
    }
    }
#undef MYNACARD_PCSC_NAME
}

void throwPcscError(const char* what, long code) {
    throw TransportError(transportErrorKind(code), std::string(what) + ": " + pcscCodeName(code), code);
}

void check(const char* what, long code) {
    if (code != SCARD_S_SUCCESS) throwPcscError(what, code);
}

}  // namespace mynacard::pcsc
