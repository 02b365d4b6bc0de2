// Exit codes of the mynacard CLI and the one place that maps library errors to them (by type and
// kind, never by message text). Documented in docs/cli.md and mynacard(1); scripts rely on them,
// so the numbers never change.
#pragma once

#include <exception>
#include <optional>
#include <string>

#include "apdu/card/applets.h"

namespace mynacard::cli {

enum ExitCode : int {
    kOk = 0,
    kInternal = 1,            // a bug or an unexpected failure (never a stack trace)
    kUsage = 2,               // bad command line or bad input (malformed PIN: nothing sent)
    kNoReader = 3,            // pcscd unreachable or no (matching) reader
    kNoCard = 4,              // no card in the reader (or --wait timed out)
    kWrongCard = 5,           // not a My Number Card, or the card lacks the applet/secret/file
    kWrongPin = 6,            // the card refused the secret; tries are left
    kBlocked = 7,             // the secret is blocked (nothing was sent)
    kVerificationFailed = 8,  // a signature / record / CMS did not verify
    kCardError = 9,           // the card or the link failed, malformed answer, logged out
    kFinalTryRefused = 10,    // one try left and --allow-final-try not given (nothing was sent)
};

// An error raised by the CLI itself with its exit code and an already translated message.
class CliError : public std::exception {
public:
    CliError(int code, std::string message) : code_(code), message_(std::move(message)) {}
    int code() const { return code_; }
    const char* what() const noexcept override { return message_.c_str(); }

private:
    int code_;
    std::string message_;
};

struct Failure {
    int code = kInternal;
    std::string message;  // translated, one or two lines, no trailing newline
    std::string kind;     // stable identifier for JSON ("wrong_pin", "blocked", ...)
    int triesLeft = -1;
};

// `secret`: the secret the command was working with, to name it in PIN messages.
Failure describeFailure(const std::exception& error, std::optional<card::Secret> secret);
// The current exception (call inside a catch block); non-std exceptions are internal errors.
Failure describeCurrentException(std::optional<card::Secret> secret);

// The secret's name in the current language ("auth PIN" / "利用者証明用電子証明書の暗証番号").
std::string secretLabel(card::Secret secret);
// Stable JSON key of the secret ("auth_pin", "sign_password", ...).
const char* secretKey(card::Secret secret);

}  // namespace mynacard::cli
