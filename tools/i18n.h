// A small message table for the mynacard CLI: English, and Japanese when the locale says so
// (issue 6). Only user-facing sentences live here; JSON keys and values never change with the
// language (JSON is for scripts and must be stable).
#pragma once

#include <string>

namespace mynacard::cli {

enum class Lang { En, Ja };

// POSIX precedence: the first non-empty of LC_ALL, LC_MESSAGES, LANG decides; "ja..." → Ja.
Lang detectLanguage(const char* lcAll, const char* lcMessages, const char* lang);
Lang detectLanguageFromEnvironment();

void setLanguage(Lang lang);
Lang language();

enum class Msg {
    ErrorPrefix,
    NoService,
    NoReader,
    NoReaderNamed,
    NoCard,
    WaitingForCard,
    WaitTimeout,
    NotMyNumberCard,
    WrongPin,
    TriesLeft,
    Blocked,
    BlockedAdvice,
    FinalTryRefused,
    InvalidSecret,
    NotLoggedIn,
    CardError,
    ProtocolFailure,
    VerificationFailed,
    VerificationNotDone,
    Verified,
    NotVerified,
    NoTerminal,
    PromptPin,
    PromptNewPin,
    PromptNewPinAgain,
    NewPinMismatch,
    PromptBirthDate,
    PromptExpiryYear,
    PromptSecurityCode,
    PromptCollationA,
    ResidentCodeNote,
    ResidentCodeUnavailable,
    PinChanged,
    Unavailable,
    Unknown,
    SignatureOk,
};

const char* tr(Msg id);
// tr(id) with every "{}" replaced in order by the arguments.
std::string trf(Msg id, const std::string& a);
std::string trf(Msg id, const std::string& a, const std::string& b);

}  // namespace mynacard::cli
