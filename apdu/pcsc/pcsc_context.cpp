#include "apdu/pcsc/pcsc_context.h"

#include <winscard.h>

#include <algorithm>
#include <cstring>

#include "apdu/pcsc/pcsc_error.h"

namespace mynacard::pcsc {

bool ReaderState::present() const { return eventState & SCARD_STATE_PRESENT; }
bool ReaderState::empty() const { return eventState & SCARD_STATE_EMPTY; }
bool ReaderState::inUseExclusively() const { return eventState & SCARD_STATE_EXCLUSIVE; }
bool ReaderState::changed() const { return eventState & SCARD_STATE_CHANGED; }
bool ReaderState::unavailable() const {
    return eventState & (SCARD_STATE_UNKNOWN | SCARD_STATE_UNAVAILABLE | SCARD_STATE_IGNORE);
}
bool ReaderState::inUse() const { return eventState & (SCARD_STATE_INUSE | SCARD_STATE_EXCLUSIVE); }
bool ReaderState::unknownReader() const {
    return eventState & (SCARD_STATE_UNKNOWN | SCARD_STATE_IGNORE);
}

Context::Context() {
    SCARDCONTEXT ctx = 0;
    check("SCardEstablishContext", SCardEstablishContext(SCARD_SCOPE_SYSTEM, nullptr, nullptr, &ctx));
    context_ = ctx;
    owned_ = true;
}

Context::~Context() {
    if (owned_) SCardReleaseContext(context_);
}

Context::Context(Context&& other) noexcept : context_(other.context_), owned_(other.owned_) {
    other.owned_ = false;
}

Context& Context::operator=(Context&& other) noexcept {
    if (this != &other) {
        if (owned_) SCardReleaseContext(context_);
        context_ = other.context_;
        owned_ = other.owned_;
        other.owned_ = false;
    }
    return *this;
}

bool Context::valid() const { return owned_ && SCardIsValidContext(context_) == SCARD_S_SUCCESS; }

std::vector<std::string> Context::listReaders() const {
    // The list can change between the size query and the fetch; retry on a too-small buffer.
    for (int attempt = 0; attempt < 5; ++attempt) {
        DWORD size = 0;
        LONG rc = SCardListReaders(context_, nullptr, nullptr, &size);
        if (rc == SCARD_E_NO_READERS_AVAILABLE) return {};
        check("SCardListReaders", rc);
        std::vector<char> buf(size + 1, '\0');
        rc = SCardListReaders(context_, nullptr, buf.data(), &size);
        if (rc == SCARD_E_NO_READERS_AVAILABLE) return {};
        if (rc == SCARD_E_INSUFFICIENT_BUFFER) continue;
        check("SCardListReaders", rc);
        // A multi-string: names separated by NUL, ended by an empty name. Bounded by buf.
        std::vector<std::string> readers;
        const char* p = buf.data();
        const char* end = buf.data() + std::min<std::size_t>(size, buf.size() - 1);
        while (p < end && *p) {
            std::size_t n = strnlen(p, static_cast<std::size_t>(end - p));
            readers.emplace_back(p, n);
            p += n + 1;
        }
        return readers;
    }
    throwPcscError("SCardListReaders", SCARD_E_INSUFFICIENT_BUFFER);
}

bool Context::waitForChange(std::vector<ReaderState>& states,
                            std::optional<std::chrono::milliseconds> timeout) const {
    std::vector<SCARD_READERSTATE> raw(states.size());
    for (std::size_t i = 0; i < states.size(); ++i) {
        std::memset(&raw[i], 0, sizeof raw[i]);
        raw[i].szReader = states[i].reader.c_str();
        raw[i].dwCurrentState = states[i].currentState;
    }
    DWORD ms = timeout ? static_cast<DWORD>(timeout->count()) : INFINITE;
    LONG rc = SCardGetStatusChange(context_, ms, raw.data(), static_cast<DWORD>(raw.size()));
    if (rc == SCARD_E_TIMEOUT) return false;
    check("SCardGetStatusChange", rc);
    for (std::size_t i = 0; i < states.size(); ++i) {
        states[i].eventState = static_cast<std::uint32_t>(raw[i].dwEventState);
        std::size_t n = std::min<std::size_t>(raw[i].cbAtr, sizeof raw[i].rgbAtr);
        states[i].atr.assign(raw[i].rgbAtr, raw[i].rgbAtr + n);
    }
    return true;
}

ReaderState Context::status(const std::string& reader) const {
    std::vector<ReaderState> states{ReaderState{reader}};
    // With SCARD_STATE_UNAWARE the call returns at once with the current state.
    waitForChange(states, std::chrono::milliseconds(0));
    return states[0];
}

bool Context::waitUntil(const std::string& reader, bool wantPresent,
                        std::optional<std::chrono::milliseconds> timeout) const {
    using Clock = std::chrono::steady_clock;
    const auto deadline = timeout ? Clock::now() + *timeout : Clock::time_point::max();
    std::vector<ReaderState> states{ReaderState{reader}};
    waitForChange(states, std::chrono::milliseconds(0));
    for (;;) {
        if (states[0].unavailable()) throwPcscError("waiting for a card", SCARD_E_UNKNOWN_READER);
        if (states[0].present() == wantPresent) return true;
        states[0].acknowledge();
        std::optional<std::chrono::milliseconds> left;
        if (timeout) {
            auto now = Clock::now();
            if (now >= deadline) return false;
            left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - now);
        }
        if (!waitForChange(states, left)) return false;
    }
}

bool Context::waitForCard(const std::string& reader, std::optional<std::chrono::milliseconds> timeout) const {
    return waitUntil(reader, true, timeout);
}

bool Context::waitForRemoval(const std::string& reader,
                             std::optional<std::chrono::milliseconds> timeout) const {
    return waitUntil(reader, false, timeout);
}

bool Context::waitForReaderChange(std::optional<std::chrono::milliseconds> timeout) const {
    // pcsc-lite puts the reader count in the upper 16 bits of the PnP state; start from the
    // current value so that only a real add/remove ends the wait.
    std::vector<ReaderState> states{ReaderState{kPnpNotification}};
    waitForChange(states, std::chrono::milliseconds(0));
    states[0].acknowledge();
    states[0].currentState &= ~static_cast<std::uint32_t>(SCARD_STATE_CHANGED);
    return waitForChange(states, timeout);
}

void Context::cancel() const noexcept {
    if (owned_) SCardCancel(context_);
}

}  // namespace mynacard::pcsc
