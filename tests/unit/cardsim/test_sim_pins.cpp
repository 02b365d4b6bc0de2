// PIN objects and retry counters (spec §9, §15): last try, blocked, reset on success, empty
// VERIFY, persistence over reset and across a state-file restart, PIN change.
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cstdio>
#include <fstream>
#include <sstream>

#include "test_sim_support.h"

using namespace simtest;
using mynacard::sim::Variants;

namespace {

std::string tempStatePath() {
    char templ[] = "/tmp/mynacard-sim-state-XXXXXX";
    int fd = mkstemp(templ);
    REQUIRE(fd >= 0);
    close(fd);
    std::remove(templ);  // the card must cope with a missing file
    return templ;
}

}  // namespace

TEST_CASE("Wrong PINs count down to 63C0, then the key is blocked (6984)", "[cardsim][pin]") {
    Sim sim;
    sim.selectAp(AppletId::Jpki);
    sim.selectEf(0x0018);
    CHECK(sim.query() == 0x63C3);
    CHECK(sim.send("00 20 00 80 04 30 30 30 30").sw == 0x63C2);
    CHECK(sim.query() == 0x63C2);  // the query spends nothing
    CHECK(sim.query() == 0x63C2);
    CHECK(sim.send("00 20 00 80 04 30 30 30 30").sw == 0x63C1);
    CHECK(sim.send("00 20 00 80 04 30 30 30 30").sw == 0x63C0);  // used the last try
    CHECK(sim.card->triesLeft(AppletId::Jpki, 0x0018) == 0);
    CHECK(sim.send("00 20 00 80 04 30 30 30 30").sw == 0x6984);
    CHECK(sim.send(apduHex(0x00, 0x20, 0x00, 0x80, ascii(sim.profile.pinAuth))).sw ==
          0x6984);  // even correct
    CHECK(sim.query() == 0x63C0);
    sim.selectEf(0x0017);  // and the key stays unusable
    CHECK(sim.send(apduHex(0x80, 0x2A, 0x00, 0x80, ascii("x"), 0)).sw == 0x6982);
}

TEST_CASE("Variant blockedAnswers6983", "[cardsim][pin][variant]") {
    Variants v;
    v.blockedAnswers6983 = true;
    Sim sim(v);
    sim.selectAp(AppletId::Jpki);
    sim.card->setTriesLeft(AppletId::Jpki, 0x0018, 1);
    CHECK(sim.verify(0x0018, "0000") == 0x63C0);
    CHECK(sim.verify(0x0018, "0000") == 0x6983);
}

TEST_CASE("A correct VERIFY resets the counter", "[cardsim][pin]") {
    Sim sim;
    sim.selectAp(AppletId::Jpki);
    CHECK(sim.verify(0x001B, "WRONG1") == 0x63C4);
    CHECK(sim.verify(0x001B, "WRONG1") == 0x63C3);
    CHECK(sim.verify(0x001B, sim.profile.pinSign) == 0x9000);
    CHECK(sim.card->triesLeft(AppletId::Jpki, 0x001B) == 5);
    CHECK(sim.query() == 0x63C5);  // default: 63Cx even right after success (spec §15)
    // A failed attempt after a success drops the verified state.
    CHECK(sim.verify(0x001B, "WRONG1") == 0x63C4);
    CHECK(sim.readEf(0x0001).sw == 0x6982);
}

TEST_CASE("Lower-case signature password is refused: the card compares bytes", "[cardsim][pin]") {
    Sim sim;
    sim.selectAp(AppletId::Jpki);
    std::string lower = sim.profile.pinSign;
    for (auto& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    REQUIRE(lower != sim.profile.pinSign);
    CHECK(sim.verify(0x001B, lower) == 0x63C4);
}

TEST_CASE("Variant emptyVerifyAfterSuccessOk", "[cardsim][pin][variant]") {
    Variants v;
    v.emptyVerifyAfterSuccessOk = true;
    Sim sim(v);
    sim.selectAp(AppletId::Jpki);
    sim.selectEf(0x0018);
    CHECK(sim.query() == 0x63C3);  // not yet verified: the counter
    CHECK(sim.verify(0x0018, sim.profile.pinAuth) == 0x9000);
    CHECK(sim.query() == 0x9000);
    sim.selectAp(AppletId::Jpki);  // state cleared: back to the counter
    sim.selectEf(0x0018);
    CHECK(sim.query() == 0x63C3);
}

TEST_CASE("Counters survive reset and power-off", "[cardsim][pin]") {
    Sim sim;
    sim.selectAp(AppletId::TextAssist);
    CHECK(sim.verify(0x0011, "0000") == 0x63C2);
    sim.card->reset();
    sim.selectAp(AppletId::TextAssist);
    sim.selectEf(0x0011);
    CHECK(sim.query() == 0x63C2);
    sim.card->powerOff();
    sim.card->powerOn();
    sim.selectAp(AppletId::TextAssist);
    CHECK(sim.verify(0x0011, "0000") == 0x63C1);
}

TEST_CASE("Each key reference has its own counter", "[cardsim][pin]") {
    Sim sim;
    sim.selectAp(AppletId::Resident);
    CHECK(sim.verify(0x001C, "0000") == 0x63C2);
    sim.selectAp(AppletId::Common);
    sim.selectEf(0x001C);
    CHECK(sim.query() == 0x63C3);  // 共通AP 001C is separate (spec §8.1)
    sim.selectAp(AppletId::CardFace);
    CHECK(sim.verify(0x0013, "000000000000") == 0x63C9);  // 照合番号A: 10 tries (spec §15)
    sim.selectAp(AppletId::TextAssist);
    sim.selectEf(0x0014);
    CHECK(sim.query() == 0x63CA);  // the text AP's 照合番号A is another key
}

TEST_CASE("Counters and changed PINs persist across a state-file restart",
          "[cardsim][pin][state]") {
    const std::string path = tempStatePath();
    {
        Sim sim({}, path);
        sim.selectAp(AppletId::Jpki);
        CHECK(sim.verify(0x0018, "0000") == 0x63C2);
        CHECK(sim.verify(0x001B, sim.profile.pinSign) == 0x9000);
        CHECK(sim.send(apduHex(0x00, 0x24, 0x01, 0x80, ascii("NEWPASS9"))).sw == 0x9000);
        CHECK(sim.card->lastStateError().empty());
    }
    {
        std::ifstream in(path);
        std::stringstream text;
        text << in.rdbuf();
        CHECK(text.str().find("\"jpki/0018\"") != std::string::npos);
    }
    {
        Sim sim({}, path);
        CHECK(sim.card->triesLeft(AppletId::Jpki, 0x0018) == 2);
        sim.selectAp(AppletId::Jpki);
        CHECK(sim.verify(0x0018, "0000") == 0x63C1);
        CHECK(sim.verify(0x001B, sim.profile.pinSign) == 0x63C4);  // the old password is gone
        CHECK(sim.verify(0x001B, "NEWPASS9") == 0x9000);
    }
    {
        Sim fresh;  // without the state file the profile's values apply
        CHECK(fresh.card->triesLeft(AppletId::Jpki, 0x0018) == 3);
    }
    std::remove(path.c_str());
}

TEST_CASE("A malformed state file is refused, not silently reset", "[cardsim][pin][state]") {
    const std::string path = tempStatePath();
    {
        std::ofstream out(path);
        out << "{ not json";
    }
    CHECK_THROWS_AS(Sim({}, path), std::runtime_error);
    std::remove(path.c_str());
}

TEST_CASE("CHANGE REFERENCE DATA in JPKI and the text AP", "[cardsim][pin][change]") {
    Sim sim;
    sim.selectAp(AppletId::Jpki);
    sim.selectEf(0x0018);
    CHECK(sim.send("00 24 01 80 04 39 38 37 36").sw == 0x6982);  // not verified in this session
    CHECK(sim.verify(0x0018, sim.profile.pinAuth) == 0x9000);
    CHECK(sim.send("00 24 00 80 04 39 38 37 36").sw == 0x6A86);  // P1 must be 01
    CHECK(sim.send("00 24 01 80 03 39 38 37").sw == 0x6A80);     // auth PIN is 4 digits
    CHECK(sim.send("00 24 01 80 04 39 38 37 36").sw == 0x9000);
    CHECK(sim.card->secret(AppletId::Jpki, 0x0018) == std::string("9876"));
    sim.selectAp(AppletId::Jpki);
    CHECK(sim.verify(0x0018, sim.profile.pinAuth) == 0x63C2);
    CHECK(sim.verify(0x0018, "9876") == 0x9000);

    // Signature password rules: 6–16 of A-Z 0-9 with a letter and a digit.
    CHECK(sim.verify(0x001B, sim.profile.pinSign) == 0x9000);
    CHECK(sim.send(apduHex(0x00, 0x24, 0x01, 0x80, ascii("abc123"))).sw == 0x6A80);
    CHECK(sim.send(apduHex(0x00, 0x24, 0x01, 0x80, ascii("ABCDEFG"))).sw == 0x6A80);
    CHECK(sim.send(apduHex(0x00, 0x24, 0x01, 0x80, ascii("AB12"))).sw == 0x6A80);
    CHECK(sim.send(apduHex(0x00, 0x24, 0x01, 0x80, ascii("XYZ789"))).sw == 0x9000);

    sim.selectAp(AppletId::TextAssist);
    CHECK(sim.verify(0x0011, sim.profile.pinText) == 0x9000);
    CHECK(sim.send("00 24 01 80 04 31 31 31 31").sw == 0x9000);
    CHECK(sim.card->secret(AppletId::TextAssist, 0x0011) == std::string("1111"));
    // 照合番号 are derived from the card face: not changeable.
    CHECK(sim.verify(0x0014, sim.profile.collationA()) == 0x9000);
    CHECK(sim.send("00 24 01 80 04 31 31 31 31").sw == 0x6985);
    // CHANGE KEY is the 住基/共通 command, not JPKI's.
    sim.selectAp(AppletId::Jpki);
    CHECK(sim.verify(0x0018, "9876") == 0x9000);
    CHECK(sim.send("80 32 00 80 04 31 31 31 31").sw == 0x6985);
}

TEST_CASE("CHANGE KEY in the 住基AP and 共通AP", "[cardsim][pin][change]") {
    Sim sim;
    for (AppletId ap : {AppletId::Resident, AppletId::Common}) {
        sim.selectAp(ap);
        sim.selectEf(0x001C);
        CHECK(sim.send("80 32 00 80 04 35 35 35 35").sw == 0x6982);
        CHECK(sim.verify(0x001C, sim.profile.pinResident) == 0x9000);
        CHECK(sim.send("00 24 01 80 04 35 35 35 35").sw == 0x6985);  // not this AP's command
        CHECK(sim.send("80 32 01 80 04 35 35 35 35").sw == 0x6A86);
        CHECK(sim.send("80 32 00 80 04 35 35 35 35").sw == 0x9000);
        CHECK(sim.card->secret(ap, 0x001C) == std::string("5555"));
    }
    sim.selectAp(AppletId::Resident);
    CHECK(sim.verify(0x001C, sim.profile.pinResident) == 0x63C2);
    CHECK(sim.verify(0x001C, "5555") == 0x9000);
}

TEST_CASE("Text AP key 0012 is blocked on every card", "[cardsim][pin]") {
    Sim sim;
    sim.selectAp(AppletId::TextAssist);
    sim.selectEf(0x0012);
    CHECK(sim.query() == 0x63C0);
    CHECK(sim.send("00 20 00 80 04 31 32 33 34").sw == 0x6984);
}

TEST_CASE("Retry limits from the profile", "[cardsim][pin]") {
    Sim sim;
    CHECK(sim.card->triesLeft(AppletId::Jpki, 0x0018) == 3);
    CHECK(sim.card->triesLeft(AppletId::Jpki, 0x001B) == 5);
    CHECK(sim.card->triesLeft(AppletId::TextAssist, 0x0011) == 3);
    CHECK(sim.card->triesLeft(AppletId::Resident, 0x001C) == 3);
    CHECK(sim.card->triesLeft(AppletId::TextAssist, 0x0015) == 10);
    CHECK(sim.card->triesLeft(AppletId::CardFace, 0x0011) == 10);
    CHECK(sim.card->triesLeft(AppletId::CardFace, 0x0012) == 10);
    CHECK(sim.card->triesLeft(AppletId::Jpki, 0x0001) == -1);  // not a key
}
