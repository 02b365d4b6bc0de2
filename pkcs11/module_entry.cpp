// The shipped module's wiring: pcsc-lite readers and the JPKI applet client. Nothing here reads an
// environment variable or can reach the simulator (architecture.md).
#include "pkcs11/jpki_card_access.h"
#include "pkcs11/module.h"
#include "pkcs11/pcsc_reader_provider.h"

namespace {

struct RegisterProduction {
    RegisterProduction() {
        mynacard::p11::setHooks({&mynacard::p11::makePcscReaderProvider,
                                 &mynacard::p11::makeJpkiCardAccess});
    }
} registerProduction;

}  // namespace
