// Slot events, card removal and re-insertion, swaps, readers attached later, C_Finalize waking a
// blocked C_WaitForSlotEvent (issue 5 acceptance).
#include <chrono>
#include <future>
#include <set>
#include <thread>

#include "tests/conformance/fixture.h"

using namespace mynacard;
using namespace mynacard::p11test;

TEST_CASE("no slot event for the card present at C_Initialize", "[events]") {
    Fixture fx;
    CK_SLOT_ID slot = 99;
    CHECK(fx.f->C_WaitForSlotEvent(CKF_DONT_BLOCK, &slot, nullptr) == CKR_NO_EVENT);
}

TEST_CASE("removal mid-session: CKR_DEVICE_REMOVED, sessions closed, re-insertion works",
          "[events][removal]") {
    Fixture fx;
    CK_SESSION_HANDLE h = fx.open(0), other = fx.open(1);
    fx.login(h, "1234");
    apdu::Bytes sig = fx.sign(h, CKM_SHA256_RSA_PKCS, {1, 2, 3});
    auto card = fx.world->remove(kReader);
    CK_MECHANISM m{CKM_SHA256_RSA_PKCS, nullptr, 0};
    CHECK(fx.f->C_SignInit(h, &m, 0x13) == CKR_DEVICE_REMOVED);
    CHECK(fx.f->C_SignInit(h, &m, 0x13) == CKR_SESSION_HANDLE_INVALID);
    CK_SESSION_INFO si;
    CHECK(fx.f->C_GetSessionInfo(other, &si) == CKR_SESSION_HANDLE_INVALID);  // token's sessions closed
    CHECK(drainEvents(fx.f) == std::set<CK_SLOT_ID>{0, 1});
    CK_TOKEN_INFO ti;
    CHECK(fx.f->C_GetTokenInfo(0, &ti) == CKR_TOKEN_NOT_PRESENT);

    fx.world->insert(kReader, card);
    CHECK(drainEvents(fx.f) == std::set<CK_SLOT_ID>{0, 1});
    CK_SESSION_HANDLE again = fx.open(0);
    CK_SESSION_INFO s2;
    REQUIRE(fx.f->C_GetSessionInfo(again, &s2) == CKR_OK);
    CHECK(s2.state == CKS_RO_PUBLIC_SESSION);  // a new card session starts logged out
    fx.login(again, "1234");
    CHECK(fx.sign(again, CKM_SHA256_RSA_PKCS, {1, 2, 3}) == sig);
}

TEST_CASE("removal during a card operation becomes CKR_DEVICE_REMOVED", "[removal]") {
    Fixture fx;
    CK_SESSION_HANDLE h = fx.open(0);
    fx.login(h, "1234");
    CK_MECHANISM m{CKM_SHA256_RSA_PKCS, nullptr, 0};
    REQUIRE(fx.f->C_SignInit(h, &m, 0x13) == CKR_OK);
    // Removed and re-inserted between the calls (the event counter moved twice): a swap.
    auto card = fx.world->remove(kReader);
    fx.world->insert(kReader, card);
    apdu::Bytes data{1}, sig(256);
    CK_ULONG len = sig.size();
    CHECK(fx.f->C_Sign(h, data.data(), 1, sig.data(), &len) == CKR_DEVICE_REMOVED);
    CHECK(fx.f->C_Sign(h, data.data(), 1, sig.data(), &len) == CKR_SESSION_HANDLE_INVALID);
    CK_TOKEN_INFO ti;
    CHECK(fx.f->C_GetTokenInfo(0, &ti) == CKR_OK);  // the re-inserted card is a token again
}

TEST_CASE("a swapped card closes the reader's sessions and shows the new card", "[removal]") {
    Fixture fx;
    CK_SESSION_HANDLE h = fx.open(0);
    CK_TOKEN_INFO ti;
    REQUIRE(fx.f->C_GetTokenInfo(0, &ti) == CKR_OK);
    sim::Profile p = sim::defaultProfile();
    p.serial = "100000000099999";
    auto other = std::make_shared<sim::SimCard>(p, sim::buildCardData(p));
    fx.world->remove(kReader);
    fx.world->insert(kReader, other);
    CK_SESSION_INFO si;
    CHECK(fx.f->C_GetSessionInfo(h, &si) == CKR_DEVICE_REMOVED);
    REQUIRE(fx.f->C_GetTokenInfo(0, &ti) == CKR_OK);
    CHECK(text(ti.serialNumber, 16) == "100000000099999");
}

TEST_CASE("a reader attached later takes a spare slot pair", "[slots][events]") {
    Fixture fx;
    fx.world->addReader("Sim Reader 1", defaultCard());
    CK_ULONG n = 0;
    REQUIRE(fx.f->C_GetSlotList(CK_TRUE, nullptr, &n) == CKR_OK);
    CHECK(n == 4);
    CK_SLOT_INFO si;
    REQUIRE(fx.f->C_GetSlotInfo(2, &si) == CKR_OK);
    CHECK(text(si.slotDescription, 64).find("Sim Reader 1") == 0);
    CHECK(drainEvents(fx.f) == std::set<CK_SLOT_ID>{2, 3});
    // The first reader keeps its ids.
    REQUIRE(fx.f->C_GetSlotInfo(0, &si) == CKR_OK);
    CHECK(text(si.slotDescription, 64).find(kReader) == 0);
}

TEST_CASE("a blocking C_WaitForSlotEvent returns on insertion", "[events]") {
    Fixture fx(false);
    auto waiter = std::async(std::launch::async, [&] {
        CK_SLOT_ID slot = 99;
        CK_RV rv = fx.f->C_WaitForSlotEvent(0, &slot, nullptr);
        return std::make_pair(rv, slot);
    });
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    fx.world->insert(kReader, defaultCard());
    REQUIRE(waiter.wait_for(std::chrono::seconds(5)) == std::future_status::ready);
    auto [rv, slot] = waiter.get();
    CHECK(rv == CKR_OK);
    CHECK((slot == 0 || slot == 1));
}

TEST_CASE("C_Finalize from another thread ends a blocked C_WaitForSlotEvent", "[events]") {
    Fixture fx;
    auto waiter = std::async(std::launch::async, [&] {
        CK_SLOT_ID slot = 99;
        return fx.f->C_WaitForSlotEvent(0, &slot, nullptr);
    });
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    REQUIRE(fx.f->C_Finalize(nullptr) == CKR_OK);
    REQUIRE(waiter.wait_for(std::chrono::seconds(5)) == std::future_status::ready);
    CHECK(waiter.get() == CKR_CRYPTOKI_NOT_INITIALIZED);
}
