// Secrets for the CLI (issue 6): never a bare command-line argument. From an environment
// variable (--pin-env VAR), a file (--pin-file FILE, first line), or a prompt without echo on the
// terminal (termios). Everything is read into SecureBytes and wiped after use.
#pragma once

#include <string>

#include "apdu/bytes.h"

namespace mynacard::cli {

struct SecretSource {
    std::string env;   // name of an environment variable holding the secret
    std::string file;  // file whose first line is the secret
    bool given() const { return !env.empty() || !file.empty(); }
};

// The first line of `text` (without CR/LF).
apdu::SecureBytes firstLine(const apdu::SecureBytes& text);

// From the source, else from the terminal with `prompt` (echo off). A variable's value is wiped
// where it lies and the variable unset once read (not readable in /proc/PID/environ afterwards,
// not passed to child processes). Throws CliError(kUsage)
// when the variable is unset, the file unreadable, or there is no terminal. `what` names the
// secret in errors.
apdu::SecureBytes readSecret(const SecretSource& source, const std::string& prompt,
                             const std::string& what);

// Prompts on the terminal (echo off when `hidden`). Throws CliError(kUsage) without a terminal.
apdu::SecureBytes promptTerminal(const std::string& prompt, bool hidden, const std::string& what);

// 照合番号B from the parts printed on the card (spec §6.5): birth date as printed (era YYMMDD),
// expiry year (YYYY), security code (4 digits). Each part is checked so that the user learns which
// one is wrong before anything is sent. Throws CliError(kUsage).
apdu::SecureBytes assembleCollationB(const apdu::SecureBytes& birthDate,
                                     const apdu::SecureBytes& expiryYear,
                                     const apdu::SecureBytes& securityCode);

}  // namespace mynacard::cli
