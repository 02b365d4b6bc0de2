// Profile loading and derived secrets (issue 3, spec §6.5, §15).
#include <catch2/catch.hpp>

#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <string>

#include "cardsim/card_data_embedded.h"
#include "cardsim/profile.h"

using namespace mynacard::sim;

namespace {

const char* kIdeographicSpace = "\xE3\x80\x80";  // U+3000

// Exactly the keys issue 3 lists as the minimum, with values that differ from the default.
const char* kRequiredOnly = R"({
  "holder": { "name": "佐藤　次郎", "address": "大阪府大阪市北区中之島１丁目３番２０号",
              "birth_date": "20010402", "sex": "1", "my_number": "987654321093",
              "resident_code": "11122233344" },
  "card": { "expiry": "20310402", "security_code": "0815", "serial": "200000000054321",
            "municipality": "27127" },
  "pins": { "auth": "9876", "sign": "PASS2026", "text": "8765", "resident": "7654" }
})";

std::string withHolder(const std::string& key, const std::string& value) {
    return R"({"holder": {")" + key + R"(": )" + value + "}}";
}

}  // namespace

TEST_CASE("default profile: real Japanese text, upper-case password, spec defaults", "[cardsim][data]") {
    Profile p = defaultProfile();
    CHECK(p.name.find(kIdeographicSpace) != std::string::npos);
    CHECK(p.address.find("\xEF\xBC\x91") != std::string::npos);  // full-width １
    CHECK(p.pinSign == "ABC123");
    CHECK(p.myNumber == "123456789018");
    CHECK(p.triesAuth == 3);
    CHECK(p.triesSign == 5);
    CHECK(p.triesText == 3);
    CHECK(p.triesResident == 3);
    CHECK(p.triesCollationA == 10);
    CHECK(p.triesCollationB == 10);
    CHECK(p.triesBirthKey == 10);
    CHECK(p.variants.token == "mynumber");
    CHECK_FALSE(p.variants.t0Style);
    CHECK(p.variants.maxReadBinary == 0);
}

TEST_CASE("照合番号A/B and the birth-date key are derived per spec §6.5", "[cardsim][data]") {
    Profile p = defaultProfile();
    CHECK(p.collationA() == p.myNumber);
    // The spec's example: 1980-02-17 (昭和55), expiry 2035, code 2285.
    CHECK(p.birthDateKey() == "550217");
    CHECK(p.collationB() == "55021720352285");

    Profile q = loadProfileJson(R"({"card": {"expiry": "20300101", "security_code": "2352"}})");
    CHECK(q.collationB() == "55021720302352");

    Profile reiwa = loadProfileJson(R"({"holder": {"birth_date": "20200501"}})");
    CHECK(reiwa.birthDateKey() == "020501");  // 令和2年
    Profile heisei = loadProfileJson(R"({"holder": {"birth_date": "19890108"}})");
    CHECK(heisei.birthDateKey() == "010108");  // 平成元年, first day
}

TEST_CASE("a profile with only the required keys loads; the rest are defaults", "[cardsim][data]") {
    Profile p = loadProfileJson(kRequiredOnly);
    CHECK(p.name == "佐藤　次郎");
    CHECK(p.birthDate == "20010402");
    CHECK(p.sex == "1");
    CHECK(p.myNumber == "987654321093");
    CHECK(p.residentCode == "11122233344");
    CHECK(p.expiry == "20310402");
    CHECK(p.serial == "200000000054321");
    CHECK(p.municipality == "27127");
    CHECK(p.pinAuth == "9876");
    CHECK(p.pinSign == "PASS2026");
    CHECK(p.pinText == "8765");
    CHECK(p.pinResident == "7654");
    CHECK(p.collationB() == "13040220310815");  // 平成13
    CHECK(p.triesSign == 5);
    CHECK_FALSE(p.variants.noSignatureCertificate);
    CHECK(p.nameKana.empty());  // not the default holder's reading
    CHECK(defaultProfile().nameKana == "ヤマダ　ハナコ");
}

TEST_CASE("invalid values are rejected with the key's name", "[cardsim][data]") {
    using Catch::Matchers::Contains;
    CHECK_THROWS_WITH(loadProfileJson(withHolder("my_number", "\"123456789012\"")), Contains("holder.my_number"));
    CHECK_THROWS_WITH(loadProfileJson(withHolder("my_number", "\"12345678901\"")), Contains("holder.my_number"));
    CHECK_THROWS_WITH(loadProfileJson(withHolder("sex", "\"3\"")), Contains("holder.sex"));
    CHECK_THROWS_WITH(loadProfileJson(withHolder("birth_date", "\"19800230\"")), Contains("holder.birth_date"));
    CHECK_THROWS_WITH(loadProfileJson(withHolder("name", "42")), Contains("holder.name"));
    CHECK_THROWS_WITH(loadProfileJson(withHolder("name", "\"\"")), Contains("holder.name"));
    CHECK_THROWS_WITH(loadProfileJson(withHolder("resident_code", "\"1234\"")), Contains("holder.resident_code"));
    CHECK_THROWS_WITH(loadProfileJson(R"({"card": {"serial": "12345678901234"}})"), Contains("card.serial"));
    CHECK_THROWS_WITH(loadProfileJson(R"({"card": {"municipality": "1310A"}})"), Contains("card.municipality"));
    CHECK_THROWS_WITH(loadProfileJson(R"({"card": {"security_code": "12345"}})"), Contains("card.security_code"));
    CHECK_THROWS_WITH(loadProfileJson(R"({"card": {"expiry": "2035"}})"), Contains("card.expiry"));
    CHECK_THROWS_WITH(loadProfileJson(R"({"pins": {"auth": "12345"}})"), Contains("pins.auth"));
    CHECK_THROWS_WITH(loadProfileJson(R"({"pins": {"sign": "abc123"}})"), Contains("pins.sign"));
    CHECK_THROWS_WITH(loadProfileJson(R"({"pins": {"sign": "ABCDEFG"}})"), Contains("pins.sign"));
    CHECK_THROWS_WITH(loadProfileJson(R"({"pins": {"sign": "AB12"}})"), Contains("pins.sign"));
    CHECK_THROWS_WITH(loadProfileJson(R"({"tries": {"auth": 16}})"), Contains("tries.auth"));
    CHECK_THROWS_WITH(loadProfileJson(R"({"variants": {"token": "iphone"}})"), Contains("variants.token"));
    CHECK_THROWS_WITH(loadProfileJson(R"({"variants": {"t0_style": "yes"}})"), Contains("variants.t0_style"));
    CHECK_THROWS_WITH(loadProfileJson(R"({"holder": {"nmae": "x"}})"), Contains("holder.nmae"));
    CHECK_THROWS_WITH(loadProfileJson(R"({"holder": ["x"]})"), Contains("holder"));
    CHECK_THROWS_AS(loadProfileJson("{not json"), std::runtime_error);
    CHECK_THROWS_AS(loadProfileJson("[]"), std::runtime_error);
    // Invalid UTF-8 (a truncated 3-byte sequence) cannot be stored in the text record.
    CHECK_THROWS_AS(loadProfileJson("{\"holder\": {\"address\": \"\xE6\x9D\"}}"), std::runtime_error);
}

TEST_CASE("documentation keys are ignored", "[cardsim][data]") {
    Profile p = loadProfileJson(R"({"//": "note", "holder": {"//name": "doc", "sex": "9"}})");
    CHECK(p.sex == "9");
    CHECK(p.name == defaultProfile().name);
}

TEST_CASE("every variant profile loads and sets its switch", "[cardsim][data]") {
    auto load = [](const char* name) {
        std::string_view text = embeddedFile(std::string("profiles/variant-") + name + ".json");
        REQUIRE_FALSE(text.empty());
        return loadProfileJson(std::string(text));
    };
    CHECK(load("verify-9000").variants.emptyVerifyAfterSuccessOk);
    CHECK(load("blocked-6983").variants.blockedAnswers6983);
    CHECK(load("no-extended").variants.rejectExtended);
    CHECK(load("read-128").variants.maxReadBinary == 128);
    CHECK(load("t0").variants.t0Style);
    CHECK(load("reselect-keeps").variants.reselectKeepsState);
    Profile child = load("no-sign-cert");
    CHECK(child.variants.noSignatureCertificate);
    CHECK(child.birthDateKey() == "270310");  // 平成27
    CHECK(load("smartphone").variants.token == "smartphone");
    CHECK(load("juki").variants.token == "juki");
    CHECK(load("jpki-only").variants.token == "jpki-only");
    // The default leaves every switch off.
    Profile d = defaultProfile();
    CHECK_FALSE((d.variants.emptyVerifyAfterSuccessOk || d.variants.blockedAnswers6983 || d.variants.rejectExtended ||
                 d.variants.t0Style || d.variants.reselectKeepsState || d.variants.noSignatureCertificate));
}

TEST_CASE("loadProfile reads a file and names it in errors", "[cardsim][data]") {
    using Catch::Matchers::Contains;
    CHECK_THROWS_WITH(loadProfile("/nonexistent/profile.json"), Contains("/nonexistent/profile.json"));
    std::string path = "/tmp/mynacard_test_profile_" + std::to_string(::getpid()) + ".json";
    {
        std::ofstream out(path);
        out << R"({"holder": {"sex": "1"}, "tries": {"sign": 7}})";
    }
    Profile p = loadProfile(path);
    CHECK(p.sex == "1");
    CHECK(p.triesSign == 7);
    {
        std::ofstream out(path);
        out << R"({"holder": {"sex": "7"}})";
    }
    CHECK_THROWS_WITH(loadProfile(path), Contains(path) && Contains("holder.sex"));
    std::remove(path.c_str());
}
