#include "test_sim_support.h"

#include <openssl/rsa.h>
#include <openssl/x509.h>

#include <catch2/catch.hpp>
#include <map>
#include <mutex>

namespace simtest {

using namespace mynacard::sim;

namespace {

#ifdef SIMTEST_FAKE_DATA
// Stand-in while buildCardData is unavailable: real RSA keys and self-signed certificates, so
// signature checks stay cryptographic; the other EFs are patterned filler of realistic sizes.
PKey rsaKey() { return PKey(EVP_RSA_gen(2048), &EVP_PKEY_free); }

Bytes selfSigned(EVP_PKEY* key, const char* cn) {
    X509* x = X509_new();
    X509_set_version(x, 2);
    ASN1_INTEGER_set(X509_get_serialNumber(x), 1);
    X509_gmtime_adj(X509_getm_notBefore(x), 0);
    X509_gmtime_adj(X509_getm_notAfter(x), 3600);
    X509_set_pubkey(x, key);
    X509_NAME* name = X509_get_subject_name(x);
    X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, reinterpret_cast<const unsigned char*>(cn),
                               -1, -1, 0);
    X509_set_issuer_name(x, name);
    X509_sign(x, key, EVP_sha256());
    int len = i2d_X509(x, nullptr);
    Bytes der(static_cast<std::size_t>(len));
    unsigned char* p = der.data();
    i2d_X509(x, &p);
    X509_free(x);
    return der;
}

Bytes filler(std::size_t n, std::uint8_t seed) {
    Bytes b(n);
    for (std::size_t i = 0; i < n; ++i) b[i] = static_cast<std::uint8_t>(seed + i * 7);
    return b;
}

CardData fakeData(const Profile& p) {
    static std::once_flag once;
    static PKey keys[4];
    std::call_once(once, [] {
        for (auto& k : keys) k = rsaKey();
    });
    CardData d;
    d.authKey = keys[0];
    d.signKey = keys[1];
    d.textApPrivateKey = keys[2];
    d.faceCardKey = keys[3];
    d.authCert = selfSigned(keys[0].get(), "auth");
    d.signCert = selfSigned(keys[1].get(), "sign");
    d.authCaCert = selfSigned(keys[2].get(), "auth ca");
    d.signCaCert = selfSigned(keys[3].get(), "sign ca");
    std::string label = p.variants.token == "smartphone" ? "JPKIAPGPSETOKEN"
                        : p.variants.token == "juki"     ? "JPKIAPICCTOKEN"
                                                         : "JPKIAPICCTOKEN2";
    d.tokenInfo = Bytes(160, 0x20);
    std::copy(label.begin(), label.end(), d.tokenInfo.begin());
    d.certAvailability =
        p.variants.noSignatureCertificate ? Bytes{0x00, 0x8F, 0x00} : Bytes{0x8F, 0x8F, 0x00};
    d.textMyNumber = Bytes{0xFF, 0x10, 0x0C};
    d.textMyNumber.insert(d.textMyNumber.end(), p.myNumber.begin(), p.myNumber.end());
    d.textMyNumber.push_back(0xFF);
    d.textMyNumber.push_back(0xFF);
    d.textAttributes = filler(300, 1);
    d.textIntegrity = filler(336, 2);
    d.textCvCert = filler(568, 3);
    d.textBasicInfo = filler(160, 4);
    d.textSmKey = filler(270, 5);
    d.textApKey = filler(536, 6);
    d.faceAge = filler(546, 7);
    d.faceRecord = filler(3000, 8);
    d.faceBasicInfo = filler(300, 9);
    d.faceCvCert = filler(568, 10);
    d.faceMyNumberImage = filler(800, 11);
    d.residentRecord = Bytes{0x01, 0x0B};
    d.residentRecord.insert(d.residentRecord.end(), p.residentCode.begin(), p.residentCode.end());
    d.residentKeyId = filler(16, 12);
    d.commonRecord = Bytes{0x01, 0x1C};
    std::string rec = p.serial + p.municipality + p.expiry;
    d.commonRecord.insert(d.commonRecord.end(), rec.begin(), rec.end());
    d.commonKeyId = d.residentKeyId;
    d.trustAnchorsPem = "-----BEGIN CERTIFICATE-----\n-----END CERTIFICATE-----\n";
    return d;
}
#endif

std::string variantKey(const Variants& v) {
    return std::to_string(v.emptyVerifyAfterSuccessOk) + std::to_string(v.blockedAnswers6983) +
           std::to_string(v.rejectExtended) + std::to_string(v.maxReadBinary) +
           std::to_string(v.t0Style) + std::to_string(v.reselectKeepsState) +
           std::to_string(v.noSignatureCertificate) + v.token;
}

}  // namespace

Profile profileWith(const Variants& variants) {
    Profile p = defaultProfile();
    p.variants = variants;
    return p;
}

CardData cardDataFor(const Profile& profile) {
    static std::map<std::string, CardData> cache;
    static std::mutex mutex;
    std::lock_guard<std::mutex> lock(mutex);
    const std::string key = variantKey(profile.variants);
    auto it = cache.find(key);
    if (it == cache.end()) {
#ifdef SIMTEST_FAKE_DATA
        it = cache.emplace(key, fakeData(profile)).first;
#else
        it = cache.emplace(key, buildCardData(profile)).first;
#endif
    }
    return it->second;
}

Sim::Sim(const Variants& variants, const std::string& statePath) : profile(profileWith(variants)) {
    card = std::make_unique<SimCard>(profile, cardDataFor(profile), statePath);
    transport = std::make_unique<SimTransport>(*card);
}

Resp Sim::send(const Bytes& apdu) {
    Bytes raw = transport->transmit(apdu);
    REQUIRE(raw.size() >= 2);
    Resp r;
    r.sw = static_cast<std::uint16_t>((raw[raw.size() - 2] << 8) | raw.back());
    r.data.assign(raw.begin(), raw.end() - 2);
    return r;
}

Resp Sim::send(const std::string& h) { return send(hex(h)); }

void Sim::selectAp(AppletId id) {
    Bytes aid = appletAid(id);
    REQUIRE(send(apduHex(0x00, 0xA4, 0x04, 0x0C, aid)).sw == 0x9000);
}

void Sim::selectEf(std::uint16_t fid) {
    Bytes f{static_cast<std::uint8_t>(fid >> 8), static_cast<std::uint8_t>(fid)};
    REQUIRE(send(apduHex(0x00, 0xA4, 0x02, 0x0C, f)).sw == 0x9000);
}

std::uint16_t Sim::verify(std::uint16_t keyFid, const std::string& secret) {
    selectEf(keyFid);
    return send(apduHex(0x00, 0x20, 0x00, 0x80, ascii(secret))).sw;
}

std::uint16_t Sim::query() { return send("00 20 00 80").sw; }

Resp Sim::readAll() {
    Resp all;
    for (std::size_t offset = 0; offset < 0x8000;) {
        Resp r = send(apduHex(0x00, 0xB0, static_cast<std::uint8_t>(offset >> 8),
                              static_cast<std::uint8_t>(offset), {}, 0));
        if (r.sw == 0x6B00 && offset > 0) break;  // end of file
        if (r.sw != 0x9000) {
            all.sw = r.sw;
            return all;
        }
        if (r.data.empty()) break;
        all.data.insert(all.data.end(), r.data.begin(), r.data.end());
        offset += r.data.size();
    }
    all.sw = 0x9000;
    return all;
}

Resp Sim::readEf(std::uint16_t fid) {
    selectEf(fid);
    return readAll();
}

Bytes hex(const std::string& text) { return mynacard::apdu::fromHex(text); }

Bytes ascii(const std::string& text) { return Bytes(text.begin(), text.end()); }

std::string apduHex(std::uint8_t cla, std::uint8_t ins, std::uint8_t p1, std::uint8_t p2,
                    const Bytes& data, int le) {
    Bytes a{cla, ins, p1, p2};
    if (!data.empty()) {
        a.push_back(static_cast<std::uint8_t>(data.size()));
        a.insert(a.end(), data.begin(), data.end());
    }
    if (le >= 0) a.push_back(static_cast<std::uint8_t>(le));
    return mynacard::apdu::toHex(a);
}

Bytes sha256DigestInfo(const Bytes& message) {
    Bytes di = hex("3031300d060960864801650304020105000420");
    unsigned char md[32];
    unsigned int len = 0;
    EVP_Digest(message.data(), message.size(), md, &len, EVP_sha256(), nullptr);
    di.insert(di.end(), md, md + len);
    return di;
}

bool verifyWithKey(EVP_PKEY* key, const Bytes& message, const Bytes& signature) {
    EVP_MD_CTX* ctx = EVP_MD_CTX_new();
    bool ok = EVP_DigestVerifyInit(ctx, nullptr, EVP_sha256(), nullptr, key) == 1 &&
              EVP_DigestVerify(ctx, signature.data(), signature.size(), message.data(),
                               message.size()) == 1;
    EVP_MD_CTX_free(ctx);
    return ok;
}

bool verifyWithCert(const Bytes& certDer, const Bytes& message, const Bytes& signature) {
    const unsigned char* p = certDer.data();
    X509* x = d2i_X509(nullptr, &p, static_cast<long>(certDer.size()));
    if (!x) return false;
    bool ok = verifyWithKey(X509_get0_pubkey(x), message, signature);
    X509_free(x);
    return ok;
}

}  // namespace simtest
