// Japanese era (和暦) years, as printed on the card face. 照合番号B and the 券面AP birth-date key
// start with the birth date as printed: YYMMDD with the era year (spec §6.5), e.g. 1980-02-17 is
// 昭和55年 → "550217".
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace mynacard::apdu {

struct EraDate {
    std::string eraName;  // "明治", "大正", "昭和", "平成", "令和"
    int eraYear = 0;      // 1 for 元年
};

// `yyyymmdd` is a Gregorian date; nullopt when malformed, not a real date, or before Meiji 6.
// Boundaries are day-exact: 1912-07-30 Taisho, 1926-12-25 Showa, 1989-01-08 Heisei,
// 2019-05-01 Reiwa.
std::optional<EraDate> toJapaneseEra(std::string_view yyyymmdd);
// "YYMMDD" with the era year, or nullopt as above.
std::optional<std::string> eraYymmdd(std::string_view yyyymmdd);
// True when `yyyymmdd` is 8 ASCII digits forming a real Gregorian date.
bool isValidDate(std::string_view yyyymmdd);

}  // namespace mynacard::apdu
