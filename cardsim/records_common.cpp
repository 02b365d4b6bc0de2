#include "cardsim/records_common.h"

#include <stdexcept>

#include "apdu/tlv.h"
#include "cardsim/card_data_crypto.h"
#include "cardsim/cert_cv.h"

namespace mynacard::sim::detail {

apdu::Bytes concatTlvs(const std::vector<apdu::Bytes>& tlvs) {
    apdu::Bytes out;
    for (const auto& t : tlvs) append(out, t);
    return out;
}

apdu::Bytes recordWithOffsets(std::uint32_t outerTag, std::uint32_t offsetsTag,
                              const std::vector<apdu::Bytes>& objects) {
    const std::size_t n = objects.size();
    const std::size_t offsetsTlvSize = apdu::encodeTag(offsetsTag).size() + apdu::encodeLength(2 * n).size() + 2 * n;
    std::size_t valueSize = offsetsTlvSize;
    for (const auto& o : objects) valueSize += o.size();
    // The outer header's own size depends on the value length (1-, 2- or 3-byte length form).
    const std::size_t header = apdu::encodeTag(outerTag).size() + apdu::encodeLength(valueSize).size();
    apdu::Bytes offsets;
    std::size_t pos = header + offsetsTlvSize;
    for (const auto& o : objects) {
        if (pos > 0xFFFF) throw std::runtime_error("cardsim: record too large for u16 offsets");
        offsets.push_back(static_cast<std::uint8_t>(pos >> 8));
        offsets.push_back(static_cast<std::uint8_t>(pos));
        pos += o.size();
    }
    apdu::Bytes value = apdu::encodeTlv(offsetsTag, offsets);
    append(value, concatTlvs(objects));
    return apdu::encodeTlv(outerTag, value);
}

apdu::Bytes KeyIds::textCvca() { return cvKeyId("6000033", "001"); }
apdu::Bytes KeyIds::textIssuer() { return cvKeyId("6100033", "001"); }
apdu::Bytes KeyIds::textBasic() { return cvKeyId("6200033", "001"); }
apdu::Bytes KeyIds::faceCvca() { return cvKeyId("6000023", "001"); }
apdu::Bytes KeyIds::faceIssuer() { return cvKeyId("6100023", "001"); }
apdu::Bytes KeyIds::faceBasic() { return cvKeyId("6200023", "001"); }
apdu::Bytes KeyIds::residentKey() { return cvKeyId("6000013", "001"); }

}  // namespace mynacard::sim::detail
