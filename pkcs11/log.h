// Debug log: off unless MYNACARD_PKCS11_DEBUG=1 (2: with APDUs); to stderr or the file named by
// MYNACARD_PKCS11_LOG. Callers never pass secrets (PINs are logged as their length only).
#pragma once

#include <string>

namespace mynacard::p11::log {

bool enabled();
// MYNACARD_PKCS11_DEBUG=2 also logs APDUs: commands with VERIFY/CHANGE data masked by the
// channel, responses as their length and status word only (no personal data).
bool apdusEnabled();
void write(const std::string& line);
// Re-reads the environment (C_Initialize), so a forked child or a test can switch it.
void configure();

}  // namespace mynacard::p11::log

#define P11_LOG(expr)                                                  \
    do {                                                               \
        if (::mynacard::p11::log::enabled()) {                         \
            ::mynacard::p11::log::write(std::string() + expr);         \
        }                                                              \
    } while (0)
