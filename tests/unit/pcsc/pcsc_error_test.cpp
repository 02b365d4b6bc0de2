// The PC/SC error mapping (apdu/pcsc/pcsc_error.h): every SCARD_* code gets the intended kind.
#include <winscard.h>

#include <catch2/catch.hpp>
#include <fstream>
#include <map>
#include <sstream>
#include <set>
#include <string>

#include "apdu/pcsc/pcsc_error.h"

using mynacard::TransportError;
using mynacard::pcsc::pcscCodeName;
using mynacard::pcsc::transportErrorKind;
using Kind = TransportError::Kind;

namespace {

struct Expected {
    const char* name;
    long code;
    Kind kind;
};

// Written out by hand, one line per code declared by pcsc-lite 1.9.9 (SCARD_E_UNEXPECTED and
// SCARD_E_UNSUPPORTED_FEATURE share one value).
const Expected kTable[] = {
    {"SCARD_F_INTERNAL_ERROR", SCARD_F_INTERNAL_ERROR, Kind::Other},
    {"SCARD_E_CANCELLED", SCARD_E_CANCELLED, Kind::Cancelled},
    {"SCARD_E_INVALID_HANDLE", SCARD_E_INVALID_HANDLE, Kind::Other},
    {"SCARD_E_INVALID_PARAMETER", SCARD_E_INVALID_PARAMETER, Kind::Other},
    {"SCARD_E_INVALID_TARGET", SCARD_E_INVALID_TARGET, Kind::Other},
    {"SCARD_E_NO_MEMORY", SCARD_E_NO_MEMORY, Kind::Other},
    {"SCARD_F_WAITED_TOO_LONG", SCARD_F_WAITED_TOO_LONG, Kind::CommunicationFailed},
    {"SCARD_E_INSUFFICIENT_BUFFER", SCARD_E_INSUFFICIENT_BUFFER, Kind::Other},
    {"SCARD_E_UNKNOWN_READER", SCARD_E_UNKNOWN_READER, Kind::NoReader},
    {"SCARD_E_TIMEOUT", SCARD_E_TIMEOUT, Kind::Timeout},
    {"SCARD_E_SHARING_VIOLATION", SCARD_E_SHARING_VIOLATION, Kind::SharingViolation},
    {"SCARD_E_NO_SMARTCARD", SCARD_E_NO_SMARTCARD, Kind::NoCard},
    {"SCARD_E_UNKNOWN_CARD", SCARD_E_UNKNOWN_CARD, Kind::CommunicationFailed},
    {"SCARD_E_CANT_DISPOSE", SCARD_E_CANT_DISPOSE, Kind::Other},
    {"SCARD_E_PROTO_MISMATCH", SCARD_E_PROTO_MISMATCH, Kind::CommunicationFailed},
    {"SCARD_E_NOT_READY", SCARD_E_NOT_READY, Kind::CommunicationFailed},
    {"SCARD_E_INVALID_VALUE", SCARD_E_INVALID_VALUE, Kind::Other},
    {"SCARD_E_SYSTEM_CANCELLED", SCARD_E_SYSTEM_CANCELLED, Kind::Cancelled},
    {"SCARD_F_COMM_ERROR", SCARD_F_COMM_ERROR, Kind::CommunicationFailed},
    {"SCARD_F_UNKNOWN_ERROR", SCARD_F_UNKNOWN_ERROR, Kind::Other},
    {"SCARD_E_INVALID_ATR", SCARD_E_INVALID_ATR, Kind::CommunicationFailed},
    {"SCARD_E_NOT_TRANSACTED", SCARD_E_NOT_TRANSACTED, Kind::Other},
    {"SCARD_E_READER_UNAVAILABLE", SCARD_E_READER_UNAVAILABLE, Kind::NoReader},
    {"SCARD_P_SHUTDOWN", SCARD_P_SHUTDOWN, Kind::NoService},
    {"SCARD_E_PCI_TOO_SMALL", SCARD_E_PCI_TOO_SMALL, Kind::Other},
    {"SCARD_E_READER_UNSUPPORTED", SCARD_E_READER_UNSUPPORTED, Kind::NoReader},
    {"SCARD_E_DUPLICATE_READER", SCARD_E_DUPLICATE_READER, Kind::NoReader},
    {"SCARD_E_CARD_UNSUPPORTED", SCARD_E_CARD_UNSUPPORTED, Kind::CommunicationFailed},
    {"SCARD_E_NO_SERVICE", SCARD_E_NO_SERVICE, Kind::NoService},
    {"SCARD_E_SERVICE_STOPPED", SCARD_E_SERVICE_STOPPED, Kind::NoService},
    {"SCARD_E_UNEXPECTED", SCARD_E_UNEXPECTED, Kind::Other},
    {"SCARD_E_UNSUPPORTED_FEATURE", SCARD_E_UNSUPPORTED_FEATURE, Kind::Other},
    {"SCARD_E_ICC_INSTALLATION", SCARD_E_ICC_INSTALLATION, Kind::Other},
    {"SCARD_E_ICC_CREATEORDER", SCARD_E_ICC_CREATEORDER, Kind::Other},
    {"SCARD_E_DIR_NOT_FOUND", SCARD_E_DIR_NOT_FOUND, Kind::Other},
    {"SCARD_E_FILE_NOT_FOUND", SCARD_E_FILE_NOT_FOUND, Kind::Other},
    {"SCARD_E_NO_DIR", SCARD_E_NO_DIR, Kind::Other},
    {"SCARD_E_NO_FILE", SCARD_E_NO_FILE, Kind::Other},
    {"SCARD_E_NO_ACCESS", SCARD_E_NO_ACCESS, Kind::Other},
    {"SCARD_E_WRITE_TOO_MANY", SCARD_E_WRITE_TOO_MANY, Kind::Other},
    {"SCARD_E_BAD_SEEK", SCARD_E_BAD_SEEK, Kind::Other},
    {"SCARD_E_INVALID_CHV", SCARD_E_INVALID_CHV, Kind::Other},
    {"SCARD_E_UNKNOWN_RES_MNG", SCARD_E_UNKNOWN_RES_MNG, Kind::Other},
    {"SCARD_E_NO_SUCH_CERTIFICATE", SCARD_E_NO_SUCH_CERTIFICATE, Kind::Other},
    {"SCARD_E_CERTIFICATE_UNAVAILABLE", SCARD_E_CERTIFICATE_UNAVAILABLE, Kind::Other},
    {"SCARD_E_NO_READERS_AVAILABLE", SCARD_E_NO_READERS_AVAILABLE, Kind::NoReader},
    {"SCARD_E_COMM_DATA_LOST", SCARD_E_COMM_DATA_LOST, Kind::CommunicationFailed},
    {"SCARD_E_NO_KEY_CONTAINER", SCARD_E_NO_KEY_CONTAINER, Kind::Other},
    {"SCARD_E_SERVER_TOO_BUSY", SCARD_E_SERVER_TOO_BUSY, Kind::NoService},
    {"SCARD_W_UNSUPPORTED_CARD", SCARD_W_UNSUPPORTED_CARD, Kind::CommunicationFailed},
    {"SCARD_W_UNRESPONSIVE_CARD", SCARD_W_UNRESPONSIVE_CARD, Kind::CommunicationFailed},
    {"SCARD_W_UNPOWERED_CARD", SCARD_W_UNPOWERED_CARD, Kind::CommunicationFailed},
    {"SCARD_W_RESET_CARD", SCARD_W_RESET_CARD, Kind::CardReset},
    {"SCARD_W_REMOVED_CARD", SCARD_W_REMOVED_CARD, Kind::CardRemoved},
    {"SCARD_W_SECURITY_VIOLATION", SCARD_W_SECURITY_VIOLATION, Kind::Other},
    {"SCARD_W_WRONG_CHV", SCARD_W_WRONG_CHV, Kind::Other},
    {"SCARD_W_CHV_BLOCKED", SCARD_W_CHV_BLOCKED, Kind::Other},
    {"SCARD_W_EOF", SCARD_W_EOF, Kind::Other},
    {"SCARD_W_CANCELLED_BY_USER", SCARD_W_CANCELLED_BY_USER, Kind::Cancelled},
    {"SCARD_W_CARD_NOT_AUTHENTICATED", SCARD_W_CARD_NOT_AUTHENTICATED, Kind::Other},
};

}  // namespace

TEST_CASE("every PC/SC error code maps to its TransportError kind", "[pcsc]") {
    for (const auto& e : kTable) {
        INFO(e.name);
        CHECK(transportErrorKind(e.code) == e.kind);
    }
}

TEST_CASE("the table covers every error code in the installed pcsclite.h", "[pcsc]") {
    std::ifstream header(MYNACARD_PCSCLITE_H);
    REQUIRE(header.good());
    std::set<std::string> tableNames;
    for (const auto& e : kTable) tableNames.insert(e.name);
    // Only live #defines: a commented-out "/* #define ..." line does not start with "#define".
    // (No std::regex: GCC 12 warns inside <regex> under the sanitizer build.)
    std::size_t seen = 0;
    std::string line;
    while (std::getline(header, line)) {
        std::istringstream words(line);
        std::string directive, name;
        words >> directive >> name;
        if (directive != "#define" || name.size() < 8 || name.compare(0, 6, "SCARD_") != 0) continue;
        if (std::string("EFPW").find(name[6]) == std::string::npos || name[7] != '_') continue;
        ++seen;
        INFO(name);
        CHECK(tableNames.count(name) == 1);
    }
    CHECK(seen == std::size(kTable));
}

TEST_CASE("pcscCodeName names every code and falls back to hex", "[pcsc]") {
    for (const auto& e : kTable) {
        INFO(e.name);
        const std::string name = pcscCodeName(e.code);
        // The shared value prints as SCARD_E_UNEXPECTED.
        if (std::string(e.name) == "SCARD_E_UNSUPPORTED_FEATURE")
            CHECK(name == "SCARD_E_UNEXPECTED");
        else
            CHECK(name == e.name);
    }
    CHECK(pcscCodeName(SCARD_S_SUCCESS) == "SCARD_S_SUCCESS");
    CHECK(pcscCodeName(0x80100099L) == "0x80100099");
}

TEST_CASE("unknown codes are Other, check() throws typed errors with the raw code", "[pcsc]") {
    CHECK(transportErrorKind(0x80100099L) == Kind::Other);
    CHECK(transportErrorKind(-1) == Kind::Other);
    CHECK_NOTHROW(mynacard::pcsc::check("x", SCARD_S_SUCCESS));
    try {
        mynacard::pcsc::check("SCardTransmit", SCARD_W_REMOVED_CARD);
        FAIL("check did not throw");
    } catch (const TransportError& e) {
        CHECK(e.kind() == Kind::CardRemoved);
        CHECK(e.pcscCode() == SCARD_W_REMOVED_CARD);
        CHECK(std::string(e.what()) == "SCardTransmit: SCARD_W_REMOVED_CARD");
    }
    // The typed error is catchable at the project's root type.
    CHECK_THROWS_AS(mynacard::pcsc::throwPcscError("x", SCARD_E_NO_SERVICE), mynacard::Error);
}
