#include <catch2/catch.hpp>

#include <cstdio>
#include <iterator>
#include <set>
#include <string>

#include "apdu/errors.h"
#include "apdu/response.h"

using namespace mynacard::apdu;

TEST_CASE("ResponseApdu::parse splits data and status word", "[response]") {
    auto r = ResponseApdu::parse(fromHex("01 02 03 90 00"));
    CHECK(r.data == fromHex("010203"));
    CHECK(r.sw == 0x9000);
    CHECK(r.sw1() == 0x90);
    CHECK(r.sw2() == 0x00);
    CHECK(r.ok());

    auto e = ResponseApdu::parse(fromHex("6A 82"));
    CHECK(e.data.empty());
    CHECK(e.sw == sw::kFileNotFound);
    CHECK_FALSE(e.ok());
}

TEST_CASE("ResponseApdu::parse refuses answers without a status word", "[response]") {
    CHECK_THROWS_AS(ResponseApdu::parse(Bytes{}), mynacard::ProtocolError);
    CHECK_THROWS_AS(ResponseApdu::parse(Bytes{0x90}), mynacard::ProtocolError);
}

TEST_CASE("63Cx counters and blocked states (spec §15)", "[response]") {
    auto r = ResponseApdu::parse(fromHex("63 C3"));
    CHECK(r.isCounter());
    CHECK(r.counter() == 3);
    CHECK_FALSE(r.isBlocked());

    auto zero = ResponseApdu::parse(fromHex("63 C0"));
    CHECK(zero.isCounter());
    CHECK(zero.counter() == 0);
    CHECK(zero.isBlocked());

    for (const char* hex : {"69 83", "69 84"}) {
        auto b = ResponseApdu::parse(fromHex(hex));
        CHECK(b.isBlocked());
        CHECK_FALSE(b.isCounter());
        CHECK(b.counter() == -1);
    }
    auto noLimit = ResponseApdu::parse(fromHex("63 00"));
    CHECK_FALSE(noLimit.isCounter());
    CHECK_FALSE(noLimit.isBlocked());
    CHECK_FALSE(ResponseApdu::parse(fromHex("90 00")).isBlocked());
    CHECK_FALSE(ResponseApdu::parse(fromHex("69 82")).isBlocked());
}

TEST_CASE("describeStatusWord names every status word in sw::", "[response]") {
    const std::uint16_t all[] = {sw::kOk,
                                 sw::kEndOfFileWarning,
                                 sw::kNoLimitKey,
                                 sw::kWrongLength,
                                 sw::kIncompatibleFile,
                                 sw::kSecurityNotSatisfied,
                                 sw::kAuthMethodBlocked,
                                 sw::kReferenceDataBlocked,
                                 sw::kConditionsNotSatisfied,
                                 sw::kCommandNotAllowed,
                                 sw::kIncorrectData,
                                 sw::kFunctionNotSupported,
                                 sw::kFileNotFound,
                                 sw::kRecordNotFound,
                                 sw::kIncorrectP1P2,
                                 sw::kDataNotFound,
                                 sw::kWrongP1P2,
                                 sw::kInsNotSupported,
                                 sw::kClaNotSupported,
                                 sw::kNoPreciseDiagnosis};
    std::set<std::string> seen;
    for (std::uint16_t code : all) {
        const std::string d = describeStatusWord(code);
        INFO(d);
        char hex[5];
        std::snprintf(hex, sizeof hex, "%04X", code);
        CHECK(d.rfind(std::string(hex) + " ", 0) == 0);  // starts with the code
        CHECK(d.find("unknown") == std::string::npos);
        CHECK(d.find("warning,") == std::string::npos);  // a specific text, not the SW1 class
        CHECK(
            (d.find("command not allowed") == std::string::npos || code == sw::kCommandNotAllowed));
        seen.insert(d);
    }
    CHECK(seen.size() == std::size(all));  // no two constants share a description
}

TEST_CASE("describeStatusWord texts", "[response]") {
    CHECK(describeStatusWord(0x9000) == "9000 OK");
    CHECK(describeStatusWord(0x6982) == "6982 security status not satisfied");
    CHECK(describeStatusWord(0x6A82) == "6A82 file or application not found");
    CHECK(describeStatusWord(0x6984) == "6984 reference data blocked");
    CHECK(describeStatusWord(0x63C2) == "63C2 verification failed, 2 tries left");
    CHECK(describeStatusWord(0x63C0) == "63C0 verification failed, no tries left (blocked)");
    CHECK(describeStatusWord(0x6110) == "6110 16 more bytes available (GET RESPONSE)");
    CHECK(describeStatusWord(0x6100) == "6100 256 more bytes available (GET RESPONSE)");
    CHECK(describeStatusWord(0x6C20) == "6C20 wrong Le, exact length is 32");
    CHECK(describeStatusWord(0x69FC) == "69FC command not allowed");
    CHECK(describeStatusWord(0x66F1) == "66F1 security-related issue");
    CHECK(describeStatusWord(0x1234) == "1234 unknown status word");
}
