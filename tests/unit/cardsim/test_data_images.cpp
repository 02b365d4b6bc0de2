// Card-face images (spec §6.3/6.4): PNGs decode with libpng as 1-bit greyscale of the expected
// size and content; the photo is a JP2 that libopenjp2 decodes.
#include <catch2/catch.hpp>

#include <openjpeg.h>
#include <png.h>

#include <cstring>

#include "cardsim/image_png.h"
#include "test_data_helpers.h"

using namespace mynacard::sim;
using namespace testdata;
using mynacard::apdu::parseTlv;

namespace {

struct Decoded {
    int width = 0, height = 0;
    std::vector<std::uint8_t> grey;  // 8-bit, 0 = black
};

Decoded decodePng(const Bytes& png) {
    png_image img;
    std::memset(&img, 0, sizeof img);
    img.version = PNG_IMAGE_VERSION;
    REQUIRE(png_image_begin_read_from_memory(&img, png.data(), png.size()) != 0);
    img.format = PNG_FORMAT_GRAY;
    Decoded d;
    d.width = static_cast<int>(img.width);
    d.height = static_cast<int>(img.height);
    d.grey.resize(PNG_IMAGE_SIZE(img));
    REQUIRE(png_image_finish_read(&img, nullptr, d.grey.data(), 0, nullptr) != 0);
    return d;
}

// IHDR fields straight from the file: bit depth at byte 24, colour type at byte 25.
void checkOneBitGrey(const Bytes& png) {
    REQUIRE(png.size() > 26);
    CHECK(slice(png, 0, 8) == mynacard::apdu::fromHex("89 50 4E 47 0D 0A 1A 0A"));
    CHECK(png[24] == 1);
    CHECK(png[25] == 0);
}

void checkImage(const Bytes& png, int w, int h, const std::string& text, int scale) {
    checkOneBitGrey(png);
    Decoded d = decodePng(png);
    CHECK(d.width == w);
    CHECK(d.height == h);
    detail::Bitmap expected = detail::renderText(text, w, h, scale);
    int black = 0, mismatches = 0;
    for (int y = 0; y < h; ++y)
        for (int x = 0; x < w; ++x) {
            bool isBlack = d.grey[static_cast<std::size_t>(y) * w + x] < 128;
            black += isBlack;
            mismatches += isBlack != expected.at(x, y);
        }
    CHECK(black > 0);
    CHECK(mismatches == 0);
}

struct MemIn {
    const Bytes* data;
    std::size_t pos = 0;
};
OPJ_SIZE_T readFn(void* buf, OPJ_SIZE_T n, void* user) {
    auto* m = static_cast<MemIn*>(user);
    if (m->pos >= m->data->size()) return static_cast<OPJ_SIZE_T>(-1);
    n = std::min(n, m->data->size() - m->pos);
    std::memcpy(buf, m->data->data() + m->pos, n);
    m->pos += n;
    return n;
}
OPJ_OFF_T skipFn(OPJ_OFF_T n, void* user) {
    auto* m = static_cast<MemIn*>(user);
    m->pos += static_cast<std::size_t>(n);
    return n;
}
OPJ_BOOL seekFn(OPJ_OFF_T n, void* user) {
    static_cast<MemIn*>(user)->pos = static_cast<std::size_t>(n);
    return OPJ_TRUE;
}

}  // namespace

TEST_CASE("name, address, security code and number images are 1-bit PNGs of the text", "[cardsim][data]") {
    const CardData& d = defaultCard();
    Profile p = defaultProfile();
    mynacard::apdu::Tlv face = parseTlv(d.faceRecord);
    checkImage(face.require(0xDF25).value, 300, 40, p.name, 4);
    checkImage(face.require(0xDF26).value, 300, 80, p.address, 3);
    checkImage(face.require(0xDF2A).value, 24, 12, p.securityCode, 1);
    checkImage(parseTlv(d.faceMyNumberImage).require(0xDF41).value, 72, 12, p.myNumber, 1);
}

TEST_CASE("the renderer draws digits legibly and other characters distinctly", "[cardsim][data]") {
    auto bits = [](const std::string& s) { return detail::renderText(s, 8, 9, 1).black; };
    CHECK(bits("1") != bits("7"));
    CHECK(bits("1") == bits("\xEF\xBC\x91"));  // full-width １ draws like 1
    CHECK(bits("山") != bits("田"));
    CHECK(bits("\xE3\x80\x80") == bits(" "));  // U+3000 is blank
    std::vector<bool> blank(8 * 9, false);
    CHECK(bits(" ") == blank);
    CHECK(bits("山") != blank);
}

TEST_CASE("the face photo is a greyscale JP2 that openjpeg decodes", "[cardsim][data]") {
    Bytes jp2 = parseTlv(defaultCard().faceRecord).require(0xDF27).value;
    // JP2 signature box (ISO/IEC 15444-1 Annex I).
    REQUIRE(jp2.size() > 12);
    CHECK(slice(jp2, 0, 12) == mynacard::apdu::fromHex("0000000C 6A502020 0D0A870A"));
    CHECK(jp2.size() > 1000);
    CHECK(jp2.size() < 20000);

    MemIn in{&jp2};
    opj_stream_t* stream = opj_stream_create(OPJ_J2K_STREAM_CHUNK_SIZE, OPJ_TRUE);
    opj_stream_set_user_data(stream, &in, nullptr);
    opj_stream_set_user_data_length(stream, jp2.size());
    opj_stream_set_read_function(stream, readFn);
    opj_stream_set_skip_function(stream, skipFn);
    opj_stream_set_seek_function(stream, seekFn);
    opj_codec_t* codec = opj_create_decompress(OPJ_CODEC_JP2);
    opj_dparameters_t params;
    opj_set_default_decoder_parameters(&params);
    REQUIRE(opj_setup_decoder(codec, &params));
    opj_image_t* image = nullptr;
    bool ok = opj_read_header(stream, codec, &image) && opj_decode(codec, stream, image) &&
              opj_end_decompress(codec, stream);
    CHECK(ok);
    REQUIRE(image);
    CHECK(image->numcomps == 1);
    CHECK(image->color_space == OPJ_CLRSPC_GRAY);
    CHECK(image->comps[0].w == 96);
    CHECK(image->comps[0].h == 120);
    // Not a flat image: the drawing has both dark and light areas.
    int lo = 255, hi = 0;
    for (OPJ_UINT32 i = 0; i < image->comps[0].w * image->comps[0].h; ++i) {
        lo = std::min(lo, image->comps[0].data[i]);
        hi = std::max(hi, image->comps[0].data[i]);
    }
    CHECK(hi - lo > 80);
    opj_image_destroy(image);
    opj_destroy_codec(codec);
    opj_stream_destroy(stream);
}
