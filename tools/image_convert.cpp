#include "tools/image_convert.h"

#include <openjpeg.h>
#include <png.h>

#include <algorithm>
#include <csetjmp>
#include <cstring>
#include <vector>
#include <memory>

#include "apdu/errors.h"

namespace mynacard::cli {
namespace {

struct MemoryReader {
    const apdu::Bytes* data;
    std::size_t pos = 0;
};

OPJ_SIZE_T readFn(void* buffer, OPJ_SIZE_T n, void* user) {
    auto* r = static_cast<MemoryReader*>(user);
    const std::size_t left = r->data->size() - r->pos;
    if (left == 0) return static_cast<OPJ_SIZE_T>(-1);
    const std::size_t k = std::min<std::size_t>(n, left);
    std::memcpy(buffer, r->data->data() + r->pos, k);
    r->pos += k;
    return k;
}
OPJ_OFF_T skipFn(OPJ_OFF_T n, void* user) {
    auto* r = static_cast<MemoryReader*>(user);
    if (n < 0) return -1;
    const std::size_t k = std::min<std::size_t>(static_cast<std::size_t>(n), r->data->size() - r->pos);
    r->pos += k;
    return static_cast<OPJ_OFF_T>(k);
}
OPJ_BOOL seekFn(OPJ_OFF_T n, void* user) {
    auto* r = static_cast<MemoryReader*>(user);
    if (n < 0 || static_cast<std::size_t>(n) > r->data->size()) return OPJ_FALSE;
    r->pos = static_cast<std::size_t>(n);
    return OPJ_TRUE;
}

void quiet(const char*, void*) {}

// opj_codec_t and opj_stream_t are both void*: one deleter type each.
struct CodecDeleter {
    void operator()(opj_codec_t* c) const { opj_destroy_codec(c); }
};
struct StreamDeleter {
    void operator()(opj_stream_t* s) const { opj_stream_destroy(s); }
};
struct ImageDeleter {
    void operator()(opj_image_t* i) const { opj_image_destroy(i); }
};

void pngWrite(png_structp png, png_bytep data, png_size_t n) {
    auto* out = static_cast<apdu::Bytes*>(png_get_io_ptr(png));
    out->insert(out->end(), data, data + n);
}
void pngFlush(png_structp) {}
void pngWarning(png_structp, png_const_charp) {}

// libpng reports errors by longjmp (never a C++ exception through its C frames).
bool writePng(apdu::Bytes& out, const std::vector<png_byte>& pixels, std::uint32_t width,
              std::uint32_t height, unsigned channels) {
    png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, nullptr, nullptr, pngWarning);
    png_infop info = png ? png_create_info_struct(png) : nullptr;
    if (info == nullptr) {
        png_destroy_write_struct(&png, nullptr);
        return false;
    }
    if (setjmp(png_jmpbuf(png))) {
        png_destroy_write_struct(&png, &info);
        return false;
    }
    png_set_write_fn(png, &out, pngWrite, pngFlush);
    png_set_IHDR(png, info, width, height, 8, channels == 3 ? PNG_COLOR_TYPE_RGB : PNG_COLOR_TYPE_GRAY,
                 PNG_INTERLACE_NONE, PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
    png_write_info(png, info);
    for (std::uint32_t y = 0; y < height; ++y)
        png_write_row(png, const_cast<png_bytep>(pixels.data()) + static_cast<std::size_t>(y) * width * channels);
    png_write_end(png, nullptr);
    png_destroy_write_struct(&png, &info);
    return true;
}

}  // namespace

apdu::Bytes jpeg2000ToPng(const apdu::Bytes& jp2) {
    if (jp2.size() < 12) throw ProtocolError("photo: not JPEG 2000");
    // JP2 file (signature box) or a raw J2K codestream (FF 4F FF 51).
    const bool codestream = jp2[0] == 0xFF && jp2[1] == 0x4F;
    std::unique_ptr<opj_codec_t, CodecDeleter> codec(opj_create_decompress(codestream ? OPJ_CODEC_J2K : OPJ_CODEC_JP2));
    opj_set_error_handler(codec.get(), quiet, nullptr);
    opj_set_warning_handler(codec.get(), quiet, nullptr);
    opj_set_info_handler(codec.get(), quiet, nullptr);
    opj_dparameters_t params;
    opj_set_default_decoder_parameters(&params);
    if (!opj_setup_decoder(codec.get(), &params)) throw ProtocolError("photo: decoder setup failed");

    MemoryReader reader{&jp2};
    std::unique_ptr<opj_stream_t, StreamDeleter> stream(opj_stream_create(64 * 1024, OPJ_TRUE));
    opj_stream_set_user_data(stream.get(), &reader, nullptr);
    opj_stream_set_user_data_length(stream.get(), jp2.size());
    opj_stream_set_read_function(stream.get(), readFn);
    opj_stream_set_skip_function(stream.get(), skipFn);
    opj_stream_set_seek_function(stream.get(), seekFn);

    opj_image_t* raw = nullptr;
    if (!opj_read_header(stream.get(), codec.get(), &raw)) throw ProtocolError("photo: bad JPEG 2000 header");
    std::unique_ptr<opj_image_t, ImageDeleter> image(raw);
    if (!opj_decode(codec.get(), stream.get(), image.get()) || !opj_end_decompress(codec.get(), stream.get()))
        throw ProtocolError("photo: JPEG 2000 does not decode");

    const unsigned channels = image->numcomps >= 3 ? 3 : 1;
    if (image->numcomps == 0) throw ProtocolError("photo: no components");
    const opj_image_comp_t& c0 = image->comps[0];
    const std::uint32_t width = c0.w, height = c0.h;
    if (width == 0 || height == 0 || width > 10000 || height > 10000) throw ProtocolError("photo: bad size");
    for (unsigned c = 0; c < channels; ++c)
        if (image->comps[c].data == nullptr || image->comps[c].w != width || image->comps[c].h != height)
            throw ProtocolError("photo: subsampled components are not supported");

    std::vector<png_byte> pixels(static_cast<std::size_t>(width) * height * channels);
    for (unsigned c = 0; c < channels; ++c) {
        const opj_image_comp_t& comp = image->comps[c];
        const int shift = static_cast<int>(comp.prec) - 8;
        const int offset = comp.sgnd ? (1 << (comp.prec - 1)) : 0;
        for (std::size_t i = 0; i < static_cast<std::size_t>(width) * height; ++i) {
            int v = comp.data[i] + offset;
            v = shift > 0 ? v >> shift : v << -shift;
            pixels[i * channels + c] = static_cast<png_byte>(std::clamp(v, 0, 255));
        }
    }

    apdu::Bytes out;
    if (!writePng(out, pixels, width, height, channels)) throw ProtocolError("photo: PNG encoding failed");
    return out;
}

}  // namespace mynacard::cli
