#include "test_card.h"

#include <algorithm>

namespace mynacard::test {

apdu::Bytes TestCard::answer(const apdu::Bytes& c) {
    if (c.size() < 4) return {0x67, 0x00};
    switch (c[1]) {
    case 0xA4:  // SELECT: any target exists
        return {0x90, 0x00};
    case 0xB0: {  // READ BINARY, short Le only (ISO 7816-4 §11.3.3)
        const std::size_t offset = (std::size_t(c[2] & 0x7F) << 8) | c[3];
        std::size_t le = c.size() == 5 ? (c[4] == 0 ? 256 : c[4]) : 0;
        if (c.size() != 5) return {0x67, 0x00};
        if (offset >= kFileSize) return {0x6B, 0x00};
        le = std::min(le, kFileSize - offset);
        apdu::Bytes r;
        for (std::size_t i = 0; i < le; ++i) r.push_back(static_cast<std::uint8_t>(offset + i));
        r.push_back(0x90);
        r.push_back(0x00);
        return r;
    }
    default:
        return {0x6D, 0x00};
    }
}

TestCard::TestCard(const std::string& host, std::uint16_t port)
    : link_(std::make_unique<sim::VpcdLink>(host, port)) {
    thread_ = std::thread([this] {
        sim::VpcdLink::Handlers h;
        h.powerOn = [this] { ++powerOns_; };
        h.reset = [this] { ++resets_; };
        h.atr = [] { return defaultAtr(); };
        h.apdu = [this](const apdu::Bytes& c) {
            {
                std::lock_guard<std::mutex> lock(mutex_);
                last_ = c;
            }
            ++apdus_;
            return answer(c);
        };
        link_->serve(h);
    });
}

TestCard::~TestCard() {
    link_->stop();
    thread_.join();
    link_.reset();  // closes the socket: vpcd reports the card as removed
}

apdu::Bytes TestCard::lastCommand() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return last_;
}

}  // namespace mynacard::test
