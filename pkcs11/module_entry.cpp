// The shipped modules' wiring: pcsc-lite readers and the JPKI applet client. Nothing here reads an
// environment variable or can reach the simulator (architecture.md).
// Compiled twice (pkcs11/CMakeLists.txt): libmynacard-pkcs11.so exposes both tokens;
// libmynacard-pkcs11-auth.so (MYNACARD_P11_AUTH_ONLY) only the user-authentication token, for
// browsers (issue 13: the card's security state is shared by every process, so a signature
// password typed for a TLS login would unlock the legally binding signature key).
#include "pkcs11/jpki_card_access.h"
#include "pkcs11/module.h"
#include "pkcs11/pcsc_reader_provider.h"

namespace {

#ifdef MYNACARD_P11_AUTH_ONLY
constexpr bool kSignatureToken = false;
#else
constexpr bool kSignatureToken = true;
#endif

struct RegisterProduction {
    RegisterProduction() {
        mynacard::p11::setHooks({&mynacard::p11::makePcscReaderProvider,
                                 &mynacard::p11::makeJpkiCardAccess, kSignatureToken});
    }
} registerProduction;

}  // namespace
