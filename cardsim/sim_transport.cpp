#include "cardsim/sim_transport.h"

#include <thread>

#include "apdu/errors.h"

namespace mynacard::sim {

apdu::Bytes SimTransport::transmit(const apdu::Bytes& command) {
    if (!present_)
        throw TransportError(TransportError::Kind::NoCard,
                             "mynacard simulator: no card in the reader");
    ++apduCount_;
    if (latency_.count() > 0) std::this_thread::sleep_for(latency_);
    return card_.process(command);
}

void SimTransport::removeCard() {
    present_ = false;
    card_.powerOff();
}

void SimTransport::insertCard() {
    present_ = true;
    card_.powerOn();
}

}  // namespace mynacard::sim
