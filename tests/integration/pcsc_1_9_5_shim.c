/* LD_PRELOAD shim: SCardTransmit with the buffer rule of pcsc-lite before 1.9.8 (Ubuntu 22.04
 * ships 1.9.5). Debian 12's 1.9.9 no longer checks, so without this shim a receive buffer that
 * the older library refuses cannot be noticed here. 1.9.5's winscard_clnt.c SCardTransmit:
 *
 *     if ((cbSendLength > MAX_BUFFER_SIZE_EXTENDED)
 *         || (*pcbRecvLength > MAX_BUFFER_SIZE_EXTENDED))
 *         rv = SCARD_E_INSUFFICIENT_BUFFER;
 *
 * for every APDU, before anything reaches pcscd. Everything else goes to the real SCardTransmit
 * (dlsym RTLD_NEXT). Test-only: loaded into test processes, never into pcscd. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <winscard.h>

typedef LONG (*TransmitFn)(SCARDHANDLE, const SCARD_IO_REQUEST*, LPCBYTE, DWORD, SCARD_IO_REQUEST*,
                           LPBYTE, LPDWORD);

static TransmitFn realTransmit;

/* Resolved once at load time, so that calls from several threads need no lock. */
__attribute__((constructor)) static void resolve(void) {
    realTransmit = (TransmitFn)dlsym(RTLD_NEXT, "SCardTransmit");
    if (!realTransmit) {
        fprintf(stderr, "pcsc_1_9_5_shim: no SCardTransmit after the shim: %s\n", dlerror());
        abort();
    }
}

LONG SCardTransmit(SCARDHANDLE hCard, const SCARD_IO_REQUEST* pioSendPci, LPCBYTE pbSendBuffer,
                   DWORD cbSendLength, SCARD_IO_REQUEST* pioRecvPci, LPBYTE pbRecvBuffer,
                   LPDWORD pcbRecvLength) {
    /* 1.9.5 checks the pointers first (SCARD_E_INVALID_PARAMETER): leave that to the real one. */
    if (pcbRecvLength &&
        (cbSendLength > MAX_BUFFER_SIZE_EXTENDED || *pcbRecvLength > MAX_BUFFER_SIZE_EXTENDED))
        return SCARD_E_INSUFFICIENT_BUFFER;
    return realTransmit(hCard, pioSendPci, pbSendBuffer, cbSendLength, pioRecvPci, pbRecvBuffer,
                        pcbRecvLength);
}
