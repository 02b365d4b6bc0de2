// 住基AP (spec §7): the resident registry PIN and the 住民票コード per the project decision
// (spec §15: record EF 0001 after the PIN, "01 0B" + 11 digits, an unverified layout).
// Note: using the 住民票コード is restricted by law to 住基ネット duties.
#pragma once

#include <optional>
#include <string>

#include "apdu/card/card_session.h"

namespace mynacard::card {

struct ResidentCode {
    std::optional<std::string> code;  // 11 digits, or nullopt when the card does not provide it
    std::string reason;               // why not, when code is nullopt
};

class ResidentApplet {
  public:
    explicit ResidentApplet(CardSession& session) : session_(session) {}

    PinStatus pinStatus() { return session_.pinStatus(Secret::ResidentPin); }
    void verify(const Credential& credential);
    void changePin(const apdu::SecureBytes& oldPin, const apdu::SecureBytes& newPin,
                   bool allowFinalTry = false);
    // After the 住基 PIN was verified in this card session; never throws for a card that simply
    // answers differently (that is "unavailable"), only for transport errors and NotLoggedIn
    // when we believed the PIN verified.
    ResidentCode residentCode();
    ResidentCode residentCode(const Credential& credential);

  private:
    CardSession& session_;
};

}  // namespace mynacard::card
