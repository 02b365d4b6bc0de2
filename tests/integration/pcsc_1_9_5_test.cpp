// PcscTransport under the SCardTransmit buffer rule of pcsc-lite before 1.9.8 (issue 13, defect
// 7), which refused every APDU whose receive buffer exceeded MAX_BUFFER_SIZE_EXTENDED. Runs inside
// scripts/pcsc-ns with pcsc_1_9_5_shim.so preloaded (CMakeLists.txt); the test first proves the
// shim is in effect, so that it cannot pass merely because the old rule was absent.
#include <winscard.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <string>
#include <vector>

#include "apdu/pcsc/pcsc_context.h"
#include "apdu/pcsc/pcsc_transport.h"
#include "pcsc_ns_env.h"
#include "test_card.h"

using namespace std::chrono_literals;
using mynacard::apdu::Bytes;
using mynacard::pcsc::Context;
using mynacard::pcsc::PcscTransport;
using mynacard::test::TestCard;

namespace {

const Bytes kSelectJpki = {0x00, 0xA4, 0x04, 0x0C, 0x0A, 0xD3, 0x92, 0xF0, 0x00,
                           0x26, 0x01, 0x00, 0x00, 0x00, 0x01};

// The raw call with a receive buffer of `recvLen` bytes.
LONG rawTransmit(const Context& ctx, const std::string& reader, DWORD recvLen) {
    SCARDHANDLE h = 0;
    DWORD proto = 0;
    REQUIRE(SCardConnect(ctx.handle(), reader.c_str(), SCARD_SHARE_SHARED,
                         SCARD_PROTOCOL_T0 | SCARD_PROTOCOL_T1, &h, &proto) == SCARD_S_SUCCESS);
    std::vector<BYTE> response(recvLen);
    DWORD len = recvLen;
    LONG rc = SCardTransmit(h, proto == SCARD_PROTOCOL_T1 ? SCARD_PCI_T1 : SCARD_PCI_T0,
                            kSelectJpki.data(), static_cast<DWORD>(kSelectJpki.size()), nullptr,
                            response.data(), &len);
    SCardDisconnect(h, SCARD_LEAVE_CARD);
    return rc;
}

}  // namespace

TEST_CASE("PcscTransport exchanges APDUs under pcsc-lite 1.9.5's buffer rule", "[pcsc-1.9.5]") {
    const auto e = mynacard::test::pcscNsEnv();
    TestCard card(e.host, e.port);
    Context ctx;
    REQUIRE(ctx.waitForCard(e.reader, 10s));
    // The shim is in effect: one byte over the limit is refused before pcscd sees it, the limit
    // itself goes through.
    REQUIRE(rawTransmit(ctx, e.reader, MAX_BUFFER_SIZE_EXTENDED + 1) == SCARD_E_INSUFFICIENT_BUFFER);
    REQUIRE(card.apdus() == 0);
    REQUIRE(rawTransmit(ctx, e.reader, MAX_BUFFER_SIZE_EXTENDED) == SCARD_S_SUCCESS);
    REQUIRE(card.apdus() == 1);

    PcscTransport t(ctx, e.reader);
    CHECK(t.transmit(kSelectJpki) == Bytes{0x90, 0x00});
    Bytes r = t.transmit({0x00, 0xB0, 0x00, 0x00, 0x00});  // Le 00 = 256 bytes
    REQUIRE(r.size() == 258);
    CHECK(r[255] == 0xFF);
    CHECK(card.apdus() == 3);
}
