#include "pkcs11/pcsc_reader_provider.h"

#include <atomic>
#include <map>
#include <mutex>

#include "apdu/errors.h"
#include "apdu/pcsc/pcsc_context.h"
#include "apdu/pcsc/pcsc_transport.h"

namespace mynacard::p11 {
namespace {

class PcscReaderProvider : public ReaderProvider {
public:
    ~PcscReaderProvider() override {
        // Transports (owned by cards) are gone before the provider (State member order).
        waitContextPtr_ = nullptr;
    }

    std::vector<ReaderInfo> readers() override {
        std::lock_guard<std::mutex> lock(mutex_);
        const pcsc::Context& ctx = context();
        std::vector<ReaderInfo> out;
        for (const std::string& name : ctx.listReaders()) {
            pcsc::ReaderState st = ctx.status(name);
            if (st.unavailable()) continue;
            out.push_back(ReaderInfo{name, st.present(), st.eventCounter()});
        }
        return out;
    }

    std::unique_ptr<apdu::Transport> connect(const std::string& reader) override {
        std::lock_guard<std::mutex> lock(mutex_);
        return std::make_unique<pcsc::PcscTransport>(context(), reader);
    }

    bool waitForChange(int timeoutMs) override {
        std::lock_guard<std::mutex> lock(waitMutex_);
        if (!waitContext_) {
            // A context of its own: a blocking SCardGetStatusChange must not hold up the
            // context the cards and listings use.
            waitContext_ = std::make_unique<pcsc::Context>();
            waitContextPtr_ = waitContext_.get();
        }
        std::vector<pcsc::ReaderState> states;
        states.emplace_back(pcsc::kPnpNotification);
        for (const std::string& name : waitContext_->listReaders()) states.emplace_back(name);
        for (auto& st : states) st.currentState = known_[st.reader];
        try {
            bool changed = waitContext_->waitForChange(states, std::chrono::milliseconds(timeoutMs));
            for (auto& st : states) known_[st.reader] = st.eventState & ~0x2u;  // drop CHANGED
            return changed;
        } catch (const TransportError& e) {
            if (e.kind() == TransportError::Kind::Cancelled ||
                e.kind() == TransportError::Kind::Timeout)
                return false;
            throw;
        }
    }

    void cancel() override {
        if (pcsc::Context* ctx = waitContextPtr_.load()) ctx->cancel();
    }

private:
    const pcsc::Context& context() {
        // Created once and kept: transports hold a reference to it.
        if (!context_) context_ = std::make_unique<pcsc::Context>();
        return *context_;
    }

    std::mutex mutex_;
    std::unique_ptr<pcsc::Context> context_;
    std::mutex waitMutex_;
    std::unique_ptr<pcsc::Context> waitContext_;
    std::atomic<pcsc::Context*> waitContextPtr_{nullptr};
    std::map<std::string, std::uint32_t> known_;
};

}  // namespace

std::unique_ptr<ReaderProvider> makePcscReaderProvider() {
    return std::make_unique<PcscReaderProvider>();
}

}  // namespace mynacard::p11
