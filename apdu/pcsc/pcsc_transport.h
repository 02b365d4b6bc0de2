// apdu::Transport over pcsc-lite: one RAII card handle (SCARDHANDLE) connected in shared mode.
#pragma once

#include <cstdint>
#include <string>

#include "apdu/bytes.h"
#include "apdu/pcsc/pcsc_context.h"
#include "apdu/transport.h"

namespace mynacard::pcsc {

enum class Protocol { T0, T1 };

class PcscTransport : public apdu::Transport {
public:
    // SCardConnect(SCARD_SHARE_SHARED, T=1 preferred, T=0 accepted). The context must outlive
    // the transport. Throws TransportError (NoCard, NoReader, SharingViolation, ...).
    PcscTransport(const Context& context, std::string reader);
    ~PcscTransport() override;  // ends an open transaction, SCardDisconnect(SCARD_LEAVE_CARD)
    PcscTransport(const PcscTransport&) = delete;
    PcscTransport& operator=(const PcscTransport&) = delete;

    // SCardTransmit with the PCI of the active protocol. When pcsc-lite reports that the card
    // was reset by someone else (SCARD_W_RESET_CARD), the handle is reconnected (SCARD_LEAVE_CARD)
    // and TransportError(CardReset) is thrown once: the command was NOT executed and must not be
    // resent blindly, because every verified PIN is gone (spec §3, security state).
    apdu::Bytes transmit(const apdu::Bytes& command) override;
    apdu::Bytes atr() const override { return atr_; }
    std::string readerName() const override { return reader_; }
    // SCardBeginTransaction / SCardEndTransaction(SCARD_LEAVE_CARD). A reset seen by
    // beginTransaction is handled like in transmit().
    void beginTransaction() override;
    void endTransaction() override;

    Protocol protocol() const { return protocol_; }
    bool inTransaction() const { return inTransaction_; }
    // How many resets this transport has recovered from (each was reported once as CardReset).
    unsigned resetCount() const { return resets_; }
    // Reads the reader's current state (SCardStatus); refreshes atr(). Throws CardRemoved etc.
    void refreshStatus();

private:
    [[noreturn]] void recoverFromReset(const char* what);
    // Throws TransportError(CardRemoved) when pcscd says the card is gone, NoService when pcscd
    // itself is gone; returns otherwise.
    void throwIfRemoved();
    void setProtocol(unsigned long active);

    const Context& context_;
    std::string reader_;
    long card_ = 0;
    bool connected_ = false;
    Protocol protocol_ = Protocol::T1;
    apdu::Bytes atr_;
    bool inTransaction_ = false;
    unsigned resets_ = 0;
};

}  // namespace mynacard::pcsc
