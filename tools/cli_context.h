// What every mynacard command shares: the global options, the connection to one card (reader
// choice, --wait, -v APDU trace), secret prompts and output helpers.
#pragma once

#include <memory>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "apdu/card/card_session.h"
#include "apdu/pcsc/pcsc_context.h"
#include "apdu/pcsc/pcsc_transport.h"
#include "tools/secret_input.h"

namespace mynacard::cli {

struct GlobalOptions {
    std::string reader;       // --reader NAME (exact name, else a unique substring)
    bool json = false;        // --json
    int verbose = 0;          // -v (APDU trace on stderr, secrets masked)
    bool wait = false;        // --wait
    int waitSeconds = 0;      // --wait-timeout (0 = forever)
    SecretSource pin;         // --pin-env / --pin-file: the secret the command asks for
    SecretSource newPin;      // --new-pin-env / --new-pin-file (pin change)
    bool allowFinalTry = false;
};

// Reader choice without a card connection (pure, unit-tested): `wanted` empty → the first reader
// in `withCard` order; else an exact name, else the only reader containing `wanted`.
// Returns nullopt when nothing matches.
std::optional<std::string> chooseReader(const std::vector<std::string>& readers,
                                        const std::vector<bool>& cardPresent, const std::string& wanted);

class Connection {
public:
    // Connects to the chosen reader and identifies the card (refuses non-My-Number cards unless
    // `anyCard`). Throws CliError / TransportError.
    static std::unique_ptr<Connection> open(const GlobalOptions& options, bool anyCard = false);

    card::CardSession& session() { return *session_; }
    pcsc::PcscTransport& transport() { return *transport_; }
    const std::string& reader() const { return reader_; }

private:
    Connection() = default;
    pcsc::Context context_;
    std::string reader_;
    std::unique_ptr<pcsc::PcscTransport> transport_;
    std::unique_ptr<card::CardSession> session_;
};

// The secret for `secret`: from --pin-env/--pin-file, else prompted (照合番号B in its three
// printed parts). `allowFinalTry` from the options.
// The secret the command last asked for (names it in error messages).
std::optional<card::Secret> lastAskedSecret();
card::Credential askCredential(const GlobalOptions& options, card::Secret secret);
apdu::SecureBytes askNewSecret(const GlobalOptions& options, card::Secret secret);

// Writes to FILE, or to stdout when path is "" or "-".
void writeOutput(const std::string& path, const apdu::Bytes& data);
apdu::Bytes readInput(const std::string& path);  // "-" = stdin
void printJson(const nlohmann::json& j);
const char* cardKindKey(card::CardKind kind);  // "my_number_card", ...
nlohmann::json pinStatusJson(const card::PinStatus& st);
std::string pinStatusText(const card::PinStatus& st);

}  // namespace mynacard::cli
