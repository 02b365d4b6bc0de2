#include "pkcs11/guard.h"

#include <cstdio>
#include <new>

#include "apdu/errors.h"
#include "pkcs11/log.h"

namespace mynacard::p11 {
namespace {

CK_RV fromPinError(const PinError& e) {
    switch (e.kind()) {
        case PinError::Kind::Incorrect: return CKR_PIN_INCORRECT;
        case PinError::Kind::Blocked: return CKR_PIN_LOCKED;
        case PinError::Kind::InvalidFormat: return CKR_PIN_INCORRECT;  // checked before: unexpected
        // Issue 13: nothing was sent. CKR_PIN_INCORRECT would make NSS prompt again in a loop;
        // the token flags still show CKF_USER_PIN_FINAL_TRY, so the application can tell why.
        case PinError::Kind::FinalTryRefused: return CKR_PIN_LOCKED;
        case PinError::Kind::NotLoggedIn: return CKR_USER_NOT_LOGGED_IN;
    }
    return CKR_GENERAL_ERROR;
}

CK_RV fromTransportError(const TransportError& e) {
    switch (e.kind()) {
        case TransportError::Kind::CardRemoved:
        case TransportError::Kind::NoCard:
        case TransportError::Kind::NoReader:
        case TransportError::Kind::CardReset:
            return CKR_DEVICE_REMOVED;
        default:
            return CKR_DEVICE_ERROR;
    }
}

std::string hexRv(CK_RV rv) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "0x%08lX", static_cast<unsigned long>(rv));
    return buf;
}

}  // namespace

void logResult(const char* function, CK_RV rv) noexcept {
    try {
        P11_LOG(std::string(function) + " -> " + hexRv(rv));
    } catch (...) {
    }
}

CK_RV mapCurrentException(const char* function) noexcept {
    CK_RV rv = CKR_GENERAL_ERROR;
    std::string what;
    try {
        throw;
    } catch (const P11Error& e) {
        rv = e.rv();
        what = e.what();
    } catch (const PinError& e) {
        rv = fromPinError(e);
        what = e.what();
    } catch (const TransportError& e) {
        rv = fromTransportError(e);
        what = e.what();
    } catch (const CardStatusError& e) {
        rv = CKR_DEVICE_ERROR;
        what = e.what();
    } catch (const ProtocolError& e) {
        rv = CKR_DEVICE_ERROR;
        what = e.what();
    } catch (const std::bad_alloc&) {
        rv = CKR_HOST_MEMORY;
    } catch (const std::exception& e) {
        rv = CKR_GENERAL_ERROR;
        what = e.what();
    } catch (...) {
        rv = CKR_GENERAL_ERROR;
    }
    try {
        P11_LOG(std::string(function) + " -> " + hexRv(rv) + (what.empty() ? "" : ": " + what));
    } catch (...) {
    }
    return rv;
}

}  // namespace mynacard::p11
