// SimControl (cardsim/sim_control.h) without a socket or pcscd: command parsing, the removal and
// reset triggers, and the garbage modes.
#include <catch2/catch.hpp>

#include "cardsim/sim_control.h"

using namespace mynacard::sim;
using mynacard::apdu::Bytes;

namespace {

SimCard& card() {
    static SimCard c(defaultProfile());
    return c;
}

const Bytes kSelectJpki{0x00, 0xA4, 0x04, 0x0C, 0x0A, 0xD3, 0x92, 0xF0, 0x00,
                        0x26, 0x01, 0x00, 0x00, 0x00, 0x01};
const Bytes kEmptyVerify{0x00, 0x20, 0x00, 0x80};
const Bytes kVerify{0x00, 0x20, 0x00, 0x80, 0x04, '1', '2', '3', '4'};
const Bytes kReadBinary{0x00, 0xB0, 0x00, 0x00, 0x00};

}  // namespace

TEST_CASE("remove / insert toggle the removed state and drop the link", "[sim_control]") {
    int drops = 0;
    SimControl c(card(), [&] { ++drops; });
    CHECK_FALSE(c.removed());
    CHECK(c.handle("remove") == "ok removed");
    CHECK(c.removed());
    CHECK(drops == 1);
    CHECK(c.handle("status").find("present=0") != std::string::npos);
    CHECK(c.handle("insert") == "ok inserted");
    CHECK_FALSE(c.removed());
    CHECK(c.handle("status").find("present=1") != std::string::npos);
}

TEST_CASE("remove-after N fires on the N-th APDU only", "[sim_control]") {
    SimControl c(card(), nullptr);
    CHECK(c.handle("remove-after 3") == "ok remove-after 3");
    CHECK(c.beforeApdu(kReadBinary) == FaultAction::Serve);
    CHECK(c.beforeApdu(kReadBinary) == FaultAction::Serve);
    CHECK(c.beforeApdu(kReadBinary) == FaultAction::DropLink);
    CHECK(c.removed());
    c.handle("insert");
    CHECK(c.beforeApdu(kReadBinary) == FaultAction::Serve);  // one-shot
}

TEST_CASE("remove-on 20 ignores empty VERIFYs", "[sim_control]") {
    SimControl c(card(), nullptr);
    CHECK(c.handle("remove-on 20").rfind("ok", 0) == 0);
    CHECK(c.beforeApdu(kEmptyVerify) == FaultAction::Serve);
    CHECK(c.beforeApdu(kReadBinary) == FaultAction::Serve);
    CHECK(c.beforeApdu(kVerify) == FaultAction::DropLink);
    CHECK(c.beforeApdu(kVerify) == FaultAction::Serve);
    CHECK(c.handle("remove-on B0 2").rfind("ok", 0) == 0);
    CHECK(c.beforeApdu(kReadBinary) == FaultAction::Serve);
    CHECK(c.beforeApdu(kReadBinary) == FaultAction::DropLink);
}

TEST_CASE("reset-after clears the card's security state", "[sim_control]") {
    SimControl c(card(), nullptr);
    card().process(kSelectJpki);
    REQUIRE(card().currentApplet().has_value());
    CHECK(c.handle("reset-after 1").rfind("ok", 0) == 0);
    CHECK(c.beforeApdu(kReadBinary) == FaultAction::Serve);
    CHECK_FALSE(card().currentApplet().has_value());
}

TEST_CASE("garbage modes", "[sim_control]") {
    SimControl c(card(), nullptr);
    const Bytes r{1, 2, 3, 4, 5, 6, 0x90, 0x00};
    CHECK(c.mangle(r) == r);
    c.handle("garbage truncate");
    CHECK(c.mangle(r) == Bytes{1, 2, 3, 0x90, 0x00});
    c.handle("garbage bad-sw");
    CHECK(c.mangle(r) == Bytes{0x6F, 0x00});
    c.handle("garbage endless-61");
    const Bytes e = c.mangle(r);
    REQUIRE(e.size() == 18);
    CHECK(e[16] == 0x61);
    c.handle("garbage long");
    CHECK(c.mangle(r).size() == 302);
    CHECK(c.handle("garbage off") == "ok garbage off");
    CHECK(c.mangle(r) == r);
}

TEST_CASE("malformed commands are refused", "[sim_control]") {
    SimControl c(card(), nullptr);
    for (const char* bad : {"", "frobnicate", "remove now", "remove-after", "remove-after 0",
                            "remove-after x", "remove-on", "remove-on 123", "remove-on zz",
                            "garbage", "garbage purple", "reset-after -1"})
        CHECK(c.handle(bad).rfind("error", 0) == 0);
    CHECK_FALSE(c.removed());
}
