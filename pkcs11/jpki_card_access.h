// CardAccess over the JPKI applet client (mynacard_card, issue 4): used by the shipped module and
// by the sim-backed tests alike, so the tests exercise the production card path.
#pragma once

#include <memory>

#include "pkcs11/card_access.h"

namespace mynacard::p11 {

std::unique_ptr<CardAccess> makeJpkiCardAccess(std::unique_ptr<apdu::Transport> transport);

}  // namespace mynacard::p11
