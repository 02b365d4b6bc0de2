// The PKCS#11 debug log with APDUs (MYNACARD_PKCS11_DEBUG=2, issue 13 defect 9): reading the
// signature certificate must not copy the holder's name or address into the log file, in text or
// as the trace's hex, and the file is created 0600 whatever the umask.
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>

#include "tests/conformance/fixture.h"

using namespace mynacard;
using namespace mynacard::p11test;

namespace {

// Sets the debug variables for one test and restores a quiet module afterwards (C_Initialize
// re-reads them, so later tests in this binary log nothing).
struct DebugLogEnv {
    std::string path;
    mode_t oldUmask;
    DebugLogEnv() : path(logPath()), oldUmask(::umask(022)) {
        std::remove(path.c_str());
        ::setenv("MYNACARD_PKCS11_DEBUG", "2", 1);
        ::setenv("MYNACARD_PKCS11_LOG", path.c_str(), 1);
    }
    ~DebugLogEnv() {
        ::unsetenv("MYNACARD_PKCS11_DEBUG");
        ::unsetenv("MYNACARD_PKCS11_LOG");
        ::umask(oldUmask);
        std::remove(path.c_str());
    }
    static std::string logPath() {
        const char* tmp = std::getenv("TMPDIR");
        return std::string(tmp && *tmp ? tmp : "/tmp") + "/mynacard-p11-debug-" +
               std::to_string(::getpid()) + ".log";
    }
};

std::string readFile(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
}

std::string hexOf(const std::string& text, bool spaced) {
    return apdu::toHex(reinterpret_cast<const std::uint8_t*>(text.data()), text.size(), spaced);
}

bool contains(const std::string& haystack, const std::string& needle) {
    return haystack.find(needle) != std::string::npos;
}

}  // namespace

TEST_CASE("debug log with APDUs: no personal data from the signature certificate, mode 0600",
          "[log][privacy]") {
    DebugLogEnv env;
    apdu::Bytes cert;
    {
        Fixture fx;
        CK_SESSION_HANDLE h = fx.open(1);
        fx.login(h, sim::defaultProfile().pinSign);
        cert = fx.userCertificate(h);
        REQUIRE(fx.f->C_CloseSession(h) == CKR_OK);
    }
    const sim::Profile& profile = sim::defaultProfile();
    // The certificate really carries the data this test looks for (else it would prove nothing).
    const std::string der(cert.begin(), cert.end());
    REQUIRE(contains(der, profile.name));
    REQUIRE(contains(der, profile.address));

    struct stat st {};
    REQUIRE(::stat(env.path.c_str(), &st) == 0);
    CHECK((st.st_mode & 07777) == 0600);

    const std::string log = readFile(env.path);
    INFO(log.substr(0, 4000));
    CHECK(contains(log, "apdu > "));
    CHECK(contains(log, " bytes] 9000"));  // data answers are logged by their length
    // The leading certificate bytes come back whole in the first READ BINARY answer.
    const std::string head(cert.begin(), cert.begin() + 24);
    for (const std::string& secret : {profile.name, profile.address, head}) {
        CHECK_FALSE(contains(log, secret));
        CHECK_FALSE(contains(log, hexOf(secret, true)));
        CHECK_FALSE(contains(log, hexOf(secret, false)));
    }
    // Hex of the family name alone (9 UTF-8 bytes): a short run survives a chunk boundary.
    const std::string family = profile.name.substr(0, profile.name.find("\u3000"));
    CHECK_FALSE(contains(log, hexOf(family, true)));
}
