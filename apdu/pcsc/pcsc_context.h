// RAII wrapper for a pcsc-lite resource-manager context (SCARDCONTEXT), reader listing and
// status-change waits (SCardGetStatusChange), cancellable from another thread (SCardCancel).
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "apdu/bytes.h"
#include "apdu/errors.h"

namespace mynacard::pcsc {

// The pseudo-reader whose state changes when a reader is added or removed (pcsc-lite).
inline constexpr const char* kPnpNotification = "\\\\?PnP?\\Notification";

// What SCardGetStatusChange reported for one reader. `eventState` is the raw dwEventState.
struct ReaderState {
    ReaderState() = default;
    explicit ReaderState(std::string name) : reader(std::move(name)) {}

    std::string reader;
    std::uint32_t currentState = 0;  // passed in: what the caller last saw (0 = SCARD_STATE_UNAWARE)
    std::uint32_t eventState = 0;    // returned
    apdu::Bytes atr;

    bool present() const;     // SCARD_STATE_PRESENT
    bool empty() const;       // SCARD_STATE_EMPTY
    bool inUseExclusively() const;  // SCARD_STATE_EXCLUSIVE
    // SCARD_STATE_INUSE or EXCLUSIVE: some client holds a handle to the card (pcsc-lite sets it
    // from the reader's handle count, so a caller without a handle of its own learns whether
    // anyone else is connected).
    bool inUse() const;
    bool changed() const;     // SCARD_STATE_CHANGED
    bool unavailable() const;  // SCARD_STATE_UNKNOWN / SCARD_STATE_UNAVAILABLE / IGNORE
    // SCARD_STATE_UNKNOWN / IGNORE only: pcscd does not know the reader (it went away), as
    // opposed to SCARD_STATE_UNAVAILABLE, a reader pcscd still lists but cannot use right now.
    bool unknownReader() const;
    // pcsc-lite keeps a per-reader card event counter in the upper 16 bits of dwEventState; it
    // grows on every insertion/removal, so a different value with the card still present means
    // the card was swapped (or re-inserted) between two looks.
    std::uint16_t eventCounter() const { return static_cast<std::uint16_t>(eventState >> 16); }
    // Feeds the returned state back in as the next call's current state.
    void acknowledge() { currentState = eventState; }
};

class Context {
public:
    // SCardEstablishContext(SCARD_SCOPE_SYSTEM). Throws TransportError (NoService when pcscd is
    // not reachable).
    Context();
    ~Context();
    Context(Context&& other) noexcept;
    Context& operator=(Context&& other) noexcept;
    Context(const Context&) = delete;
    Context& operator=(const Context&) = delete;

    long handle() const { return context_; }
    bool valid() const;  // SCardIsValidContext

    // Reader names; empty when there are no readers (SCARD_E_NO_READERS_AVAILABLE is not an error).
    std::vector<std::string> listReaders() const;

    // SCardGetStatusChange. Returns false on timeout, true when at least one state differs from
    // its currentState. timeout nullopt = wait forever. Throws TransportError(Cancelled) when
    // cancel() was called, other kinds per pcsc_error.h.
    bool waitForChange(std::vector<ReaderState>& states,
                       std::optional<std::chrono::milliseconds> timeout) const;
    // The current state of one reader without waiting.
    ReaderState status(const std::string& reader) const;

    // Waits until the reader has a card (true) or the timeout passes (false). Cancellable.
    bool waitForCard(const std::string& reader, std::optional<std::chrono::milliseconds> timeout) const;
    // Waits until the reader has no card (true) or the timeout passes (false). Cancellable.
    bool waitForRemoval(const std::string& reader, std::optional<std::chrono::milliseconds> timeout) const;
    // Waits until a reader is added or removed (true) or the timeout passes (false), using the
    // \\?PnP?\Notification pseudo-reader. Cancellable.
    bool waitForReaderChange(std::optional<std::chrono::milliseconds> timeout) const;

    // Makes a blocked wait on this context return with TransportError(Cancelled). Safe to call
    // from another thread (SCardCancel is designed for that); never throws.
    void cancel() const noexcept;

private:
    bool waitUntil(const std::string& reader, bool wantPresent,
                   std::optional<std::chrono::milliseconds> timeout) const;
    long context_ = 0;
    bool owned_ = false;
};

}  // namespace mynacard::pcsc
