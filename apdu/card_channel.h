// A logical channel to one card over a Transport: GET RESPONSE on 61xx, re-send on 6Cxx, chunked
// READ BINARY sized by the data's own BER/DER header, RAII transactions and an APDU trace hook.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <stdexcept>
#include <string>
#include <utility>

#include "apdu/bytes.h"
#include "apdu/command.h"
#include "apdu/response.h"
#include "apdu/transport.h"

namespace mynacard::apdu {

// One line of an APDU trace. Secrets are already masked ("XX XX XX XX") in `command`.
struct TraceEvent {
    std::string command;   // hex, spaced
    std::string response;  // hex, spaced, data + SW
    // The response without its data: "[1234 bytes] 9000", or only the SW when there is no data.
    // For logs that outlive the user's terminal (the PKCS#11 debug log): response data carries
    // personal data (the signature certificate holds the holder's name, address, birth date).
    std::string responseSummary;
};

class CardChannel {
  public:
    explicit CardChannel(Transport& transport);

    // Sends a command and follows 61xx (GET RESPONSE, accumulating data) and 6Cxx (re-send with
    // the card's Le) up to a fixed bound; throws ProtocolError on an endless 61xx/6Cxx loop.
    ResponseApdu transmit(const CommandApdu& command);

    // Reads a whole transparent EF (the current one) whose content begins with a BER-TLV / DER
    // header: reads a first chunk, learns the total from the header, then reads the rest in
    // chunks of maxChunk (256 by default, 128 for some cards/readers; one extended APDU when
    // extended length is enabled, falling back to short chunks if that is answered 6700).
    // Tolerates short chunks and 6282/6B00 at the end of file. Offsets beyond 0x7FFF throw
    // ProtocolError.
    // Throws CardStatusError for other status words (e.g. 6982) and ProtocolError when the
    // header lies (file ends before the announced length).
    Bytes readTlvFile();
    // Reads exactly `length` bytes from `offset` of the current EF (short chunks allowed).
    // Throws ProtocolError when the file ends first, CardStatusError for other status words.
    Bytes readBinary(std::size_t offset, std::size_t length);

    void setExtendedLength(bool enabled) { extended_ = enabled; }
    bool extendedLength() const { return extended_; }
    // 1..256 (a short Le); anything else throws std::invalid_argument.
    void setMaxChunk(std::size_t n) {
        if (n < 1 || n > 256) throw std::invalid_argument("setMaxChunk: not in 1..256");
        maxChunk_ = n;
    }
    std::size_t maxChunk() const { return maxChunk_; }

    // Called after every exchange. Exceptions from the hook are swallowed: tracing must never
    // change the outcome of a card operation.
    void setTraceHook(std::function<void(const TraceEvent&)> hook) { trace_ = std::move(hook); }
    // Transport exchanges, including GET RESPONSEs and 6Cxx re-sends. Not thread-safe: like the
    // channel itself, use it from one thread at a time.
    std::size_t apduCount() const { return apduCount_; }
    Transport& transport() { return transport_; }

    // RAII PC/SC transaction: begins in the constructor, ends in the destructor (never throws).
    class Transaction {
      public:
        explicit Transaction(CardChannel& channel);
        ~Transaction();
        Transaction(const Transaction&) = delete;
        Transaction& operator=(const Transaction&) = delete;

      private:
        CardChannel& channel_;
    };

  private:
    struct Chunk {
        Bytes data;
        bool endOfFile = false;  // 6282, 6B00 or no data: nothing lies beyond this chunk
    };

    ResponseApdu exchange(const CommandApdu& command);
    Chunk readChunk(std::size_t offset, std::size_t ne);
    std::size_t chunkLimit() const;

    Transport& transport_;
    bool extended_ = false;
    bool extendedRefused_ = false;  // the reader/card answered 6700 to an extended READ BINARY
    std::size_t maxChunk_ = 256;
    std::size_t apduCount_ = 0;
    int transactionDepth_ = 0;
    std::function<void(const TraceEvent&)> trace_;
};

}  // namespace mynacard::apdu
