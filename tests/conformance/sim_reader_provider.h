// Test-only ReaderProvider over in-process simulated cards (mynacard::sim::SimCard): readers can
// be attached, cards inserted, removed and swapped, and every APDU is counted. Never linked into
// the shipped module (architecture.md).
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "apdu/errors.h"
#include "cardsim/sim_card.h"
#include "pkcs11/jpki_card_access.h"
#include "pkcs11/module.h"
#include "pkcs11/reader_provider.h"

namespace mynacard::p11test {

class SimWorld {
public:
    struct Reader {
        std::string name;
        std::shared_ptr<sim::SimCard> card;  // null: empty reader
        std::uint32_t counter = 0;           // pcsc-lite style event counter
    };

    void addReader(const std::string& name, std::shared_ptr<sim::SimCard> card = nullptr) {
        std::lock_guard<std::mutex> lock(mutex);
        readers.push_back(Reader{name, std::move(card), 0});
        changed();
    }
    void detachReader(const std::string& name) {
        std::lock_guard<std::mutex> lock(mutex);
        for (auto it = readers.begin(); it != readers.end(); ++it)
            if (it->name == name) {
                readers.erase(it);
                break;
            }
        changed();
    }
    void insert(const std::string& name, std::shared_ptr<sim::SimCard> card) {
        std::lock_guard<std::mutex> lock(mutex);
        Reader& r = find(name);
        card->powerOn();
        r.card = std::move(card);
        ++r.counter;
        changed();
    }
    std::shared_ptr<sim::SimCard> remove(const std::string& name) {
        std::lock_guard<std::mutex> lock(mutex);
        Reader& r = find(name);
        auto card = std::move(r.card);
        r.card.reset();
        if (card) card->powerOff();  // removal loses the security state (spec §3)
        ++r.counter;
        changed();
        return card;
    }
    // Sends an APDU to the card as another process would (e.g. selecting another applet).
    apdu::Bytes foreignApdu(const std::string& name, const apdu::Bytes& command) {
        std::lock_guard<std::mutex> lock(mutex);
        return find(name).card->process(command);
    }
    std::size_t apduCount() const { return apdus.load(); }

    Reader& find(const std::string& name) {
        for (auto& r : readers)
            if (r.name == name) return r;
        throw std::runtime_error("no reader " + name);
    }
    void changed() {
        ++generation;
        cv.notify_all();
    }

    std::mutex mutex;
    std::condition_variable cv;
    std::vector<Reader> readers;
    std::uint64_t generation = 0;
    std::atomic<std::size_t> apdus{0};
    std::atomic<std::size_t> transactions{0};
    bool trace = false;                 // record APDUs (secrets included: tests only)
    // Live transports per reader, and PC/SC clients of other processes a test pretends are
    // connected (SimReaderProvider::cardInUse, like pcscd's SCARD_STATE_INUSE).
    std::map<std::string, int> handles;
    int otherClients = 0;
    // "Another process holds a PC/SC transaction": beginTransaction waits while it is true.
    void holdForeignTransaction(bool hold) {
        std::lock_guard<std::mutex> lock(mutex);
        foreignTransaction = hold;
        cv.notify_all();
    }
    bool foreignTransaction = false;
    int waitingTransactions = 0;
    // Fault injection: a non-empty answer replaces the card's (the card never sees the command).
    std::function<std::optional<apdu::Bytes>(const apdu::Bytes&)> intercept;
    std::vector<std::string> traceLog;
};

class SimCardTransport : public apdu::Transport {
public:
    SimCardTransport(std::shared_ptr<SimWorld> world, std::string reader, std::uint32_t counter,
                     std::shared_ptr<sim::SimCard> card)
        : world_(std::move(world)), reader_(std::move(reader)), counter_(counter),
          card_(std::move(card)) {
        ++world_->handles[reader_];  // constructed by SimReaderProvider::connect, world lock held
    }
    ~SimCardTransport() override {
        std::lock_guard<std::mutex> lock(world_->mutex);
        --world_->handles[reader_];
    }

    apdu::Bytes transmit(const apdu::Bytes& command) override {
        std::lock_guard<std::mutex> lock(world_->mutex);
        check();
        ++world_->apdus;
        if (world_->intercept)
            if (std::optional<apdu::Bytes> answer = world_->intercept(command)) return *answer;
        apdu::Bytes response = card_->process(command);
        if (world_->trace)
            world_->traceLog.push_back(apdu::toHex(command, true) + " -> " +
                                       apdu::toHex(response, true).substr(0, 60));
        return response;
    }
    apdu::Bytes atr() const override { return card_->atr(); }
    std::string readerName() const override { return reader_; }
    void beginTransaction() override {
        std::unique_lock<std::mutex> lock(world_->mutex);
        // Like SCardBeginTransaction while another process holds one: wait until it ends.
        ++world_->waitingTransactions;
        world_->cv.wait(lock, [this] { return !world_->foreignTransaction; });
        --world_->waitingTransactions;
        check();
        ++world_->transactions;
    }
    void endTransaction() override {}

private:
    // Like pcsc-lite: a handle to a removed or swapped card fails with "card removed".
    void check() {
        SimWorld::Reader* r = nullptr;
        for (auto& x : world_->readers)
            if (x.name == reader_) r = &x;
        if (!r) throw TransportError(TransportError::Kind::NoReader, "reader gone");
        if (!r->card || r->counter != counter_)
            throw TransportError(TransportError::Kind::CardRemoved, "card removed");
    }

    std::shared_ptr<SimWorld> world_;
    std::string reader_;
    std::uint32_t counter_;
    std::shared_ptr<sim::SimCard> card_;
};

class SimReaderProvider : public p11::ReaderProvider {
public:
    explicit SimReaderProvider(std::shared_ptr<SimWorld> world) : world_(std::move(world)) {
        std::lock_guard<std::mutex> lock(world_->mutex);
        seen_ = world_->generation;
    }

    std::vector<p11::ReaderInfo> readers() override {
        std::lock_guard<std::mutex> lock(world_->mutex);
        std::vector<p11::ReaderInfo> out;
        for (const auto& r : world_->readers)
            out.push_back(p11::ReaderInfo{r.name, r.card != nullptr, r.counter});
        return out;
    }
    std::unique_ptr<apdu::Transport> connect(const std::string& name) override {
        std::lock_guard<std::mutex> lock(world_->mutex);
        auto& r = world_->find(name);
        if (!r.card) throw TransportError(TransportError::Kind::NoCard, "no card");
        return std::make_unique<SimCardTransport>(world_, name, r.counter, r.card);
    }
    std::optional<bool> cardInUse(const std::string& reader) override {
        std::lock_guard<std::mutex> lock(world_->mutex);
        return world_->handles[reader] + world_->otherClients > 0;
    }
    bool waitForChange(int timeoutMs) override {
        std::unique_lock<std::mutex> lock(world_->mutex);
        std::uint64_t seen = seen_;
        bool changed = world_->cv.wait_for(lock, std::chrono::milliseconds(timeoutMs), [&] {
            return cancelled_ || world_->generation != seen;
        });
        seen_ = world_->generation;
        return changed && !cancelled_;
    }
    void cancel() override {
        std::lock_guard<std::mutex> lock(world_->mutex);
        cancelled_ = true;
        world_->cv.notify_all();
    }

private:
    std::shared_ptr<SimWorld> world_;
    std::uint64_t seen_ = 0;
    bool cancelled_ = false;
};

// A Transport that forwards everything to another one: tests derive from it to run code around
// the card's side of each exchange (another thread, another OpenSSL library context).
class ForwardingTransport : public apdu::Transport {
public:
    explicit ForwardingTransport(std::unique_ptr<apdu::Transport> inner) : inner_(std::move(inner)) {}
    apdu::Bytes transmit(const apdu::Bytes& command) override { return inner_->transmit(command); }
    apdu::Bytes atr() const override { return inner_->atr(); }
    std::string readerName() const override { return inner_->readerName(); }
    void beginTransaction() override { inner_->beginTransaction(); }
    void endTransaction() override { inner_->endTransaction(); }
    void release() override { inner_->release(); }

protected:
    std::unique_ptr<apdu::Transport> inner_;
};

// SimReaderProvider whose connections go through a Wrapper (a ForwardingTransport subclass).
template <typename Wrapper>
class WrappedSimReaderProvider : public p11::ReaderProvider {
public:
    explicit WrappedSimReaderProvider(std::shared_ptr<SimWorld> world) : inner_(std::move(world)) {}
    std::vector<p11::ReaderInfo> readers() override { return inner_.readers(); }
    std::unique_ptr<apdu::Transport> connect(const std::string& reader) override {
        return std::make_unique<Wrapper>(inner_.connect(reader));
    }
    bool waitForChange(int timeoutMs) override { return inner_.waitForChange(timeoutMs); }
    void cancel() override { inner_.cancel(); }
    std::optional<bool> cardInUse(const std::string& reader) override {
        return inner_.cardInUse(reader);
    }

private:
    SimReaderProvider inner_;
};

// Registers the simulator-backed provider and the production JPKI CardAccess.
inline void useSimulator(const std::shared_ptr<SimWorld>& world) {
    p11::setHooks({[world] { return std::make_unique<SimReaderProvider>(world); },
                   &p11::makeJpkiCardAccess});
}

}  // namespace mynacard::p11test
