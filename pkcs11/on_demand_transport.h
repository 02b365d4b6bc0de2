// A card's PC/SC connection held only while it is needed (issue 13, "look without touching"):
// connected on first use, let go by release() when no transaction is open. The module releases
// it after every operation unless one of the card's tokens is logged in, so an idle process that
// merely loaded the module (a browser, a p11-kit consumer) holds no handle to the card, and "is
// anyone connected?" asked after release() (ReaderProvider::cardInUse, the auth-key logout rule)
// means "is another application using the card?".
#pragma once

#include <functional>
#include <memory>
#include <string>

#include "apdu/transport.h"

namespace mynacard::p11 {

class OnDemandTransport : public apdu::Transport {
public:
    using Connect = std::function<std::unique_ptr<apdu::Transport>()>;
    OnDemandTransport(Connect connect, std::string reader);

    apdu::Bytes transmit(const apdu::Bytes& command) override;
    apdu::Bytes atr() const override { return atr_; }  // of the last connection
    std::string readerName() const override { return reader_; }
    void beginTransaction() override;
    void endTransaction() override;
    void release() override;

    bool connected() const { return inner_ != nullptr; }

private:
    apdu::Transport& inner();

    Connect connect_;
    std::string reader_;
    std::unique_ptr<apdu::Transport> inner_;
    apdu::Bytes atr_;
    int depth_ = 0;  // open transactions
};

}  // namespace mynacard::p11
