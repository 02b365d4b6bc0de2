// The simulated readers (SimWorld) as the pcsc provider would report them: each reader's state is
// written as pcsc-lite would write dwEventState and goes through the provider's own mapping
// (p11::readerInfoFromState), so the slot table sees what it would see over pcscd. A reader can
// also be made unavailable (pcscd lists it, its driver is in a bad state), which SimWorld cannot
// express. Single-threaded tests only: `unavailable` is not locked.
#pragma once

#include <winscard.h>

#include <memory>
#include <set>
#include <string>
#include <vector>

#include "apdu/pcsc/pcsc_context.h"
#include "pkcs11/pcsc_reader_provider.h"
#include "tests/conformance/sim_reader_provider.h"

namespace mynacard::p11test {

class PcscMappedProvider : public SimReaderProvider {
public:
    PcscMappedProvider(std::shared_ptr<SimWorld> world,
                       std::shared_ptr<const std::set<std::string>> unavailable)
        : SimReaderProvider(std::move(world)), unavailable_(std::move(unavailable)) {}

    std::vector<p11::ReaderInfo> readers() override {
        std::vector<p11::ReaderInfo> out;
        for (const p11::ReaderInfo& sim : SimReaderProvider::readers()) {
            pcsc::ReaderState st(sim.name);
            if (unavailable_->count(sim.name))
                // pcsc-lite (winscard_clnt.c) replaces the whole state, event counter included,
                // then adds PRESENT if pcscd still believes in the card.
                st.eventState = SCARD_STATE_UNAVAILABLE | (sim.cardPresent ? SCARD_STATE_PRESENT : 0);
            else
                st.eventState = (sim.eventCounter << 16) |
                                (sim.cardPresent ? SCARD_STATE_PRESENT : SCARD_STATE_EMPTY);
            if (auto info = p11::readerInfoFromState(st, 0)) out.push_back(std::move(*info));
        }
        return out;
    }

private:
    std::shared_ptr<const std::set<std::string>> unavailable_;
};

// Registers PcscMappedProvider and the production JPKI CardAccess.
inline void usePcscMapping(const std::shared_ptr<SimWorld>& world,
                           const std::shared_ptr<const std::set<std::string>>& unavailable) {
    p11::setHooks({[world, unavailable] { return std::make_unique<PcscMappedProvider>(world, unavailable); },
                   &p11::makeJpkiCardAccess});
}

}  // namespace mynacard::p11test
