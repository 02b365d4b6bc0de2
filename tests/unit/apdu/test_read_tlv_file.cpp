// CardChannel::readTlvFile / readBinary against a modelled transparent EF (spec §3, §4.3): the
// card returns up to the end of file (possibly fewer bytes than asked), ends with 6B00 or 6282,
// and files carry filler after the TLV.
#include <catch2/catch.hpp>

#include <algorithm>
#include <vector>

#include "apdu/card_channel.h"
#include "apdu/errors.h"
#include "apdu/tlv.h"
#include "tests/support/scripted_transport.h"

using namespace mynacard::apdu;
using mynacard::CardStatusError;
using mynacard::ProtocolError;
using mynacard::test::ScriptedTransport;

namespace {

// A DER-like object of exactly `total` bytes: tag 30 + shortest length + counting bytes.
Bytes tlvOfTotal(std::size_t total) {
    for (std::size_t v = total; v-- > 0;) {
        Bytes value(v);
        for (std::size_t i = 0; i < v; ++i) value[i] = static_cast<std::uint8_t>(i * 7 + 1);
        Bytes out = encodeTlv(0x30, value);
        if (out.size() == total) return out;
    }
    FAIL("no TLV of total " << total);
    return {};
}

struct Read {
    std::size_t offset;
    std::size_t le;
    bool extended;
};

// A transparent EF behind READ BINARY, configurable like the variants real cards show.
struct FileCard {
    Bytes file;
    std::size_t maxReturn = 65536;  // the card returns at most this many bytes per command
    bool eofWith6282 = false;       // short answer at EOF carries 6282 instead of 9000
    bool rejectExtended = false;    // extended APDUs → 6700 (spec §15 profile switch)
    std::uint16_t forcedSw = 0;     // answer every READ BINARY with this SW (e.g. 6982)
    std::vector<Read> reads;

    Bytes operator()(const Bytes& c) {
        REQUIRE(c.size() >= 5);
        REQUIRE(c[0] == 0x00);
        REQUIRE(c[1] == 0xB0);
        REQUIRE((c[2] & 0x80) == 0);  // never the SFI form, never a 16-bit offset
        const std::size_t offset = static_cast<std::size_t>(c[2]) << 8 | c[3];
        std::size_t le;
        bool ext = false;
        if (c.size() == 5) {
            le = c[4] == 0 ? 256 : c[4];
        } else {
            REQUIRE(c.size() == 7);
            REQUIRE(c[4] == 0x00);
            ext = true;
            le = static_cast<std::size_t>(c[5]) << 8 | c[6];
            if (le == 0) le = 65536;
        }
        reads.push_back({offset, le, ext});
        if (forcedSw)
            return {static_cast<std::uint8_t>(forcedSw >> 8), static_cast<std::uint8_t>(forcedSw)};
        if (ext && rejectExtended) return {0x67, 0x00};
        if (offset >= file.size()) return {0x6B, 0x00};
        const std::size_t n = std::min({le, maxReturn, file.size() - offset});
        Bytes out(file.begin() + offset, file.begin() + offset + n);
        const bool hitEof = offset + n == file.size() && n < le;
        out.push_back(hitEof && eofWith6282 ? 0x62 : 0x90);
        out.push_back(hitEof && eofWith6282 ? 0x82 : 0x00);
        return out;
    }
};

struct Rig {
    FileCard card;
    ScriptedTransport transport{[this](const Bytes& c) { return card(c); }};
    CardChannel channel{transport};
};

std::vector<std::size_t> offsets(const FileCard& c) {
    std::vector<std::size_t> v;
    for (auto& r : c.reads) v.push_back(r.offset);
    return v;
}
std::vector<std::size_t> les(const FileCard& c) {
    std::vector<std::size_t> v;
    for (auto& r : c.reads) v.push_back(r.le);
    return v;
}
using V = std::vector<std::size_t>;

}  // namespace

TEST_CASE("readTlvFile: sizes around 256-byte boundaries, with filler", "[readTlvFile]") {
    struct Case {
        std::size_t total;
        V offsets;
        V les;
    };
    const Case cases[] = {
        {255, {0}, {256}},
        {256, {0}, {256}},
        {257, {0, 256}, {256, 1}},
        {512, {0, 256}, {256, 256}},
        {1000, {0, 256, 512, 768}, {256, 256, 256, 232}},
    };
    for (const Case& k : cases) {
        for (bool filler : {true, false}) {
            for (bool with6282 : {false, true}) {
                INFO("total " << k.total << " filler " << filler << " 6282 " << with6282);
                Rig rig;
                const Bytes content = tlvOfTotal(k.total);
                rig.card.file = content;
                if (filler) rig.card.file.resize(content.size() + 300, 0xFF);
                rig.card.eofWith6282 = with6282;
                CHECK(rig.channel.readTlvFile() == content);
                CHECK(offsets(rig.card) == k.offsets);  // stops at the announced total
                CHECK(les(rig.card) == k.les);
                CHECK(rig.channel.apduCount() == k.offsets.size());
                for (auto& r : rig.card.reads) CHECK_FALSE(r.extended);  // short by default
            }
        }
    }
}

TEST_CASE("readTlvFile: a card returning 128 bytes per call", "[readTlvFile]") {
    Rig rig;
    const Bytes content = tlvOfTotal(1000);
    rig.card.file = content;
    rig.card.file.resize(1100, 0x00);
    rig.card.maxReturn = 128;
    CHECK(rig.channel.readTlvFile() == content);
    CHECK(offsets(rig.card) == V{0, 128, 256, 384, 512, 640, 768, 896});
    CHECK(les(rig.card) == V{256, 256, 256, 256, 256, 256, 232, 104});
}

TEST_CASE("readTlvFile: maxChunk 128", "[readTlvFile]") {
    Rig rig;
    const Bytes content = tlvOfTotal(300);
    rig.card.file = content;
    rig.channel.setMaxChunk(128);
    CHECK(rig.channel.readTlvFile() == content);
    CHECK(offsets(rig.card) == V{0, 128, 256});
    CHECK(les(rig.card) == V{128, 128, 44});
}

TEST_CASE("readTlvFile: header split across one-byte answers", "[readTlvFile]") {
    Rig rig;
    const Bytes content = tlvOfTotal(300);  // 30 82 01 28 ...
    rig.card.file = content;
    rig.card.maxReturn = 1;
    CHECK(rig.channel.readTlvFile() == content);
    CHECK(rig.card.reads.size() == 300);
}

TEST_CASE("readTlvFile: text AP EF 0001 (FF10, 17 bytes with filler)", "[readTlvFile]") {
    Rig rig;
    rig.card.file = fromHex("FF 10 0C 31 32 33 34 35 36 37 38 39 30 31 38 FF FF");
    CHECK(rig.channel.readTlvFile() == fromHex("FF 10 0C 31 32 33 34 35 36 37 38 39 30 31 38"));
    CHECK(les(rig.card) == V{256});
}

TEST_CASE("readTlvFile: small file read in one command", "[readTlvFile]") {
    Rig rig;
    rig.card.file = fromHex("04 03 41 42 43 FF FF");
    CHECK(rig.channel.readTlvFile() == fromHex("04 03 41 42 43"));
    CHECK(rig.card.reads.size() == 1);
}

TEST_CASE("readTlvFile: header announcing more than the file holds", "[readTlvFile]") {
    for (bool with6282 : {false, true}) {
        INFO("6282 " << with6282);
        Rig rig;
        Bytes file = tlvOfTotal(1000);
        file.resize(600);  // the file really ends here
        rig.card.file = file;
        rig.card.eofWith6282 = with6282;
        CHECK_THROWS_AS(rig.channel.readTlvFile(), ProtocolError);
        // 0, 256 full; 512 returns 88 bytes. With 6282 that is the end; with 9000 the next read
        // at 600 gets 6B00. Either way no read beyond that.
        CHECK(offsets(rig.card) == (with6282 ? V{0, 256, 512} : V{0, 256, 512, 600}));
    }
}

TEST_CASE("readTlvFile: 6B00 exactly at the announced end is not needed", "[readTlvFile]") {
    Rig rig;
    rig.card.file = tlvOfTotal(512);  // no filler: a further read would get 6B00
    CHECK(rig.channel.readTlvFile().size() == 512);
    CHECK(rig.card.reads.size() == 2);
}

TEST_CASE("readTlvFile: malformed or missing headers", "[readTlvFile]") {
    SECTION("erased file (FF)") {
        Rig rig;
        rig.card.file = Bytes(64, 0xFF);
        CHECK_THROWS_AS(rig.channel.readTlvFile(), ProtocolError);
    }
    SECTION("indefinite length") {
        Rig rig;
        rig.card.file = fromHex("30 80 04 00 00 00");
        CHECK_THROWS_AS(rig.channel.readTlvFile(), ProtocolError);
    }
    SECTION("file ends inside the header") {
        Rig rig;
        rig.card.file = fromHex("30 82 01");
        CHECK_THROWS_AS(rig.channel.readTlvFile(), ProtocolError);
    }
    SECTION("empty file: 6B00 at offset 0") {
        Rig rig;
        CHECK_THROWS_AS(rig.channel.readTlvFile(), ProtocolError);
        CHECK(rig.card.reads.size() == 1);
    }
}

TEST_CASE("readTlvFile: status words other than EOF are CardStatusError", "[readTlvFile]") {
    Rig rig;
    rig.card.file = tlvOfTotal(300);
    rig.card.forcedSw = 0x6982;  // e.g. signature cert before the password (spec §4.1)
    try {
        rig.channel.readTlvFile();
        FAIL("no exception");
    } catch (const CardStatusError& e) {
        CHECK(e.sw() == 0x6982);
    }
}

TEST_CASE("readTlvFile: a card returning nothing with 9000 cannot loop", "[readTlvFile]") {
    ScriptedTransport t([](const Bytes&) { return fromHex("90 00"); });
    CardChannel ch(t);
    CHECK_THROWS_AS(ch.readTlvFile(), ProtocolError);
    CHECK(t.exchanges() == 1);
}

TEST_CASE("readTlvFile: a card returning more than Le is a ProtocolError", "[readTlvFile]") {
    ScriptedTransport t;
    Bytes tooMuch(257, 0x04);
    tooMuch.push_back(0x90);
    tooMuch.push_back(0x00);
    t.expect("00 B0 00 00 00", tooMuch);
    CardChannel ch(t);
    CHECK_THROWS_AS(ch.readTlvFile(), ProtocolError);
}

TEST_CASE("readTlvFile: 61xx answers are followed inside a chunk", "[readTlvFile][61xx]") {
    ScriptedTransport t;
    t.expect("00 B0 00 00 00", "61 05").expect("00 C0 00 00 05", "04 03 41 42 43 90 00");
    CardChannel ch(t);
    CHECK(ch.readTlvFile() == fromHex("04 03 41 42 43"));
    CHECK(t.finished());
}

TEST_CASE("readTlvFile: extended length reads the whole EF in one command", "[readTlvFile][ext]") {
    Rig rig;
    const Bytes content = tlvOfTotal(1000);
    rig.card.file = content;
    rig.card.file.resize(1500, 0xFF);
    rig.channel.setExtendedLength(true);
    CHECK(rig.channel.readTlvFile() == content);
    REQUIRE(rig.card.reads.size() == 1);
    CHECK(rig.card.reads[0].extended);
    CHECK(rig.card.reads[0].le == 65536);
    CHECK(toHex(rig.transport.commands()[0], true) == "00 B0 00 00 00 00 00");
}

TEST_CASE("readTlvFile: extended, but the card answers in short pieces", "[readTlvFile][ext]") {
    Rig rig;
    const Bytes content = tlvOfTotal(1000);
    rig.card.file = content;
    rig.card.maxReturn = 400;
    rig.channel.setExtendedLength(true);
    CHECK(rig.channel.readTlvFile() == content);
    CHECK(offsets(rig.card) == V{0, 400, 800});
    CHECK(les(rig.card) == V{65536, 600, 200});
}

TEST_CASE("readTlvFile: extended refused with 6700 falls back to short chunks",
          "[readTlvFile][ext]") {
    Rig rig;
    const Bytes content = tlvOfTotal(600);
    rig.card.file = content;
    rig.card.rejectExtended = true;
    rig.channel.setExtendedLength(true);
    CHECK(rig.channel.readTlvFile() == content);
    CHECK(offsets(rig.card) == V{0, 0, 256, 512});
    CHECK(les(rig.card) == V{65536, 256, 256, 88});
    // The refusal is remembered: a second file costs no extra extended attempt.
    rig.card.reads.clear();
    CHECK(rig.channel.readTlvFile() == content);
    CHECK(offsets(rig.card) == V{0, 256, 512});
}

TEST_CASE("readTlvFile: offsets beyond 0x7FFF are a ProtocolError", "[readTlvFile]") {
    Rig rig;
    // 33000 bytes fit the last legal chunk (offset 0x7F00..0x7FFF + 256); reading stops there.
    Bytes content = tlvOfTotal(33000);
    rig.card.file = content;
    rig.card.maxReturn = 255;  // never quite a full chunk, so offsets do not stay 256-aligned
    CHECK_THROWS_AS(rig.channel.readTlvFile(), ProtocolError);
    REQUIRE_FALSE(rig.card.reads.empty());
    CHECK(rig.card.reads.back().offset <= 0x7FFF);
    CHECK(rig.card.reads.back().offset > 0x7F00);
    // A header announcing more than 15-bit offsets can reach is refused after the first read.
    Rig big;
    big.card.file = tlvOfTotal(40000);
    CHECK_THROWS_AS(big.channel.readTlvFile(), ProtocolError);
    CHECK(big.card.reads.size() == 1);
}

TEST_CASE("readBinary: exact ranges across chunk boundaries", "[readBinary]") {
    Rig rig;
    Bytes file(1000);
    for (std::size_t i = 0; i < file.size(); ++i) file[i] = static_cast<std::uint8_t>(i);
    rig.card.file = file;
    rig.card.maxReturn = 128;

    CHECK(rig.channel.readBinary(200, 300) == Bytes(file.begin() + 200, file.begin() + 500));
    CHECK(offsets(rig.card) == V{200, 328, 456});
    CHECK(les(rig.card) == V{256, 172, 44});

    rig.card.reads.clear();
    CHECK(rig.channel.readBinary(0x100, 0x20) == Bytes(file.begin() + 256, file.begin() + 288));
    CHECK(toHex(rig.transport.commands().back(), true) == "00 B0 01 00 20");

    rig.card.reads.clear();
    CHECK(rig.channel.readBinary(10, 0).empty());
    CHECK(rig.card.reads.empty());
}

TEST_CASE("readBinary: past the end of file is a ProtocolError", "[readBinary]") {
    for (bool with6282 : {false, true}) {
        Rig rig;
        rig.card.file = Bytes(300, 0x11);
        rig.card.eofWith6282 = with6282;
        CHECK_THROWS_AS(rig.channel.readBinary(200, 200), ProtocolError);
        CHECK_THROWS_AS(rig.channel.readBinary(300, 1), ProtocolError);
    }
}

TEST_CASE("readBinary: 15-bit offset limit", "[readBinary]") {
    Rig rig;
    rig.card.file = Bytes(0x8100, 0x22);
    rig.card.maxReturn = 1;  // forces a second command at offset 0x8000
    CHECK(rig.channel.readBinary(0x7FFF, 1).size() == 1);
    CHECK_THROWS_AS(rig.channel.readBinary(0x7FFF, 2), ProtocolError);
    const std::size_t before = rig.card.reads.size();
    CHECK_THROWS_AS(rig.channel.readBinary(0x8000, 1), ProtocolError);
    CHECK(rig.card.reads.size() == before);  // refused before anything was sent
}

// Fuzzing finding F2: a card answering one byte per READ BINARY made a 32 KB header cost 32768
// APDUs (minutes on a real link). The number of reads per file is bounded.
TEST_CASE("readTlvFile: a card that answers a few bytes per read is cut off", "[readTlvFile][bounds]") {
    Rig rig;
    rig.card.file = tlvOfTotal(4000);
    rig.card.maxReturn = 1;
    CHECK_THROWS_AS(rig.channel.readTlvFile(), ProtocolError);
    CHECK(rig.card.reads.size() == 2048);
}

TEST_CASE("readTlvFile: 4 bytes per read still completes a 2000-byte file", "[readTlvFile][bounds]") {
    Rig rig;
    rig.card.file = tlvOfTotal(2000);
    rig.card.maxReturn = 4;
    CHECK(rig.channel.readTlvFile() == rig.card.file);
    CHECK(rig.card.reads.size() == 500);
}

TEST_CASE("readTlvFile: a header beyond 15-bit offsets is refused before reading on", "[readTlvFile][bounds]") {
    Rig rig;
    rig.card.file = {0x30, 0x83, 0x01, 0x00, 0x00};  // announces 65541 bytes
    CHECK_THROWS_AS(rig.channel.readTlvFile(), ProtocolError);
    CHECK(rig.card.reads.size() == 1);
}
