#include "tools/secret_input.h"

#include <fcntl.h>
#include <termios.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <iterator>
#include <string_view>

#include "apdu/card/pin_policy.h"
#include "tools/exit_codes.h"
#include "tools/i18n.h"

namespace mynacard::cli {
namespace {

bool allDigits(const apdu::SecureBytes& b, std::size_t n) {
    if (b.size() != n) return false;
    for (auto c : b)
        if (c < '0' || c > '9') return false;
    return true;
}

// The value of an environment variable is readable in /proc/PID/environ for the life of the
// process (the kernel reads the original block, which setenv/unsetenv never touch). Once the
// secret is in a wiped buffer, overwrite the value where it lies and drop the variable, so that
// neither that file nor a child process sees it. The CLI reads each variable once per process.
void forgetVariable(const std::string& name, const char* value) {
    apdu::secureWipe(const_cast<char*>(value), std::strlen(value));
    ::unsetenv(name.c_str());
}

}  // namespace

apdu::SecureBytes firstLine(const apdu::SecureBytes& text) {
    std::size_t n = 0;
    while (n < text.size() && text[n] != '\n' && text[n] != '\r') ++n;
    return apdu::SecureBytes(text.data(), n);
}

apdu::SecureBytes promptTerminal(const std::string& prompt, bool hidden, const std::string& what) {
    if (!isatty(STDIN_FILENO)) throw CliError(kUsage, trf(Msg::NoTerminal, what));
    std::fputs(prompt.c_str(), stderr);
    std::fflush(stderr);
    termios saved{};
    const bool haveTermios = tcgetattr(STDIN_FILENO, &saved) == 0;
    if (hidden && haveTermios) {
        termios quiet = saved;
        quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
        quiet.c_lflag |= ECHONL;
        tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet);
    }
    // A fixed buffer that is wiped, so no std::string copy of the secret exists.
    apdu::SecureBytes buffer(256);
    std::size_t n = 0;
    unsigned char c = 0;
    for (;;) {
        const ssize_t r = ::read(STDIN_FILENO, &c, 1);
        if (r < 0 && errno == EINTR) continue;
        if (r <= 0 || c == '\n' || c == '\r') break;
        if (n < buffer.size()) buffer[n++] = c;
    }
    apdu::secureWipe(&c, 1);  // the last character typed (a PIN digit) stays in no variable
    if (hidden && haveTermios) tcsetattr(STDIN_FILENO, TCSAFLUSH, &saved);
    return apdu::SecureBytes(buffer.data(), n);
}

apdu::SecureBytes readSecret(const SecretSource& source, const std::string& prompt,
                             const std::string& what) {
    if (!source.env.empty()) {
        const char* v = std::getenv(source.env.c_str());
        if (v == nullptr)
            throw CliError(kUsage, (language() == Lang::Ja ? "環境変数が設定されていません: "
                                                           : "environment variable not set: ") +
                                       source.env);
        apdu::SecureBytes value(reinterpret_cast<const std::uint8_t*>(v), std::strlen(v));
        forgetVariable(source.env, v);
        return firstLine(value);
    }
    if (!source.file.empty()) {
        // read(2) straight into a wiped buffer: std::ifstream would stage the file in its own
        // 8 KiB buffer and free it unwiped (found by tests/unit/secrets).
        const int fd = ::open(source.file.c_str(), O_RDONLY | O_CLOEXEC);
        if (fd < 0)
            throw CliError(kUsage, (language() == Lang::Ja ? "ファイルを読めません: " : "cannot read file: ") +
                                       source.file);
        apdu::SecureBytes buffer(256);
        std::size_t n = 0;
        bool failed = false;
        while (n < buffer.size()) {
            const ssize_t r = ::read(fd, buffer.data() + n, buffer.size() - n);
            if (r < 0 && errno == EINTR) continue;
            if (r < 0) failed = true;
            if (r <= 0) break;
            n += static_cast<std::size_t>(r);
        }
        ::close(fd);
        if (failed)
            throw CliError(kUsage, (language() == Lang::Ja ? "ファイルを読めません: " : "cannot read file: ") +
                                       source.file);
        return firstLine(apdu::SecureBytes(buffer.data(), n));
    }
    return promptTerminal(prompt, true, what);
}

apdu::SecureBytes assembleCollationB(const apdu::SecureBytes& birthDate,
                                     const apdu::SecureBytes& expiryYear,
                                     const apdu::SecureBytes& securityCode) {
    const bool ja = language() == Lang::Ja;
    if (!allDigits(birthDate, 6) ||
        !card::isPlausibleEraDate(std::string_view(reinterpret_cast<const char*>(birthDate.data()), 6)))
        throw CliError(kUsage, ja ? "生年月日は和暦の YYMMDD (6 桁) で入力してください"
                                  : "the birth date must be 6 digits YYMMDD with the era year as printed");
    if (!allDigits(expiryYear, 4) || expiryYear[0] != '2')
        throw CliError(kUsage, ja ? "有効期限の年は西暦 4 桁で入力してください"
                                  : "the expiry year must be 4 digits (e.g. 2035)");
    if (!allDigits(securityCode, 4))
        throw CliError(kUsage, ja ? "セキュリティコードは 4 桁の数字です" : "the security code must be 4 digits");
    apdu::SecureBytes out(14);
    std::memcpy(out.data(), birthDate.data(), 6);
    std::memcpy(out.data() + 6, expiryYear.data(), 4);
    std::memcpy(out.data() + 10, securityCode.data(), 4);
    return out;
}

}  // namespace mynacard::cli
