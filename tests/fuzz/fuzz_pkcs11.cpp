// fuzz_pkcs11: the PKCS#11 module (mynacard_p11_core + the JPKI card access) through its
// CK_FUNCTION_LIST, with fuzzed call sequences and arguments, and behind it either the
// simulator (flags bit 0: deep, successful paths — login, sign) or a fuzzed card whose answers
// come from the same input (FuzzedCardTransport). Card removal/insertion is one of the calls.
//
// Every output buffer is allocated with exactly the length the call is told, so ASan reports
// any write beyond it. Invariants: the module never crashes, never throws across the ABI (an
// exception escaping would abort the run), and a C_Login with the wrong PIN on the simulator
// spends exactly one try while no other call spends any (spec §9, issue 8 "never lose a try").
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>
#include <utility>
#include <vector>

#include "apdu/errors.h"
#include "cardsim/card_data.h"
#include "cardsim/profile.h"
#include "cardsim/sim_card.h"
#include "cardsim/sim_transport.h"
#include "pkcs11/jpki_card_access.h"
#include "pkcs11/module.h"
#include "pkcs11/p11.h"
#include "tests/fuzz/fuzz_input.h"

using namespace mynacard;
using mynacard::fuzz::FuzzedCardTransport;
using mynacard::fuzz::FuzzInput;
using mynacard::fuzz::invariantFailed;

namespace {

const char* kReader = "Fuzz Reader 0";

// Per-input world, reached by the provider the module builds in C_Initialize.
struct World {
    FuzzInput* input = nullptr;
    bool simulated = false;
    sim::SimCard* card = nullptr;
    bool present = true;
    std::uint32_t counter = 0;
};
World gWorld;

// The card behind the module (the simulator or the fuzzed card), pulled out while
// gWorld.present is false.
template <typename Inner>
class RemovableTransport : public apdu::Transport {
  public:
    template <typename... Args>
    explicit RemovableTransport(Args&&... args) : t_(std::forward<Args>(args)...) {}
    apdu::Bytes transmit(const apdu::Bytes& c) override {
        if (!gWorld.present) throw TransportError(TransportError::Kind::CardRemoved, "removed");
        return t_.transmit(c);
    }
    apdu::Bytes atr() const override { return t_.atr(); }
    std::string readerName() const override { return kReader; }
    void beginTransaction() override {}
    void endTransaction() override {}

  private:
    Inner t_;
};

class FuzzProvider : public p11::ReaderProvider {
  public:
    std::vector<p11::ReaderInfo> readers() override {
        return {p11::ReaderInfo{kReader, gWorld.present, gWorld.counter}};
    }
    std::unique_ptr<apdu::Transport> connect(const std::string& reader) override {
        if (reader != kReader || !gWorld.present)
            throw TransportError(TransportError::Kind::NoCard, "no card");
        if (gWorld.simulated) return std::make_unique<RemovableTransport<sim::SimTransport>>(*gWorld.card);
        return std::make_unique<RemovableTransport<FuzzedCardTransport>>(*gWorld.input, false);
    }
    bool waitForChange(int) override { return false; }
    void cancel() override {}
};

const sim::CardData& cardData() {
    static const sim::CardData data = sim::buildCardData(sim::defaultProfile());
    return data;
}

struct Caller {
    CK_FUNCTION_LIST_PTR f;
    FuzzInput& in;
    std::vector<CK_SESSION_HANDLE> sessions;
    std::vector<CK_OBJECT_HANDLE> objects;
    int lastOp = -1;  // the last step's operation (5 = C_Login, 18 = C_SetPIN)

    CK_SLOT_ID slot() { return in.byte() % 10; }
    CK_SESSION_HANDLE session() {
        std::uint8_t b = in.byte();
        if (b >= 0xF0 || sessions.empty()) return b;
        return sessions[b % sessions.size()];
    }
    CK_OBJECT_HANDLE object() {
        std::uint8_t b = in.byte();
        if (b >= 0xF0 || objects.empty()) return b;
        return objects[b % objects.size()];
    }
    CK_ULONG length() {  // an output buffer length: small, exact-ish, or null (0xFF)
        return in.byte();
    }
    // A PIN: the simulator's right ones, or fuzzed bytes.
    std::vector<CK_UTF8CHAR> pin() {
        switch (in.byte() % 4) {
            case 0: return {'1', '2', '3', '4'};
            case 1: return {'A', 'B', 'C', '1', '2', '3'};
            case 2: return {'a', 'b', 'c', '1', '2', '3'};
            default: {
                apdu::Bytes b = in.take(in.byte() % 20);
                return {b.begin(), b.end()};
            }
        }
    }
    CK_MECHANISM_TYPE mechanism() {
        static const CK_MECHANISM_TYPE m[] = {CKM_RSA_PKCS,        CKM_SHA256_RSA_PKCS,
                                              CKM_SHA1_RSA_PKCS,   CKM_SHA384_RSA_PKCS,
                                              CKM_SHA512_RSA_PKCS, CKM_SHA224_RSA_PKCS,
                                              CKM_SHA256,          CKM_RSA_PKCS_PSS,
                                              CKM_SHA_1};
        std::uint8_t b = in.byte();
        return b < 0xF0 ? m[b % std::size(m)] : CKM_VENDOR_DEFINED | b;
    }

    void getAttributes(CK_SESSION_HANDLE h) {
        static const CK_ATTRIBUTE_TYPE types[] = {
            CKA_CLASS, CKA_TOKEN, CKA_PRIVATE, CKA_LABEL, CKA_ID, CKA_VALUE, CKA_MODULUS,
            CKA_PUBLIC_EXPONENT, CKA_KEY_TYPE, CKA_SIGN, CKA_SUBJECT, CKA_ISSUER,
            CKA_SERIAL_NUMBER, CKA_CERTIFICATE_TYPE, CKA_PRIVATE_EXPONENT, CKA_ALWAYS_AUTHENTICATE};
        const CK_OBJECT_HANDLE obj = object();
        const std::size_t n = in.byte() % 5;
        std::vector<CK_ATTRIBUTE> tmpl(n);
        std::vector<std::vector<std::uint8_t>> buffers(n);
        for (std::size_t i = 0; i < n; ++i) {
            std::uint8_t t = in.byte();
            tmpl[i].type = t < 0xF0 ? types[t % std::size(types)] : CKA_VENDOR_DEFINED | t;
            CK_ULONG len = length();
            if (len == 0xFF) {
                tmpl[i].pValue = nullptr;
                tmpl[i].ulValueLen = 0;
            } else {
                buffers[i].resize(len == 0xFE ? 4096 : len);
                tmpl[i].pValue = buffers[i].empty() ? nullptr : buffers[i].data();
                tmpl[i].ulValueLen = buffers[i].size();
            }
        }
        CK_RV rv = f->C_GetAttributeValue(h, obj, n ? tmpl.data() : nullptr, n);
        if (rv == CKR_OK)
            for (std::size_t i = 0; i < n; ++i)
                if (tmpl[i].pValue && tmpl[i].ulValueLen != CK_UNAVAILABLE_INFORMATION &&
                    tmpl[i].ulValueLen > buffers[i].size())
                    invariantFailed("C_GetAttributeValue reported more than the buffer holds");
    }

    void step() {
        const std::uint8_t op = in.byte();
        lastOp = op % 21;
        switch (lastOp) {
            case 0: {
                CK_ULONG count = in.byte() % 12;
                std::vector<CK_SLOT_ID> list(count);
                (void)f->C_GetSlotList(in.byte() & 1, count ? list.data() : nullptr, &count);
                break;
            }
            case 1: {
                CK_SLOT_INFO info;
                (void)f->C_GetSlotInfo(slot(), &info);
                break;
            }
            case 2: {
                CK_TOKEN_INFO info;
                (void)f->C_GetTokenInfo(slot(), &info);
                break;
            }
            case 3: {
                CK_SESSION_HANDLE h = 0;
                CK_FLAGS flags = (in.byte() & 1) ? CKF_SERIAL_SESSION | CKF_RW_SESSION : CKF_SERIAL_SESSION;
                if (f->C_OpenSession(slot(), flags, nullptr, nullptr, &h) == CKR_OK) sessions.push_back(h);
                break;
            }
            case 4: (void)f->C_CloseSession(session()); break;
            case 5: {
                CK_SESSION_HANDLE h = session();
                CK_USER_TYPE user = in.byte() % 3;
                std::vector<CK_UTF8CHAR> p = pin();
                (void)f->C_Login(h, user, p.empty() ? nullptr : p.data(), p.size());
                break;
            }
            case 6: (void)f->C_Logout(session()); break;
            case 7: {
                CK_SESSION_HANDLE h = session();
                CK_OBJECT_CLASS cls = in.byte() % 5;
                CK_ATTRIBUTE tmpl{CKA_CLASS, &cls, sizeof cls};
                const bool withTemplate = in.byte() & 1;
                if (f->C_FindObjectsInit(h, withTemplate ? &tmpl : nullptr, withTemplate) != CKR_OK) break;
                CK_OBJECT_HANDLE found[8];
                CK_ULONG count = 0;
                CK_ULONG max = in.byte() % 9;
                if (f->C_FindObjects(h, found, max, &count) == CKR_OK) {
                    if (count > max) invariantFailed("C_FindObjects returned more than asked");
                    objects.insert(objects.end(), found, found + count);
                }
                (void)f->C_FindObjectsFinal(h);
                break;
            }
            case 8: getAttributes(session()); break;
            case 9: {
                CK_MECHANISM m{mechanism(), nullptr, 0};
                CK_SESSION_HANDLE h = session();
                const bool nullMechanism = in.byte() & 0x80;
                const CK_OBJECT_HANDLE key = object();
                (void)f->C_SignInit(h, nullMechanism ? nullptr : &m, key);
                break;
            }
            case 10: {
                CK_SESSION_HANDLE h = session();
                apdu::Bytes data = in.take(in.byte());
                CK_ULONG len = length() * 2;  // 0..510: around k = 256
                std::vector<CK_BYTE> sig(len);
                CK_ULONG sigLen = len;
                const bool nullSig = in.byte() & 1;
                CK_RV rv = f->C_Sign(h, data.empty() ? nullptr : data.data(), data.size(),
                                     nullSig ? nullptr : sig.data(), &sigLen);
                // An empty vector's data() may be null: then the call was a length query.
                if (rv == CKR_OK && !nullSig && sig.data() != nullptr && sigLen > len)
                    invariantFailed("C_Sign wrote more than the buffer holds");
                break;
            }
            case 11: {
                apdu::Bytes data = in.take(in.byte());
                (void)f->C_SignUpdate(session(), data.empty() ? nullptr : data.data(), data.size());
                break;
            }
            case 12: {
                CK_ULONG len = length() * 2;
                std::vector<CK_BYTE> sig(len);
                CK_ULONG sigLen = len;
                (void)f->C_SignFinal(session(), sig.data(), &sigLen);
                break;
            }
            case 13: {
                CK_SESSION_HANDLE h = session();
                CK_MECHANISM m{mechanism(), nullptr, 0};
                if (f->C_DigestInit(h, &m) != CKR_OK) break;
                apdu::Bytes data = in.take(in.byte());
                CK_ULONG len = length();
                std::vector<CK_BYTE> out(len);
                (void)f->C_Digest(h, data.data(), data.size(), len ? out.data() : nullptr, &len);
                break;
            }
            case 14: {
                CK_ULONG count = in.byte() % 12;
                std::vector<CK_MECHANISM_TYPE> list(count);
                CK_SLOT_ID s = slot();
                (void)f->C_GetMechanismList(s, count ? list.data() : nullptr, &count);
                CK_MECHANISM_INFO info;
                (void)f->C_GetMechanismInfo(s, mechanism(), &info);
                break;
            }
            case 15: {
                CK_SESSION_INFO info;
                (void)f->C_GetSessionInfo(session(), &info);
                break;
            }
            case 16: {
                CK_SLOT_ID s = 0;
                (void)f->C_WaitForSlotEvent(CKF_DONT_BLOCK, &s, nullptr);
                break;
            }
            case 17:  // card removed / inserted (or swapped: the counter changes either way)
                gWorld.present = !gWorld.present;
                ++gWorld.counter;
                if (gWorld.card) {
                    if (gWorld.present) gWorld.card->powerOn();
                    else gWorld.card->powerOff();
                }
                break;
            case 18: {
                std::vector<CK_UTF8CHAR> a = pin(), b = pin();
                (void)f->C_SetPIN(session(), a.empty() ? nullptr : a.data(), a.size(),
                                  b.empty() ? nullptr : b.data(), b.size());
                break;
            }
            case 19: {
                CK_ULONG len = in.byte();
                std::vector<CK_BYTE> out(len);
                (void)f->C_GenerateRandom(session(), len ? out.data() : nullptr, len);
                break;
            }
            case 20: (void)f->C_CloseAllSessions(slot()); break;
        }
    }
};

// Counters of the two JPKI secrets on the simulated card (spec §4.5).
int tries(sim::SimCard& card, std::uint16_t ef) { return card.triesLeft(sim::AppletId::Jpki, ef); }

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
    (void)cardData();
    p11::setHooks({[] { return std::unique_ptr<p11::ReaderProvider>(new FuzzProvider()); },
                   &p11::makeJpkiCardAccess});
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    FuzzInput in(data, size);
    const std::uint8_t flags = in.byte();
    std::unique_ptr<sim::SimCard> card;
    gWorld = World{};
    gWorld.input = &in;
    gWorld.simulated = flags & 1;
    if (gWorld.simulated) {
        card = std::make_unique<sim::SimCard>(sim::defaultProfile(), cardData());
        gWorld.card = card.get();
    }
    CK_FUNCTION_LIST_PTR f = nullptr;
    if (C_GetFunctionList(&f) != CKR_OK || !f) invariantFailed("C_GetFunctionList");
    if (f->C_Initialize(nullptr) != CKR_OK) invariantFailed("C_Initialize failed");
    Caller caller{f, in, {}, {}, -1};
    for (int i = 0; i < 48 && !in.empty(); ++i) {
        const int authBefore = card ? tries(*card, 0x0018) : 0;
        const int signBefore = card ? tries(*card, 0x001B) : 0;
        caller.step();
        if (card) {
            // At most one try per call, and only a call that sends a secret (C_Login, C_SetPIN)
            // may spend it: any other drop means a try was lost to a fault or a replay.
            const int authSpent = authBefore - tries(*card, 0x0018);
            const int signSpent = signBefore - tries(*card, 0x001B);
            if (authSpent > 1 || signSpent > 1) invariantFailed("one call spent two tries");
            if ((authSpent > 0 || signSpent > 0) && caller.lastOp != 5 && caller.lastOp != 18)
                invariantFailed("a call that sends no secret spent a try");
        }
    }
    f->C_Finalize(nullptr);
    gWorld = World{};
    return 0;
}
