// A reader that pcscd reports unavailable for a moment (issue 13, defect 8): it keeps its slot
// pair, so its slot ids never pass to another reader, and shows no token until it is back.
#include <set>
#include <string>

#include "tests/conformance/fixture.h"
#include "tests/conformance/pcsc_mapped_provider.h"

using namespace mynacard;
using namespace mynacard::p11test;

namespace {
std::string slotReader(CK_FUNCTION_LIST_PTR f, CK_SLOT_ID slot, bool* tokenPresent) {
    CK_SLOT_INFO si;
    REQUIRE(f->C_GetSlotInfo(slot, &si) == CKR_OK);
    *tokenPresent = si.flags & CKF_TOKEN_PRESENT;
    return text(si.slotDescription, sizeof si.slotDescription);
}
}  // namespace

TEST_CASE("an unavailable reader keeps its slot ids and shows no token meanwhile",
          "[slots][events][unavailable]") {
    Fixture fx(true, false);
    auto unavailable = std::make_shared<std::set<std::string>>();
    usePcscMapping(fx.world, unavailable);
    REQUIRE(fx.f->C_Initialize(nullptr) == CKR_OK);
    CK_SESSION_HANDLE h = fx.open(0);
    bool token = false;
    REQUIRE(slotReader(fx.f, 0, &token) == std::string(kReader) + " (JPKI auth)");
    REQUIRE(token);

    unavailable->insert(kReader);
    CHECK(slotReader(fx.f, 0, &token) == std::string(kReader) + " (JPKI auth)");
    CHECK_FALSE(token);
    CHECK(slotReader(fx.f, 1, &token) == std::string(kReader) + " (JPKI sign)");
    CHECK_FALSE(token);
    CK_ULONG n = 99;
    REQUIRE(fx.f->C_GetSlotList(CK_TRUE, nullptr, &n) == CKR_OK);
    CHECK(n == 0);
    // As for a removal: the card session is over (its handle does not survive the bad state).
    CK_SESSION_INFO si;
    CHECK(fx.f->C_GetSessionInfo(h, &si) == CKR_SESSION_HANDLE_INVALID);
    CHECK(drainEvents(fx.f) == std::set<CK_SLOT_ID>{0, 1});

    // A reader attached meanwhile takes a spare pair, not the unavailable reader's.
    fx.world->addReader("Sim Reader 1", defaultCard());
    CHECK(slotReader(fx.f, 2, &token) == "Sim Reader 1 (JPKI auth)");
    CHECK(token);
    CHECK(slotReader(fx.f, 0, &token) == std::string(kReader) + " (JPKI auth)");
    CHECK_FALSE(token);

    // Back: the same slots show the token again, with an event for each.
    unavailable->erase(kReader);
    CHECK(slotReader(fx.f, 0, &token) == std::string(kReader) + " (JPKI auth)");
    CHECK(token);
    std::set<CK_SLOT_ID> events = drainEvents(fx.f);
    CHECK(events.count(0) == 1);
    CHECK(events.count(1) == 1);
    CK_SESSION_HANDLE again = fx.open(0);
    CHECK(fx.f->C_GetSessionInfo(again, &si) == CKR_OK);
}
