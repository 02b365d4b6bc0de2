#include "apdu/card/resident_applet.h"

#include "apdu/errors.h"

namespace mynacard::card {

void ResidentApplet::verify(const Credential& credential) {
    if (credential.secret != Secret::ResidentPin)
        throw std::invalid_argument("the 住基AP is opened by the resident registry PIN");
    session_.verify(credential);
}

void ResidentApplet::changePin(const apdu::SecureBytes& oldPin, const apdu::SecureBytes& newPin,
                               bool allowFinalTry) {
    Credential old{Secret::ResidentPin, oldPin.clone(), allowFinalTry};
    session_.changeSecret(old, newPin);  // CHANGE KEY 80 32 00 80 (spec §7)
}

ResidentCode ResidentApplet::residentCode(const Credential& credential) {
    CardSession::Transaction tx(session_);
    verify(credential);
    return residentCode();
}

ResidentCode ResidentApplet::residentCode() {
    CardSession::Transaction tx(session_);
    ResidentCode out;
    if (!session_.trySelectApplet(Applet::Resident)) {
        out.reason = "this card has no resident registry applet (住基AP)";
        return out;
    }
    apdu::ResponseApdu r = session_.readRecordEf(0x0001, 1);
    if (r.sw == apdu::sw::kSecurityNotSatisfied) {
        if (session_.isVerified(Secret::ResidentPin))
            session_.throwNotLoggedIn(Secret::ResidentPin, "reading the 住民票コード");
        out.reason = "the card refused the read: verify the resident registry PIN first";
        return out;
    }
    const apdu::Bytes& d = r.data;
    // spec §15: 01 0B + 11 ASCII digits (anything else: the layout is not this card's).
    bool digits = d.size() >= 13;
    for (std::size_t i = 2; digits && i < 13; ++i) digits = d[i] >= '0' && d[i] <= '9';
    if (!r.ok() || d.size() < 13 || d[0] != 0x01 || d[1] != 0x0B || !digits) {
        out.reason = "not available on this card (it does not answer in the documented form: " +
                     apdu::describeStatusWord(r.sw) + ")";
        return out;
    }
    out.code = std::string(d.begin() + 2, d.begin() + 13);
    return out;
}

}  // namespace mynacard::card
