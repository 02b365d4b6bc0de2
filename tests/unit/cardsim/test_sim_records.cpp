// Record EFs: 住基AP (spec §7, §15 decision) and 共通AP (spec §8.1); READ RECORD forms.
#include <catch2/catch.hpp>

#include "test_sim_support.h"

using namespace simtest;

TEST_CASE("共通AP record 1 is free, by SFI without SELECT and by current EF",
          "[cardsim][records]") {
    Sim sim;
    sim.selectAp(AppletId::Common);
    Resp r = sim.send("00 B2 01 0C 00");
    REQUIRE(r.sw == 0x9000);
    CHECK(r.data == sim.card->data().commonRecord);
    REQUIRE(r.data.size() == 30);
    CHECK(r.data[0] == 0x01);
    CHECK(r.data[1] == 0x1C);
    CHECK(std::string(r.data.begin() + 2, r.data.begin() + 17) == sim.profile.serial);
    sim.selectEf(0x0001);
    CHECK(sim.send("00 B2 01 04 00").data == r.data);
    CHECK(sim.send("00 B2 02 04 00").sw == 0x6A83);  // record not found
    CHECK(sim.send("00 B2 00 04 00").sw == 0x6A83);
    CHECK(sim.send("00 B2 01 05 00").sw == 0x6A81);  // multi-record read
    CHECK(sim.send("00 B2 01 04 05").sw == 0x6C1E);  // Le too short: exact length
    CHECK(sim.send("00 B0 00 00 00").sw == 0x6981);  // READ BINARY on a record EF
    CHECK(sim.send("00 B2 01 14 00").sw == 0x9000);  // SFI 2: record EF 0002 (16-byte key id)
    CHECK(sim.send("00 B2 01 1C 00").sw == 0x6A82);  // SFI 3: no such EF
}

TEST_CASE("住基AP record EF 0001 needs the 住基 PIN (spec §15)", "[cardsim][records]") {
    Sim sim;
    sim.selectAp(AppletId::Resident);
    CHECK(sim.send("00 B2 01 0C 00").sw == 0x6982);
    REQUIRE(sim.verify(0x001C, sim.profile.pinResident) == 0x9000);
    Resp r = sim.send("00 B2 01 0C 00");
    REQUIRE(r.sw == 0x9000);
    REQUIRE(r.data.size() == 13);
    CHECK(r.data[0] == 0x01);
    CHECK(r.data[1] == 0x0B);
    CHECK(std::string(r.data.begin() + 2, r.data.end()) == sim.profile.residentCode);
    // The 共通AP's 001C (same value, other counter) does not open it.
    sim.selectAp(AppletId::Common);
    REQUIRE(sim.verify(0x001C, sim.profile.pinResident) == 0x9000);
    sim.selectAp(AppletId::Resident);
    CHECK(sim.send("00 B2 01 0C 00").sw == 0x6982);
}
