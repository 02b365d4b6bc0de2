// SimCard: VERIFY, CHANGE REFERENCE DATA / CHANGE KEY, COMPUTE DIGITAL SIGNATURE, GET CHALLENGE,
// SET SESSION KEY and the persistence of the key references (spec §3, §4.4, §9, §15).
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <openssl/rsa.h>

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <memory>

#include "apdu/response.h"
#include "cardsim/sim_card.h"

namespace mynacard::sim {

namespace sw = apdu::sw;

namespace {

apdu::Bytes status(std::uint16_t s) {
    return {static_cast<std::uint8_t>(s >> 8), static_cast<std::uint8_t>(s & 0xFF)};
}

apdu::Bytes counter(int tries) {
    return {0x63, static_cast<std::uint8_t>(0xC0 | std::clamp(tries, 0, 15))};
}

// The card enforces the formats the issuing software enforces (spec §4.5, §9): 4 digits, or a
// 6–16 character [A-Z0-9] password with at least one letter and one digit.
bool validNewSecret(PinFormat format, const apdu::Bytes& v) {
    switch (format) {
        case PinFormat::Digits4:
            return v.size() == 4 && std::all_of(v.begin(), v.end(), [](std::uint8_t c) {
                       return c >= '0' && c <= '9';
                   });
        case PinFormat::SignPassword: {
            if (v.size() < 6 || v.size() > 16) return false;
            bool letter = false, digit = false;
            for (auto c : v) {
                if (c >= 'A' && c <= 'Z')
                    letter = true;
                else if (c >= '0' && c <= '9')
                    digit = true;
                else
                    return false;
            }
            return letter && digit;
        }
        case PinFormat::Other:
            return !v.empty();
    }
    return false;
}

std::string stateKey(const Applet& a, std::uint16_t fid) {
    char buf[8];
    std::snprintf(buf, sizeof buf, "%04X", fid);
    return a.name + "/" + buf;
}

}  // namespace

ElementaryFile* SimCard::keyReference(std::uint8_t p2, std::uint16_t& s) {
    if (!current_) {
        s = sw::kCommandNotAllowed;
        return nullptr;
    }
    if (p2 == 0x80) {  // the key of the currently selected EF (spec §3)
        if (!currentEf_) s = sw::kCommandNotAllowed;
        return currentEf_;
    }
    const std::uint8_t sfi = p2 & 0x1F;
    if ((p2 & 0xE0) != 0x80 || sfi == 0 || sfi == 0x1F) {
        s = sw::kIncorrectP1P2;
        return nullptr;
    }
    ElementaryFile* ef = current_->find(sfi);  // 80|SFI names the key EF directly (spec §3)
    if (!ef) s = sw::kDataNotFound;
    return ef;
}

apdu::Bytes SimCard::verify(const ParsedApdu& a) {
    if (a.p1 != 0x00) return status(sw::kIncorrectP1P2);
    std::uint16_t s = sw::kOk;
    ElementaryFile* ef = keyReference(a.p2, s);
    if (!ef) return status(s);
    if (ef->kind != ElementaryFile::Kind::Pin) return status(sw::kDataNotFound);
    PinObject& pin = ef->pin;
    auto verifiedAt = std::find(verified_.begin(), verified_.end(), ef->fid);
    const bool verified = verifiedAt != verified_.end();

    if (a.data.empty()) {
        // Retry query: reports the counter without spending a try (spec §9). After a successful
        // VERIFY the default answer is still 63Cx; the variant answers 9000 (spec §15).
        if (verified && !pin.blocked() && profile_.variants.emptyVerifyAfterSuccessOk)
            return status(sw::kOk);
        return counter(pin.triesLeft());
    }
    const auto outcome = pin.verify(a.data.data(), a.data.size());
    if (verified) verified_.erase(verifiedAt);  // a new attempt replaces the old result
    switch (outcome) {
        case PinObject::Outcome::Correct:
            verified_.push_back(ef->fid);
            saveState();
            return status(sw::kOk);
        case PinObject::Outcome::Wrong:
            saveState();  // like a real card: the counter is written before the answer
            return counter(pin.triesLeft());
        case PinObject::Outcome::Blocked:
            break;
    }
    return status(profile_.variants.blockedAnswers6983 ? sw::kAuthMethodBlocked
                                                       : sw::kReferenceDataBlocked);
}

apdu::Bytes SimCard::changeSecret(const ParsedApdu& a, PinChange how) {
    // 00 24 01 80 (new value only) / 80 32 00 80 (spec §3, §5.5, §7).
    const std::uint8_t expectedP1 = how == PinChange::ChangeReferenceData ? 0x01 : 0x00;
    if (a.p1 != expectedP1) return status(sw::kIncorrectP1P2);
    std::uint16_t s = sw::kOk;
    ElementaryFile* ef = keyReference(a.p2, s);
    if (!ef) return status(s);
    if (ef->kind != ElementaryFile::Kind::Pin) return status(sw::kDataNotFound);
    if (ef->change != how) return status(sw::kConditionsNotSatisfied);
    if (ef->pin.blocked())
        return status(profile_.variants.blockedAnswers6983 ? sw::kAuthMethodBlocked
                                                           : sw::kReferenceDataBlocked);
    if (std::find(verified_.begin(), verified_.end(), ef->fid) == verified_.end())
        return status(sw::kSecurityNotSatisfied);  // only after VERIFY of the old value
    if (a.data.empty()) return status(sw::kWrongLength);
    if (!validNewSecret(ef->format, a.data)) return status(sw::kIncorrectData);
    ef->pin.changeSecret(std::string(a.data.begin(), a.data.end()));
    saveState();
    return status(sw::kOk);
}

apdu::Bytes SimCard::computeSignature(const ParsedApdu& a) {
    // Only P1=00 (pad what is sent, PKCS#1 v1.5 type 1) is modelled; 01–05 are unconfirmed
    // (spec §4.4) and answer 6A86 as MC saw for unsupported values. No raw RSA.
    if (a.p1 != 0x00) return status(sw::kIncorrectP1P2);
    ElementaryFile* ef = nullptr;
    if (a.p2 == 0x00) {  // the AP's own key, no PIN (spec §5.4, §6.3)
        if (!current_) return status(sw::kCommandNotAllowed);
        if (!current_->defaultKey) return status(sw::kIncorrectP1P2);
        ef = current_->find(*current_->defaultKey);
        if (!ef) return status(sw::kDataNotFound);
    } else {
        std::uint16_t s = sw::kOk;
        ef = keyReference(a.p2, s);
        if (!ef) return status(s);
    }
    if (ef->kind != ElementaryFile::Kind::PrivateKey || !ef->key) return status(sw::kDataNotFound);
    if (!isOpen(*ef)) return status(sw::kSecurityNotSatisfied);
    EVP_PKEY* key = ef->key.get();
    if (EVP_PKEY_get_base_id(key) != EVP_PKEY_RSA) return status(sw::kConditionsNotSatisfied);
    const std::size_t k = static_cast<std::size_t>(EVP_PKEY_get_size(key));
    if (a.data.empty() || a.data.size() + 11 > k) return status(sw::kConditionsNotSatisfied);

    std::unique_ptr<EVP_PKEY_CTX, decltype(&EVP_PKEY_CTX_free)> ctx(EVP_PKEY_CTX_new(key, nullptr),
                                                                    &EVP_PKEY_CTX_free);
    apdu::Bytes sig(k);
    std::size_t len = sig.size();
    // No signature digest set: OpenSSL applies type-1 padding to the bytes as given.
    if (!ctx || EVP_PKEY_sign_init(ctx.get()) <= 0 ||
        EVP_PKEY_CTX_set_rsa_padding(ctx.get(), RSA_PKCS1_PADDING) <= 0 ||
        EVP_PKEY_sign(ctx.get(), sig.data(), &len, a.data.data(), a.data.size()) <= 0)
        return status(sw::kNoPreciseDiagnosis);
    sig.resize(len);
    ++signatureCount_;
    sig.push_back(0x90);
    sig.push_back(0x00);
    return sig;
}

apdu::Bytes SimCard::getChallenge(const ParsedApdu& a) {
    if (a.p1 != 0 || a.p2 != 0) return status(sw::kIncorrectP1P2);
    if (a.extended) return status(sw::kConditionsNotSatisfied);  // spec §3.1
    if (!a.data.empty() || !a.hasLe) return status(sw::kWrongLength);
    apdu::Bytes out(a.le);
    if (RAND_bytes(out.data(), static_cast<int>(out.size())) != 1)
        return status(sw::kNoPreciseDiagnosis);
    out.push_back(0x90);
    out.push_back(0x00);
    return out;
}

apdu::Bytes SimCard::setSessionKey() {
    // No secure messaging is modelled (spec §5.6): the answers a card gives without it.
    if (!current_) return status(sw::kCommandNotAllowed);
    switch (current_->id) {
        case AppletId::Jpki:
        case AppletId::Resident:
        case AppletId::TextAssist:
            return status(sw::kSecurityNotSatisfied);
        default:
            return status(0x66F1);
    }
}

void SimCard::loadState() {
    const auto keys = store_->load();  // throws on a malformed file
    for (auto& ap : applets_) {
        for (auto& ef : ap.files) {
            if (ef.kind != ElementaryFile::Kind::Pin) continue;
            auto it = keys.find(stateKey(ap, ef.fid));
            if (it == keys.end()) continue;
            if (it->second.value) ef.pin.changeSecret(*it->second.value);
            ef.pin.setTriesLeft(it->second.tries);
        }
    }
}

void SimCard::saveState() {
    if (!store_) return;
    std::map<std::string, KeyState> keys;
    for (const auto& ap : applets_) {
        for (const auto& ef : ap.files) {
            if (ef.kind != ElementaryFile::Kind::Pin) continue;
            KeyState state;
            state.tries = ef.pin.triesLeft();
            if (ef.pin.secretChanged()) state.value = ef.pin.secret();
            keys[stateKey(ap, ef.fid)] = state;
        }
    }
    try {
        store_->save(keys);
        stateError_.clear();
    } catch (const std::exception& e) {
        stateError_ = e.what();  // keep serving from memory; the front-end reports it
    }
}

}  // namespace mynacard::sim
