// ReaderState decoding of pcsc-lite's dwEventState (no pcscd needed).
#include <winscard.h>

#include <catch2/catch.hpp>

#include "apdu/pcsc/pcsc_context.h"

using mynacard::pcsc::ReaderState;

TEST_CASE("ReaderState decodes flags and the event counter", "[pcsc]") {
    ReaderState s("Virtual PCD 00 00");
    CHECK(s.reader == "Virtual PCD 00 00");
    CHECK(s.currentState == 0);  // SCARD_STATE_UNAWARE: the first query returns at once

    s.eventState = (7u << 16) | SCARD_STATE_PRESENT | SCARD_STATE_CHANGED;
    CHECK(s.present());
    CHECK_FALSE(s.empty());
    CHECK(s.changed());
    CHECK_FALSE(s.unavailable());
    CHECK_FALSE(s.inUseExclusively());
    CHECK(s.eventCounter() == 7);

    s.acknowledge();
    CHECK(s.currentState == s.eventState);

    s.eventState = (0xFFFFu << 16) | SCARD_STATE_EMPTY;
    CHECK(s.empty());
    CHECK_FALSE(s.present());
    CHECK(s.eventCounter() == 0xFFFF);

    for (unsigned flag : {SCARD_STATE_UNKNOWN, SCARD_STATE_UNAVAILABLE, SCARD_STATE_IGNORE}) {
        s.eventState = flag;
        CHECK(s.unavailable());
        // Only a reader pcscd does not know is gone; an unavailable one is still there.
        CHECK(s.unknownReader() == (flag != SCARD_STATE_UNAVAILABLE));
    }
    s.eventState = SCARD_STATE_PRESENT | SCARD_STATE_EXCLUSIVE;
    CHECK(s.inUseExclusively());
}
