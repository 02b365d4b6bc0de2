// Issue 8 "Secrets": the buffers that held a PIN are all-zero after secureWipe, while still
// allocated. apdu/wipe_observer.h lets this test watch every secureWipe call: before the wipe it
// notes whether the block holds the secret, right after it checks the block is all zero. The
// observer runs before the block is deallocated (WipingAllocator, SecureBytes and the command
// wipers wipe first), so reading it is valid — the ASan build would report it otherwise.
//
// Each expectation names a buffer on the PIN's path (SecureBytes, the VERIFY command's data, the
// channel's encoded APDU, the PKCS#11 login copy): removing that wipe makes its check fail.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "apdu/bytes.h"
#include "apdu/card/card_session.h"
#include "apdu/card/jpki_applet.h"
#include "apdu/card_channel.h"
#include "apdu/command.h"
#include "apdu/wipe_observer.h"
#include "cardsim/sim_transport.h"
#include "pkcs11/p11.h"
#include "tests/conformance/sim_reader_provider.h"
#include "tests/support/scripted_transport.h"
#include "tests/unit/secrets/secret_fixture.h"

using namespace mynacard;
using namespace mynacard::secrets_test;

namespace {

// One secureWipe call. Fixed storage: the observer itself allocates nothing.
struct WipeEvent {
    const void* p = nullptr;
    std::size_t n = 0;
    bool heldSecret = false;      // the secret's bytes were in the block before the wipe
    bool zeroAfter = false;       // every byte was 0 right after the wipe
    bool completed = false;       // the "after" call arrived
    unsigned char head[16] = {};  // the first bytes before the wipe
};

constexpr int kMaxEvents = 8192;
WipeEvent g_events[kMaxEvents];
int g_count = 0;
char g_secret[32];
std::size_t g_secretLength = 0;

void observer(const void* p, std::size_t n, bool after) {
    if (!after) {
        if (g_count >= kMaxEvents) return;
        WipeEvent& e = g_events[g_count++];
        e = WipeEvent{};
        e.p = p;
        e.n = n;
        e.heldSecret = g_secretLength > 0 && memmem(p, n, g_secret, g_secretLength) != nullptr;
        std::memcpy(e.head, p, std::min(n, sizeof e.head));
        return;
    }
    if (g_count == 0) return;
    WipeEvent& e = g_events[g_count - 1];  // wipes do not nest: the pending one is the last
    if (e.p != p || e.n != n || e.completed) return;
    const auto* b = static_cast<const unsigned char*>(p);
    e.zeroAfter = std::all_of(b, b + n, [](unsigned char c) { return c == 0; });
    e.completed = true;
}

// Installs the observer watching for `secret` for its lifetime.
class Watch {
  public:
    explicit Watch(const char* secret) {
        g_secretLength = std::strlen(secret);
        std::memcpy(g_secret, secret, g_secretLength);
        g_count = 0;
        previous_ = apdu::testing::setWipeObserver(&observer);
    }
    ~Watch() {
        apdu::testing::setWipeObserver(previous_);
        g_secretLength = 0;
    }
    std::vector<WipeEvent> events() const { return {g_events, g_events + g_count}; }
    // The wipes of blocks that held the secret.
    std::vector<WipeEvent> secretWipes() const {
        std::vector<WipeEvent> out;
        for (const auto& e : events())
            if (e.heldSecret) out.push_back(e);
        return out;
    }

  private:
    apdu::testing::WipeObserver previous_ = nullptr;
};

// Every block that held the secret was zero right after its wipe.
void requireAllZeroed(const std::vector<WipeEvent>& wipes) {
    for (const auto& e : wipes) {
        INFO("block of " << e.n << " bytes starting "
                         << apdu::toHex(e.head, std::min(e.n, sizeof e.head), true));
        CHECK(e.completed);
        CHECK(e.zeroAfter);
    }
}

// A wipe of a block of `n` bytes that held the secret and starts with `head` (hex).
bool sawWipe(const std::vector<WipeEvent>& wipes, std::size_t n, const std::string& headHex = "") {
    const apdu::Bytes head = apdu::fromHex(headHex);
    REQUIRE(head.size() <= sizeof(WipeEvent::head));
    return std::any_of(wipes.begin(), wipes.end(), [&](const WipeEvent& e) {
        return e.n == n && e.zeroAfter && head.size() <= n &&
               std::equal(head.begin(), head.end(), e.head);
    });
}

// Wipes of distinct blocks of `n` bytes that held the secret and were zero afterwards. Several
// buffers of the same size hold a PIN on its way (the caller's SecureBytes, the normalised copy,
// the command's data): counting them tells a missing wipe apart.
std::size_t countWipes(const std::vector<WipeEvent>& wipes, std::size_t n) {
    std::vector<const void*> blocks;
    for (const auto& e : wipes)
        if (e.n == n && e.zeroAfter && std::find(blocks.begin(), blocks.end(), e.p) == blocks.end())
            blocks.push_back(e.p);
    return blocks.size();
}

bool sawWipeAt(const std::vector<WipeEvent>& wipes, const void* p) {
    return std::any_of(wipes.begin(), wipes.end(),
                       [&](const WipeEvent& e) { return e.p == p && e.zeroAfter; });
}

}  // namespace

TEST_CASE("wipe observer: unset costs nothing and changes nothing", "[secrets]") {
    REQUIRE(apdu::testing::setWipeObserver(nullptr) == nullptr);
    unsigned char buffer[4] = {'7', '3', '9', '5'};
    apdu::secureWipe(buffer, sizeof buffer);
    CHECK(std::all_of(buffer, buffer + 4, [](unsigned char c) { return c == 0; }));
}

TEST_CASE("SecureBytes: destruction, move-assignment and clear() zero the storage", "[secrets]") {
    Watch watch(kAuthPin);
    const void* destroyed = nullptr;
    {
        apdu::SecureBytes s = apdu::SecureBytes::fromString(kAuthPin);
        destroyed = s.data();
    }
    auto wipes = watch.secretWipes();
    REQUIRE_FALSE(wipes.empty());
    CHECK(wipes.front().p == destroyed);
    requireAllZeroed(wipes);

    // Move-assignment over a secret: the overwritten value's block is wiped.
    Watch again(kAuthPin);
    apdu::SecureBytes target = apdu::SecureBytes::fromString(kAuthPin);
    const void* overwritten = target.data();
    target = apdu::SecureBytes::fromString("other");
    wipes = again.secretWipes();
    REQUIRE_FALSE(wipes.empty());
    CHECK(wipes.front().p == overwritten);
    requireAllZeroed(wipes);

    // clear() keeps the (zeroed) storage: read it directly, no observer needed.
    apdu::SecureBytes kept = apdu::SecureBytes::fromString(kAuthPin);
    const std::uint8_t* storage = kept.data();
    kept.clear();
    CHECK(kept.empty());
    CHECK(std::all_of(storage, storage + 4, [](std::uint8_t c) { return c == 0; }));
}

TEST_CASE("VERIFY: the command's data and the channel's encoded APDU are zeroed", "[secrets]") {
    Watch watch(kAuthPin);
    const void* dataBlock = nullptr;
    {
        apdu::CommandApdu c = apdu::cmd::verify(0x80, apdu::SecureBytes::fromString(kAuthPin));
        CHECK(c.sensitive);
        dataBlock = c.data.data();
    }
    auto wipes = watch.secretWipes();
    CHECK(sawWipeAt(wipes, dataBlock));  // CommandApdu::~CommandApdu
    requireAllZeroed(wipes);

    Watch channelWatch(kAuthPin);
    test::ScriptedTransport t{{"00 20 00 80 04 37 33 39 35", "90 00"}};
    apdu::CardChannel channel(t);
    {
        apdu::CommandApdu c = apdu::cmd::verify(0x80, apdu::SecureBytes::fromString(kAuthPin));
        CHECK(channel.transmit(c).ok());
        // The encoded copy is gone before the command itself is destroyed.
        CHECK(sawWipe(channelWatch.secretWipes(), 9, "00 20 00 80 04 37 33 39 35"));
    }
    REQUIRE(t.finished());
    requireAllZeroed(channelWatch.secretWipes());
}

TEST_CASE("CardSession verify and PIN change: every buffer that held the PIN is zeroed",
          "[secrets]") {
    auto card = makeCard();
    sim::SimTransport transport(*card);
    card::CardSession session(transport);
    card::JpkiApplet jpki(session);
    {
        Watch watch(kAuthPin);
        jpki.verify(card::makeCredential(card::Secret::JpkiAuthPin, kAuthPin));
        CHECK(jpki.isLoggedIn(card::JpkiKey::Auth));
        auto wipes = watch.secretWipes();
        requireAllZeroed(wipes);
        // The caller's SecureBytes, the normalised value and the command data (CommandWiper /
        // ~CommandApdu), and the encoded APDU after SELECT EF 0018 (P2 = 80, spec §3).
        CHECK(countWipes(wipes, 4) >= 3);
        CHECK(sawWipe(wipes, 9, "00 20 00 80 04 37 33 39 35"));
    }
    {
        Watch watch(kAuthPinNew);
        jpki.changePin(card::JpkiKey::Auth, apdu::SecureBytes::fromString(kAuthPin),
                       apdu::SecureBytes::fromString(kAuthPinNew));
        auto wipes = watch.secretWipes();
        requireAllZeroed(wipes);
        // CHANGE REFERENCE DATA 00 24 01 80 with the new PIN (spec §3).
        CHECK(sawWipe(wipes, 9, "00 24 01 80 04 32 38 34 36"));
        CHECK(countWipes(wipes, 4) >= 3);  // caller's value, normalised value, command data
    }
    CHECK(card->secret(sim::AppletId::Jpki, 0x0018) == std::string(kAuthPinNew));
}

TEST_CASE("PKCS#11 C_Login: the login copy and the VERIFY are zeroed", "[secrets]") {
    auto world = std::make_shared<p11test::SimWorld>();
    std::shared_ptr<sim::SimCard> card(makeCard().release());
    world->addReader("Secrets Reader 0", card);
    p11test::useSimulator(world);
    CK_FUNCTION_LIST_PTR f = nullptr;
    REQUIRE(C_GetFunctionList(&f) == CKR_OK);
    REQUIRE(f->C_Initialize(nullptr) == CKR_OK);
    CK_SESSION_HANDLE h = 0;
    REQUIRE(f->C_OpenSession(1, CKF_SERIAL_SESSION, nullptr, nullptr, &h) == CKR_OK);
    char typed[] = "qz7X9k";  // the caller's buffer: C_Login upper-cases a copy, not this
    {
        Watch watch(kSignPassword);
        REQUIRE(f->C_Login(h, CKU_USER, reinterpret_cast<CK_UTF8CHAR_PTR>(typed), 6) == CKR_OK);
        auto wipes = watch.secretWipes();
        requireAllZeroed(wipes);
        // session.cpp's SecureBytes (normalised in place), the CardAccess clone, CardSession's
        // normalised value and the command's data: four 6-byte blocks; and the VERIFY by SFI
        // (P2 = 9B).
        CHECK(countWipes(wipes, 6) >= 4);
        CHECK(sawWipe(wipes, 11, "00 20 00 9B 06 51 5A 37 58 39 4B"));
    }
    CHECK(std::string(typed) == "qz7X9k");  // the application's buffer is its own
    CHECK(f->C_Finalize(nullptr) == CKR_OK);
}
