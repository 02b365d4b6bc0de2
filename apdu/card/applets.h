// The card's applets and secrets as tables (spec §2, §9), so that control flow never hard-codes an
// AID or a key EF and a future card generation (spec §10.3) only changes these tables.
#pragma once

#include <cstdint>
#include <string>

#include "apdu/bytes.h"

namespace mynacard::card {

enum class Applet { Jpki, Text, Face, Resident, Common };

// The 10-byte AID (spec §2). Always the full AID: a prefix would also select (spec §3).
const apdu::Bytes& appletAid(Applet applet);
const char* appletName(Applet applet);  // "JPKI-AP", "券面事項入力補助AP", ...

// Every secret the card knows (spec §9). Each lives in one applet under one key EF.
enum class Secret {
    JpkiAuthPin,       // JPKI 0018, 4 digits, 3 tries
    JpkiSignPassword,  // JPKI 001B, 6–16 [A-Z0-9], 5 tries
    TextPin,           // text AP 0011, 4 digits
    TextCollationA,    // text AP 0014, 照合番号A (12 digits)
    TextCollationB,    // text AP 0015, 照合番号B (14 digits)
    FaceCollationA,    // 券面AP 0013
    FaceCollationB,    // 券面AP 0012
    FaceBirthDateKey,  // 券面AP 0011, era YYMMDD
    ResidentPin,       // 住基AP 001C, 4 digits
};

enum class SecretFormat { Pin4, SignPassword, CollationA, CollationB, BirthDateKey };

struct SecretInfo {
    Applet applet;
    std::uint16_t keyEf;
    SecretFormat format;
    const char* name;  // English, for messages
};

const SecretInfo& secretInfo(Secret secret);
inline Applet secretApplet(Secret s) { return secretInfo(s).applet; }
const char* secretName(Secret secret);

}  // namespace mynacard::card
