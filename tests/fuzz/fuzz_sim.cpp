// fuzz_sim: the simulator's APDU dispatcher (mynacard::sim::SimCard::process, cardsim/sim_card.h)
// against fuzzed command sequences. Input: one variant byte, then command APDUs as
// length-prefixed chunks (FuzzInput::chunk); an empty chunk is a warm reset.
//
// Each input starts from a fresh card (shared, pre-built CardData per variant), so a finding
// reproduces from its input alone. Invariants: process() never throws and always answers at
// least SW1 SW2; retry counters stay within 0..initial (spec §9: nothing but a wrong secret
// spends a try, nothing but a right one restores it).
#include <cstddef>
#include <cstdint>
#include <map>
#include <string>

#include "apdu/bytes.h"
#include "cardsim/card_data.h"
#include "cardsim/profile.h"
#include "cardsim/sim_card.h"
#include "tests/fuzz/fuzz_input.h"

using namespace mynacard;
using mynacard::fuzz::FuzzInput;
using mynacard::fuzz::invariantFailed;

namespace {

sim::Profile variantProfile(std::uint8_t v) {
    sim::Profile p = sim::defaultProfile();
    switch (v % 9) {
        case 1: p.variants.t0Style = true; break;
        case 2: p.variants.rejectExtended = true; break;
        case 3: p.variants.maxReadBinary = 100; break;
        case 4: p.variants.emptyVerifyAfterSuccessOk = true; break;
        case 5: p.variants.blockedAnswers6983 = true; break;
        case 6: p.variants.noSignatureCertificate = true; break;
        case 7: p.variants.token = "smartphone"; break;
        case 8: p.variants.token = "juki"; break;
        default: break;
    }
    return p;
}

// Building card data (keys, certificates, images) is slow: once per distinct data shape.
const sim::CardData& cardData(const sim::Profile& p) {
    static std::map<std::string, sim::CardData> cache;
    const std::string key = p.variants.token + (p.variants.noSignatureCertificate ? "/nosig" : "");
    auto it = cache.find(key);
    if (it == cache.end()) it = cache.emplace(key, sim::buildCardData(p)).first;
    return it->second;
}

struct Counter {
    sim::AppletId applet;
    std::uint16_t ef;
};
// spec §4/§5/§6/§7 key references with retry counters.
const Counter kCounters[] = {
    {sim::AppletId::Jpki, 0x0018},     {sim::AppletId::Jpki, 0x001B},
    {sim::AppletId::TextAssist, 0x0011}, {sim::AppletId::CardFace, 0x0013},
    {sim::AppletId::Resident, 0x001C},
};

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
    for (std::uint8_t v = 0; v < 9; ++v) (void)cardData(variantProfile(v));
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    FuzzInput in(data, size);
    const sim::Profile profile = variantProfile(in.byte());
    sim::SimCard card(profile, cardData(profile));

    int initial[std::size(kCounters)];
    for (std::size_t i = 0; i < std::size(kCounters); ++i)
        initial[i] = card.triesLeft(kCounters[i].applet, kCounters[i].ef);

    for (int n = 0; n < 64 && !in.empty(); ++n) {
        apdu::Bytes command = in.chunk();
        if (command.empty()) {
            card.reset();
            continue;
        }
        apdu::Bytes response;
        try {
            response = card.process(command);
        } catch (...) {
            invariantFailed("SimCard::process threw");
        }
        if (response.size() < 2) invariantFailed("response without a status word");
        for (std::size_t i = 0; i < std::size(kCounters); ++i) {
            const int t = card.triesLeft(kCounters[i].applet, kCounters[i].ef);
            if (t > initial[i] || (initial[i] >= 0 && t < 0))
                invariantFailed("a retry counter left its range");
        }
    }
    return 0;
}
