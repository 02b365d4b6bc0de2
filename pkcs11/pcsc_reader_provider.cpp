#include "pkcs11/pcsc_reader_provider.h"

#include <atomic>
#include <map>
#include <mutex>

#include "apdu/errors.h"
#include "apdu/pcsc/pcsc_context.h"
#include "apdu/pcsc/pcsc_transport.h"

namespace mynacard::p11 {
namespace {

// A PcscTransport that keeps the context it was connected through alive (a PcscTransport only
// holds a reference). When pcscd restarts the provider moves on to a new context; the old one is
// released when the last transport made from it is destroyed, never earlier.
class OwningTransport : public apdu::Transport {
public:
    OwningTransport(std::shared_ptr<const pcsc::Context> context, const std::string& reader)
        : context_(std::move(context)), transport_(*context_, reader) {}

    apdu::Bytes transmit(const apdu::Bytes& command) override { return transport_.transmit(command); }
    apdu::Bytes atr() const override { return transport_.atr(); }
    std::string readerName() const override { return transport_.readerName(); }
    void beginTransaction() override { transport_.beginTransaction(); }
    void endTransaction() override { transport_.endTransaction(); }

private:
    std::shared_ptr<const pcsc::Context> context_;  // declared first: destroyed after transport_
    pcsc::PcscTransport transport_;
};

// How a context that outlived its pcscd fails: SCARD_E_NO_SERVICE (pcscd gone, socket closed)
// or, on pcsc-lite's side, codes mapped to Kind::Other (SCARD_E_INVALID_HANDLE,
// SCARD_F_INTERNAL_ERROR). A missing card or reader, a cancel or a timeout say nothing about it.
bool contextMayBeDead(const TransportError& e) {
    return e.kind() == TransportError::Kind::NoService || e.kind() == TransportError::Kind::Other;
}

class PcscReaderProvider : public ReaderProvider {
public:
    ~PcscReaderProvider() override {
        // Transports (owned by cards) are gone before the provider (State member order).
        waitContextPtr_ = nullptr;
    }

    std::vector<ReaderInfo> readers() override {
        std::lock_guard<std::mutex> lock(mutex_);
        return withLiveContext([this](const pcsc::Context& ctx) {
            std::vector<ReaderInfo> out;
            for (const std::string& name : ctx.listReaders())
                if (auto info = readerInfoFromState(ctx.status(name), generation_))
                    out.push_back(std::move(*info));
            return out;
        });
    }

    std::unique_ptr<apdu::Transport> connect(const std::string& reader) override {
        std::lock_guard<std::mutex> lock(mutex_);
        std::unique_ptr<apdu::Transport> out;
        withLiveContext([&](const pcsc::Context&) {
            out = std::make_unique<OwningTransport>(context_, reader);
            return 0;
        });
        return out;
    }

    std::optional<bool> cardInUse(const std::string& reader) override {
        std::lock_guard<std::mutex> lock(mutex_);
        return withLiveContext(
            [&](const pcsc::Context& ctx) { return ctx.status(reader).inUse(); });
    }

    bool waitForChange(int timeoutMs) override {
        std::lock_guard<std::mutex> lock(waitMutex_);
        if (!waitContext_) {
            // A context of its own: a blocking SCardGetStatusChange must not hold up the
            // context the cards and listings use. Throws NoService while pcscd is down.
            waitContext_ = std::make_unique<pcsc::Context>();
            waitContextPtr_ = waitContext_.get();
        }
        std::vector<pcsc::ReaderState> states;
        try {
            states.emplace_back(pcsc::kPnpNotification);
            for (const std::string& name : waitContext_->listReaders()) states.emplace_back(name);
            for (auto& st : states) st.currentState = known_[st.reader];
            bool changed = waitContext_->waitForChange(states, std::chrono::milliseconds(timeoutMs));
            for (auto& st : states) known_[st.reader] = st.eventState & ~0x2u;  // drop CHANGED
            return changed;
        } catch (const TransportError& e) {
            if (e.kind() == TransportError::Kind::NoReader) return true;  // a reader went away
            if (!contextMayBeDead(e)) return false;
            // pcscd went away (or restarted): this context is dead for good. Retired, not
            // destroyed, because cancel() may be using it from another thread right now; the
            // next call establishes a new one. One retired context per pcscd restart.
            waitContextPtr_ = nullptr;
            retiredWaitContexts_.push_back(std::move(waitContext_));
            known_.clear();
            throw;
        }
    }

    void cancel() override {
        if (pcsc::Context* ctx = waitContextPtr_.load()) ctx->cancel();
    }

private:
    // Runs `op` on the current context. When it fails in a way a dead context would (pcscd
    // stopped or restarted: SCARD_E_NO_SERVICE, SCARD_E_INVALID_HANDLE, a broken socket), the
    // context is replaced by a new one and `op` runs once more; a second failure is the answer
    // (e.g. NoService while pcscd is down). Module lock + mutex_ held.
    template <typename Op>
    auto withLiveContext(Op&& op) -> decltype(op(std::declval<const pcsc::Context&>())) {
        const bool fresh = !context_;
        if (fresh) newContext();
        try {
            return op(*context_);
        } catch (const TransportError& e) {
            if (fresh || !contextMayBeDead(e)) throw;
            // Transports made from the old context keep it alive (OwningTransport) and fail on
            // their own; the card layer turns that into a removal.
            context_.reset();
            newContext();
            return op(*context_);
        }
    }

    void newContext() {
        context_ = std::make_shared<pcsc::Context>();  // throws NoService while pcscd is down
        ++generation_;
    }

    std::mutex mutex_;
    std::shared_ptr<pcsc::Context> context_;
    std::uint32_t generation_ = 0;  // contexts established so far (mod 2^16 in eventCounter)
    std::mutex waitMutex_;
    std::unique_ptr<pcsc::Context> waitContext_;
    std::vector<std::unique_ptr<pcsc::Context>> retiredWaitContexts_;
    std::atomic<pcsc::Context*> waitContextPtr_{nullptr};
    std::map<std::string, std::uint32_t> known_;
};

}  // namespace

std::optional<ReaderInfo> readerInfoFromState(const pcsc::ReaderState& st, std::uint32_t generation) {
    // Unknown: the reader went away between SCardListReaders and this state (a real unplug).
    if (st.unknownReader()) return std::nullopt;
    // The context generation goes into the upper 16 bits: after a pcscd restart every card
    // handle is dead even if the new pcscd's counter happens to match the old one, so to the
    // slot table it must look like a re-insertion (reader_provider.h).
    std::uint32_t counter = (generation << 16) | st.eventCounter();
    // Unavailable (pcscd lists the reader but its driver is in a bad state, often only for a
    // moment): still listed, so the slot table keeps its slot pair and ids, but without a token,
    // since no card in it can be used meanwhile. Dropping it made the pair spare: another reader
    // could take its slot ids. pcsc-lite may report PRESENT as well, and no event counter.
    bool present = st.present() && !st.unavailable();
    return ReaderInfo{st.reader, present, counter};
}

std::unique_ptr<ReaderProvider> makePcscReaderProvider() {
    return std::make_unique<PcscReaderProvider>();
}

}  // namespace mynacard::p11
