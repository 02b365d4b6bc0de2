#include "apdu/card_channel.h"

#include <algorithm>
#include <string>

#include "apdu/errors.h"
#include "apdu/tlv.h"

namespace mynacard::apdu {

namespace {
// Bounds on the card's "try again" answers, so a broken or hostile card cannot keep us looping.
constexpr int kMaxGetResponses = 64;        // 64 * 256 bytes: far more than any answer of this card
constexpr std::size_t kMaxOffset = 0x7FFF;  // READ BINARY offset is 15 bits (spec §3)
// A file of at most 32 KB read in chunks of at least 16 bytes on average (a certificate still
// reads with 1-byte answers): a card that answers a few bytes per READ BINARY must not keep us
// busy for many minutes (fuzzing found 32768 APDUs for one file).
constexpr int kMaxReadsPerFile = 2048;
constexpr std::size_t kShortMax = 256;
constexpr std::size_t kExtendedMax = 65536;

// 61xx and 6Cxx carry a length where 00 stands for 256 (ISO 7816-4 §5.6).
std::size_t lengthFromSw2(std::uint8_t sw2) { return sw2 == 0 ? 256 : sw2; }

// VERIFY (20), CHANGE REFERENCE DATA (24) and CHANGE KEY (32) carry secrets even when a caller
// built them by hand and forgot `sensitive`.
bool carriesSecret(const CommandApdu& c) {
    return c.sensitive || c.ins == 0x20 || c.ins == 0x24 || c.ins == 0x32;
}

std::string traceCommand(const CommandApdu& c, const Bytes& encoded) {
    if (!carriesSecret(c) || c.data.empty()) return toHex(encoded, true);
    // The data field starts after CLA INS P1 P2 and Lc (1 byte short, 3 bytes extended).
    const std::size_t start = c.isExtended() ? 7 : 5;
    std::string out;
    for (std::size_t i = 0; i < encoded.size(); ++i) {
        if (i > 0) out.push_back(' ');
        if (i >= start && i < start + c.data.size())
            out += "XX";
        else
            out += toHex(&encoded[i], 1);
    }
    return out;
}

// "[n bytes] SW" (or "SW" alone): the shape of a response without its possibly personal data.
std::string summarizeResponse(const Bytes& raw) {
    if (raw.size() < 2) return "[" + std::to_string(raw.size()) + " bytes, no status word]";
    const std::string sw = toHex(&raw[raw.size() - 2], 2);
    if (raw.size() == 2) return sw;
    return "[" + std::to_string(raw.size() - 2) + " bytes] " + sw;
}

// Wipes an encoded secret-bearing APDU on every exit path.
struct WipeOnExit {
    Bytes& bytes;
    bool active;
    ~WipeOnExit() {
        if (active) secureWipe(bytes.data(), bytes.size());
    }
};
}  // namespace

CardChannel::CardChannel(Transport& transport) : transport_(transport) {}

ResponseApdu CardChannel::exchange(const CommandApdu& command) {
    Bytes encoded = command.encode();
    WipeOnExit wipe{encoded, carriesSecret(command)};
    ++apduCount_;
    Bytes raw = transport_.transmit(encoded);
    if (trace_) {
        // A trace is an observer: its failure must never change the outcome of a card operation
        // (e.g. turn a successful VERIFY into an error the caller would retry).
        try {
            trace_(TraceEvent{traceCommand(command, encoded), toHex(raw, true),
                              summarizeResponse(raw)});
        } catch (...) {
        }
    }
    return ResponseApdu::parse(raw);
}

// ISO 7816-4 §5.3.4 / §5.6: 6Cxx = "wrong Le, xx is exact" → send the same command again with
// Le = xx (once); 61xx = "xx more bytes" → GET RESPONSE, accumulating data, bounded.
ResponseApdu CardChannel::transmit(const CommandApdu& command) {
    ResponseApdu r = exchange(command);
    // Never re-send a command that carries a secret (VERIFY, PIN change): a card answering 6Cxx
    // to it would make us spend a second PIN try; the caller gets the 6Cxx as an error instead
    // (fuzzing finding F1).
    if (r.sw1() == 0x6C && !carriesSecret(command)) {
        CommandApdu again = command;
        again.ne = lengthFromSw2(r.sw2());
        r = exchange(again);
        if (r.sw1() == 0x6C)
            throw ProtocolError("card answered 6Cxx again after re-sending with its Le");
    }
    Bytes data = std::move(r.data);
    int getResponses = 0;
    while (r.sw1() == 0x61) {
        if (++getResponses > kMaxGetResponses)
            throw ProtocolError("card keeps answering 61xx: more than " +
                                std::to_string(kMaxGetResponses) + " GET RESPONSEs");
        r = exchange(cmd::getResponse(lengthFromSw2(r.sw2())));
        if (r.sw1() == 0x6C) {
            r = exchange(cmd::getResponse(lengthFromSw2(r.sw2())));
            if (r.sw1() == 0x6C) throw ProtocolError("card answered 6Cxx twice to GET RESPONSE");
        }
        data.insert(data.end(), r.data.begin(), r.data.end());
    }
    r.data = std::move(data);
    return r;
}

std::size_t CardChannel::chunkLimit() const {
    return extended_ && !extendedRefused_ ? kExtendedMax : maxChunk_;
}

// One READ BINARY. Spec §3: the card returns up to the end of file, possibly fewer bytes than
// asked, and signals the end with 6B00 (JICSAP) or 6282.
CardChannel::Chunk CardChannel::readChunk(std::size_t offset, std::size_t ne) {
    if (offset > kMaxOffset)
        throw ProtocolError("READ BINARY offset " + std::to_string(offset) +
                            " exceeds the 15-bit limit (0x7FFF)");
    ResponseApdu r = transmit(cmd::readBinary(static_cast<std::uint16_t>(offset), ne));
    if (ne > kShortMax && r.sw == sw::kWrongLength) {
        // Spec §15: many (contactless) readers refuse extended APDUs with 6700. Fall back to
        // short chunks for the rest of this channel's life instead of failing the read.
        extendedRefused_ = true;
        return readChunk(offset, std::min(ne, maxChunk_));
    }
    Chunk c;
    if (r.sw == sw::kWrongP1P2) {  // offset at or beyond the end of file
        c.endOfFile = true;
        return c;
    }
    if (!r.ok() && r.sw != sw::kEndOfFileWarning)
        throw CardStatusError(r.sw, "READ BINARY at offset " + std::to_string(offset) + ": " +
                                        describeStatusWord(r.sw));
    if (r.data.size() > ne)
        throw ProtocolError("READ BINARY returned " + std::to_string(r.data.size()) +
                            " bytes for Le " + std::to_string(ne));
    c.endOfFile = r.sw == sw::kEndOfFileWarning || r.data.empty();
    c.data = std::move(r.data);
    return c;
}

Bytes CardChannel::readBinary(std::size_t offset, std::size_t length) {
    Bytes out;
    out.reserve(std::min(length, kMaxOffset + 1));
    while (out.size() < length) {
        const std::size_t at = offset + out.size();
        Chunk c = readChunk(at, std::min(length - out.size(), chunkLimit()));
        out.insert(out.end(), c.data.begin(), c.data.end());
        if (c.endOfFile && out.size() < length)
            throw ProtocolError("file ends at offset " + std::to_string(offset + out.size()) +
                                ", before the " + std::to_string(length) + " bytes requested");
    }
    return out;
}

// Spec §4.3: the file size is not known in advance (no FCP) and files carry filler after the
// data, so the length comes from the data's own BER/DER header.
Bytes CardChannel::readTlvFile() {
    Bytes out;
    std::optional<std::size_t> total;
    int reads = 0;
    for (;;) {
        if (!total) total = tlvTotalLength(out.data(), out.size());  // throws on a bad header
        if (total && out.size() >= *total) break;
        if (total && *total > kMaxOffset + 1 + kShortMax)
            throw ProtocolError("TLV header announces " + std::to_string(*total) +
                                " bytes, more than READ BINARY's 15-bit offsets can reach");
        if (++reads > kMaxReadsPerFile)
            throw ProtocolError("file not complete after " + std::to_string(kMaxReadsPerFile) +
                                " READ BINARY commands: the card answers too few bytes per read");
        const std::size_t want = total ? std::min(*total - out.size(), chunkLimit()) : chunkLimit();
        Chunk c = readChunk(out.size(), want);
        out.insert(out.end(), c.data.begin(), c.data.end());
        if (c.endOfFile) {
            if (!total) total = tlvTotalLength(out.data(), out.size());
            if (total && out.size() >= *total) break;
            if (!total)
                throw ProtocolError("file ends after " + std::to_string(out.size()) +
                                    " bytes, inside its TLV header");
            throw ProtocolError("TLV header announces " + std::to_string(*total) +
                                " bytes but the file ends after " + std::to_string(out.size()));
        }
    }
    out.resize(*total);  // drop filler read along with the last chunk
    return out;
}

// Nesting-safe: only the outermost scope talks to the transport, so helpers can open their own
// scope inside a caller's multi-APDU operation.
CardChannel::Transaction::Transaction(CardChannel& channel) : channel_(channel) {
    if (channel_.transactionDepth_ == 0) channel_.transport_.beginTransaction();
    ++channel_.transactionDepth_;  // only after a successful begin: a throw leaves depth unchanged
}

CardChannel::Transaction::~Transaction() {
    if (--channel_.transactionDepth_ == 0) {
        try {
            channel_.transport_.endTransaction();
        } catch (...) {
            // Destructors must not throw; a lost card already ended the transaction for us.
        }
    }
}

}  // namespace mynacard::apdu
