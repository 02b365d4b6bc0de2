#include "cardsim/image_jp2.h"

#include <openjpeg.h>

#include <algorithm>
#include <cstring>
#include <memory>
#include <stdexcept>

namespace mynacard::sim::detail {

namespace {

// A growable in-memory output stream; the JP2 writer seeks back to patch box lengths.
struct MemStream {
    apdu::Bytes data;
    std::size_t pos = 0;
};

OPJ_SIZE_T writeFn(void* buffer, OPJ_SIZE_T n, void* user) {
    auto* s = static_cast<MemStream*>(user);
    if (s->pos + n > s->data.size()) s->data.resize(s->pos + n);
    std::memcpy(s->data.data() + s->pos, buffer, n);
    s->pos += n;
    return n;
}
OPJ_OFF_T skipFn(OPJ_OFF_T n, void* user) {
    auto* s = static_cast<MemStream*>(user);
    if (n < 0 && static_cast<std::size_t>(-n) > s->pos) return -1;
    s->pos = static_cast<std::size_t>(static_cast<OPJ_OFF_T>(s->pos) + n);
    if (s->pos > s->data.size()) s->data.resize(s->pos);
    return n;
}
OPJ_BOOL seekFn(OPJ_OFF_T n, void* user) {
    auto* s = static_cast<MemStream*>(user);
    if (n < 0) return OPJ_FALSE;
    s->pos = static_cast<std::size_t>(n);
    if (s->pos > s->data.size()) s->data.resize(s->pos);
    return OPJ_TRUE;
}
void quiet(const char*, void*) {}

// opj_codec_t and opj_stream_t are the same type (void*), so each needs its own deleter type.
struct ImageDeleter {
    void operator()(opj_image_t* p) const { opj_image_destroy(p); }
};
struct CodecDeleter {
    void operator()(opj_codec_t* p) const { opj_destroy_codec(p); }
};
struct StreamDeleter {
    void operator()(opj_stream_t* p) const { opj_stream_destroy(p); }
};

}  // namespace

apdu::Bytes syntheticPhotoJp2(std::uint32_t seed, int width, int height) {
    opj_image_cmptparm_t cmpt{};
    cmpt.dx = cmpt.dy = 1;
    cmpt.w = static_cast<OPJ_UINT32>(width);
    cmpt.h = static_cast<OPJ_UINT32>(height);
    cmpt.prec = 8;
    cmpt.sgnd = 0;
    std::unique_ptr<opj_image_t, ImageDeleter> image(opj_image_create(1, &cmpt, OPJ_CLRSPC_GRAY));
    if (!image) throw std::runtime_error("cardsim: opj_image_create failed");
    image->x0 = image->y0 = 0;
    image->x1 = cmpt.w;
    image->y1 = cmpt.h;

    // Gradient background, an oval head and rounded shoulders; the seed nudges the head.
    const double cx = width / 2.0 + static_cast<int>(seed % 7) - 3, cy = height * 0.40;
    const double rx = width * 0.22, ry = height * 0.22;
    OPJ_INT32* px = image->comps[0].data;
    for (int y = 0; y < height; ++y)
        for (int x = 0; x < width; ++x) {
            int v = 200 - (y * 60) / height;
            double hx = (x - cx) / rx, hy = (y - cy) / ry;
            if (hx * hx + hy * hy <= 1.0) v = 150 + static_cast<int>(40 * (1.0 - hx * hx));
            double sx = (x - width / 2.0) / (width * 0.45), sy = (y - height * 1.05) / (height * 0.40);
            if (sx * sx + sy * sy <= 1.0) v = 60;
            px[y * width + x] = std::clamp(v, 0, 255);
        }

    opj_cparameters_t params;
    opj_set_default_encoder_parameters(&params);
    params.tcp_numlayers = 1;
    params.tcp_rates[0] = 4;  // ≈ 4:1, a few KB like a real chip photo
    params.cp_disto_alloc = 1;
    params.irreversible = 1;
    params.numresolution = 4;

    std::unique_ptr<opj_codec_t, CodecDeleter> codec(opj_create_compress(OPJ_CODEC_JP2));
    if (!codec) throw std::runtime_error("cardsim: opj_create_compress failed");
    opj_set_info_handler(codec.get(), quiet, nullptr);
    opj_set_warning_handler(codec.get(), quiet, nullptr);
    opj_set_error_handler(codec.get(), quiet, nullptr);
    if (!opj_setup_encoder(codec.get(), &params, image.get()))
        throw std::runtime_error("cardsim: opj_setup_encoder failed");

    MemStream mem;
    std::unique_ptr<opj_stream_t, StreamDeleter> stream(opj_stream_create(OPJ_J2K_STREAM_CHUNK_SIZE, OPJ_FALSE));
    if (!stream) throw std::runtime_error("cardsim: opj_stream_create failed");
    opj_stream_set_user_data(stream.get(), &mem, nullptr);
    opj_stream_set_write_function(stream.get(), writeFn);
    opj_stream_set_skip_function(stream.get(), skipFn);
    opj_stream_set_seek_function(stream.get(), seekFn);

    if (!opj_start_compress(codec.get(), image.get(), stream.get()) || !opj_encode(codec.get(), stream.get()) ||
        !opj_end_compress(codec.get(), stream.get()))
        throw std::runtime_error("cardsim: JPEG 2000 encoding failed");
    stream.reset();  // flushes buffered output into `mem`
    return mem.data;
}

}  // namespace mynacard::sim::detail
