// Issue 8 "Secrets": no unwiped copy of a PIN, password or 照合番号 is ever handed back to the heap
// by host-side code (apdu/, pkcs11/, tools/). The executable replaces global operator new/delete
// (heap_detector.cpp); while armed, every freed block is scanned for the secrets.
//
// What is in scope: everything our code allocates with operator new — SecureBytes, the VERIFY /
// CHANGE command and its encoded copy, trace strings, exception messages, PKCS#11 login copies,
// CLI input buffers, stream buffers — and, by a second scan, the stack: every step of a scenario
// runs on a private, zero-filled stack that is scanned whole after the step (ScannedStack), so
// stack copies, short std::strings and saved registers are found the same way on every machine
// and build (issue 12); each scenario ends with a planted copy the scan must find. A copy that a
// later call of the same step overwrites is not seen. The simulated card is out of
// scope (it must store PINs): CardSideTransport runs it on its own thread inside a CardScope,
// whose allocations and frees are not scanned.
#include <catch2/catch.hpp>

#include <fcntl.h>
#include <pty.h>
#include <termios.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <iterator>
#include <memory>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "apdu/card/card_session.h"
#include "apdu/card/digest_info.h"
#include "apdu/card/face_applet.h"
#include "apdu/card/jpki_applet.h"
#include "apdu/card/resident_applet.h"
#include "apdu/card/text_applet.h"
#include "apdu/command.h"
#include "apdu/errors.h"
#include "cardsim/sim_transport.h"
#include "pkcs11/p11.h"
#include "tests/conformance/sim_reader_provider.h"
#include "tests/unit/secrets/heap_detector.h"
#include "tests/unit/secrets/secret_fixture.h"
#include "tools/cli_context.h"
#include "tools/exit_codes.h"
#include "tools/secret_input.h"

using namespace mynacard;
using namespace mynacard::secrets_test;

namespace {

// The card side of the link: the simulator's own copies of a command (it parses the APDU and
// compares the PIN) are the card's business, so it runs inside a CardScope. The response is
// copied out of the scope so that what the host keeps of it is scanned like any host memory.
class CardSideTransport : public p11test::ForwardingTransport {
  public:
    using ForwardingTransport::ForwardingTransport;
    apdu::Bytes transmit(const apdu::Bytes& command) override {
        apdu::Bytes response;
        std::exception_ptr error;
        // Its own thread, so that the card's stack residue (it compares PINs) is not ours.
        std::thread card([&] {
            CardScope scope;
            try {
                response = inner_->transmit(command);
            } catch (...) {
                error = std::current_exception();
            }
        });
        card.join();
        if (error) std::rethrow_exception(error);
        return apdu::Bytes(response.begin(), response.end());
    }
};

// Builds a card on a card thread (its profile holds the PINs) inside a CardScope.
std::unique_ptr<sim::SimCard> makeCardOnCardThread() {
    std::unique_ptr<sim::SimCard> card;
    std::thread t([&] {
        CardScope scope;
        card = makeCard();
    });
    t.join();
    return card;
}

// One simulated card (card memory) with the host stack on top.
struct CardRig {
    std::unique_ptr<sim::SimCard> card;
    std::unique_ptr<CardSideTransport> transport;
    std::unique_ptr<card::CardSession> session;
    std::vector<std::string> trace;  // the -v trace lines: scanned when freed like everything else

    CardRig() {
        card = makeCardOnCardThread();
        transport = std::make_unique<CardSideTransport>(std::make_unique<sim::SimTransport>(*card));
        session = std::make_unique<card::CardSession>(*transport);
        session->channel().setTraceHook([this](const apdu::TraceEvent& e) {
            trace.push_back(e.command + " -> " + e.response);
        });
    }
    ~CardRig() {
        session.reset();
        transport.reset();
        CardScope scope;
        card.reset();
    }
};

// The positive control of every stack scan: an unwiped copy planted on the scanned stack at the
// end of each scenario must be found (registered after kAllSecrets; used nowhere else).
constexpr const char* kPlant = "PLANT5X3Q";
constexpr int kPlantIndex = static_cast<int>(std::size(kAllSecrets));

void registerSecrets() {
    clearSecrets();
    for (const char* s : kAllSecrets) addSecret(s);
    addSecret(kPlant);
}

std::string describe(const std::vector<Hit>& hits) {
    std::ostringstream out;
    for (const Hit& h : hits)
        out << "secret #" << h.secret << " at offset " << h.offset << " of a freed block of "
            << h.blockSize << " bytes, freed at:\n"
            << h.backtrace;
    return out.str();
}

// Arms the detector for the scope of a test body; hits are collected when disarmed.
class Armed {
  public:
    Armed() {
        registerSecrets();
        arm();
    }
    ~Armed() { disarm(); }
    std::vector<Hit> finish() {
        disarm();
        return hits();
    }
};

std::string describe(const std::vector<StackHit>& hits) {
    std::ostringstream out;
    for (const StackHit& h : hits)
        out << "secret #" << h.secret << " on the scanned stack, " << h.depth
            << " bytes below its top, left by step " << h.run << "\n";
    return out.str();
}

// Leave a copy of `s` in this (then dead) frame, wiped or not: controls for the stack scan.
__attribute__((noinline)) void leaveOnStack(const char* s) {
    volatile char copy[16] = {};
    for (std::size_t i = 0; i < std::strlen(s) && i < sizeof copy; ++i) copy[i] = s[i];
}
__attribute__((noinline)) void leaveWipedOnStack(const char* s) {
    char copy[16] = {};
    std::memcpy(copy, s, std::min(std::strlen(s), sizeof copy));
    apdu::secureWipe(copy, sizeof copy);
}
// One frame further down, like code under an API entry point.
__attribute__((noinline)) void deeper(const char* s, bool wipe) {
    volatile char pad[512];
    pad[0] = 0;
    if (wipe)
        leaveWipedOnStack(s);
    else
        leaveOnStack(s);
    pad[511] = pad[0];
}

int count(const std::vector<StackHit>& hits, int secret) {
    return static_cast<int>(std::count_if(hits.begin(), hits.end(),
                                          [secret](const StackHit& h) { return h.secret == secret; }));
}

// The stack a scenario's steps run on (ScannedStack: zero-filled before each step, scanned whole
// after it). One per test case, set by StackScenario.
ScannedStack* g_stack = nullptr;

class StackScenario {
  public:
    StackScenario() { g_stack = &stack_; }
    ~StackScenario() { g_stack = nullptr; }
    ScannedStack& stack() { return stack_; }

  private:
    ScannedStack stack_;
};

// Runs one operation of the scenario on the scanned stack.
template <typename F>
void step(F&& f) {
    REQUIRE(g_stack != nullptr);
    g_stack->run(std::forward<F>(f));
}

// Requires that no step left a secret on its stack, then plants an unwiped copy on the same
// stack and requires that the scan finds it: a scan that saw nothing is visible as a failure
// here, and as the missing "found" line in the output.
void requireCleanStack(ScannedStack& stack) {
    if (!stack.scanned()) {
        WARN("SKIPPED: stack residue not scanned (AddressSanitizer build: swapcontext onto a "
             "private stack needs fiber annotations); the heap scan ran");
        return;
    }
    const std::vector<StackHit> residue = stack.hits();
    INFO(describe(residue));
    CHECK(residue.empty());
    stack.clearHits();
    stack.run([] { deeper(kPlant, false); });
    INFO(describe(stack.hits()));
    REQUIRE(stack.hits().size() == 1);
    REQUIRE(stack.hits()[0].secret == kPlantIndex);
    std::printf("stack scan control: planted copy found\n");
    std::fflush(stdout);
    // The steps ran on it: well beyond the plant's own frames.
    CHECK(stack.deepestUse() > 2048);
}

void requireNoHits(const std::vector<Hit>& found, std::size_t scanned) {
    INFO(describe(found));
    CHECK(found.empty());
    // The detector saw the traffic: an empty result is not for lack of looking.
    CHECK(scanned > 50);
    WARN("freed blocks scanned: " << scanned);
}

// Ends a CardRig scenario: frees the -v trace (scanned like everything else), disarms the
// detector and requires that no freed block and no step's stack held a secret.
void finishRig(Armed& armed, CardRig& rig) {
    rig.trace.clear();
    rig.trace.shrink_to_fit();
    const std::vector<Hit> found = armed.finish();
    requireNoHits(found, scannedBlocks());
    requireCleanStack(*g_stack);
}

apdu::SecureBytes secret(const char* s) { return apdu::SecureBytes::fromString(s); }

const apdu::Bytes kMessage = {'s', 'e', 'c', 'r', 'e', 't', 's', ' ', 't', 'e', 's', 't'};

}  // namespace

TEST_CASE("heap detector: catches an unwiped copy, ignores wiped ones and card memory",
          "[secrets]") {
    Armed armed;
    {
        std::vector<std::uint8_t> leak(kAuthPin, kAuthPin + 4);  // unwiped copy: must be caught
    }
    {
        // Past the small-string buffer: the message lives on the heap.
        std::string log = std::string("verifying with PIN ") + kSignPassword + " now";
    }
    {
        // A hand-built VERIFY without `sensitive`: CommandApdu does not wipe its data.
        apdu::CommandApdu c;
        c.ins = 0x20;
        c.data.assign(kTextPin, kTextPin + 4);
    }
    {
        apdu::SecureBytes wiped = secret(kAuthPin);  // wiped on destruction: no hit
        apdu::SecureBytes moved = std::move(wiped);
    }
    {
        CardScope card;  // card memory: not scanned
        std::vector<std::uint8_t> cardCopy(kResidentPin, kResidentPin + 4);
    }
    const std::vector<Hit> found = armed.finish();
    INFO(describe(found));
    REQUIRE(found.size() == 3);
    CHECK(found[0].secret == 0);  // kAuthPin
    CHECK(found[0].blockSize == 4);
    CHECK(found[1].secret == 3);  // kSignPassword
    CHECK(found[1].offset == 19);
    CHECK(found[2].secret == 5);  // kTextPin
    CHECK(found[2].blockSize == 4);
}

TEST_CASE("stack residue scan: catches an unwiped stack copy, not a wiped one", "[secrets]") {
    ScannedStack stack;
    if (!stack.scanned()) {
        WARN("SKIPPED: stack residue not scanned (AddressSanitizer build)");
        return;
    }
    registerSecrets();
    // A wiped copy leaves nothing (fails if secureWipe stops wiping).
    stack.run([] { deeper(kResidentPinNew, true); });
    CHECK(stack.hits().empty());
    // An unwiped one, in the same place, is found once, whatever ran on the stack before.
    stack.run([] { deeper(kSignPasswordNew, false); });
    INFO(describe(stack.hits()));
    REQUIRE(count(stack.hits(), 4) == 1);
    CHECK(stack.hits().size() == 1);
    CHECK(stack.hits()[0].run == 1);
    std::printf("stack scan control: planted copy found\n");
    // The next run starts from a zero-filled stack: the old plant is gone.
    stack.clearHits();
    stack.run([] { deeper(kResidentPinNew, true); });
    CHECK(stack.hits().empty());
    // An exception thrown on the scanned stack reaches the caller, after the scan.
    CHECK_THROWS_AS(stack.run([] { throw std::runtime_error("from the scanned stack"); }),
                    std::runtime_error);
}

TEST_CASE("no unwiped PIN copy: JPKI verify, sign, wrong PIN, PIN change", "[secrets]") {
    CardRig rig;
    card::JpkiApplet jpki(*rig.session);
    const apdu::Bytes authCert = jpki.certificate(card::JpkiCertificate::Auth);
    StackScenario scenario;
    Armed armed;
    {
        // A wrong PIN first (one try spent, typed error), then the right one.
        step([&] {
            try {
                jpki.verify(card::makeCredential(card::Secret::JpkiAuthPin, kAuthPinNew));
                FAIL("a wrong PIN was accepted");
            } catch (const PinError& e) {
                CHECK(e.kind() == PinError::Kind::Incorrect);
            }
        });
        step([&] { jpki.verify(card::makeCredential(card::Secret::JpkiAuthPin, kAuthPin)); });
        step([&] {
            const apdu::Bytes sig =
                jpki.signData(card::JpkiKey::Auth, card::HashAlgorithm::Sha256, kMessage);
            CHECK(verifySha256(authCert, kMessage, sig));
        });
        // A malformed value is refused locally (it contains the real PIN: "7395" + "0").
        step([&] {
            CHECK_THROWS_AS(jpki.verify(card::makeCredential(card::Secret::JpkiAuthPin, "73950")),
                            PinError);
        });
        // Change and change back: VERIFY old + CHANGE REFERENCE DATA new (spec §3).
        step([&] { jpki.changePin(card::JpkiKey::Auth, secret(kAuthPin), secret(kAuthPinNew)); });
        step([&] { jpki.changePin(card::JpkiKey::Auth, secret(kAuthPinNew), secret(kAuthPin)); });
        step([&] { jpki.logout(); });
    }
    finishRig(armed, rig);
    CHECK(rig.card->secret(sim::AppletId::Jpki, 0x0018) == std::string(kAuthPin));
}

TEST_CASE("no unwiped PIN copy: signature password typed in lower case", "[secrets]") {
    CardRig rig;
    card::JpkiApplet jpki(*rig.session);
    StackScenario scenario;
    Armed armed;
    {
        step(
            [&] { jpki.verify(card::makeCredential(card::Secret::JpkiSignPassword, kSignTyped)); });
        step([&] {
            const apdu::Bytes cert = jpki.certificate(card::JpkiCertificate::Sign);
            const apdu::Bytes sig =
                jpki.signData(card::JpkiKey::Sign, card::HashAlgorithm::Sha256, kMessage);
            CHECK(verifySha256(cert, kMessage, sig));
        });
        step([&] {
            jpki.changePin(card::JpkiKey::Sign, secret(kSignPassword), secret(kSignPasswordNew));
        });
        step([&] {
            jpki.changePin(card::JpkiKey::Sign, secret(kSignPasswordNew), secret(kSignPassword));
        });
    }
    finishRig(armed, rig);
}

TEST_CASE("no unwiped secret copy: text AP PIN and 照合番号B, face AP, 住基 PIN change",
          "[secrets]") {
    CardRig rig;
    StackScenario scenario;
    Armed armed;
    {
        card::TextApplet text(*rig.session);
        step([&] { text.verify(card::makeCredential(card::Secret::TextPin, kTextPin)); });
        step([&] { CHECK(text.readMyNumber().myNumber.size() == 12); });
        step([&] { text.verify(card::makeCredential(card::Secret::TextCollationB, kCollationB)); });

        card::FaceApplet face(*rig.session);
        step([&] { face.verify(card::makeCredential(card::Secret::FaceCollationB, kCollationB)); });
        step([&] { CHECK(face.readFront().expiry == "20350217"); });

        // 住基AP: JICSAP CHANGE KEY (80 32), spec §3.
        card::ResidentApplet resident(*rig.session);
        step([&] { resident.changePin(secret(kResidentPin), secret(kResidentPinNew)); });
    }
    finishRig(armed, rig);
    CHECK(rig.card->secret(sim::AppletId::Resident, 0x001C) == std::string(kResidentPinNew));
}

// ---- PKCS#11 core in-process --------------------------------------------------------------------

namespace {

CK_UTF8CHAR_PTR utf8(const char* s) {
    return reinterpret_cast<CK_UTF8CHAR_PTR>(const_cast<char*>(s));
}
CK_ULONG len(const char* s) { return static_cast<CK_ULONG>(std::strlen(s)); }

}  // namespace

TEST_CASE("no unwiped PIN copy: PKCS#11 C_Login, C_Sign, C_SetPIN", "[secrets]") {
    auto world = std::make_shared<p11test::SimWorld>();
    std::shared_ptr<sim::SimCard> card(makeCardOnCardThread().release());
    world->addReader("Secrets Reader 0", card);
    p11::setHooks(
        {[world] { return std::make_unique<p11test::WrappedSimReaderProvider<CardSideTransport>>(world); }, &p11::makeJpkiCardAccess});
    CK_FUNCTION_LIST_PTR f = nullptr;
    REQUIRE(C_GetFunctionList(&f) == CKR_OK);
    REQUIRE(f->C_Initialize(nullptr) == CKR_OK);

    StackScenario scenario;
    Armed armed;
    {
        CK_SESSION_HANDLE auth = 0, sign = 0;
        REQUIRE(f->C_OpenSession(0, CKF_SERIAL_SESSION | CKF_RW_SESSION, nullptr, nullptr, &auth) ==
                CKR_OK);
        REQUIRE(f->C_OpenSession(1, CKF_SERIAL_SESSION, nullptr, nullptr, &sign) == CKR_OK);
        step([&] {
            CHECK(f->C_Login(auth, CKU_USER, utf8(kAuthPinNew), len(kAuthPinNew)) ==
                  CKR_PIN_INCORRECT);
        });
        step([&] { CHECK(f->C_Login(auth, CKU_USER, utf8("73950"), 5) == CKR_PIN_LEN_RANGE); });
        step([&] { REQUIRE(f->C_Login(auth, CKU_USER, utf8(kAuthPin), len(kAuthPin)) == CKR_OK); });
        step([&] {
            REQUIRE(f->C_Login(sign, CKU_USER, utf8(kSignTyped), len(kSignTyped)) == CKR_OK);
        });

        // A signature with the unlocked key, checked with OpenSSL against the token's certificate.
        CK_OBJECT_CLASS keyClass = CKO_PRIVATE_KEY, certClass = CKO_CERTIFICATE;
        CK_ULONG userCategory = 1;  // CKA_CERTIFICATE_CATEGORY "token user"
        CK_ATTRIBUTE keyTmpl[] = {{CKA_CLASS, &keyClass, sizeof keyClass}};
        CK_ATTRIBUTE certTmpl[] = {{CKA_CLASS, &certClass, sizeof certClass},
                                   {CKA_CERTIFICATE_CATEGORY, &userCategory, sizeof userCategory}};
        auto findOne = [&](CK_SESSION_HANDLE h, CK_ATTRIBUTE* t, CK_ULONG count) {
            CK_OBJECT_HANDLE found[4];
            CK_ULONG n = 0;
            REQUIRE(f->C_FindObjectsInit(h, t, count) == CKR_OK);
            REQUIRE(f->C_FindObjects(h, found, 4, &n) == CKR_OK);
            REQUIRE(f->C_FindObjectsFinal(h) == CKR_OK);
            REQUIRE(n == 1);
            return found[0];
        };
        CK_OBJECT_HANDLE key = findOne(auth, keyTmpl, 1);
        CK_OBJECT_HANDLE cert = findOne(auth, certTmpl, 2);
        CK_ATTRIBUTE value{CKA_VALUE, nullptr, 0};
        REQUIRE(f->C_GetAttributeValue(auth, cert, &value, 1) == CKR_OK);
        apdu::Bytes der(value.ulValueLen);
        value.pValue = der.data();
        REQUIRE(f->C_GetAttributeValue(auth, cert, &value, 1) == CKR_OK);
        CK_MECHANISM mech{CKM_SHA256_RSA_PKCS, nullptr, 0};
        apdu::Bytes sig(256);
        step([&] {
            REQUIRE(f->C_SignInit(auth, &mech, key) == CKR_OK);
            CK_ULONG sigLen = sig.size();
            REQUIRE(f->C_Sign(auth, const_cast<CK_BYTE_PTR>(kMessage.data()), kMessage.size(),
                              sig.data(), &sigLen) == CKR_OK);
            sig.resize(sigLen);
        });
        CHECK(verifySha256(der, kMessage, sig));

        step([&] {
            REQUIRE(f->C_SetPIN(auth, utf8(kAuthPin), len(kAuthPin), utf8(kAuthPinNew),
                                len(kAuthPinNew)) == CKR_OK);
        });
        step([&] {
            REQUIRE(f->C_SetPIN(auth, utf8(kAuthPinNew), len(kAuthPinNew), utf8(kAuthPin),
                                len(kAuthPin)) == CKR_OK);
        });
        step([&] { CHECK(f->C_Logout(auth) == CKR_OK); });
        step([&] {
            CHECK(f->C_CloseAllSessions(0) == CKR_OK);
            CHECK(f->C_CloseAllSessions(1) == CKR_OK);
        });
    }
    // C_Finalize frees the module's per-card state: scanned too.
    CK_RV finalized = CKR_GENERAL_ERROR;
    step([&] { finalized = f->C_Finalize(nullptr); });
    const std::vector<Hit> found = armed.finish();
    CHECK(finalized == CKR_OK);
    requireNoHits(found, scannedBlocks());
    requireCleanStack(scenario.stack());
    CardScope scope;  // the card goes with the world
    world.reset();
    card.reset();
}

// ---- CLI secret input ---------------------------------------------------------------------------

namespace {

// Puts a pseudo-terminal on stdin for the lifetime of the object; a thread types `lines` into it.
// A hidden prompt turns echo off with TCSAFLUSH, which discards input typed too early, so a line
// marked hidden is typed only once echo is off (the prompt then blocks in read() until it comes).
class FakeTerminal {
  public:
    struct Line {
        const char* text;
        bool hidden;
    };
    explicit FakeTerminal(std::vector<Line> lines) : lines_(std::move(lines)) {
        REQUIRE(openpty(&master_, &slave_, nullptr, nullptr, nullptr) == 0);
        savedStdin_ = dup(STDIN_FILENO);
        REQUIRE(dup2(slave_, STDIN_FILENO) == STDIN_FILENO);
        typist_ = std::thread([this] {
            for (const Line& line : lines_) {
                for (int i = 0; line.hidden && i < 5000; ++i) {
                    termios t{};
                    if (tcgetattr(slave_, &t) == 0 && !(t.c_lflag & ECHO)) break;
                    std::this_thread::sleep_for(std::chrono::milliseconds(1));
                }
                const std::size_t n = std::strlen(line.text);
                if (write(master_, line.text, n) != static_cast<ssize_t>(n)) return;
            }
        });
    }
    ~FakeTerminal() {
        typist_.join();
        dup2(savedStdin_, STDIN_FILENO);
        close(savedStdin_);
        close(slave_);
        close(master_);
    }

  private:
    std::vector<Line> lines_;
    int master_ = -1, slave_ = -1, savedStdin_ = -1;
    std::thread typist_;
};

bool equals(const apdu::SecureBytes& s, const char* text) {
    return s.size() == std::strlen(text) && std::memcmp(s.data(), text, s.size()) == 0;
}

}  // namespace

TEST_CASE("no unwiped PIN copy: CLI --pin-env, --pin-file, prompt, then VERIFY", "[secrets]") {
    // Set up outside the armed window: the file and the variable are the user's own copies.
    char path[] = "/tmp/mynacard-secrets-XXXXXX";
    const int fd = mkstemp(path);
    REQUIRE(fd >= 0);
    const std::string content = std::string(kAuthPin) + "\nsecond line\n";
    REQUIRE(write(fd, content.data(), content.size()) == static_cast<ssize_t>(content.size()));
    close(fd);
    REQUIRE(setenv("MYNACARD_SECRETS_TEST_PIN", kSignTyped, 1) == 0);

    CardRig rig;
    card::JpkiApplet jpki(*rig.session);
    StackScenario scenario;
    Armed armed;
    {
        cli::GlobalOptions options;
        options.pin.file = path;
        card::Credential fromFile{card::Secret::JpkiAuthPin, {}};
        step([&] { fromFile = cli::askCredential(options, card::Secret::JpkiAuthPin); });
        CHECK(equals(fromFile.value, kAuthPin));
        step([&] { jpki.verify(fromFile); });

        cli::GlobalOptions envOptions;
        envOptions.pin.env = "MYNACARD_SECRETS_TEST_PIN";
        card::Credential fromEnv{card::Secret::JpkiSignPassword, {}};
        const char* envValue = std::getenv("MYNACARD_SECRETS_TEST_PIN");
        REQUIRE(envValue != nullptr);
        step([&] { fromEnv = cli::askCredential(envOptions,
                                                card::Secret::JpkiSignPassword); });
        CHECK(equals(fromEnv.value, kSignTyped));
        // The variable's value was wiped where it lies (glibc keeps setenv's strings) and the
        // variable is gone (issue 12: /proc/PID/environ, child processes).
        CHECK(std::getenv("MYNACARD_SECRETS_TEST_PIN") == nullptr);
        CHECK(std::all_of(envValue, envValue + std::strlen(kSignTyped),
                          [](char ch) { return ch == 0; }));
        step([&] { jpki.verify(fromEnv); });

        {
            FakeTerminal tty({{"5173\n", true}});
            apdu::SecureBytes typed;
            step([&] { typed = cli::promptTerminal("PIN: ", true, "test PIN"); });
            CHECK(equals(typed, kResidentPin));
        }
        {
            // 照合番号B from its three printed parts (spec §6.5), as the CLI prompts for it.
            FakeTerminal tty({{"550217\n", false}, {"2035\n", false}, {"2285\n", true}});
            cli::GlobalOptions none;
            card::Credential b{card::Secret::TextCollationB, {}};
            step([&] { b = cli::askCredential(none, card::Secret::TextCollationB); });
            CHECK(equals(b.value, kCollationB));
            step([&] { card::TextApplet(*rig.session).verify(b); });
        }
    }
    finishRig(armed, rig);
    unsetenv("MYNACARD_SECRETS_TEST_PIN");
    std::remove(path);

    // The file reader's error path (open(2) instead of std::ifstream): a usage error.
    cli::SecretSource missing;
    missing.file = path;  // removed above
    try {
        cli::readSecret(missing, "", "test PIN");
        FAIL("an unreadable --pin-file was accepted");
    } catch (const cli::CliError& e) {
        CHECK(e.code() == cli::kUsage);
    }
}
