#include "tools/cli_context.h"

#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <iostream>
#include <iterator>

#include "apdu/card/pin_policy.h"
#include "apdu/errors.h"
#include "tools/exit_codes.h"
#include "tools/i18n.h"

namespace mynacard::cli {

std::optional<std::string> chooseReader(const std::vector<std::string>& readers,
                                        const std::vector<bool>& cardPresent, const std::string& wanted) {
    if (wanted.empty()) {
        for (std::size_t i = 0; i < readers.size(); ++i)
            if (i < cardPresent.size() && cardPresent[i]) return readers[i];
        if (!readers.empty()) return readers.front();
        return std::nullopt;
    }
    for (const auto& r : readers)
        if (r == wanted) return r;
    std::optional<std::string> found;
    for (const auto& r : readers) {
        if (r.find(wanted) == std::string::npos) continue;
        if (found) return std::nullopt;  // ambiguous: refuse rather than guess
        found = r;
    }
    return found;
}

std::unique_ptr<Connection> Connection::open(const GlobalOptions& options, bool anyCard) {
    std::unique_ptr<Connection> c(new Connection());
    auto readers = c->context_.listReaders();
    const std::optional<std::chrono::milliseconds> timeout =
        options.waitSeconds > 0 ? std::optional<std::chrono::milliseconds>(std::chrono::seconds(options.waitSeconds))
                                : std::nullopt;
    if (readers.empty()) throw CliError(kNoReader, tr(Msg::NoReader));
    std::vector<bool> present;
    for (const auto& r : readers) present.push_back(c->context_.status(r).present());
    auto chosen = chooseReader(readers, present, options.reader);
    if (!chosen) throw CliError(kNoReader, trf(Msg::NoReaderNamed, options.reader));
    c->reader_ = *chosen;
    if (!c->context_.status(c->reader_).present()) {
        if (!options.wait) throw CliError(kNoCard, tr(Msg::NoCard));
        // A visible prompt on a terminal; scripts (no tty) get no chatter.
        if (isatty(STDERR_FILENO)) std::cerr << trf(Msg::WaitingForCard, c->reader_) << std::endl;
        if (!c->context_.waitForCard(c->reader_, timeout)) throw CliError(kNoCard, tr(Msg::WaitTimeout));
    }
    c->transport_ = std::make_unique<pcsc::PcscTransport>(c->context_, c->reader_);
    c->session_ = std::make_unique<card::CardSession>(*c->transport_);
    if (options.verbose > 0) {
        // The channel masks secrets (CommandApdu::sensitive) before the hook sees them.
        c->session_->channel().setTraceHook([](const apdu::TraceEvent& e) {
            std::cerr << "> " << e.command << "\n< " << e.response << std::endl;
        });
    }
    const auto& id = c->session_->identify();
    if (!anyCard && id.kind == card::CardKind::NotMyNumber)
        throw CliError(kWrongCard, std::string(tr(Msg::NotMyNumberCard)) + (id.message.empty() ? "" : ": " + id.message));
    return c;
}

namespace {
std::optional<card::Secret> g_lastSecret;

std::string formatText(card::SecretFormat format) {
    if (language() != Lang::Ja) return card::secretFormatDescription(format);
    switch (format) {
        case card::SecretFormat::Pin4: return "数字 4 桁";
        case card::SecretFormat::SignPassword: return "英字と数字 6〜16 文字";
        case card::SecretFormat::CollationA: return "数字 12 桁";
        case card::SecretFormat::CollationB: return "数字 14 桁";
        case card::SecretFormat::BirthDateKey: return "数字 6 桁";
    }
    return "";
}
}  // namespace

std::optional<card::Secret> lastAskedSecret() { return g_lastSecret; }

card::Credential askCredential(const GlobalOptions& options, card::Secret secret) {
    g_lastSecret = secret;
    const std::string label = secretLabel(secret);
    const auto format = card::secretInfo(secret).format;
    card::Credential cred{secret, {}, options.allowFinalTry};
    if (format == card::SecretFormat::CollationB && !options.pin.given()) {
        auto birth = promptTerminal(tr(Msg::PromptBirthDate), false, label);
        auto year = promptTerminal(tr(Msg::PromptExpiryYear), false, label);
        auto code = promptTerminal(tr(Msg::PromptSecurityCode), true, label);
        cred.value = assembleCollationB(birth, year, code);
        return cred;
    }
    const std::string prompt = format == card::SecretFormat::CollationA
                                   ? std::string(tr(Msg::PromptCollationA))
                                   : trf(Msg::PromptPin, label, formatText(format));
    cred.value = readSecret(options.pin, prompt, label);
    return cred;
}

apdu::SecureBytes askNewSecret(const GlobalOptions& options, card::Secret secret) {
    const std::string label = secretLabel(secret);
    const auto format = card::secretInfo(secret).format;
    if (options.newPin.given()) return readSecret(options.newPin, "", label);
    auto first = promptTerminal(trf(Msg::PromptNewPin, label, formatText(format)), true, label);
    auto again = promptTerminal(trf(Msg::PromptNewPinAgain, label), true, label);
    if (first.size() != again.size() || !std::equal(first.begin(), first.end(), again.begin()))
        throw CliError(kUsage, tr(Msg::NewPinMismatch));
    return first;
}

void writeOutput(const std::string& path, const apdu::Bytes& data) {
    if (path.empty() || path == "-") {
        std::cout.write(reinterpret_cast<const char*>(data.data()), static_cast<std::streamsize>(data.size()));
        std::cout.flush();
        return;
    }
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out.write(reinterpret_cast<const char*>(data.data()), static_cast<std::streamsize>(data.size()));
    if (!out) throw CliError(kUsage, (language() == Lang::Ja ? "書き込めません: " : "cannot write: ") + path);
}

apdu::Bytes readInput(const std::string& path) {
    if (path == "-") return apdu::Bytes(std::istreambuf_iterator<char>(std::cin), std::istreambuf_iterator<char>());
    std::ifstream in(path, std::ios::binary);
    if (!in) throw CliError(kUsage, (language() == Lang::Ja ? "読めません: " : "cannot read: ") + path);
    return apdu::Bytes(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

void printJson(const nlohmann::json& j) { std::cout << j.dump(2) << std::endl; }

const char* cardKindKey(card::CardKind kind) {
    switch (kind) {
        case card::CardKind::MyNumberCard: return "my_number_card";
        case card::CardKind::SmartphoneJpki: return "smartphone_jpki";
        case card::CardKind::JukiCard: return "juki_card";
        case card::CardKind::NotMyNumber: return "not_my_number_card";
    }
    return "unknown";
}

nlohmann::json pinStatusJson(const card::PinStatus& st) {
    nlohmann::json j;
    j["available"] = st.available;
    j["tries_left"] = st.known() ? nlohmann::json(st.triesLeft) : nlohmann::json(nullptr);
    j["blocked"] = st.blocked();
    return j;
}

std::string pinStatusText(const card::PinStatus& st) {
    if (!st.available) return tr(Msg::Unavailable);
    if (st.blocked()) return language() == Lang::Ja ? "ロック中" : "BLOCKED";
    if (!st.known()) return tr(Msg::Unknown);
    return trf(Msg::TriesLeft, std::to_string(st.triesLeft));
}

}  // namespace mynacard::cli
