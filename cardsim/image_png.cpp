#include "cardsim/image_png.h"

#include <png.h>

#include <csetjmp>
#include <cstring>
#include <stdexcept>

namespace mynacard::sim::detail {

namespace {

// 5×7 digits, one byte per row, bit 4 = leftmost pixel.
const std::uint8_t kDigits[10][7] = {
    {0x0E, 0x11, 0x13, 0x15, 0x19, 0x11, 0x0E}, {0x04, 0x0C, 0x04, 0x04, 0x04, 0x04, 0x0E},
    {0x0E, 0x11, 0x01, 0x02, 0x04, 0x08, 0x1F}, {0x1F, 0x02, 0x04, 0x02, 0x01, 0x11, 0x0E},
    {0x02, 0x06, 0x0A, 0x12, 0x1F, 0x02, 0x02}, {0x1F, 0x10, 0x1E, 0x01, 0x01, 0x11, 0x0E},
    {0x06, 0x08, 0x10, 0x1E, 0x11, 0x11, 0x0E}, {0x1F, 0x01, 0x02, 0x04, 0x08, 0x08, 0x08},
    {0x0E, 0x11, 0x11, 0x0E, 0x11, 0x11, 0x0E}, {0x0E, 0x11, 0x11, 0x0F, 0x01, 0x02, 0x0C},
};

// Decodes UTF-8 leniently (profile.cpp has already validated it); bad bytes become U+FFFD.
std::vector<std::uint32_t> codePoints(const std::string& s) {
    std::vector<std::uint32_t> out;
    for (std::size_t i = 0; i < s.size();) {
        auto c = static_cast<unsigned char>(s[i]);
        int extra = c < 0x80 ? 0 : (c >> 5) == 0x6 ? 1 : (c >> 4) == 0xE ? 2 : (c >> 3) == 0x1E ? 3 : -1;
        if (extra < 0 || s.size() - i <= static_cast<std::size_t>(extra)) {
            out.push_back(0xFFFD);
            ++i;
            continue;
        }
        std::uint32_t cp = extra == 0 ? c : c & (0x3F >> extra);
        for (int k = 1; k <= extra; ++k) cp = (cp << 6) | (static_cast<unsigned char>(s[i + k]) & 0x3F);
        out.push_back(cp);
        i += static_cast<std::size_t>(extra) + 1;
    }
    return out;
}

// The 5×7 glyph of a code point, rows as in kDigits.
void glyph(std::uint32_t cp, std::uint8_t rows[7]) {
    if (cp >= '0' && cp <= '9') cp += 0xFF10 - '0';  // ASCII digits look like full-width ones
    if (cp >= 0xFF10 && cp <= 0xFF19) {
        std::memcpy(rows, kDigits[cp - 0xFF10], 7);
        return;
    }
    if (cp == ' ' || cp == 0x3000) {
        std::memset(rows, 0, 7);
        return;
    }
    // A framed box with 3×5 inner bits taken from a mix of the code point.
    std::uint32_t h = cp * 2654435761u;
    h ^= h >> 15;
    rows[0] = rows[6] = 0x1F;
    for (int r = 1; r <= 5; ++r) rows[r] = static_cast<std::uint8_t>(0x11 | (((h >> (3 * (r - 1))) & 0x7) << 1));
}

struct PngSink {
    apdu::Bytes* out;
};

void writeData(png_structp png, png_bytep data, png_size_t length) {
    auto* sink = static_cast<PngSink*>(png_get_io_ptr(png));
    sink->out->insert(sink->out->end(), data, data + length);
}
void flushData(png_structp) {}
void silentWarning(png_structp, png_const_charp) {}

// Only plain C data lives in this frame, so libpng's longjmp on error skips no destructor.
bool writePng(const std::uint8_t* packed, int width, int height, std::size_t stride, apdu::Bytes* out) {
    png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, nullptr, nullptr, silentWarning);
    if (!png) return false;
    png_infop info = png_create_info_struct(png);
    if (!info) {
        png_destroy_write_struct(&png, nullptr);
        return false;
    }
    PngSink sink{out};
    if (setjmp(png_jmpbuf(png))) {
        png_destroy_write_struct(&png, &info);
        return false;
    }
    png_set_write_fn(png, &sink, writeData, flushData);
    png_set_IHDR(png, info, static_cast<png_uint_32>(width), static_cast<png_uint_32>(height), 1, PNG_COLOR_TYPE_GRAY,
                 PNG_INTERLACE_NONE, PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
    png_write_info(png, info);
    for (int y = 0; y < height; ++y) png_write_row(png, packed + static_cast<std::size_t>(y) * stride);
    png_write_end(png, info);
    png_destroy_write_struct(&png, &info);
    return true;
}

}  // namespace

Bitmap renderText(const std::string& text, int width, int height, int scale) {
    Bitmap bm;
    bm.width = width;
    bm.height = height;
    bm.black.assign(static_cast<std::size_t>(width) * height, false);
    const int margin = scale, advance = 6 * scale, lineHeight = 9 * scale;
    int x = margin, y = (height >= lineHeight + 2 * margin) ? margin : (height - 7 * scale) / 2;
    for (std::uint32_t cp : codePoints(text)) {
        if (x + 5 * scale > width) {  // wrap
            x = margin;
            y += lineHeight;
        }
        std::uint8_t rows[7];
        glyph(cp, rows);
        for (int r = 0; r < 7; ++r)
            for (int c = 0; c < 5; ++c) {
                if (!(rows[r] & (0x10 >> c))) continue;
                for (int dy = 0; dy < scale; ++dy)
                    for (int dx = 0; dx < scale; ++dx) {
                        int px = x + c * scale + dx, py = y + r * scale + dy;
                        if (px >= 0 && px < width && py >= 0 && py < height)
                            bm.black[static_cast<std::size_t>(py) * width + px] = true;
                    }
            }
        x += advance;
    }
    return bm;
}

apdu::Bytes encodePng1Bit(const Bitmap& bm) {
    if (bm.width <= 0 || bm.height <= 0) throw std::runtime_error("cardsim: empty image");
    std::size_t stride = (static_cast<std::size_t>(bm.width) + 7) / 8;
    // Greyscale 1 bit: a 1 bit is white, so black pixels are the cleared bits.
    std::vector<std::uint8_t> packed(stride * bm.height, 0xFF);
    for (int y = 0; y < bm.height; ++y)
        for (int x = 0; x < bm.width; ++x)
            if (bm.at(x, y)) packed[y * stride + x / 8] &= static_cast<std::uint8_t>(~(0x80 >> (x % 8)));
    apdu::Bytes out;
    if (!writePng(packed.data(), bm.width, bm.height, stride, &out)) throw std::runtime_error("cardsim: PNG encoding failed");
    return out;
}

}  // namespace mynacard::sim::detail
