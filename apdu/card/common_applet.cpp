#include "apdu/card/common_applet.h"

#include "apdu/errors.h"

namespace mynacard::card {

CommonInfo CommonApplet::parseRecord(const apdu::Bytes& d) {
    // spec §8.1: simple-TLV 01 1C + 28 ASCII digits = serial(15) ‖ municipality(5) ‖ expiry(8).
    if (d.size() < 30 || d[0] != 0x01 || d[1] != 0x1C)
        throw ProtocolError("共通AP record is not 01 1C + 28 digits");
    for (std::size_t i = 2; i < 30; ++i)
        if (d[i] < '0' || d[i] > '9') throw ProtocolError("共通AP record holds a non-digit");
    CommonInfo info;
    info.serial.assign(d.begin() + 2, d.begin() + 17);
    info.municipality.assign(d.begin() + 17, d.begin() + 22);
    info.expiry.assign(d.begin() + 22, d.begin() + 30);
    info.raw = d;
    return info;
}

std::optional<CommonInfo> CommonApplet::read() {
    if (const apdu::Bytes* c = session_.cached("common.record")) return parseRecord(*c);
    CardSession::Transaction tx(session_);
    if (!session_.trySelectApplet(Applet::Common)) return std::nullopt;
    apdu::ResponseApdu r = session_.readRecordEf(0x0001, 1);
    if (!r.ok())
        throw CardStatusError(r.sw, "reading the 共通AP record: " + apdu::describeStatusWord(r.sw));
    CommonInfo info = parseRecord(r.data);
    session_.store("common.record", r.data);
    return info;
}

}  // namespace mynacard::card
