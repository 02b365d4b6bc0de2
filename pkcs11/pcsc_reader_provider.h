// The production ReaderProvider over mynacard_pcsc (pcsc-lite). Only the shipped module links it.
#pragma once

#include <memory>

#include "pkcs11/reader_provider.h"

namespace mynacard::p11 {

std::unique_ptr<ReaderProvider> makePcscReaderProvider();

}  // namespace mynacard::p11
