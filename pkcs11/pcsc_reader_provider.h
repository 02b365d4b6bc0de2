// The production ReaderProvider over mynacard_pcsc (pcsc-lite). Only the shipped module (and the
// tests of its reader mapping) links it.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>

#include "apdu/pcsc/pcsc_context.h"
#include "pkcs11/reader_provider.h"

namespace mynacard::p11 {

std::unique_ptr<ReaderProvider> makePcscReaderProvider();

// What the slot table is told about one listed reader, from its SCardGetStatusChange state;
// nullopt leaves the reader out of the list (pcscd no longer knows it). An unavailable reader
// stays listed without a card, so that it keeps its slot pair. `generation` counts the
// provider's contexts: it goes into the upper 16 bits of the event counter (see readers()).
std::optional<ReaderInfo> readerInfoFromState(const pcsc::ReaderState& st, std::uint32_t generation);

}  // namespace mynacard::p11
