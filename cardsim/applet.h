// The card's file system: five applets (spec §2), each a DF with its EFs, key references and
// access rules (spec §4–§8). Built once from a Profile and its CardData; SimCard owns the result
// and mutates only the PIN objects.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "apdu/bytes.h"
#include "cardsim/card_data.h"
#include "cardsim/pin_object.h"
#include "cardsim/profile.h"

namespace mynacard::sim {

enum class AppletId { Jpki, TextAssist, CardFace, Resident, Common };

// AIDs (spec §2).
apdu::Bytes appletAid(AppletId id);
// The GlobalPlatform ISD: selecting it returns the card to its power-on "MF" state (spec §2).
apdu::Bytes issuerSecurityDomainAid();

// How a key reference may be changed (spec §3): CHANGE REFERENCE DATA 00 24 01 80 (JPKI, text
// AP) or JICSAP CHANGE KEY 80 32 00 80 (住基AP, 共通AP). Derived secrets (照合番号) are fixed.
enum class PinChange { None, ChangeReferenceData, ChangeKey };
enum class PinFormat { Digits4, SignPassword, Other };

struct ElementaryFile {
    enum class Kind { Transparent, Record, Pin, PrivateKey };
    std::uint16_t fid = 0;
    Kind kind = Kind::Transparent;
    apdu::Bytes content;               // Transparent
    std::vector<apdu::Bytes> records;  // Record (record n = records[n-1])
    // Read (or, for a private key, use) needs any one of these key references verified in the
    // current session; empty = free.
    std::vector<std::uint16_t> openedBy;
    PinObject pin;  // Pin
    PinChange change = PinChange::None;
    PinFormat format = PinFormat::Other;
    PKey key;  // PrivateKey

    // Every EF id is in 0001–001E, so every EF has an SFI (spec §3, READ BINARY by SFI).
    std::uint8_t sfi() const { return static_cast<std::uint8_t>(fid); }
};

struct Applet {
    AppletId id;
    std::string
        name;  // stable key for the state file: "jpki", "text", "face", "resident", "common"
    apdu::Bytes aid;
    std::vector<ElementaryFile> files;
    // Key used by COMPUTE DIGITAL SIGNATURE with P2=00 (the AP's own key, spec §5.4 / §6.3).
    std::optional<std::uint16_t> defaultKey;

    ElementaryFile* find(std::uint16_t fid);
    const ElementaryFile* find(std::uint16_t fid) const;
};

// Every applet present on a card with this profile's variants (token "smartphone" and
// "jpki-only": JPKI-AP only; "juki": JPKI-AP with the signature certificate only, plus 住基AP).
std::vector<Applet> buildApplets(const Profile& profile, const CardData& data);

}  // namespace mynacard::sim
