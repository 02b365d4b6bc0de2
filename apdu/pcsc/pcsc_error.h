// The one place that turns pcsc-lite return codes into typed mynacard::TransportError kinds.
#pragma once

#include <string>

#include "apdu/errors.h"

namespace mynacard::pcsc {

// Maps every SCARD_E_* / SCARD_F_* / SCARD_P_* / SCARD_W_* code to a TransportError kind. This
// is the only mapping in the project; everything else calls check() or throwPcscError().
// Codes that are not errors a caller can act on (bad parameters, internal errors, the
// file-system/PIN codes pcsc-lite never returns) map to Kind::Other.
TransportError::Kind transportErrorKind(long code);

// The symbolic name ("SCARD_W_RESET_CARD"), or "0x........" for an unknown code.
std::string pcscCodeName(long code);

// Throws TransportError(transportErrorKind(code), "<what>: <name>", code).
[[noreturn]] void throwPcscError(const char* what, long code);

// Does nothing on SCARD_S_SUCCESS, otherwise throwPcscError.
void check(const char* what, long code);

}  // namespace mynacard::pcsc
