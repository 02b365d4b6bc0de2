// mynacard_pcsc against a real pcscd + vpcd, inside scripts/pcsc-ns (private namespace, vpcd-only
// drivers). Refuses to run anywhere else: it must never reach a real reader.
#include <winscard.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <functional>
#include <future>
#include <memory>
#include <string>
#include <thread>

#include "apdu/pcsc/pcsc_context.h"
#include "apdu/pcsc/pcsc_transport.h"
#include "pcsc_ns_env.h"
#include "test_card.h"

using namespace std::chrono_literals;
using mynacard::TransportError;
using mynacard::apdu::Bytes;
using mynacard::pcsc::Context;
using mynacard::pcsc::PcscTransport;
using mynacard::test::TestCard;
using Kind = TransportError::Kind;

namespace {

Kind kindOf(const std::function<void()>& f) {
    try {
        f();
    } catch (const TransportError& e) {
        return e.kind();
    }
    FAIL("no TransportError thrown");
    return Kind::Other;
}

const Bytes kSelectJpki = {0x00, 0xA4, 0x04, 0x0C, 0x0A, 0xD3, 0x92, 0xF0, 0x00,
                           0x26, 0x01, 0x00, 0x00, 0x00, 0x01};

}  // namespace

TEST_CASE("only the private vpcd readers are visible", "[integration]") {
    const auto e = mynacard::test::pcscNsEnv();
    Context ctx;
    auto readers = ctx.listReaders();
    // vpcd serves two slots per port: NAME 00 00 (port) and NAME 00 01 (port + 1).
    const std::string base = e.reader.substr(0, e.reader.size() - 6);
    REQUIRE(readers == std::vector<std::string>{base + " 00 00", base + " 00 01"});
    for (const auto& r : readers) CHECK(r.find("Decoy") == std::string::npos);
}

TEST_CASE("card insertion, APDUs in a transaction, removal", "[integration]") {
    const auto e = mynacard::test::pcscNsEnv();
    Context ctx;
    REQUIRE_FALSE(ctx.status(e.reader).present());
    CHECK(kindOf([&] { PcscTransport t(ctx, e.reader); }) == Kind::NoCard);
    CHECK(kindOf([&] { PcscTransport t(ctx, "No Such Reader 00 00"); }) == Kind::NoReader);
    // No card arrives: a bounded wait times out.
    CHECK_FALSE(ctx.waitForCard(e.reader, 300ms));

    std::uint16_t counterBefore = ctx.status(e.reader).eventCounter();
    auto card = std::make_unique<TestCard>(e.host, e.port);
    REQUIRE(ctx.waitForCard(e.reader, 10s));
    auto state = ctx.status(e.reader);
    CHECK(state.present());
    CHECK(state.atr == TestCard::defaultAtr());
    CHECK(state.eventCounter() != counterBefore);

    {
        PcscTransport t(ctx, e.reader);
        // Connected before our transaction starts: pcsc-lite makes SCardConnect itself wait
        // while another handle holds the reader's transaction lock.
        Context other;
        PcscTransport t2(other, e.reader);
        CHECK(t.readerName() == e.reader);
        CHECK(t.atr() == TestCard::defaultAtr());
        CHECK(t.protocol() == mynacard::pcsc::Protocol::T1);  // T=1 preferred over T=0

        t.beginTransaction();
        CHECK(t.inTransaction());
        CHECK(t.transmit(kSelectJpki) == Bytes{0x90, 0x00});
        CHECK(card->lastCommand() == kSelectJpki);
        Bytes r = t.transmit({0x00, 0xB0, 0x01, 0x00, 0x04});  // offset 256, 4 bytes
        CHECK(r == Bytes{0x00, 0x01, 0x02, 0x03, 0x90, 0x00});
        r = t.transmit({0x00, 0xB0, 0x00, 0x00, 0x00});  // Le 00 = 256
        REQUIRE(r.size() == 258);
        CHECK(r[255] == 0xFF);
        CHECK(t.transmit({0x00, 0xB0, 0x02, 0x00, 0x10}) == Bytes{0x6B, 0x00});

        // While we hold the transaction another handle's APDU waits for it.
        auto pending = std::async(std::launch::async, [&] { return t2.transmit(kSelectJpki); });
        CHECK(pending.wait_for(500ms) == std::future_status::timeout);
        CHECK(card->apdus() == 4);
        t.endTransaction();
        CHECK_FALSE(t.inTransaction());
        REQUIRE(pending.wait_for(5s) == std::future_status::ready);
        CHECK(pending.get() == Bytes{0x90, 0x00});
        CHECK(card->apdus() == 5);
    }

    // Removal: the card disconnects from vpcd.
    PcscTransport held(ctx, e.reader);
    card.reset();
    REQUIRE(ctx.waitForRemoval(e.reader, 10s));
    CHECK_FALSE(ctx.status(e.reader).present());
    Kind k = kindOf([&] { held.transmit(kSelectJpki); });
    CHECK((k == Kind::CardRemoved || k == Kind::NoCard));
}

TEST_CASE("a reset by another process is reported once, the command is not resent", "[integration]") {
    const auto e = mynacard::test::pcscNsEnv();
    Context ctx;
    // pcscd notices a removal only on its next poll: let the previous test's card go first.
    REQUIRE(ctx.waitForRemoval(e.reader, 10s));
    TestCard card(e.host, e.port);
    REQUIRE(ctx.waitForCard(e.reader, 10s));
    PcscTransport t(ctx, e.reader);
    REQUIRE(t.transmit(kSelectJpki) == Bytes{0x90, 0x00});
    const unsigned apdusBefore = card.apdus();
    const unsigned resetsBefore = card.resets() + card.powerOns();

    // Another process resets the card (as a second application would).
    Context other;
    SCARDHANDLE h = 0;
    DWORD proto = 0;
    REQUIRE(SCardConnect(other.handle(), e.reader.c_str(), SCARD_SHARE_SHARED,
                         SCARD_PROTOCOL_T0 | SCARD_PROTOCOL_T1, &h, &proto) == SCARD_S_SUCCESS);
    REQUIRE(SCardDisconnect(h, SCARD_RESET_CARD) == SCARD_S_SUCCESS);
    CHECK(card.resets() + card.powerOns() > resetsBefore);

    CHECK(kindOf([&] { t.transmit({0x00, 0xB0, 0x00, 0x00, 0x02}); }) == Kind::CardReset);
    CHECK(card.apdus() == apdusBefore);  // the command that saw the reset never reached the card
    CHECK(t.resetCount() == 1);
    // Reconnected: the next command goes through, and the reset is not reported again.
    CHECK(t.transmit({0x00, 0xB0, 0x00, 0x00, 0x02}) == Bytes{0x00, 0x01, 0x90, 0x00});
    CHECK(card.apdus() == apdusBefore + 1);
    CHECK(t.resetCount() == 1);
}

TEST_CASE("waits time out and can be cancelled from another thread", "[integration]") {
    const auto e = mynacard::test::pcscNsEnv();
    Context ctx;
    // pcscd notices a removal only on its next poll: let the previous test's card go first.
    REQUIRE(ctx.waitForRemoval(e.reader, 10s));
    TestCard card(e.host, e.port);
    REQUIRE(ctx.waitForCard(e.reader, 10s));
    CHECK_FALSE(ctx.waitForRemoval(e.reader, 300ms));

    Context waiter;
    auto blocked = std::async(std::launch::async, [&] {
        try {
            waiter.waitForRemoval(e.reader, std::nullopt);  // forever, until cancelled
        } catch (const TransportError& err) {
            return err.kind();
        }
        return Kind::Other;
    });
    CHECK(blocked.wait_for(300ms) == std::future_status::timeout);
    waiter.cancel();
    REQUIRE(blocked.wait_for(5s) == std::future_status::ready);
    CHECK(blocked.get() == Kind::Cancelled);

    // The reader set is fixed under vpcd: a PnP wait sees no add/remove and times out.
    CHECK_FALSE(ctx.waitForReaderChange(300ms));
}

TEST_CASE("the event counter tells a re-inserted card apart", "[integration]") {
    const auto e = mynacard::test::pcscNsEnv();
    Context ctx;
    REQUIRE(ctx.waitForRemoval(e.reader, 10s));
    std::uint16_t first;
    {
        TestCard card(e.host, e.port);
        REQUIRE(ctx.waitForCard(e.reader, 10s));
        first = ctx.status(e.reader).eventCounter();
    }
    REQUIRE(ctx.waitForRemoval(e.reader, 10s));
    TestCard again(e.host, e.port);
    REQUIRE(ctx.waitForCard(e.reader, 10s));
    auto s = ctx.status(e.reader);
    CHECK(s.present());
    CHECK(s.eventCounter() != first);
}
