#include "pkcs11/log.h"

#include <fcntl.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <mutex>

namespace mynacard::p11::log {
namespace {
std::atomic<bool> gEnabled{false};
std::atomic<bool> gApdus{false};
std::mutex gMutex;
std::string gPath;  // empty = stderr

// The log may hold APDU traces and reader names: create it readable by its owner only (0600,
// whatever the umask), and refuse a symlink planted at the path by another user on a shared
// directory (O_NOFOLLOW). An existing file keeps its mode: it is the user's own choice.
std::FILE* openLogFile(const std::string& path) {
    const int fd = ::open(path.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (fd < 0) return nullptr;
    std::FILE* out = ::fdopen(fd, "a");
    if (!out) ::close(fd);
    return out;
}
}  // namespace

void configure() {
    const char* debug = std::getenv("MYNACARD_PKCS11_DEBUG");
    const char* path = std::getenv("MYNACARD_PKCS11_LOG");
    std::lock_guard<std::mutex> lock(gMutex);
    gPath = path ? path : "";
    gEnabled = debug && std::strcmp(debug, "0") != 0 && *debug != '\0';
    gApdus = gEnabled && std::strcmp(debug, "2") == 0;
}

bool enabled() { return gEnabled.load(std::memory_order_relaxed); }
bool apdusEnabled() { return gApdus.load(std::memory_order_relaxed); }

void write(const std::string& line) {
    std::lock_guard<std::mutex> lock(gMutex);
    // Opened per line: a log file is for debugging sessions, and this keeps no descriptor open
    // across fork() or C_Finalize.
    std::FILE* out = gPath.empty() ? stderr : openLogFile(gPath);
    if (!out) return;
    std::fprintf(out, "mynacard-pkcs11[%d]: %s\n", static_cast<int>(getpid()), line.c_str());
    if (out != stderr) std::fclose(out);
}

}  // namespace mynacard::p11::log
