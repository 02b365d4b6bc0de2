// The error hierarchy: everything the libraries throw derives from mynacard::Error.
// The PKCS#11 ABI and the CLI map these types (never message strings) to CK_RV / exit codes.
#pragma once

#include <cstdint>
#include <stdexcept>
#include <string>

namespace mynacard {

class Error : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

// Anything between us and the card: pcscd, the reader, the card's presence.
class TransportError : public Error {
public:
    enum class Kind {
        NoService,            // pcscd not running / not reachable
        NoReader,             // no reader, or the named reader is gone
        NoCard,               // reader present, no card in it
        CardRemoved,          // the card was removed during the session
        CardReset,            // another process reset the card; security state is lost
        CommunicationFailed,  // the card or reader stopped answering properly
        Timeout,              // a wait timed out
        Cancelled,            // a wait was cancelled
        SharingViolation,     // another process holds the card exclusively
        Other,
    };
    TransportError(Kind kind, const std::string& message, long pcscCode = 0)
        : Error(message), kind_(kind), pcscCode_(pcscCode) {}
    Kind kind() const { return kind_; }
    long pcscCode() const { return pcscCode_; }

private:
    Kind kind_;
    long pcscCode_;
};

// The card answered with an unexpected status word.
class CardStatusError : public Error {
public:
    CardStatusError(std::uint16_t sw, const std::string& message) : Error(message), sw_(sw) {}
    std::uint16_t sw() const { return sw_; }

private:
    std::uint16_t sw_;
};

// A secret was refused, is blocked, or was never sent because it is malformed.
class PinError : public Error {
public:
    enum class Kind {
        Incorrect,         // card said 63Cx (x > 0): triesLeft() tells how many remain
        Blocked,           // 63C0 / 6983 / 6984, or the counter read 0 before sending
        InvalidFormat,     // rejected locally, nothing was sent, no try spent
        FinalTryRefused,   // one try left and the caller did not allow spending it
        NotLoggedIn,       // 6982 where a verified state was expected (another process logged us out)
    };
    PinError(Kind kind, const std::string& message, int triesLeft = -1)
        : Error(message), kind_(kind), triesLeft_(triesLeft) {}
    Kind kind() const { return kind_; }
    int triesLeft() const { return triesLeft_; }  // -1 when unknown

private:
    Kind kind_;
    int triesLeft_;
};

// The card's answer (or a record on it) is malformed: bad TLV, lying length, missing tag.
class ProtocolError : public Error {
public:
    using Error::Error;
};

}  // namespace mynacard
