#include <catch2/catch.hpp>
#include <png.h>

#include <CLI/CLI.hpp>

#include "apdu/errors.h"
#include "cardsim/image_jp2.h"
#include "tools/cli_context.h"
#include "tools/exit_codes.h"
#include "tools/i18n.h"
#include "tools/image_convert.h"
#include "tools/secret_input.h"

namespace mynacard::cli {
bool i18nTableConsistent();
}

using namespace mynacard;
using namespace mynacard::cli;

namespace {
apdu::SecureBytes sb(const char* s) { return apdu::SecureBytes::fromString(s); }
std::string str(const apdu::SecureBytes& b) { return std::string(b.begin(), b.end()); }
struct LangGuard {
    ~LangGuard() { setLanguage(Lang::En); }
};
}  // namespace

TEST_CASE("language detection follows LC_ALL, LC_MESSAGES, LANG") {
    CHECK(detectLanguage(nullptr, nullptr, "ja_JP.UTF-8") == Lang::Ja);
    CHECK(detectLanguage(nullptr, nullptr, "en_US.UTF-8") == Lang::En);
    CHECK(detectLanguage(nullptr, nullptr, nullptr) == Lang::En);
    CHECK(detectLanguage("C", nullptr, "ja_JP.UTF-8") == Lang::En);   // LC_ALL wins
    CHECK(detectLanguage("", "ja_JP", "en_US") == Lang::Ja);          // empty is ignored
    CHECK(detectLanguage("ja_JP.UTF-8", "C", "C") == Lang::Ja);
}

TEST_CASE("message table follows the enum and translates") {
    LangGuard guard;
    CHECK(i18nTableConsistent());
    setLanguage(Lang::En);
    CHECK(trf(Msg::TriesLeft, "2") == "2 tries left");
    setLanguage(Lang::Ja);
    CHECK(trf(Msg::TriesLeft, "2") == "残り 2 回");
    CHECK(std::string(tr(Msg::BlockedAdvice)).find("市区町村の窓口") != std::string::npos);
}

TEST_CASE("library errors map to distinct exit codes") {
    using K = PinError::Kind;
    const auto code = [](const std::exception& e) { return describeFailure(e, card::Secret::JpkiAuthPin).code; };
    CHECK(code(PinError(K::Incorrect, "x", 2)) == kWrongPin);
    CHECK(code(PinError(K::Blocked, "x", 0)) == kBlocked);
    CHECK(code(PinError(K::InvalidFormat, "x")) == kUsage);
    CHECK(code(PinError(K::FinalTryRefused, "x", 1)) == kFinalTryRefused);
    CHECK(code(PinError(K::NotLoggedIn, "x")) == kCardError);
    CHECK(code(TransportError(TransportError::Kind::NoService, "x")) == kNoReader);
    CHECK(code(TransportError(TransportError::Kind::NoReader, "x")) == kNoReader);
    CHECK(code(TransportError(TransportError::Kind::NoCard, "x")) == kNoCard);
    CHECK(code(TransportError(TransportError::Kind::CommunicationFailed, "x")) == kCardError);
    CHECK(code(CardStatusError(0x6A82, "x")) == kWrongCard);
    CHECK(code(CardStatusError(0x6F00, "x")) == kCardError);
    CHECK(code(ProtocolError("x")) == kCardError);
    CHECK(code(CliError(kVerificationFailed, "x")) == kVerificationFailed);
    CHECK(code(std::runtime_error("x")) == kInternal);

    const Failure f = describeFailure(PinError(K::Incorrect, "x", 2), card::Secret::JpkiAuthPin);
    CHECK(f.kind == "wrong_pin");
    CHECK(f.triesLeft == 2);
    CHECK(f.message.find("2 tries left") != std::string::npos);
    const Failure b = describeFailure(PinError(K::Blocked, "x", 0), card::Secret::TextPin);
    CHECK(b.message.find("municipal office") != std::string::npos);
    CHECK(b.message.find("text PIN") != std::string::npos);
}

TEST_CASE("reader choice") {
    const std::vector<std::string> readers{"ACS ACR39U 00 00", "Virtual PCD 00 00", "Virtual PCD 00 01"};
    CHECK(chooseReader(readers, {false, true, false}, "") == std::string("Virtual PCD 00 00"));
    CHECK(chooseReader(readers, {false, false, false}, "") == std::string("ACS ACR39U 00 00"));
    CHECK(chooseReader(readers, {true, true, true}, "Virtual PCD 00 01") == std::string("Virtual PCD 00 01"));
    CHECK(chooseReader(readers, {true, true, true}, "ACR39") == std::string("ACS ACR39U 00 00"));
    CHECK_FALSE(chooseReader(readers, {true, true, true}, "Virtual").has_value());  // ambiguous
    CHECK_FALSE(chooseReader(readers, {true, true, true}, "nope").has_value());
    CHECK_FALSE(chooseReader({}, {}, "").has_value());
}

TEST_CASE("照合番号B is assembled from its printed parts and each part is checked") {
    CHECK(str(assembleCollationB(sb("550217"), sb("2035"), sb("2285"))) == "55021720352285");
    CHECK_THROWS_AS(assembleCollationB(sb("19800217"), sb("2035"), sb("2285")), CliError);  // Gregorian
    CHECK_THROWS_AS(assembleCollationB(sb("551317"), sb("2035"), sb("2285")), CliError);    // month 13
    CHECK_THROWS_AS(assembleCollationB(sb("550217"), sb("35"), sb("2285")), CliError);
    CHECK_THROWS_AS(assembleCollationB(sb("550217"), sb("2035"), sb("22a5")), CliError);
    try {
        assembleCollationB(sb("550217"), sb("2035"), sb("22"));
        FAIL("no exception");
    } catch (const CliError& e) {
        CHECK(e.code() == kUsage);
    }
}

TEST_CASE("secrets come from the environment or a file, first line only, never a prompt without a tty") {
    setenv("MYNACARD_CLI_TEST_PIN", "1234\n", 1);
    CHECK(str(readSecret({"MYNACARD_CLI_TEST_PIN", ""}, "", "PIN")) == "1234");
    unsetenv("MYNACARD_CLI_TEST_UNSET");
    CHECK_THROWS_AS(readSecret({"MYNACARD_CLI_TEST_UNSET", ""}, "", "PIN"), CliError);
    const char* path = "/tmp/mynacard_cli_unit_pin.txt";
    FILE* f = std::fopen(path, "w");
    REQUIRE(f != nullptr);
    std::fputs("ABC123\r\nignored\n", f);
    std::fclose(f);
    CHECK(str(readSecret({"", path}, "", "PIN")) == "ABC123");
    std::remove(path);
    CHECK_THROWS_AS(readSecret({"", "/nonexistent/pin"}, "", "PIN"), CliError);
    CHECK(str(firstLine(sb("12\n34"))) == "12");
}

TEST_CASE("global options parse before and after the subcommand (CLI11 fallthrough)") {
    for (const std::vector<std::string>& args :
         {std::vector<std::string>{"status", "--json", "--reader", "X"},
          std::vector<std::string>{"--json", "--reader", "X", "status"},
          std::vector<std::string>{"--json", "status", "--reader", "X"}}) {
        CLI::App app;
        app.fallthrough();
        bool json = false;
        std::string reader;
        app.add_flag("--json", json);
        app.add_option("--reader", reader);
        auto* status = app.add_subcommand("status");
        std::vector<std::string> rev(args.rbegin(), args.rend());
        app.parse(rev);
        CHECK(json);
        CHECK(reader == "X");
        CHECK(status->parsed());
    }
}

TEST_CASE("JPEG 2000 photo converts to a PNG that decodes with the same size") {
    const apdu::Bytes jp2 = sim::detail::syntheticPhotoJp2(7, 96, 120);
    const apdu::Bytes png = jpeg2000ToPng(jp2);
    png_image image{};
    image.version = PNG_IMAGE_VERSION;
    REQUIRE(png_image_begin_read_from_memory(&image, png.data(), png.size()) != 0);
    CHECK(image.width == 96);
    CHECK(image.height == 120);
    std::vector<png_byte> pixels(PNG_IMAGE_SIZE(image));
    image.format = PNG_FORMAT_GRAY;
    REQUIRE(png_image_finish_read(&image, nullptr, pixels.data(), 0, nullptr) != 0);
    // A gradient with a silhouette: not a flat image.
    CHECK(*std::min_element(pixels.begin(), pixels.end()) < *std::max_element(pixels.begin(), pixels.end()));

    apdu::Bytes broken = jp2;
    broken.resize(jp2.size() / 3);
    CHECK_THROWS_AS(jpeg2000ToPng(broken), ProtocolError);
    CHECK_THROWS_AS(jpeg2000ToPng(apdu::Bytes(40, 0x00)), ProtocolError);
}
