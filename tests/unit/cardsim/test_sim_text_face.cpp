// 券面事項入力補助AP (spec §5) and 券面AP (spec §6): the access matrix per secret, and the AP's
// own key (P2=00, no PIN).
#include <catch2/catch.hpp>
#include <map>

#include "test_sim_support.h"

using namespace simtest;

namespace {

// Which EFs open after verifying `key` with `secret` in a fresh session of `ap`.
std::map<std::uint16_t, std::uint16_t> readSws(Sim& sim, AppletId ap, std::uint16_t key,
                                               const std::string& secret,
                                               std::initializer_list<std::uint16_t> efs) {
    sim.selectAp(ap);
    if (key != 0) REQUIRE(sim.verify(key, secret) == 0x9000);
    std::map<std::uint16_t, std::uint16_t> out;
    for (auto ef : efs) {
        sim.selectEf(ef);
        out[ef] = sim.send("00 B0 00 00 01").sw;
    }
    return out;
}

}  // namespace

TEST_CASE("Text AP access matrix: PIN for all, A for My Number, B for the 4 attributes",
          "[cardsim][text]") {
    Sim sim;
    const auto efs = {std::uint16_t(1), std::uint16_t(2), std::uint16_t(3), std::uint16_t(4),
                      std::uint16_t(5), std::uint16_t(6), std::uint16_t(7)};
    auto none = readSws(sim, AppletId::TextAssist, 0, "", efs);
    CHECK(none == std::map<std::uint16_t, std::uint16_t>{{1, 0x6982},
                                                         {2, 0x6982},
                                                         {3, 0x6982},
                                                         {4, 0x9000},
                                                         {5, 0x9000},
                                                         {6, 0x6982},
                                                         {7, 0x6982}});
    auto pin = readSws(sim, AppletId::TextAssist, 0x0011, sim.profile.pinText, efs);
    for (auto [ef, s] : pin) CHECK(s == 0x9000);
    auto a = readSws(sim, AppletId::TextAssist, 0x0014, sim.profile.collationA(), efs);
    CHECK(a == std::map<std::uint16_t, std::uint16_t>{{1, 0x9000},
                                                      {2, 0x6982},
                                                      {3, 0x9000},
                                                      {4, 0x9000},
                                                      {5, 0x9000},
                                                      {6, 0x9000},
                                                      {7, 0x9000}});
    auto b = readSws(sim, AppletId::TextAssist, 0x0015, sim.profile.collationB(), efs);
    CHECK(b == std::map<std::uint16_t, std::uint16_t>{{1, 0x6982},
                                                      {2, 0x9000},
                                                      {3, 0x9000},
                                                      {4, 0x9000},
                                                      {5, 0x9000},
                                                      {6, 0x9000},
                                                      {7, 0x9000}});
}

TEST_CASE("Text AP My Number EF is 17 bytes: FF 10 0C + 12 digits + FF FF", "[cardsim][text]") {
    Sim sim;
    sim.selectAp(AppletId::TextAssist);
    REQUIRE(sim.verify(0x0014, sim.profile.collationA()) == 0x9000);
    sim.selectEf(0x0001);
    Resp r = sim.send("00 B0 00 00 11");
    REQUIRE(r.sw == 0x9000);
    REQUIRE(r.data.size() == 17);
    CHECK(r.data[0] == 0xFF);
    CHECK(r.data[1] == 0x10);
    CHECK(r.data[2] == 0x0C);
    CHECK(std::string(r.data.begin() + 3, r.data.begin() + 15) == sim.profile.myNumber);
}

TEST_CASE("Card-face AP access matrix", "[cardsim][face]") {
    Sim sim;
    const auto efs = {std::uint16_t(1), std::uint16_t(2), std::uint16_t(3), std::uint16_t(4),
                      std::uint16_t(5)};
    auto none = readSws(sim, AppletId::CardFace, 0, "", efs);
    CHECK(none == std::map<std::uint16_t, std::uint16_t>{
                      {1, 0x6982}, {2, 0x6982}, {3, 0x9000}, {4, 0x9000}, {5, 0x6982}});
    auto a = readSws(sim, AppletId::CardFace, 0x0013, sim.profile.collationA(), efs);
    CHECK(a == std::map<std::uint16_t, std::uint16_t>{
                   {1, 0x6982}, {2, 0x9000}, {3, 0x9000}, {4, 0x9000}, {5, 0x9000}});
    auto b = readSws(sim, AppletId::CardFace, 0x0012, sim.profile.collationB(), efs);
    CHECK(b == std::map<std::uint16_t, std::uint16_t>{
                   {1, 0x6982}, {2, 0x9000}, {3, 0x9000}, {4, 0x9000}, {5, 0x6982}});
    auto birth = readSws(sim, AppletId::CardFace, 0x0011, sim.profile.birthDateKey(), efs);
    CHECK(birth == std::map<std::uint16_t, std::uint16_t>{
                       {1, 0x9000}, {2, 0x6982}, {3, 0x9000}, {4, 0x9000}, {5, 0x6982}});
    // The text AP's PIN does not open the face AP (security state is per AP).
    sim.selectAp(AppletId::TextAssist);
    REQUIRE(sim.verify(0x0011, sim.profile.pinText) == 0x9000);
    sim.selectAp(AppletId::CardFace);
    CHECK(sim.readEf(0x0002).sw == 0x6982);
}

TEST_CASE("Card-face record reads whole through 256-byte chunks", "[cardsim][face]") {
    Sim sim;
    sim.selectAp(AppletId::CardFace);
    REQUIRE(sim.verify(0x0012, sim.profile.collationB()) == 0x9000);
    Resp r = sim.readEf(0x0002);
    CHECK(r.sw == 0x9000);
    CHECK(r.data == sim.card->data().faceRecord);
    CHECK(r.data.size() > 256);
}

TEST_CASE("P2=00 signs with the AP's own key without a PIN", "[cardsim][text][face]") {
    Sim sim;
    const Bytes challenge = ascii("fresh challenge 123");
    const Bytes di = sha256DigestInfo(challenge);
    sim.selectAp(AppletId::TextAssist);
    Resp t = sim.send(apduHex(0x80, 0x2A, 0x00, 0x00, di, 0));
    REQUIRE(t.sw == 0x9000);
    CHECK(verifyWithKey(sim.card->data().textApPrivateKey.get(), challenge, t.data));
    sim.selectAp(AppletId::CardFace);
    Resp f = sim.send(apduHex(0x80, 0x2A, 0x00, 0x00, di, 0));
    REQUIRE(f.sw == 0x9000);
    CHECK(verifyWithKey(sim.card->data().faceCardKey.get(), challenge, f.data));
    CHECK_FALSE(verifyWithKey(sim.card->data().textApPrivateKey.get(), challenge, f.data));
}
