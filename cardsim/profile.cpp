// Profile loading (issue 3): JSON → Profile, overlaid on the embedded default profile so that a
// profile giving only some keys still loads. Every value is validated here, once, so the card
// builder and the engine can trust the Profile; errors name the offending key.
#include "cardsim/profile.h"

#include <fstream>
#include <initializer_list>
#include <sstream>
#include <stdexcept>

#include <nlohmann/json.hpp>

#include "apdu/japanese_era.h"
#include "apdu/my_number.h"
#include "cardsim/card_data_embedded.h"

namespace mynacard::sim {

namespace {

using nlohmann::json;

[[noreturn]] void fail(const std::string& key, const std::string& why) {
    throw std::runtime_error("profile: " + key + ": " + why);
}

bool allDigits(const std::string& s) {
    if (s.empty()) return false;
    for (char c : s)
        if (c < '0' || c > '9') return false;
    return true;
}

void requireDigits(const std::string& key, const std::string& v, std::size_t n) {
    if (v.size() != n || !allDigits(v))
        fail(key, "must be exactly " + std::to_string(n) + " ASCII digits, got \"" + v + "\"");
}

// Structural UTF-8 check: the records store the text verbatim (spec §5.3), so it must be valid.
bool isValidUtf8(const std::string& s) {
    std::size_t i = 0;
    while (i < s.size()) {
        unsigned char c = static_cast<unsigned char>(s[i]);
        std::size_t extra;
        if (c < 0x80) extra = 0;
        else if ((c >> 5) == 0x6) extra = 1;
        else if ((c >> 4) == 0xE) extra = 2;
        else if ((c >> 3) == 0x1E) extra = 3;
        else return false;
        if (extra >= s.size() - i) return false;  // truncated sequence
        for (std::size_t k = 1; k <= extra; ++k)
            if ((static_cast<unsigned char>(s[i + k]) & 0xC0) != 0x80) return false;
        i += extra + 1;
    }
    return true;
}

// Keys starting with "//" are documentation (strict JSON has no comments); see default.json.
bool isComment(const std::string& key) { return key.rfind("//", 0) == 0; }

const json* section(const json& root, const char* name) {
    auto it = root.find(name);
    if (it == root.end()) return nullptr;
    if (!it->is_object()) fail(name, "must be a JSON object");
    return &*it;
}

void rejectUnknown(const json& obj, const std::string& prefix, std::initializer_list<const char*> known) {
    for (auto it = obj.begin(); it != obj.end(); ++it) {
        if (isComment(it.key())) continue;
        bool ok = false;
        for (const char* k : known)
            if (it.key() == k) ok = true;
        // A typo would otherwise silently fall back to the default value.
        if (!ok) fail(prefix + it.key(), "unknown key");
    }
}

void getString(const json* sec, const std::string& prefix, const char* key, std::string& out) {
    if (!sec) return;
    auto it = sec->find(key);
    if (it == sec->end()) return;
    if (!it->is_string()) fail(prefix + key, "must be a string");
    out = it->get<std::string>();
}

void getBool(const json* sec, const std::string& prefix, const char* key, bool& out) {
    if (!sec) return;
    auto it = sec->find(key);
    if (it == sec->end()) return;
    if (!it->is_boolean()) fail(prefix + key, "must be true or false");
    out = it->get<bool>();
}

void getInt(const json* sec, const std::string& prefix, const char* key, int lo, int hi, int& out) {
    if (!sec) return;
    auto it = sec->find(key);
    if (it == sec->end()) return;
    if (!it->is_number_integer()) fail(prefix + key, "must be an integer");
    long long v = it->get<long long>();
    if (v < lo || v > hi)
        fail(prefix + key, "must be between " + std::to_string(lo) + " and " + std::to_string(hi));
    out = static_cast<int>(v);
}

void validate(const Profile& p) {
    if (p.name.empty() || !isValidUtf8(p.name)) fail("holder.name", "must be non-empty UTF-8");
    if (!isValidUtf8(p.nameKana)) fail("holder.name_kana", "must be UTF-8");
    if (p.address.empty() || !isValidUtf8(p.address)) fail("holder.address", "must be non-empty UTF-8");
    // The text record length is u16-addressed (offset table, spec §5.3); keep far below that.
    if (p.name.size() > 1000) fail("holder.name", "too long (max 1000 bytes)");
    if (p.address.size() > 2000) fail("holder.address", "too long (max 2000 bytes)");
    if (!apdu::isValidDate(p.birthDate)) fail("holder.birth_date", "must be a real date YYYYMMDD");
    if (!apdu::eraYymmdd(p.birthDate))
        fail("holder.birth_date", "has no Japanese era year (needed for 照合番号B, spec §6.5)");
    if (p.sex != "1" && p.sex != "2" && p.sex != "9") fail("holder.sex", "must be \"1\", \"2\" or \"9\"");
    if (!apdu::isValidMyNumber(p.myNumber))
        fail("holder.my_number", "must be 12 digits with a valid check digit (spec §15)");
    requireDigits("holder.resident_code", p.residentCode, 11);
    if (!apdu::isValidDate(p.expiry)) fail("card.expiry", "must be a real date YYYYMMDD");
    requireDigits("card.security_code", p.securityCode, 4);
    requireDigits("card.serial", p.serial, 15);
    requireDigits("card.municipality", p.municipality, 5);
    requireDigits("pins.auth", p.pinAuth, 4);
    requireDigits("pins.text", p.pinText, 4);
    requireDigits("pins.resident", p.pinResident, 4);
    // Spec §4.5: 6–16 of [A-Z0-9], at least one letter and one digit. The card compares bytes,
    // so a lower-case password could never be typed through a conforming client.
    bool letter = false, digit = false, ok = p.pinSign.size() >= 6 && p.pinSign.size() <= 16;
    for (char c : p.pinSign) {
        if (c >= 'A' && c <= 'Z') letter = true;
        else if (c >= '0' && c <= '9') digit = true;
        else ok = false;
    }
    if (!ok || !letter || !digit)
        fail("pins.sign", "must be 6-16 characters A-Z/0-9 with at least one letter and one digit (spec §4.5)");
    const std::string& t = p.variants.token;
    if (t != "mynumber" && t != "smartphone" && t != "juki" && t != "jpki-only")
        fail("variants.token", "must be mynumber, smartphone, juki or jpki-only");
}

Profile parseOver(Profile p, const std::string& text) {
    json root;
    try {
        root = json::parse(text);
    } catch (const json::exception& e) {
        throw std::runtime_error(std::string("profile: not valid JSON: ") + e.what());
    }
    if (!root.is_object()) throw std::runtime_error("profile: the top level must be a JSON object");
    rejectUnknown(root, "", {"holder", "card", "pins", "tries", "variants", "description"});

    const json* holder = section(root, "holder");
    if (holder)
        rejectUnknown(*holder, "holder.",
                      {"name", "name_kana", "address", "birth_date", "sex", "my_number", "resident_code"});
    // A new name without its own reading must not keep the default holder's kana.
    if (holder && holder->contains("name") && !holder->contains("name_kana")) p.nameKana.clear();
    getString(holder, "holder.", "name", p.name);
    getString(holder, "holder.", "name_kana", p.nameKana);
    getString(holder, "holder.", "address", p.address);
    getString(holder, "holder.", "birth_date", p.birthDate);
    getString(holder, "holder.", "sex", p.sex);
    getString(holder, "holder.", "my_number", p.myNumber);
    getString(holder, "holder.", "resident_code", p.residentCode);

    const json* card = section(root, "card");
    if (card) rejectUnknown(*card, "card.", {"expiry", "security_code", "serial", "municipality"});
    getString(card, "card.", "expiry", p.expiry);
    getString(card, "card.", "security_code", p.securityCode);
    getString(card, "card.", "serial", p.serial);
    getString(card, "card.", "municipality", p.municipality);

    const json* pins = section(root, "pins");
    if (pins) rejectUnknown(*pins, "pins.", {"auth", "sign", "text", "resident"});
    getString(pins, "pins.", "auth", p.pinAuth);
    getString(pins, "pins.", "sign", p.pinSign);
    getString(pins, "pins.", "text", p.pinText);
    getString(pins, "pins.", "resident", p.pinResident);

    // 63Cx carries the counter in one nibble (spec §3.1), so 15 is the most a card can report.
    const json* tries = section(root, "tries");
    if (tries)
        rejectUnknown(*tries, "tries.",
                      {"auth", "sign", "text", "resident", "collation_a", "collation_b", "birth_key"});
    getInt(tries, "tries.", "auth", 1, 15, p.triesAuth);
    getInt(tries, "tries.", "sign", 1, 15, p.triesSign);
    getInt(tries, "tries.", "text", 1, 15, p.triesText);
    getInt(tries, "tries.", "resident", 1, 15, p.triesResident);
    getInt(tries, "tries.", "collation_a", 1, 15, p.triesCollationA);
    getInt(tries, "tries.", "collation_b", 1, 15, p.triesCollationB);
    getInt(tries, "tries.", "birth_key", 1, 15, p.triesBirthKey);

    const json* v = section(root, "variants");
    if (v)
        rejectUnknown(*v, "variants.",
                      {"empty_verify_after_success_ok", "blocked_answers_6983", "reject_extended",
                       "max_read_binary", "t0_style", "reselect_keeps_state", "no_signature_certificate",
                       "token"});
    Variants& var = p.variants;
    getBool(v, "variants.", "empty_verify_after_success_ok", var.emptyVerifyAfterSuccessOk);
    getBool(v, "variants.", "blocked_answers_6983", var.blockedAnswers6983);
    getBool(v, "variants.", "reject_extended", var.rejectExtended);
    getInt(v, "variants.", "max_read_binary", 0, 65536, var.maxReadBinary);
    getBool(v, "variants.", "t0_style", var.t0Style);
    getBool(v, "variants.", "reselect_keeps_state", var.reselectKeepsState);
    getBool(v, "variants.", "no_signature_certificate", var.noSignatureCertificate);
    getString(v, "variants.", "token", var.token);

    validate(p);
    return p;
}

}  // namespace

std::string Profile::collationA() const { return myNumber; }

std::string Profile::birthDateKey() const {
    auto era = apdu::eraYymmdd(birthDate);
    return era ? *era : std::string();
}

std::string Profile::collationB() const {
    // Spec §6.5: era YYMMDD as printed + expiry year (Gregorian) + security code = 14 digits.
    return birthDateKey() + expiry.substr(0, 4) + securityCode;
}

Profile defaultProfile() {
    std::string_view text = embeddedFile("profiles/default.json");
    if (text.empty()) throw std::runtime_error("profile: the embedded default profile is missing");
    return parseOver(Profile{}, std::string(text));
}

Profile loadProfileJson(const std::string& jsonText) { return parseOver(defaultProfile(), jsonText); }

Profile loadProfile(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw std::runtime_error("profile: cannot open " + path);
    std::ostringstream buf;
    buf << in.rdbuf();
    if (in.bad()) throw std::runtime_error("profile: cannot read " + path);
    try {
        return loadProfileJson(buf.str());
    } catch (const std::runtime_error& e) {
        throw std::runtime_error(path + ": " + e.what());
    }
}

}  // namespace mynacard::sim
