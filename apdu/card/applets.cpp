#include "apdu/card/applets.h"

namespace mynacard::card {

const apdu::Bytes& appletAid(Applet applet) {
    // spec §2 application map
    static const apdu::Bytes jpki{0xD3, 0x92, 0xF0, 0x00, 0x26, 0x01, 0x00, 0x00, 0x00, 0x01};
    static const apdu::Bytes text{0xD3, 0x92, 0x10, 0x00, 0x31, 0x00, 0x01, 0x01, 0x04, 0x08};
    static const apdu::Bytes face{0xD3, 0x92, 0x10, 0x00, 0x31, 0x00, 0x01, 0x01, 0x04, 0x02};
    static const apdu::Bytes resident{0xD3, 0x92, 0x10, 0x00, 0x31, 0x00, 0x01, 0x01, 0x04, 0x01};
    static const apdu::Bytes common{0xD3, 0x92, 0x10, 0x00, 0x31, 0x00, 0x01, 0x01, 0x01, 0x00};
    switch (applet) {
        case Applet::Jpki:
            return jpki;
        case Applet::Text:
            return text;
        case Applet::Face:
            return face;
        case Applet::Resident:
            return resident;
        case Applet::Common:
            return common;
    }
    return jpki;
}

const char* appletName(Applet applet) {
    switch (applet) {
        case Applet::Jpki:
            return "JPKI-AP";
        case Applet::Text:
            return "text input support AP (券面事項入力補助AP)";
        case Applet::Face:
            return "card face AP (券面AP)";
        case Applet::Resident:
            return "resident registry AP (住基AP)";
        case Applet::Common:
            return "common AP (共通AP)";
    }
    return "?";
}

const SecretInfo& secretInfo(Secret secret) {
    // spec §4.1, §5.1, §6.1, §7, §9
    static const SecretInfo table[] = {
        {Applet::Jpki, 0x0018, SecretFormat::Pin4, "JPKI user authentication PIN"},
        {Applet::Jpki, 0x001B, SecretFormat::SignPassword, "JPKI signature password"},
        {Applet::Text, 0x0011, SecretFormat::Pin4, "text input support PIN"},
        {Applet::Text, 0x0014, SecretFormat::CollationA, "照合番号A (text AP)"},
        {Applet::Text, 0x0015, SecretFormat::CollationB, "照合番号B (text AP)"},
        {Applet::Face, 0x0013, SecretFormat::CollationA, "照合番号A (card face AP)"},
        {Applet::Face, 0x0012, SecretFormat::CollationB, "照合番号B (card face AP)"},
        {Applet::Face, 0x0011, SecretFormat::BirthDateKey, "birth-date key (card face AP)"},
        {Applet::Resident, 0x001C, SecretFormat::Pin4, "resident registry PIN (住基)"},
    };
    return table[static_cast<int>(secret)];
}

const char* secretName(Secret secret) { return secretInfo(secret).name; }

}  // namespace mynacard::card
