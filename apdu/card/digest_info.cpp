#include "apdu/card/digest_info.h"

#include <openssl/evp.h>

#include <stdexcept>

#include "apdu/errors.h"
#include "apdu/libctx.h"

namespace mynacard::card {

std::size_t hashLength(HashAlgorithm alg) {
    switch (alg) {
        case HashAlgorithm::Sha1:
            return 20;
        case HashAlgorithm::Sha224:
            return 28;
        case HashAlgorithm::Sha256:
            return 32;
        case HashAlgorithm::Sha384:
            return 48;
        case HashAlgorithm::Sha512:
            return 64;
    }
    return 0;
}

const char* hashName(HashAlgorithm alg) {
    switch (alg) {
        case HashAlgorithm::Sha1:
            return "sha1";
        case HashAlgorithm::Sha224:
            return "sha224";
        case HashAlgorithm::Sha256:
            return "sha256";
        case HashAlgorithm::Sha384:
            return "sha384";
        case HashAlgorithm::Sha512:
            return "sha512";
    }
    return "?";
}

const apdu::Bytes& digestInfoPrefix(HashAlgorithm alg) {
    // RFC 8017 §9.2 note 1.
    static const apdu::Bytes sha1 = apdu::fromHex("30 21 30 09 06 05 2B 0E 03 02 1A 05 00 04 14");
    static const apdu::Bytes sha224 =
        apdu::fromHex("30 2D 30 0D 06 09 60 86 48 01 65 03 04 02 04 05 00 04 1C");
    static const apdu::Bytes sha256 =
        apdu::fromHex("30 31 30 0D 06 09 60 86 48 01 65 03 04 02 01 05 00 04 20");
    static const apdu::Bytes sha384 =
        apdu::fromHex("30 41 30 0D 06 09 60 86 48 01 65 03 04 02 02 05 00 04 30");
    static const apdu::Bytes sha512 =
        apdu::fromHex("30 51 30 0D 06 09 60 86 48 01 65 03 04 02 03 05 00 04 40");
    switch (alg) {
        case HashAlgorithm::Sha1:
            return sha1;
        case HashAlgorithm::Sha224:
            return sha224;
        case HashAlgorithm::Sha256:
            return sha256;
        case HashAlgorithm::Sha384:
            return sha384;
        case HashAlgorithm::Sha512:
            return sha512;
    }
    return sha256;
}

apdu::Bytes digestInfo(HashAlgorithm alg, const apdu::Bytes& digest) {
    if (digest.size() != hashLength(alg))
        throw std::invalid_argument(std::string("digest length does not match ") + hashName(alg));
    apdu::Bytes out = digestInfoPrefix(alg);
    out.insert(out.end(), digest.begin(), digest.end());
    return out;
}

apdu::Bytes hashData(HashAlgorithm alg, const apdu::Bytes& data) {
    // Fetched from apdu::libctx(), not the host process's default context (libctx.h).
    apdu::EvpMdPtr md = apdu::fetchDigest(hashName(alg));
    apdu::Bytes out(EVP_MAX_MD_SIZE);
    unsigned int len = 0;
    if (!md || EVP_Digest(data.data(), data.size(), out.data(), &len, md.get(), nullptr) != 1)
        throw Error(std::string("OpenSSL cannot compute ") + hashName(alg));
    out.resize(len);
    return out;
}

apdu::Bytes digestInfoForData(HashAlgorithm alg, const apdu::Bytes& data) {
    return digestInfo(alg, hashData(alg, data));
}

}  // namespace mynacard::card
