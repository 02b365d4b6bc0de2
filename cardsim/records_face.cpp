#include "cardsim/records_face.h"

#include "apdu/tlv.h"
#include "cardsim/card_data_crypto.h"
#include "cardsim/cert_cv.h"
#include "cardsim/image_jp2.h"
#include "cardsim/image_png.h"
#include "cardsim/records_common.h"

namespace mynacard::sim::detail {

using apdu::Bytes;
using apdu::encodeTlv;
using S = FaceImageSizes;

Bytes faceDigestInfo(const Bytes& df22to24, const Bytes& df25to26, const Bytes& df27) {
    Bytes di = apdu::fromHex("30 71 30 0D 06 09 60 86 48 01 65 03 04 02 01 05 00 04 60");
    append(di, sha256(df22to24));
    append(di, sha256(df25to26));
    append(di, sha256(df27));
    return di;
}

FaceApRecords buildFaceApRecords(const Profile& p, const FaceApKeys& keys) {
    FaceApRecords r;
    const Bytes cardPub = publicKeyBlock(keys.cardKey);

    // EF 0002 objects in card order; DF29/DF2A come after the signature and are not covered.
    Bytes df22 = encodeTlv(0xDF22, toBytes(p.birthDate));
    Bytes df23 = encodeTlv(0xDF23, toBytes(p.sex));
    Bytes df24 = encodeTlv(0xDF24, cardPub);
    Bytes df25 = encodeTlv(0xDF25, encodePng1Bit(renderText(p.name, S::kNameW, S::kNameH, 4)));
    Bytes df26 = encodeTlv(0xDF26, encodePng1Bit(renderText(p.address, S::kAddressW, S::kAddressH, 3)));
    std::uint32_t seed = 0;
    for (char c : p.serial) seed = seed * 31 + static_cast<unsigned char>(c);
    Bytes df27 = encodeTlv(0xDF27, syntheticPhotoJp2(seed, S::kPhotoW, S::kPhotoH));
    Bytes df28 = encodeTlv(0xDF28, signRaw(keys.issuer, faceDigestInfo(concatTlvs({df22, df23, df24}),
                                                                        concatTlvs({df25, df26}), df27)));
    Bytes df29 = encodeTlv(0xDF29, toBytes(p.expiry));
    Bytes df2a = encodeTlv(0xDF2A, encodePng1Bit(renderText(p.securityCode, S::kCodeW, S::kCodeH, 1)));
    r.record = recordWithOffsets(0xFF20, 0xDF21, {df22, df23, df24, df25, df26, df27, df28, df29, df2a});

    // EF 0001 age record: the signature covers every object before it (spec §6.4).
    Bytes age = concatTlvs({encodeTlv(0xDF11, toBytes(p.birthDate)), encodeTlv(0xDF12, cardPub)});
    append(age, encodeTlv(0xDF13, signSha256(keys.issuer, age)));
    r.age = encodeTlv(0xFF10, age);

    // EF 0003 basic info; DF35 = key ID + 256 bytes that are opaque on real cards (here: an
    // issuer signature over DF31..DF34, so they are at least well-defined).
    Bytes basic = concatTlvs({encodeTlv(0xDF31, Bytes{0x06, 0x03, 0x0E, 0x01}), encodeTlv(0xDF32, KeyIds::faceBasic()),
                              encodeTlv(0xDF33, Bytes{0x01}), encodeTlv(0xDF34, toBytes(p.municipality))});
    Bytes df35 = KeyIds::faceBasic();
    append(df35, signSha256(keys.issuer, basic));
    append(basic, encodeTlv(0xDF35, df35));
    r.basicInfo = encodeTlv(0xFF30, basic);

    r.cvCert = cvCertificate(KeyIds::faceCvca(), KeyIds::faceIssuer(), keys.issuer, keys.cvca);

    // EF 0005: the back side's 個人番号 image, signed like EF 0001.
    Bytes num = concatTlvs({encodeTlv(0xDF41, encodePng1Bit(renderText(p.myNumber, S::kNumberW, S::kNumberH, 1))),
                            encodeTlv(0xDF42, cardPub)});
    append(num, encodeTlv(0xDF43, signSha256(keys.issuer, num)));
    r.myNumberImage = encodeTlv(0xFF40, num);
    return r;
}

}  // namespace mynacard::sim::detail
