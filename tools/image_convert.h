// The face photo is stored as JPEG 2000 (spec §6.3 DF27). `face --photo x.png` converts it:
// decode with libopenjp2, encode with libpng (8-bit grey or RGB).
#pragma once

#include "apdu/bytes.h"

namespace mynacard::cli {

// Throws mynacard::ProtocolError when the JPEG 2000 data does not decode.
apdu::Bytes jpeg2000ToPng(const apdu::Bytes& jp2);

}  // namespace mynacard::cli
