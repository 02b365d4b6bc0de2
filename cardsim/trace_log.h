// APDU trace lines for `mynacard-sim --trace FILE`: every command and response, with the data of
// VERIFY, CHANGE REFERENCE DATA and CHANGE KEY masked as XX (secrets never reach a log).
#pragma once

#include <string>

#include "apdu/bytes.h"

namespace mynacard::sim {

// "> 00 20 00 80 04 XX XX XX XX"
std::string traceCommand(const apdu::Bytes& command);
// "< 90 00"
std::string traceResponse(const apdu::Bytes& response);

}  // namespace mynacard::sim
