// 共通AP (spec §8.1): card serial, issuing municipality and card expiry, readable without a PIN.
// Selecting it drops the security state of every other applet (spec §3) — read it before any
// VERIFY (the PKCS#11 module reads it only while identifying a newly inserted card).
#pragma once

#include <optional>
#include <string>

#include "apdu/bytes.h"
#include "apdu/card/card_session.h"

namespace mynacard::card {

struct CommonInfo {
    std::string serial;        // 15 digits
    std::string municipality;  // 5 digits, 全国地方公共団体コード
    std::string expiry;        // YYYYMMDD
    apdu::Bytes raw;           // the record as read
};

class CommonApplet {
  public:
    explicit CommonApplet(CardSession& session) : session_(session) {}

    // nullopt when the card has no 共通AP (smartphone JPKI, old cards); cached per card session.
    // Throws ProtocolError when the record is malformed.
    std::optional<CommonInfo> read();
    static CommonInfo parseRecord(const apdu::Bytes& record);

  private:
    CardSession& session_;
};

}  // namespace mynacard::card
