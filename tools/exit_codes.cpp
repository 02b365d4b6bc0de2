#include "tools/exit_codes.h"

#include <CLI/CLI.hpp>

#include "apdu/errors.h"
#include "tools/i18n.h"

namespace mynacard::cli {

std::string secretLabel(card::Secret secret) {
    const bool ja = language() == Lang::Ja;
    switch (secret) {
        case card::Secret::JpkiAuthPin: return ja ? "利用者証明用電子証明書の暗証番号" : "auth PIN";
        case card::Secret::JpkiSignPassword: return ja ? "署名用電子証明書のパスワード" : "signature password";
        case card::Secret::TextPin: return ja ? "券面事項入力補助用暗証番号" : "text PIN";
        case card::Secret::TextCollationA: return ja ? "照合番号A (券面事項入力補助AP)" : "照合番号A (text AP)";
        case card::Secret::TextCollationB: return ja ? "照合番号B (券面事項入力補助AP)" : "照合番号B (text AP)";
        case card::Secret::FaceCollationA: return ja ? "照合番号A (券面AP)" : "照合番号A (card-face AP)";
        case card::Secret::FaceCollationB: return ja ? "照合番号B (券面AP)" : "照合番号B (card-face AP)";
        case card::Secret::FaceBirthDateKey: return ja ? "生年月日キー (券面AP)" : "birth-date key (card-face AP)";
        case card::Secret::ResidentPin: return ja ? "住民基本台帳用暗証番号" : "住基 PIN";
    }
    return "?";
}

const char* secretKey(card::Secret secret) {
    switch (secret) {
        case card::Secret::JpkiAuthPin: return "auth_pin";
        case card::Secret::JpkiSignPassword: return "sign_password";
        case card::Secret::TextPin: return "text_pin";
        case card::Secret::TextCollationA: return "text_collation_a";
        case card::Secret::TextCollationB: return "text_collation_b";
        case card::Secret::FaceCollationA: return "face_collation_a";
        case card::Secret::FaceCollationB: return "face_collation_b";
        case card::Secret::FaceBirthDateKey: return "face_birth_date_key";
        case card::Secret::ResidentPin: return "resident_pin";
    }
    return "?";
}

namespace {

std::string label(std::optional<card::Secret> s) {
    if (s) return secretLabel(*s);
    return language() == Lang::Ja ? "暗証番号" : "PIN";
}

Failure fromTransport(const TransportError& e) {
    using K = TransportError::Kind;
    switch (e.kind()) {
        case K::NoService: return {kNoReader, tr(Msg::NoService), "no_service"};
        case K::NoReader: return {kNoReader, tr(Msg::NoReader), "no_reader"};
        case K::NoCard:
        case K::CardRemoved: return {kNoCard, tr(Msg::NoCard), "no_card"};
        case K::Timeout: return {kNoCard, tr(Msg::WaitTimeout), "no_card"};
        default: return {kCardError, trf(Msg::CardError, e.what()), "card_error"};
    }
}

Failure fromPin(const PinError& e, std::optional<card::Secret> secret) {
    using K = PinError::Kind;
    switch (e.kind()) {
        case K::Incorrect: {
            Failure f{kWrongPin, trf(Msg::WrongPin, label(secret)), "wrong_pin", e.triesLeft()};
            if (e.triesLeft() >= 0) f.message += " (" + trf(Msg::TriesLeft, std::to_string(e.triesLeft())) + ")";
            return f;
        }
        case K::Blocked:
            return {kBlocked, trf(Msg::Blocked, label(secret)) + "\n" + tr(Msg::BlockedAdvice), "blocked", 0};
        case K::InvalidFormat: return {kUsage, trf(Msg::InvalidSecret, e.what()), "invalid_input"};
        case K::FinalTryRefused:
            return {kFinalTryRefused, trf(Msg::FinalTryRefused, label(secret)), "final_try_refused", 1};
        case K::NotLoggedIn: return {kCardError, trf(Msg::NotLoggedIn, label(secret)), "logged_out"};
    }
    return {kInternal, e.what(), "internal"};
}

}  // namespace

Failure describeFailure(const std::exception& error, std::optional<card::Secret> secret) {
    if (auto* e = dynamic_cast<const CliError*>(&error)) {
        const char* kind = "error";
        switch (e->code()) {
            case kUsage: kind = "invalid_input"; break;
            case kNoReader: kind = "no_reader"; break;
            case kNoCard: kind = "no_card"; break;
            case kWrongCard: kind = "wrong_card"; break;
            case kVerificationFailed: kind = "verification_failed"; break;
            case kCardError: kind = "card_error"; break;
            default: break;
        }
        return {e->code(), e->what(), kind};
    }
    if (auto* e = dynamic_cast<const PinError*>(&error)) return fromPin(*e, secret);
    if (auto* e = dynamic_cast<const TransportError*>(&error)) return fromTransport(*e);
    if (auto* e = dynamic_cast<const CardStatusError*>(&error)) {
        // 6A82 / 6A86 / 6A88: the card has no such applet, file or key (under-15 card without a
        // signature certificate, smartphone JPKI without the text AP, ...).
        const auto sw = e->sw();
        if (sw == 0x6A82 || sw == 0x6A86 || sw == 0x6A88)
            return {kWrongCard, trf(Msg::CardError, e->what()), "not_on_card"};
        return {kCardError, trf(Msg::CardError, e->what()), "card_error"};
    }
    if (auto* e = dynamic_cast<const ProtocolError*>(&error))
        return {kCardError, trf(Msg::ProtocolFailure, e->what()), "protocol_error"};
    if (auto* e = dynamic_cast<const CLI::ParseError*>(&error)) return {kUsage, e->what(), "usage"};
    if (auto* e = dynamic_cast<const Error*>(&error)) return {kCardError, e->what(), "error"};
    if (dynamic_cast<const std::invalid_argument*>(&error)) return {kUsage, error.what(), "invalid_input"};
    return {kInternal, error.what(), "internal"};
}

Failure describeCurrentException(std::optional<card::Secret> secret) {
    try {
        throw;
    } catch (const std::exception& e) {
        return describeFailure(e, secret);
    } catch (...) {
        return {kInternal, "unknown error", "internal"};
    }
}

}  // namespace mynacard::cli
