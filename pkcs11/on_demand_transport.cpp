#include "pkcs11/on_demand_transport.h"

namespace mynacard::p11 {

OnDemandTransport::OnDemandTransport(Connect connect, std::string reader)
    : connect_(std::move(connect)), reader_(std::move(reader)) {}

apdu::Transport& OnDemandTransport::inner() {
    if (!inner_) {
        inner_ = connect_();  // throws TransportError (no card, no reader, pcscd gone)
        atr_ = inner_->atr();
    }
    return *inner_;
}

apdu::Bytes OnDemandTransport::transmit(const apdu::Bytes& command) {
    return inner().transmit(command);
}

void OnDemandTransport::beginTransaction() {
    inner().beginTransaction();
    ++depth_;
}

void OnDemandTransport::endTransaction() {
    if (depth_ > 0) --depth_;
    if (inner_) inner_->endTransaction();
}

void OnDemandTransport::release() {
    if (depth_ == 0) inner_.reset();  // SCardDisconnect(SCARD_LEAVE_CARD)
}

}  // namespace mynacard::p11
