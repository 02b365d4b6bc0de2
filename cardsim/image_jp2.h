// The synthetic face photo (spec §6.3 DF27): a JPEG 2000 JP2 file, greyscale, encoded with
// libopenjp2. It shows a drawn head-and-shoulders silhouette on a gradient — never a real face.
#pragma once

#include <cstdint>

#include "apdu/bytes.h"

namespace mynacard::sim::detail {

// `seed` varies the drawing slightly (e.g. from the card serial) so two profiles differ.
// Throws std::runtime_error when encoding fails.
apdu::Bytes syntheticPhotoJp2(std::uint32_t seed, int width = 96, int height = 120);

}  // namespace mynacard::sim::detail
