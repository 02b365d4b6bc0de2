// "Another process resets the card": a second PC/SC connection to $MYNACARD_READER (shared mode)
// that warm-resets the card with SCardReconnect(SCARD_RESET_CARD), as another application may.
// Exit 0 when the reset was done. Used by fault_p11's reset-other scenario.
#include <pcsclite.h>
#include <winscard.h>

#include <cstdio>
#include <cstdlib>

int main() {
    const char* reader = std::getenv("MYNACARD_READER");
    if (!reader) {
        std::fprintf(stderr, "fault_reset: MYNACARD_READER is not set (run inside scripts/with-sim)\n");
        return 2;
    }
    SCARDCONTEXT ctx = 0;
    LONG rv = SCardEstablishContext(SCARD_SCOPE_SYSTEM, nullptr, nullptr, &ctx);
    if (rv != SCARD_S_SUCCESS) {
        std::fprintf(stderr, "fault_reset: SCardEstablishContext: %s\n", pcsc_stringify_error(rv));
        return 1;
    }
    SCARDHANDLE card = 0;
    DWORD protocol = 0;
    rv = SCardConnect(ctx, reader, SCARD_SHARE_SHARED, SCARD_PROTOCOL_T0 | SCARD_PROTOCOL_T1, &card,
                      &protocol);
    if (rv == SCARD_S_SUCCESS)
        rv = SCardReconnect(card, SCARD_SHARE_SHARED, SCARD_PROTOCOL_T0 | SCARD_PROTOCOL_T1,
                            SCARD_RESET_CARD, &protocol);
    std::printf("fault_reset: %s\n", pcsc_stringify_error(rv));
    if (card) SCardDisconnect(card, SCARD_LEAVE_CARD);
    SCardReleaseContext(ctx);
    return rv == SCARD_S_SUCCESS ? 0 : 1;
}
