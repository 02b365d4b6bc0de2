// The debug log file (issue 13 defect 9): created 0600 whatever the umask, appended to, and never
// written through a symlink planted at its path.
#include <sys/stat.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>

#include "pkcs11/log.h"

using namespace mynacard::p11;

namespace {

std::string readFile(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
}

// Points the log at `path` for one test; the module logs nothing again afterwards.
struct LogTo {
    explicit LogTo(const std::string& path) {
        ::setenv("MYNACARD_PKCS11_DEBUG", "1", 1);
        ::setenv("MYNACARD_PKCS11_LOG", path.c_str(), 1);
        log::configure();
    }
    ~LogTo() {
        ::unsetenv("MYNACARD_PKCS11_DEBUG");
        ::unsetenv("MYNACARD_PKCS11_LOG");
        log::configure();
    }
};

std::string tempPath(const char* name) {
    return "/tmp/mynacard-unit-log-" + std::to_string(::getpid()) + "-" + name;
}

}  // namespace

TEST_CASE("log file: created 0600 under umask 022, lines appended", "[log]") {
    const std::string path = tempPath("mode");
    std::remove(path.c_str());
    const mode_t old = ::umask(022);
    {
        LogTo to(path);
        log::write("first");
        log::write("second");
    }
    ::umask(old);
    struct stat st {};
    REQUIRE(::stat(path.c_str(), &st) == 0);
    CHECK((st.st_mode & 07777) == 0600);
    const std::string text = readFile(path);
    CHECK(text.find("first") != std::string::npos);
    CHECK(text.find("second") != std::string::npos);
    std::remove(path.c_str());
}

TEST_CASE("log file: a symlink at the path is not followed", "[log]") {
    const std::string target = tempPath("target");
    const std::string link = tempPath("link");
    std::remove(link.c_str());
    { std::ofstream(target) << "victim\n"; }
    REQUIRE(::symlink(target.c_str(), link.c_str()) == 0);
    {
        LogTo to(link);
        log::write("must not reach the target");
    }
    CHECK(readFile(target) == "victim\n");
    std::remove(link.c_str());
    std::remove(target.c_str());
}
