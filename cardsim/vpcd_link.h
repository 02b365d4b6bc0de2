// Client side of vsmartcard's vpcd wire protocol: the virtual card connects to the vpcd reader
// driver (inside pcscd) over TCP. Every message is a 2-byte big-endian length + payload. A 1-byte
// payload is a control code (0 power off, 1 power on, 2 reset, 4 get ATR — only 4 is answered);
// any longer payload is a command APDU, answered with response data + SW.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <string>

#include "apdu/bytes.h"

namespace mynacard::sim {

class VpcdLink {
public:
    struct Handlers {
        std::function<void()> powerOff;
        std::function<void()> powerOn;
        std::function<void()> reset;
        std::function<apdu::Bytes()> atr;
        std::function<apdu::Bytes(const apdu::Bytes&)> apdu;  // must not throw
    };

    // Connects to host:port (TCP_NODELAY set). Throws std::runtime_error when it cannot.
    VpcdLink(const std::string& host, std::uint16_t port);
    ~VpcdLink();
    VpcdLink(const VpcdLink&) = delete;
    VpcdLink& operator=(const VpcdLink&) = delete;

    // Serves messages until the peer closes the connection (returns false) or stop() is called
    // (returns true). Re-arms TCP_QUICKACK after every read: without it vpcd's Nagle waits for
    // our delayed ACK and every APDU costs ~43 ms instead of ~0.5 ms.
    bool serve(const Handlers& handlers);
    // Thread- and signal-safe: makes serve() return soon.
    void stop();

private:
    int fd_ = -1;
    int wakePipe_[2] = {-1, -1};
    std::atomic<bool> stopping_{false};
};

}  // namespace mynacard::sim
