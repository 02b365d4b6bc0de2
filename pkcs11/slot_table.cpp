// Readers → slot pairs, card identification, removal/swap detection and slot events.
#include <algorithm>
#include <chrono>
#include <exception>
#include <thread>

#include "apdu/errors.h"
#include "pkcs11/log.h"
#include "pkcs11/module.h"
#include "pkcs11/on_demand_transport.h"

namespace mynacard::p11 {
namespace {

void queueEvents(State& s, std::size_t pair) {
    // Issue 5: an insertion or removal queues an event for each of the reader's two slots.
    for (CK_SLOT_ID slot : {static_cast<CK_SLOT_ID>(2 * pair), static_cast<CK_SLOT_ID>(2 * pair + 1)})
        if (std::find(s.events.begin(), s.events.end(), slot) == s.events.end())
            s.events.push_back(slot);
}

void clearPair(State& s, SlotPair& p) {
    if (p.card) dropCard(s, p.card);
    p.card.reset();
    p.identified = false;
    // An identification still running for the old insertion is not published (identifyPair).
    if (p.identifying) {
        p.identifying = false;
        ++p.identifyTicket;
        s.identifiedCv.notify_all();
    }
}

bool isRemoval(const TransportError& e) {
    switch (e.kind()) {
        case TransportError::Kind::CardRemoved:
        case TransportError::Kind::NoCard:
        case TransportError::Kind::NoReader:
        case TransportError::Kind::CardReset:  // security state lost: a new card session
        // pcscd stopped mid-operation: the card handle died with it, and with it the card
        // session (a restarted pcscd powers the card up afresh, so no PIN stays verified).
        case TransportError::Kind::NoService:
            return true;
        default:
            return false;
    }
}

// Connects and identifies a newly inserted card in one transaction, without the module lock
// (the transaction may wait for another process's, issue 13 defect 6). Returns the card when it
// is a My Number Card; `settled` is false when identification should be tried again later (a
// transport error: the card may have been half inserted).
std::shared_ptr<Card> identifyCard(State& s, const std::string& reader, bool& settled) {
    settled = false;
    try {
        auto card = std::make_shared<Card>();
        card->reader = reader;
        ReaderProvider* provider = s.provider.get();  // outlives every card (State member order)
        card->access = s.makeCard(std::make_unique<OnDemandTransport>(
            [provider, reader] { return provider->connect(reader); }, reader));
        card->access->beginTransaction();
        try {
            card->identity = card->access->identify();
        } catch (...) {
            card->access->endTransaction();
            card->access->releaseHandle();
            throw;
        }
        card->access->endTransaction();
        card->access->releaseHandle();  // nothing is logged in: hold no handle (issue 13)
        settled = true;
        for (int k = 0; k < 2; ++k) {
            int t = card->identity.triesLeft[k];
            if (t == CardIdentity::kNotRead) continue;
            if (t == CardAccess::kNoSuchSecret) {
                if (k == 1) card->noSignatureKey = true;  // under-15 card: no signature token
                t = -1;
            }
            card->tries[k] = t;
            card->triesAt[k] = nowMs();
        }
        P11_LOG("reader '" + reader + "': " + card->identity.description);
        if (card->identity.myNumberCard) return card;
    } catch (const TransportError& e) {
        P11_LOG("reader '" + reader + "': identification failed: " + e.what());
    } catch (const Error& e) {
        settled = true;  // the card answers but not like a My Number Card: ignore it
        P11_LOG("reader '" + reader + "': not a usable card: " + e.what());
    }
    return nullptr;
}

// Identifies the pair's card once per insertion, with the module lock released meanwhile;
// threads asking for the same pair meanwhile wait for that one identification.
void identifyPair(State& s, std::unique_lock<std::mutex>& lock, SlotPair& p) {
    if (p.identifying) {
        s.identifiedCv.wait(lock, [&] { return !p.identifying || s.finalized; });
        return;
    }
    p.identifying = true;
    const std::uint64_t ticket = ++p.identifyTicket;
    const std::string reader = p.reader;
    const std::uint32_t counter = p.eventCounter;
    bool settled = false;
    std::shared_ptr<Card> card;
    lock.unlock();
    try {
        card = identifyCard(s, reader, settled);
    } catch (...) {
        settled = false;  // std::bad_alloc and the like: try again next time
    }
    lock.lock();
    if (p.identifyTicket != ticket) return;  // the pair was recycled meanwhile
    p.identifying = false;
    s.identifiedCv.notify_all();
    // Published only if it is still the same insertion (a removal or swap meanwhile: the next
    // call identifies the new card).
    if (p.reader == reader && p.present && p.eventCounter == counter && !s.finalized) {
        p.identified = settled;
        p.card = std::move(card);
    }
}

}  // namespace

void dropCard(State& s, std::shared_ptr<Card> card) {  // by value: callers pass pair.card
    card->gone = true;
    for (auto it = s.sessions.begin(); it != s.sessions.end();) {
        if (it->second->card == card)
            it = s.sessions.erase(it);
        else
            ++it;
    }
    for (auto& p : s.pairs)
        if (p.card == card) {
            p.card.reset();
            p.identified = false;
        }
}

void refreshSlots(State& s, bool initial) {
    std::vector<ReaderInfo> infos;
    std::exception_ptr serviceDown;
    try {
        infos = s.provider->readers();
    } catch (const TransportError& e) {
        if (e.kind() != TransportError::Kind::NoService) throw;
        // pcscd is gone: every card handle went with it, so its readers count as detached (their
        // sessions close, their slots queue events). The error still reaches the caller, which
        // must not wait on a provider that is down (C_WaitForSlotEvent sleeps instead).
        serviceDown = std::current_exception();
    }
    for (std::size_t i = 0; i < kSlotPairs; ++i) {
        SlotPair& p = s.pairs[i];
        if (p.reader.empty()) continue;
        bool attached = std::any_of(infos.begin(), infos.end(),
                                    [&](const ReaderInfo& r) { return r.name == p.reader; });
        if (!attached) {
            if (p.present && !initial) queueEvents(s, i);
            clearPair(s, p);
            const std::uint64_t ticket = p.identifyTicket;
            p = SlotPair{};  // the pair becomes spare again
            p.identifyTicket = ticket;  // tickets only grow: a late identification never lands
        }
    }
    for (const ReaderInfo& info : infos) {
        auto it = std::find_if(s.pairs.begin(), s.pairs.end(),
                               [&](const SlotPair& p) { return p.reader == info.name; });
        if (it == s.pairs.end()) {
            it = std::find_if(s.pairs.begin(), s.pairs.end(),
                              [](const SlotPair& p) { return p.reader.empty(); });
            if (it == s.pairs.end()) {
                P11_LOG("no spare slot for reader '" + info.name + "'");
                continue;
            }
            it->reader = info.name;
        }
        SlotPair& p = *it;
        bool changed = info.cardPresent != p.present ||
                       (info.cardPresent && info.eventCounter != p.eventCounter);
        if (changed) {
            // Removal, insertion or a swap between two calls (pcsc-lite's event counter moved):
            // the old card's sessions are closed and the new card is identified when needed.
            clearPair(s, p);
            p.present = info.cardPresent;
            if (!initial) queueEvents(s, static_cast<std::size_t>(it - s.pairs.begin()));
            P11_LOG("reader '" + p.reader + "': card " + (p.present ? "present" : "absent"));
        }
        p.eventCounter = info.eventCounter;
    }
    if (serviceDown) std::rethrow_exception(serviceDown);
}

std::shared_ptr<Card> tokenCard(State& s, std::unique_lock<std::mutex>& lock, CK_SLOT_ID slot) {
    if (slot >= 2 * kSlotPairs) fail(CKR_SLOT_ID_INVALID);
    SlotPair& p = s.pairs[slot / 2];
    if (p.reader.empty() || !p.present) return nullptr;
    if (!p.identified) identifyPair(s, lock, p);
    if (p.reader.empty() || !p.present || !p.card) return nullptr;
    if (slot % 2 == 1 && (p.card->noSignatureKey || !s.signatureToken)) return nullptr;
    return p.card;
}

void withCard(State& s, const std::shared_ptr<Card>& cardPtr, const std::function<void()>& op) {
    Card& card = *cardPtr;
    std::unique_lock<std::mutex> lock(card.mutex);
    if (card.gone) fail(CKR_DEVICE_REMOVED);
    // The PC/SC handle is held between operations only while a token of the card is logged in
    // (issue 13): the card's unlocked state must not be lost to an unnoticed reset then.
    auto releaseIfIdle = [&card] {
        if (!card.loggedIn[0] && !card.loggedIn[1]) card.access->releaseHandle();
    };
    try {
        card.access->beginTransaction();
        try {
            op();
        } catch (...) {
            card.access->endTransaction();
            releaseIfIdle();
            throw;
        }
        card.access->endTransaction();
        releaseIfIdle();
    } catch (const TransportError& e) {
        if (!isRemoval(e)) throw;
        P11_LOG("reader '" + card.reader + "': card gone: " + e.what());
        std::lock_guard<std::mutex> moduleLock(s.mutex);  // order: card → module
        dropCard(s, cardPtr);
        fail(CKR_DEVICE_REMOVED);
    }
}

CK_RV getSlotList(CK_BBOOL tokenPresent, CK_SLOT_ID_PTR list, CK_ULONG_PTR count) {
    auto s = current();
    if (!count) return CKR_ARGUMENTS_BAD;
    std::unique_lock<std::mutex> lock(s->mutex);
    try {
        refreshSlots(*s);
    } catch (const TransportError& e) {
        P11_LOG(std::string("C_GetSlotList: ") + e.what());
    }
    std::vector<CK_SLOT_ID> ids;
    for (CK_SLOT_ID slot = 0; slot < 2 * kSlotPairs; ++slot)
        if (!tokenPresent || tokenCard(*s, lock, slot)) ids.push_back(slot);
    return returnList(ids, list, count);
}

CK_RV getSlotInfo(CK_SLOT_ID slot, CK_SLOT_INFO_PTR info) {
    auto s = current();
    if (!info) return CKR_ARGUMENTS_BAD;
    std::unique_lock<std::mutex> lock(s->mutex);
    if (slot >= 2 * kSlotPairs) return CKR_SLOT_ID_INVALID;
    try {
        refreshSlots(*s);
    } catch (const TransportError& e) {
        P11_LOG(std::string("C_GetSlotInfo: ") + e.what());
    }
    const SlotPair& p = s->pairs[slot / 2];
    *info = CK_SLOT_INFO{};
    std::string kind = slot % 2 == 0 ? " (JPKI auth)" : " (JPKI sign)";
    std::string description = p.reader.empty() ? "mynacard spare slot" + kind : p.reader;
    if (!p.reader.empty() && description.size() + kind.size() <= 64) description += kind;
    padText(info->slotDescription, sizeof info->slotDescription, description);
    padText(info->manufacturerID, sizeof info->manufacturerID, "mynacard project");
    info->flags = CKF_REMOVABLE_DEVICE | CKF_HW_SLOT;
    if (tokenCard(*s, lock, slot)) info->flags |= CKF_TOKEN_PRESENT;
    info->hardwareVersion = {0, 1};
    info->firmwareVersion = {0, 1};
    return CKR_OK;
}

CK_RV waitForSlotEvent(CK_FLAGS flags, CK_SLOT_ID_PTR slot, CK_VOID_PTR reserved) {
    auto s = current();
    if (!slot || reserved) return CKR_ARGUMENTS_BAD;
    struct Waiter {
        State& s;
        explicit Waiter(State& st) : s(st) { ++s.waiters; }
        ~Waiter() { --s.waiters; }
    } waiter(*s);
    for (;;) {
        bool providerDown = false;
        {
            std::lock_guard<std::mutex> lock(s->mutex);
            if (s->finalized) return CKR_CRYPTOKI_NOT_INITIALIZED;
            try {
                refreshSlots(*s);
            } catch (const TransportError& e) {
                providerDown = true;
                P11_LOG(std::string("C_WaitForSlotEvent: ") + e.what());
            }
            if (!s->events.empty()) {
                *slot = s->events.front();
                s->events.pop_front();
                return CKR_OK;
            }
        }
        if (flags & CKF_DONT_BLOCK) return CKR_NO_EVENT;
        // Bounded waits so that C_Finalize is noticed even if its cancel() raced with us.
        try {
            if (providerDown)
                std::this_thread::sleep_for(std::chrono::milliseconds(200));
            else
                s->provider->waitForChange(500);
        } catch (const TransportError& e) {
            std::this_thread::sleep_for(std::chrono::milliseconds(200));
        }
        if (s->finalized) return CKR_CRYPTOKI_NOT_INITIALIZED;
    }
}

}  // namespace mynacard::p11
