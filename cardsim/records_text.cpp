#include "cardsim/records_text.h"

#include "apdu/tlv.h"
#include "cardsim/card_data_crypto.h"
#include "cardsim/cert_cv.h"
#include "cardsim/records_common.h"

namespace mynacard::sim::detail {

using apdu::Bytes;
using apdu::encodeTlv;

TextApRecords buildTextApRecords(const Profile& p, const TextApKeys& keys) {
    TextApRecords r;
    // EF 0001: FF 10 0C <12 digits> FF FF — 17 bytes physical, filler included (spec §5.3).
    r.myNumber = encodeTlv(0xFF10, toBytes(p.myNumber));
    r.myNumber.push_back(0xFF);
    r.myNumber.push_back(0xFF);

    // EF 0002: FF 20 { DF21 offsets, DF22 name, DF23 address, DF24 birth, DF25 sex }.
    std::vector<Bytes> attrs = {encodeTlv(0xDF22, toBytes(p.name)), encodeTlv(0xDF23, toBytes(p.address)),
                                encodeTlv(0xDF24, toBytes(p.birthDate)), encodeTlv(0xDF25, toBytes(p.sex))};
    r.attributes = recordWithOffsets(0xFF20, 0xDF21, attrs);

    // EF 0003: digests of EF 0001 (17 bytes) and of EF 0002's DF22..end, signed as stored.
    Bytes digests = encodeTlv(0xDF31, sha256(r.myNumber));
    append(digests, encodeTlv(0xDF32, sha256(concatTlvs(attrs))));
    Bytes integrity = digests;
    append(integrity, encodeTlv(0xDF33, signSha256(keys.issuer, digests)));
    r.integrity = encodeTlv(0xFF30, integrity);

    // EF 0004: CV certificate of the issuer key by the test CV CA.
    r.cvCert = cvCertificate(KeyIds::textCvca(), KeyIds::textIssuer(), keys.issuer, keys.cvca);

    // EF 0005: DF41 AP info (the bytes seen on real cards), DF42 a key ID, DF43 32 bytes + 96 FF.
    Bytes opaque = sha256(toBytes("text-ap-basic-info:" + p.serial));
    for (auto& b : opaque)
        if (b == 0xFF) b = 0xFE;  // "32 non-FF bytes" (spec §5.3)
    opaque.resize(128, 0xFF);
    Bytes basic = encodeTlv(0xDF41, Bytes{0x01, 0x03, 0x0E, 0x01});
    append(basic, encodeTlv(0xDF42, KeyIds::textBasic()));
    append(basic, encodeTlv(0xDF43, opaque));
    r.basicInfo = encodeTlv(0xFF40, basic);

    // EF 0006: A1 { the SM key-delivery public key }.
    r.smKey = encodeTlv(0xA1, publicKeyBlock(keys.smKey));

    // EF 0007: FF 50 { DF51 AP public key, DF52 issuer signature over the DF51 TLV }.
    Bytes apPub = encodeTlv(0xDF51, publicKeyBlock(keys.apKey));
    Bytes apRec = apPub;
    append(apRec, encodeTlv(0xDF52, signSha256(keys.issuer, apPub)));
    r.apKey = encodeTlv(0xFF50, apRec);
    return r;
}

}  // namespace mynacard::sim::detail
