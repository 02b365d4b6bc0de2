// SimCard: construction, power, dispatch, SELECT, READ BINARY/RECORD, GET RESPONSE.
// The security commands (VERIFY, PIN change, signatures) are in sim_card_security.cpp.
#include "cardsim/sim_card.h"

#include <algorithm>

#include "apdu/response.h"

namespace mynacard::sim {

namespace sw = apdu::sw;

namespace {

apdu::Bytes status(std::uint16_t s) {
    return {static_cast<std::uint8_t>(s >> 8), static_cast<std::uint8_t>(s & 0xFF)};
}

apdu::Bytes withOk(apdu::Bytes data) {
    data.push_back(0x90);
    data.push_back(0x00);
    return data;
}

bool startsWith(const apdu::Bytes& whole, const apdu::Bytes& prefix) {
    return !prefix.empty() && prefix.size() <= whole.size() &&
           std::equal(prefix.begin(), prefix.end(), whole.begin());
}

// Instructions by class byte (spec §3): ISO inter-industry commands use CLA 00, the card's
// proprietary ones CLA 80.
bool isIsoIns(std::uint8_t ins) {
    switch (ins) {
        case 0xA4:
        case 0xB0:
        case 0xB2:
        case 0x20:
        case 0x24:
        case 0x84:
        case 0x88:
        case 0xC0:
        case 0xCA:
            return true;
        default:
            return false;
    }
}

bool isProprietaryIns(std::uint8_t ins) {
    switch (ins) {
        case 0x2A:
        case 0x32:
        case 0xAE:
        case 0xA2:
        case 0xFC:
            return true;
        default:
            return false;
    }
}

}  // namespace

SimCard::SimCard(Profile profile, CardData data, std::string statePath)
    : profile_(std::move(profile)), data_(std::move(data)) {
    applets_ = buildApplets(profile_, data_);
    if (!statePath.empty()) {
        store_ = std::make_unique<StateStore>(std::move(statePath));
        loadState();
    }
}

SimCard::~SimCard() = default;

apdu::Bytes SimCard::atr() const {
    // A contact ATR from the spec's table (§1): T=1, TCK valid. Clients must not depend on it.
    return {0x3B, 0xE0, 0x00, 0xFF, 0x81, 0x31, 0xFE, 0x45, 0x14};
}

void SimCard::powerOff() {
    std::lock_guard<std::mutex> lock(mutex_);
    powered_ = false;
    current_ = nullptr;
    currentEf_ = nullptr;
    clearSession();
    pending_.clear();
}

void SimCard::powerOn() {
    powerOff();
    std::lock_guard<std::mutex> lock(mutex_);
    powered_ = true;
}

void SimCard::reset() { powerOn(); }

void SimCard::clearSession() { verified_.clear(); }

Applet* SimCard::applet(AppletId id) {
    for (auto& a : applets_)
        if (a.id == id) return &a;
    return nullptr;
}

const Applet* SimCard::applet(AppletId id) const {
    for (const auto& a : applets_)
        if (a.id == id) return &a;
    return nullptr;
}

bool SimCard::powered() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return powered_;
}

std::size_t SimCard::commandCount() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return commandCount_;
}

std::size_t SimCard::signatureCount() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return signatureCount_;
}

std::string SimCard::lastStateError() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return stateError_;
}

bool SimCard::hasApplet(AppletId id) const { return applet(id) != nullptr; }

std::optional<AppletId> SimCard::currentApplet() const {
    std::lock_guard<std::mutex> lock(mutex_);
    if (!current_) return std::nullopt;
    return current_->id;
}

bool SimCard::isVerified(AppletId id, std::uint16_t keyEf) const {
    std::lock_guard<std::mutex> lock(mutex_);
    return current_ && current_->id == id &&
           std::find(verified_.begin(), verified_.end(), keyEf) != verified_.end();
}

int SimCard::triesLeft(AppletId id, std::uint16_t keyEf) const {
    std::lock_guard<std::mutex> lock(mutex_);
    const Applet* a = applet(id);
    const ElementaryFile* ef = a ? a->find(keyEf) : nullptr;
    if (!ef || ef->kind != ElementaryFile::Kind::Pin) return -1;
    return ef->pin.triesLeft();
}

std::optional<std::string> SimCard::secret(AppletId id, std::uint16_t keyEf) const {
    std::lock_guard<std::mutex> lock(mutex_);
    const Applet* a = applet(id);
    const ElementaryFile* ef = a ? a->find(keyEf) : nullptr;
    if (!ef || ef->kind != ElementaryFile::Kind::Pin) return std::nullopt;
    return ef->pin.secret();
}

void SimCard::setTriesLeft(AppletId id, std::uint16_t keyEf, int tries) {
    std::lock_guard<std::mutex> lock(mutex_);
    Applet* a = applet(id);
    ElementaryFile* ef = a ? a->find(keyEf) : nullptr;
    if (!ef || ef->kind != ElementaryFile::Kind::Pin) return;
    ef->pin.setTriesLeft(tries);
    saveState();
}

bool SimCard::isOpen(const ElementaryFile& ef) const {
    if (ef.openedBy.empty()) return true;
    for (auto key : ef.openedBy)
        if (std::find(verified_.begin(), verified_.end(), key) != verified_.end()) return true;
    return false;
}

apdu::Bytes SimCard::process(const apdu::Bytes& command) {
    try {
        std::lock_guard<std::mutex> lock(mutex_);
        ++commandCount_;
        if (!powered_) return status(sw::kNoPreciseDiagnosis);
        auto parsed = parseApdu(command);
        if (!parsed) {
            pending_.clear();
            return status(sw::kWrongLength);
        }
        // Many contactless readers cannot carry extended APDUs (spec §15 variant).
        if (parsed->extended && profile_.variants.rejectExtended) {
            pending_.clear();
            return status(sw::kWrongLength);
        }
        if (parsed->ins == 0xC0 && parsed->cla == 0x00) return getResponse(*parsed);
        pending_.clear();
        return finish(dispatch(*parsed));
    } catch (...) {
        // Nothing may escape to the reader; a real card would answer "no precise diagnosis".
        return status(sw::kNoPreciseDiagnosis);
    }
}

apdu::Bytes SimCard::finish(apdu::Bytes response) {
    // T=0 style (variant): data only through GET RESPONSE, announced by 61xx (spec §3).
    if (!profile_.variants.t0Style || response.size() <= 2) return response;
    if (response[response.size() - 2] != 0x90 || response.back() != 0x00) return response;
    response.resize(response.size() - 2);
    pending_ = std::move(response);
    return {0x61, static_cast<std::uint8_t>(pending_.size() >= 256 ? 0 : pending_.size())};
}

apdu::Bytes SimCard::dispatch(const ParsedApdu& a) {
    if (a.cla != 0x00 && a.cla != 0x80) return status(sw::kClaNotSupported);
    const bool iso = isIsoIns(a.ins), proprietary = isProprietaryIns(a.ins);
    if (!iso && !proprietary) return status(sw::kInsNotSupported);
    if ((iso && a.cla != 0x00) || (proprietary && a.cla != 0x80))
        return status(sw::kClaNotSupported);

    switch (a.ins) {
        case 0xA4:
            return select(a);
        case 0xB0:
            return readBinary(a);
        case 0xB2:
            return readRecord(a);
        case 0x20:
            return verify(a);
        case 0x24:
            return changeSecret(a, PinChange::ChangeReferenceData);
        case 0x32:
            return changeSecret(a, PinChange::ChangeKey);
        case 0x2A:
            return computeSignature(a);
        case 0x84:
            return getChallenge(a);
        case 0xAE:
            return setSessionKey();
        case 0x88:
            return status(sw::kConditionsNotSatisfied);  // INTERNAL AUTHENTICATE: not modelled
        case 0xCA:
            return status(sw::kDataNotFound);  // GET DATA: MF objects not modelled
        case 0xA2:
            return status(sw::kSecurityNotSatisfied);  // SET PUBLIC IC KEY needs a terminal key
        case 0xFC:
            return status(sw::kWrongLength);  // physical cards reject 80 FC (spec §4.6)
        default:
            return status(sw::kInsNotSupported);
    }
}

apdu::Bytes SimCard::select(const ParsedApdu& a) {
    switch (a.p1) {
        case 0x04:
            return selectAid(a);
        case 0x02:
            return selectEf(a);
        case 0x00:
            // SELECT MF (spec §3): 6A86 at power-on, 9000 without any change once an AP is
            // current; 3F00 (or any path) is not found.
            if (!a.data.empty()) return status(sw::kFileNotFound);
            return status(current_ ? sw::kOk : sw::kIncorrectP1P2);
        default:
            return status(sw::kIncorrectP1P2);  // e.g. P1=09, path selection (spec §3)
    }
}

apdu::Bytes SimCard::selectAid(const ParsedApdu& a) {
    if (a.p2 != 0x0C && a.p2 != 0x00) return status(sw::kIncorrectP1P2);
    if (a.data.empty()) return status(sw::kWrongLength);
    // A prefix of a DF name also selects (JICSAP, spec §3): first match in card order.
    for (auto& ap : applets_) {
        if (!startsWith(ap.aid, a.data)) continue;
        if (&ap != current_ || !profile_.variants.reselectKeepsState) clearSession();
        current_ = &ap;
        currentEf_ = nullptr;
        return status(sw::kOk);
    }
    if (startsWith(issuerSecurityDomainAid(), a.data)) {
        current_ = nullptr;
        currentEf_ = nullptr;
        clearSession();
        return status(sw::kOk);
    }
    return status(sw::kFileNotFound);
}

apdu::Bytes SimCard::selectEf(const ParsedApdu& a) {
    if (a.p2 != 0x0C) return status(sw::kIncorrectP1P2);
    if (a.data.size() != 2) return status(sw::kWrongLength);
    if (!current_) return status(sw::kFileNotFound);
    const std::uint16_t fid = static_cast<std::uint16_t>((a.data[0] << 8) | a.data[1]);
    ElementaryFile* ef = current_->find(fid);
    if (!ef) return status(sw::kFileNotFound);
    currentEf_ = ef;
    return status(sw::kOk);
}

apdu::Bytes SimCard::readBinary(const ParsedApdu& a) {
    if (!a.data.empty() || !a.hasLe) return status(sw::kWrongLength);
    ElementaryFile* ef = nullptr;
    std::size_t offset = 0;
    if (a.p1 & 0x80) {  // SFI form: P1 = 100x xxxx, 8-bit offset in P2 (spec §3)
        if (a.p1 & 0x60) return status(sw::kIncorrectP1P2);
        std::uint16_t error = 0;
        ef = efBySfi(a.p1 & 0x1F, error);
        if (!ef) return status(error);
        offset = a.p2;
    } else {
        ef = currentEf_;
        if (!ef) return status(sw::kCommandNotAllowed);
        offset = (std::size_t(a.p1) << 8) | a.p2;
    }
    if (ef->kind != ElementaryFile::Kind::Transparent) return status(sw::kIncompatibleFile);
    if (!isOpen(*ef)) return status(sw::kSecurityNotSatisfied);
    const auto& content = ef->content;
    if (offset >= content.size()) return status(sw::kWrongP1P2);  // 6B00, end of file
    std::size_t n = std::min(a.le, content.size() - offset);
    if (profile_.variants.maxReadBinary > 0)
        n = std::min(n, static_cast<std::size_t>(profile_.variants.maxReadBinary));
    apdu::Bytes out(content.begin() + static_cast<std::ptrdiff_t>(offset),
                    content.begin() + static_cast<std::ptrdiff_t>(offset + n));
    return withOk(std::move(out));
}

ElementaryFile* SimCard::efBySfi(std::uint8_t sfi, std::uint16_t& error) {
    if (sfi == 0) {
        if (!currentEf_) error = sw::kCommandNotAllowed;
        return currentEf_;
    }
    ElementaryFile* ef = current_ ? current_->find(sfi) : nullptr;
    if (!ef) {
        error = sw::kFileNotFound;
        return nullptr;
    }
    currentEf_ = ef;
    return ef;
}

apdu::Bytes SimCard::readRecord(const ParsedApdu& a) {
    if (!a.data.empty() || !a.hasLe) return status(sw::kWrongLength);
    const std::uint8_t mode = a.p2 & 0x07;
    if (mode == 0x05 || mode == 0x06) return status(sw::kFunctionNotSupported);  // multi-record
    if (mode != 0x04) return status(sw::kIncorrectP1P2);
    const std::uint8_t sfi = a.p2 >> 3;
    if (sfi == 0x1F) return status(sw::kIncorrectP1P2);
    std::uint16_t error = 0;
    ElementaryFile* ef = efBySfi(sfi, error);
    if (!ef) return status(error);
    if (ef->kind != ElementaryFile::Kind::Record) return status(sw::kIncompatibleFile);
    if (!isOpen(*ef)) return status(sw::kSecurityNotSatisfied);
    if (a.p1 == 0 || a.p1 > ef->records.size()) return status(sw::kRecordNotFound);
    const apdu::Bytes& rec = ef->records[a.p1 - 1];
    // A record is returned whole; a too-short Le gets 6Cxx with the exact length (ISO 7816-4).
    if (rec.size() > a.le && rec.size() <= 256)
        return {0x6C, static_cast<std::uint8_t>(rec.size() & 0xFF)};
    return withOk(rec);
}

apdu::Bytes SimCard::getResponse(const ParsedApdu& a) {
    if (a.p1 != 0 || a.p2 != 0) return status(sw::kIncorrectP1P2);
    if (!a.data.empty() || !a.hasLe) return status(sw::kWrongLength);
    if (pending_.empty()) return status(sw::kConditionsNotSatisfied);
    const std::size_t n = std::min(a.le, pending_.size());
    apdu::Bytes out(pending_.begin(), pending_.begin() + static_cast<std::ptrdiff_t>(n));
    pending_.erase(pending_.begin(), pending_.begin() + static_cast<std::ptrdiff_t>(n));
    if (pending_.empty()) return withOk(std::move(out));
    out.push_back(0x61);
    out.push_back(static_cast<std::uint8_t>(pending_.size() >= 256 ? 0 : pending_.size()));
    return out;
}

}  // namespace mynacard::sim
