// The pcsc provider's per-reader mapping (readerInfoFromState) from pcsc-lite reader states to
// what the slot table sees: which readers stay listed, with or without a card (issue 13, defect 8).
#include <winscard.h>

#include <catch2/catch.hpp>

#include "pkcs11/pcsc_reader_provider.h"

using mynacard::p11::readerInfoFromState;
using mynacard::pcsc::ReaderState;

namespace {
ReaderState state(std::uint32_t eventState) {
    ReaderState st("Reader 00 00");
    st.eventState = eventState;
    return st;
}
}  // namespace

TEST_CASE("a usable reader is listed with its card state and generation-tagged counter",
          "[pcsc_provider]") {
    auto info = readerInfoFromState(state((7u << 16) | SCARD_STATE_PRESENT), 2);
    REQUIRE(info);
    CHECK(info->name == "Reader 00 00");
    CHECK(info->cardPresent);
    CHECK(info->eventCounter == ((2u << 16) | 7u));

    info = readerInfoFromState(state((8u << 16) | SCARD_STATE_EMPTY), 2);
    REQUIRE(info);
    CHECK_FALSE(info->cardPresent);
}

TEST_CASE("an unavailable reader stays listed, without a card", "[pcsc_provider]") {
    // pcsc-lite replaces the whole state with UNAVAILABLE (event counter included) while the
    // reader's driver is in a bad state, and adds PRESENT when it still believes in the card.
    for (std::uint32_t raw : {std::uint32_t{SCARD_STATE_UNAVAILABLE},
                              std::uint32_t{SCARD_STATE_UNAVAILABLE | SCARD_STATE_CHANGED},
                              std::uint32_t{SCARD_STATE_UNAVAILABLE | SCARD_STATE_PRESENT}}) {
        CAPTURE(raw);
        auto info = readerInfoFromState(state(raw), 1);
        REQUIRE(info);
        CHECK(info->name == "Reader 00 00");
        CHECK_FALSE(info->cardPresent);
    }
}

TEST_CASE("a reader pcscd no longer knows is left out", "[pcsc_provider]") {
    // Unplugged between SCardListReaders and SCardGetStatusChange.
    CHECK_FALSE(readerInfoFromState(state(SCARD_STATE_UNKNOWN | SCARD_STATE_CHANGED), 1));
    CHECK_FALSE(readerInfoFromState(state(SCARD_STATE_IGNORE), 1));
}
