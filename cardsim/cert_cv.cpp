#include "cardsim/cert_cv.h"

#include <stdexcept>

#include "apdu/tlv.h"
#include "cardsim/card_data_crypto.h"

namespace mynacard::sim::detail {

apdu::Bytes cvKeyId(const std::string& sevenDigits, const std::string& threeDigits) {
    if (sevenDigits.size() != 7 || threeDigits.size() != 3)
        throw std::logic_error("cvKeyId: expects 7 + 3 digits");
    apdu::Bytes id = toBytes(sevenDigits);
    id.push_back(0x08);
    id.push_back(0x05);
    append(id, toBytes(threeDigits));
    id.resize(16, 0x00);
    return id;
}

apdu::Bytes cvCertificate(const apdu::Bytes& issuerKeyId, const apdu::Bytes& subjectKeyId,
                          const PKey& subjectKey, const PKey& caKey) {
    apdu::Bytes body = issuerKeyId;
    append(body, subjectKeyId);
    append(body, publicKeyBlock(subjectKey));
    apdu::Bytes value = apdu::encodeTlv(0x5F4E, body);
    append(value, apdu::encodeTlv(0x5F37, signSha256(caKey, body)));
    return apdu::encodeTlv(0x7F21, value);
}

}  // namespace mynacard::sim::detail
