#include "apdu/japanese_era.h"

#include <cstdio>

namespace mynacard::apdu {

namespace {
bool isLeap(int y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

struct Era {
    const char* name;
    int start;  // YYYYMMDD of the first day
};
// Newest first. Meiji's start is given from the adoption of the Gregorian calendar (1873).
const Era kEras[] = {
    {"令和", 20190501}, {"平成", 19890108}, {"昭和", 19261225}, {"大正", 19120730}, {"明治", 18730101},
};
int startYear(const Era& e) {
    return e.start == 18730101 ? 1868 : e.start / 10000;
}
}  // namespace

bool isValidDate(std::string_view s) {
    if (s.size() != 8) return false;
    for (char c : s)
        if (c < '0' || c > '9') return false;
    int y = std::stoi(std::string(s.substr(0, 4)));
    int m = std::stoi(std::string(s.substr(4, 2)));
    int d = std::stoi(std::string(s.substr(6, 2)));
    static const int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (y < 1 || m < 1 || m > 12 || d < 1) return false;
    int maxDay = kDays[m - 1] + (m == 2 && isLeap(y) ? 1 : 0);
    return d <= maxDay;
}

std::optional<EraDate> toJapaneseEra(std::string_view yyyymmdd) {
    if (!isValidDate(yyyymmdd)) return std::nullopt;
    int date = std::stoi(std::string(yyyymmdd));
    for (const Era& e : kEras) {
        if (date >= e.start) return EraDate{e.name, date / 10000 - startYear(e) + 1};
    }
    return std::nullopt;
}

std::optional<std::string> eraYymmdd(std::string_view yyyymmdd) {
    auto era = toJapaneseEra(yyyymmdd);
    if (!era || era->eraYear > 99) return std::nullopt;
    char buf[16];
    std::snprintf(buf, sizeof buf, "%02d", era->eraYear);
    return std::string(buf) + std::string(yyyymmdd.substr(4, 4));
}

}  // namespace mynacard::apdu
