#include "cardsim/trace_log.h"

#include "cardsim/apdu_parser.h"

namespace mynacard::sim {

namespace {

void appendHex(std::string& out, std::uint8_t b) {
    static const char* digits = "0123456789ABCDEF";
    out += digits[b >> 4];
    out += digits[b & 0x0F];
}

bool carriesSecret(std::uint8_t ins) { return ins == 0x20 || ins == 0x24 || ins == 0x32; }

}  // namespace

std::string traceCommand(const apdu::Bytes& command) {
    std::string out = ">";
    std::size_t maskFrom = command.size(), maskTo = command.size();
    if (command.size() > 4 && carriesSecret(command[1])) {
        if (auto parsed = parseApdu(command); parsed && !parsed->data.empty()) {
            maskFrom = 4 + (parsed->extended ? 3 : 1);
            maskTo = maskFrom + parsed->data.size();
        } else {
            maskFrom = 4;  // malformed: mask the whole body rather than guess
        }
    }
    for (std::size_t i = 0; i < command.size(); ++i) {
        if (i >= maskFrom && i < maskTo) {
            out += " XX";
        } else {
            out += ' ';
            appendHex(out, command[i]);
        }
    }
    return out;
}

std::string traceResponse(const apdu::Bytes& response) {
    std::string out = "<";
    for (auto b : response) {
        out += ' ';
        appendHex(out, b);
    }
    return out;
}

}  // namespace mynacard::sim
