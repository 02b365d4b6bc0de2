// The only way the PKCS#11 core reaches readers and cards (architecture.md: injected reader
// provider). Production: pcsc_reader_provider.cpp over mynacard_pcsc; tests: the in-process
// simulator. The core never calls SCard* itself.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "apdu/transport.h"

namespace mynacard::p11 {

struct ReaderInfo {
    std::string name;
    bool cardPresent = false;
    // pcsc-lite's per-reader event counter (upper 16 bits of dwEventState): it changes when a card
    // is inserted or removed, so a changed value between two calls means "card swapped". A
    // provider may also change it when its connection to the service is re-established (every
    // card handle is then dead).
    std::uint32_t eventCounter = 0;
};

class ReaderProvider {
public:
    virtual ~ReaderProvider() = default;

    // Current readers and their card state; cheap (no APDU). Throws TransportError.
    virtual std::vector<ReaderInfo> readers() = 0;
    // A transport to the card in `reader` (shared mode). Throws TransportError (NoCard, ...).
    virtual std::unique_ptr<apdu::Transport> connect(const std::string& reader) = 0;
    // Blocks until a reader or card state may have changed (returns true), `timeoutMs` passes
    // (false) or cancel() is called (false). Spurious wake-ups are allowed.
    virtual bool waitForChange(int timeoutMs) = 0;
    // Thread-safe: makes a blocked waitForChange() return soon (C_Finalize from another thread).
    virtual void cancel() = 0;
    // Whether any client holds a connection to the card in `reader` right now; asked while we
    // hold none, it tells whether another application is connected (the auth-key logout rule,
    // issue 13). nullopt: cannot tell. No APDU.
    virtual std::optional<bool> cardInUse(const std::string& /*reader*/) { return std::nullopt; }
};

}  // namespace mynacard::p11
