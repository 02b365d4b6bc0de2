// Synthetic card-face images as 1-bit greyscale PNG (spec §6.3: name, address and security code;
// §6.4: the 個人番号 image). Real text rendering would need a font; instead a built-in 5×7 font
// draws digits (ASCII and full-width) legibly, and every other character is a box whose inner
// pattern is derived from its code point — deterministic, recognisable, and different per text.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "apdu/bytes.h"

namespace mynacard::sim::detail {

// One bit per pixel, row-major, true = black.
struct Bitmap {
    int width = 0, height = 0;
    std::vector<bool> black;
    bool at(int x, int y) const { return black[static_cast<std::size_t>(y) * width + x]; }
};

// Renders UTF-8 `text` left-aligned with glyph cells of 5×7 pixels scaled by `scale`, wrapping to
// further lines when a line is full; what does not fit is clipped.
Bitmap renderText(const std::string& text, int width, int height, int scale);

// Encodes as PNG, bit depth 1, colour type 0 (greyscale). Throws std::runtime_error on failure.
apdu::Bytes encodePng1Bit(const Bitmap& bitmap);

}  // namespace mynacard::sim::detail
