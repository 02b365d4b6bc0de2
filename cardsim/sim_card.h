// The simulated My Number Card: applets, file system, security state, PIN objects and the
// command dispatcher (spec §2–§9, decisions §15). process() is the card's whole contact surface;
// it never throws — a malformed or unexpected command gets an ISO status word.
//
// Choices where the spec leaves room (documented here, tested in tests/unit/cardsim):
// - VERIFY / COMPUTE DIGITAL SIGNATURE with P2=80 and no current EF (no EF selected since the AP
//   was selected, or no AP at all): 6986 "command not allowed (no current EF)". A current EF, or
//   an SFI in P2, that is not a key reference / private key: 6A88 "referenced data not found".
// - READ BINARY / READ RECORD with no current EF: 6986; on the wrong kind of EF (record vs
//   transparent, key references): 6981 (spec §3.1).
// - SELECT EF with no AP selected: 6A82 (nothing under the MF is selectable, spec §8.2).
// - A failed SELECT leaves the current AP / EF unchanged (ISO 7816-4 §11.2.2). SELECT by AID
//   accepts P2=0C and P2=00 and never returns FCI (no source asks for one, spec §3); SELECT EF
//   accepts only P1=02 P2=0C (other P1 or P2: 6A86).
// - Unknown INS: 6D00; CLA other than 00/80, or 80 with an ISO command / 00 with a proprietary
//   one: 6E00; length fields that do not match the APDU: 6700 (also any extended APDU with the
//   rejectExtended variant).
// - COMPUTE DIGITAL SIGNATURE: P1 other than 00 → 6A86; input of 0 or more than k−11 bytes →
//   6985; P2=00 uses the AP's own key (text AP 0013, 券面AP 001A; JPKI has none → 6A86).
// - CHANGE REFERENCE DATA / CHANGE KEY: 6982 unless the key was verified in this session; 6985
//   when the key is not changed by that command (照合番号, or the other AP family's command);
//   6A80 when the new value breaks the format (4 digits; 6–16 [A-Z0-9] with a letter and a digit).
// - SELECT of the GlobalPlatform ISD AID returns to the power-on "MF" state (spec §2).
// - GET DATA (MF-level objects, spec §8.2) is not modelled: 6A88 for every tag.
// - INTERNAL AUTHENTICATE (optional): not modelled, 6985 everywhere.
// - SET SESSION KEY 80 AE: 6982 in JPKI/住基/text AP, 66F1 elsewhere (spec §5.6); no SM.
//
// Thread-safe: every public member takes the card's lock, so several transports (e.g. the two
// PKCS#11 slots of one reader) may share a card; like a real card, commands are serialised.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "apdu/bytes.h"
#include "cardsim/apdu_parser.h"
#include "cardsim/applet.h"
#include "cardsim/card_data.h"
#include "cardsim/profile.h"
#include "cardsim/state_store.h"

namespace mynacard::sim {

class SimCard {
  public:
    // Builds the card's files and keys with buildCardData(profile). With a non-empty statePath the
    // retry counters and changed secrets are loaded from it (if it exists) and saved after every
    // change. Throws std::runtime_error on a malformed state file.
    explicit SimCard(Profile profile, std::string statePath = "");
    // As above with files and keys supplied by the caller (tests, or a CardData built once and
    // shared by several cards).
    SimCard(Profile profile, CardData data, std::string statePath = "");
    ~SimCard();
    SimCard(const SimCard&) = delete;
    SimCard& operator=(const SimCard&) = delete;

    // One command APDU in, response data + SW out. Never throws.
    apdu::Bytes process(const apdu::Bytes& command);

    // Contacts: power-off, power-on and warm reset all clear the security state, the current
    // AP/EF and any pending GET RESPONSE data. Counters are untouched (spec §9).
    void powerOff();
    void powerOn();
    void reset();
    bool powered() const;
    apdu::Bytes atr() const;

    const CardData& data() const { return data_; }
    const Profile& profile() const { return profile_; }

    // Test controls and inspection.
    // Remaining tries of a key reference, or -1 when the applet or key does not exist.
    int triesLeft(AppletId applet, std::uint16_t keyEf) const;
    // The current value of a key reference's secret (after PIN changes), or nullopt.
    std::optional<std::string> secret(AppletId applet, std::uint16_t keyEf) const;
    // Forces a counter (e.g. to set up a "one try left" card); persisted like any change.
    void setTriesLeft(AppletId applet, std::uint16_t keyEf, int tries);
    bool hasApplet(AppletId applet) const;
    // The applet currently selected, if any.
    std::optional<AppletId> currentApplet() const;
    // Whether a key reference of `applet` is verified right now (its applet current and the
    // VERIFY not cleared since): "is the key unlocked for every process on the machine".
    bool isVerified(AppletId applet, std::uint16_t keyEf) const;
    std::size_t commandCount() const;
    std::size_t signatureCount() const;
    // Non-empty when saving the state file failed (the card keeps working from memory).
    std::string lastStateError() const;

  private:
    apdu::Bytes dispatch(const ParsedApdu& a);
    apdu::Bytes select(const ParsedApdu& a);
    apdu::Bytes selectAid(const ParsedApdu& a);
    apdu::Bytes selectEf(const ParsedApdu& a);
    apdu::Bytes readBinary(const ParsedApdu& a);
    apdu::Bytes readRecord(const ParsedApdu& a);
    // The EF a READ names by short file identifier (spec §3): 0 = the current EF, otherwise that
    // EF of the current DF, which then becomes current (ISO 7816-4 §7.2.2). nullptr with `sw`
    // set to the status to answer when there is none.
    ElementaryFile* efBySfi(std::uint8_t sfi, std::uint16_t& sw);
    apdu::Bytes verify(const ParsedApdu& a);
    apdu::Bytes changeSecret(const ParsedApdu& a, PinChange how);
    apdu::Bytes computeSignature(const ParsedApdu& a);
    apdu::Bytes getChallenge(const ParsedApdu& a);
    apdu::Bytes getResponse(const ParsedApdu& a);
    apdu::Bytes setSessionKey();

    // Resolves P2 = 80 (current EF) or 80|SFI to an EF of the current AP; sets `sw` on failure.
    ElementaryFile* keyReference(std::uint8_t p2, std::uint16_t& sw);
    bool isOpen(const ElementaryFile& ef) const;
    void clearSession();
    Applet* applet(AppletId id);
    const Applet* applet(AppletId id) const;
    void loadState();
    void saveState();
    apdu::Bytes finish(apdu::Bytes response);  // T=0 style 61xx handling

    mutable std::mutex mutex_;
    Profile profile_;
    CardData data_;
    std::vector<Applet> applets_;
    std::unique_ptr<StateStore> store_;
    std::string stateError_;

    bool powered_ = true;
    Applet* current_ = nullptr;
    ElementaryFile* currentEf_ = nullptr;
    std::vector<std::uint16_t> verified_;  // key references verified in the current AP's session
    apdu::Bytes pending_;                  // data waiting for GET RESPONSE (t0Style)
    std::size_t commandCount_ = 0;
    std::size_t signatureCount_ = 0;
};

}  // namespace mynacard::sim
