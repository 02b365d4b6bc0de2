// The one seam between the APDU layer and whatever carries APDUs: pcsc-lite in production, the
// in-process simulator in unit tests, scripted transports in protocol tests.
#pragma once

#include <string>

#include "apdu/bytes.h"

namespace mynacard::apdu {

class Transport {
public:
    virtual ~Transport() = default;

    // Sends one command APDU (encoded) and returns the raw response: data followed by SW1 SW2.
    // Throws TransportError. Never interprets the status word.
    virtual Bytes transmit(const Bytes& command) = 0;

    virtual Bytes atr() const = 0;
    virtual std::string readerName() const = 0;

    // Exclusive access across processes for a multi-APDU operation (SCardBeginTransaction).
    // Transports without other users may implement these as no-ops.
    virtual void beginTransaction() = 0;
    virtual void endTransaction() = 0;

    // Lets go of the connection when nothing needs it; the next call connects again. Transports
    // without a connection of their own ignore it.
    virtual void release() {}
};

}  // namespace mynacard::apdu
