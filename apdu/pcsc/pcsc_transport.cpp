#include "apdu/pcsc/pcsc_transport.h"

#include <chrono>
#include <thread>

#include <winscard.h>

#include "apdu/pcsc/pcsc_error.h"

namespace mynacard::pcsc {

namespace {
// The receive buffer is exactly pcsc-lite's limit: pcsc-lite before 1.9.8 (e.g. 1.9.5 in Ubuntu
// 22.04) answers SCARD_E_INSUFFICIENT_BUFFER to every SCardTransmit whose *pcbRecvLength is
// larger, before the APDU is even sent. The limit still holds the largest extended response.
constexpr std::size_t kMaxResponse = MAX_BUFFER_SIZE_EXTENDED;
static_assert(kMaxResponse >= 65536 + 2, "room for Ne = 65536 data bytes and the status word");
}  // namespace

PcscTransport::PcscTransport(const Context& context, std::string reader)
    : context_(context), reader_(std::move(reader)) {
    SCARDHANDLE card = 0;
    DWORD active = 0;
    check("SCardConnect", SCardConnect(context_.handle(), reader_.c_str(), SCARD_SHARE_SHARED,
                                       SCARD_PROTOCOL_T1 | SCARD_PROTOCOL_T0, &card, &active));
    card_ = card;
    connected_ = true;
    try {
        setProtocol(active);
        refreshStatus();
    } catch (...) {
        SCardDisconnect(card_, SCARD_LEAVE_CARD);
        connected_ = false;
        throw;
    }
}

PcscTransport::~PcscTransport() {
    if (!connected_) return;
    if (inTransaction_) SCardEndTransaction(card_, SCARD_LEAVE_CARD);
    SCardDisconnect(card_, SCARD_LEAVE_CARD);
}

void PcscTransport::setProtocol(unsigned long active) {
    // pcsc-lite picks T=1 when the card offers both and we allow both.
    if (active == SCARD_PROTOCOL_T1)
        protocol_ = Protocol::T1;
    else if (active == SCARD_PROTOCOL_T0)
        protocol_ = Protocol::T0;
    else
        throwPcscError("SCardConnect: unexpected protocol", SCARD_E_PROTO_MISMATCH);
}

void PcscTransport::refreshStatus() {
    char name[256];
    DWORD nameLen = sizeof name;
    DWORD state = 0, proto = 0;
    BYTE atr[MAX_ATR_SIZE];
    DWORD atrLen = sizeof atr;
    check("SCardStatus", SCardStatus(card_, name, &nameLen, &state, &proto, atr, &atrLen));
    atr_.assign(atr, atr + std::min<DWORD>(atrLen, sizeof atr));
}

void PcscTransport::throwIfRemoved() {
    // pcscd notices a removal only at its next presence poll (every 400 ms in pcsc-lite 1.9), so
    // a card pulled mid-APDU may still look present right after the failed exchange. This path
    // runs only after a failure, so waiting a little for the truth costs nothing in normal use.
    for (int attempt = 0; attempt < 6; ++attempt) {
        if (attempt > 0) std::this_thread::sleep_for(std::chrono::milliseconds(100));
        char name[256];
        DWORD nameLen = sizeof name;
        DWORD state = 0, proto = 0;
        BYTE atr[MAX_ATR_SIZE];
        DWORD atrLen = sizeof atr;
        LONG rc = SCardStatus(card_, name, &nameLen, &state, &proto, atr, &atrLen);
        if (rc == SCARD_W_REMOVED_CARD || rc == SCARD_E_NO_SMARTCARD ||
            (rc == SCARD_S_SUCCESS && (state & SCARD_ABSENT)))
            throwPcscError("SCardTransmit", SCARD_W_REMOVED_CARD);
        // pcscd itself went away mid-exchange (the client library then reports the exchange as
        // SCARD_F_COMM_ERROR): the card handle died with it, which callers treat as a removal.
        if (rc == SCARD_E_NO_SERVICE) throwPcscError("SCardTransmit: pcscd gone", rc);
        if (rc != SCARD_S_SUCCESS) return;  // some other failure: let the caller report it
    }
}

void PcscTransport::recoverFromReset(const char* what) {
    // Reconnect without touching the card again (it was already reset), then tell the caller.
    DWORD active = 0;
    check("SCardReconnect", SCardReconnect(card_, SCARD_SHARE_SHARED, SCARD_PROTOCOL_T1 | SCARD_PROTOCOL_T0,
                                           SCARD_LEAVE_CARD, &active));
    setProtocol(active);
    inTransaction_ = false;  // a reset ends any transaction we held
    ++resets_;
    try {
        refreshStatus();
    } catch (const TransportError&) {
        // The reset is the news; a failure here will show again on the next call.
    }
    throwPcscError(what, SCARD_W_RESET_CARD);
}

apdu::Bytes PcscTransport::transmit(const apdu::Bytes& command) {
    apdu::Bytes response(kMaxResponse);
    DWORD len = static_cast<DWORD>(response.size());
    const SCARD_IO_REQUEST* pci = protocol_ == Protocol::T1 ? SCARD_PCI_T1 : SCARD_PCI_T0;
    LONG rc = SCardTransmit(card_, pci, command.data(), static_cast<DWORD>(command.size()), nullptr,
                            response.data(), &len);
    if (rc == SCARD_W_RESET_CARD) recoverFromReset("SCardTransmit");
    if (rc != SCARD_S_SUCCESS || len < 2 || len > response.size()) {
        // A card pulled out mid-APDU often surfaces as a failed or empty exchange before pcscd
        // reports the removal; ask pcscd now so callers see "removed", not a device error.
        throwIfRemoved();
        check("SCardTransmit", rc);
        throw TransportError(TransportError::Kind::CommunicationFailed,
                             "SCardTransmit: response shorter than a status word");
    }
    response.resize(len);
    return response;
}

void PcscTransport::beginTransaction() {
    LONG rc = SCardBeginTransaction(card_);
    if (rc == SCARD_W_RESET_CARD) recoverFromReset("SCardBeginTransaction");
    check("SCardBeginTransaction", rc);
    inTransaction_ = true;
}

void PcscTransport::endTransaction() {
    if (!inTransaction_) return;
    inTransaction_ = false;
    LONG rc = SCardEndTransaction(card_, SCARD_LEAVE_CARD);
    // The transaction is gone either way; a reset is reported by the next transmit.
    if (rc == SCARD_W_RESET_CARD || rc == SCARD_E_NOT_TRANSACTED) return;
    check("SCardEndTransaction", rc);
}

}  // namespace mynacard::pcsc
