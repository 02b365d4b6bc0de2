// The private namespace's reader, as scripts/pcsc-ns exports it, for the PC/SC integration tests.
#pragma once

#include <catch2/catch.hpp>
#include <cstdint>
#include <cstdlib>
#include <string>

namespace mynacard::test {

struct PcscNsEnv {
    std::string host;
    std::uint16_t port;
    std::string reader;
};

// The harness exports these; without them we are not in the private namespace.
inline PcscNsEnv pcscNsEnv() {
    const char* ns = std::getenv("MYNACARD_PCSC_NS");
    const char* port = std::getenv("MYNACARD_VPCD_PORT");
    const char* reader = std::getenv("MYNACARD_READER");
    if (!ns || std::string(ns) != "1" || !port || !reader)
        FAIL("not inside scripts/pcsc-ns: refusing to talk to a pcscd that may have real readers");
    return {"127.0.0.1", static_cast<std::uint16_t>(std::atoi(port)), reader};
}

}  // namespace mynacard::test
