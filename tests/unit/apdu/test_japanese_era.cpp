// The lead's Japanese era conversion: day-exact era boundaries, 照合番号B style YYMMDD.
#include <catch2/catch.hpp>

#include "apdu/japanese_era.h"

using namespace mynacard::apdu;

namespace {
std::string era(const char* date) {
    auto e = toJapaneseEra(date);
    return e ? e->eraName + std::to_string(e->eraYear) : "none";
}
}  // namespace

TEST_CASE("spec example: 1980-02-17 is 昭和55", "[era]") {
    CHECK(era("19800217") == "昭和55");
    CHECK(eraYymmdd("19800217") == std::optional<std::string>("550217"));
}

TEST_CASE("era boundaries are day-exact", "[era]") {
    CHECK(era("18730101") == "明治6");
    CHECK(era("19120729") == "明治45");
    CHECK(era("19120730") == "大正1");
    CHECK(era("19261224") == "大正15");
    CHECK(era("19261225") == "昭和1");
    CHECK(era("19890107") == "昭和64");
    CHECK(era("19890108") == "平成1");
    CHECK(era("20190430") == "平成31");
    CHECK(era("20190501") == "令和1");
    CHECK(era("20261125") == "令和8");
}

TEST_CASE("eraYymmdd pads the era year", "[era]") {
    CHECK(eraYymmdd("20190501") == std::optional<std::string>("010501"));
    CHECK(eraYymmdd("19890108") == std::optional<std::string>("010108"));
    CHECK(eraYymmdd("19890107") == std::optional<std::string>("640107"));
    CHECK(eraYymmdd("20000229") == std::optional<std::string>("120229"));
}

TEST_CASE("dates before Meiji 6 (Gregorian adoption) have no era here", "[era]") {
    CHECK(era("18721231") == "none");
    CHECK_FALSE(eraYymmdd("18721231").has_value());
}

TEST_CASE("isValidDate: calendar rules", "[era]") {
    CHECK(isValidDate("20240229"));
    CHECK_FALSE(isValidDate("20230229"));
    CHECK_FALSE(isValidDate("19000229"));
    CHECK(isValidDate("20000229"));
    CHECK(isValidDate("20231231"));
    CHECK_FALSE(isValidDate("20231301"));
    CHECK_FALSE(isValidDate("20230001"));
    CHECK_FALSE(isValidDate("20230100"));
    CHECK_FALSE(isValidDate("20230431"));
    CHECK(isValidDate("20230430"));
    CHECK_FALSE(isValidDate("00000101"));
    CHECK_FALSE(isValidDate("2023011"));
    CHECK_FALSE(isValidDate("202301011"));
    CHECK_FALSE(isValidDate("2023-1-1"));
    CHECK_FALSE(isValidDate("abcdefgh"));
    CHECK_FALSE(isValidDate(""));
    CHECK_FALSE(toJapaneseEra("20230229").has_value());
    CHECK_FALSE(eraYymmdd("2023022").has_value());
}
