// A simulated card's holder, card data, secrets and behaviour variants, loaded from JSON
// (cardsim/profiles/*.json) or the embedded default (cardsim/profiles/default.json).
#pragma once

#include <string>

namespace mynacard::sim {

// Points where real cards differ or sources disagree (spec §15); defaults are the spec's.
struct Variants {
    bool emptyVerifyAfterSuccessOk = false;  // empty VERIFY after success answers 9000 (not 63Cx)
    bool blockedAnswers6983 = false;         // later VERIFYs of a blocked key: 6983 (not 6984)
    bool rejectExtended = false;             // extended APDUs answered 6700 (contactless readers)
    int maxReadBinary = 0;                   // >0: READ BINARY returns at most this many bytes
    bool t0Style = false;                    // data only via GET RESPONSE (61xx answers)
    bool reselectKeepsState = false;         // re-SELECT of the current AP keeps security state
    bool noSignatureCertificate = false;     // under-15 card: no signature cert/key/password
    std::string token = "mynumber";          // "mynumber" | "smartphone" | "juki" | "jpki-only"
};

struct Profile {
    // holder
    std::string name;          // UTF-8, U+3000 between family and given name
    std::string nameKana;      // optional
    std::string address;       // UTF-8, full-width digits
    std::string birthDate;     // YYYYMMDD (Gregorian)
    std::string sex;           // "1", "2", "9"
    std::string myNumber;      // 12 digits, valid check digit
    std::string residentCode;  // 11 digits (住民票コード)
    // card
    std::string expiry;        // YYYYMMDD
    std::string securityCode;  // 4 digits
    std::string serial;        // 15 digits (共通AP)
    std::string municipality;  // 5 digits (全国地方公共団体コード)
    // secrets
    std::string pinAuth, pinSign, pinText, pinResident;
    int triesAuth = 3, triesSign = 5, triesText = 3, triesResident = 3;
    int triesCollationA = 10, triesCollationB = 10, triesBirthKey = 10;  // spec §15
    Variants variants;

    // Derived secrets (spec §6.5): 照合番号A = My Number; 照合番号B = era YYMMDD of the birth
    // date + expiry year + security code; birth-date key = era YYMMDD.
    std::string collationA() const;
    std::string collationB() const;
    std::string birthDateKey() const;
};

// Throws std::runtime_error naming the offending key when the file is unreadable, not JSON, or a
// value is invalid (e.g. a My Number with a bad check digit). Missing keys take the defaults.
Profile loadProfile(const std::string& path);
Profile loadProfileJson(const std::string& jsonText);
Profile defaultProfile();

}  // namespace mynacard::sim
