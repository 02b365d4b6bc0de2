// The one place where exceptions become CK_RV (architecture.md "Errors"): nothing crosses the ABI.
#pragma once

#include "pkcs11/p11.h"

namespace mynacard::p11 {

// Maps the exception being handled (call only inside a catch block) to a CK_RV and logs it.
CK_RV mapCurrentException(const char* function) noexcept;
void logResult(const char* function, CK_RV rv) noexcept;

template <typename F>
CK_RV guard(const char* function, F&& f) noexcept {
    try {
        CK_RV rv = f();
        logResult(function, rv);
        return rv;
    } catch (...) {
        return mapCurrentException(function);
    }
}

}  // namespace mynacard::p11
