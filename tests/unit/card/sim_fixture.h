// Test support for unit_card: a simulated card behind a recording, fault-injecting transport.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "apdu/bytes.h"
#include "apdu/card/card_session.h"
#include "apdu/errors.h"
#include "apdu/transport.h"
#include "cardsim/card_data.h"
#include "cardsim/profile.h"
#include "cardsim/sim_card.h"
#include "cardsim/sim_transport.h"

namespace mynacard::test {

// Wraps a transport: records every command and can fail or tamper with chosen exchanges.
class RecordingTransport : public apdu::Transport {
  public:
    explicit RecordingTransport(apdu::Transport& inner) : inner_(inner) {}

    // Called before forwarding; may throw (e.g. TransportError) to simulate a broken link.
    std::function<void(const apdu::Bytes& command, bool& forward)> before;
    // Called after forwarding; may throw or change the response.
    std::function<void(const apdu::Bytes& command, apdu::Bytes& response)> after;

    apdu::Bytes transmit(const apdu::Bytes& command) override {
        commands.push_back(command);
        bool forward = true;
        if (before) before(command, forward);
        apdu::Bytes response = forward ? inner_.transmit(command) : apdu::Bytes{0x6F, 0x00};
        if (after) after(command, response);
        return response;
    }
    apdu::Bytes atr() const override { return inner_.atr(); }
    std::string readerName() const override { return inner_.readerName(); }
    void beginTransaction() override {
        ++begins;
        inner_.beginTransaction();
    }
    void endTransaction() override { inner_.endTransaction(); }

    // VERIFY commands that carried data (a secret) — proves "nothing was sent".
    std::size_t verifiesWithData() const {
        std::size_t n = 0;
        for (const auto& c : commands)
            if (c.size() > 4 && c[1] == 0x20) ++n;
        return n;
    }
    std::size_t count(std::uint8_t ins) const {
        std::size_t n = 0;
        for (const auto& c : commands)
            if (c.size() >= 4 && c[1] == ins) ++n;
        return n;
    }
    std::size_t extendedCommands() const {
        std::size_t n = 0;
        for (const auto& c : commands)
            if (c.size() >= 7 && c[4] == 0x00) ++n;  // 00 hi lo: extended Lc or case-2E Le
        return n;
    }

    std::vector<apdu::Bytes> commands;
    int begins = 0;

  private:
    apdu::Transport& inner_;
};

// CardData is expensive to build (certificates, images): build once per distinct data shape.
inline const sim::CardData& cardDataFor(const sim::Profile& p) {
    static std::map<std::string, sim::CardData> cache;
    std::string key = p.variants.token + (p.variants.noSignatureCertificate ? "/nosig" : "/sig");
    auto it = cache.find(key);
    if (it == cache.end()) it = cache.emplace(key, sim::buildCardData(p)).first;
    return it->second;
}

// Profiles for the variants the issue names (spec §15).
inline sim::Profile variantProfile(const std::string& name) {
    sim::Profile p = sim::defaultProfile();
    if (name == "empty-verify-9000")
        p.variants.emptyVerifyAfterSuccessOk = true;
    else if (name == "blocked-6983")
        p.variants.blockedAnswers6983 = true;
    else if (name == "no-extended")
        p.variants.rejectExtended = true;
    else if (name == "no-signature-certificate")
        p.variants.noSignatureCertificate = true;
    else if (name == "smartphone")
        p.variants.token = "smartphone";
    else if (name == "juki")
        p.variants.token = "juki";
    else if (name == "jpki-only")
        p.variants.token = "jpki-only";
    else if (name == "t0")
        p.variants.t0Style = true;
    else if (name == "short-reads")
        p.variants.maxReadBinary = 100;
    return p;
}

struct SimFixture {
    explicit SimFixture(sim::Profile p = sim::defaultProfile(), card::SessionOptions options = {})
        : profile(p),
          card(p, cardDataFor(p)),
          simTransport(card),
          transport(simTransport),
          session(transport, options) {}

    int tries(sim::AppletId applet, std::uint16_t keyEf) const {
        return card.triesLeft(applet, keyEf);
    }

    sim::Profile profile;
    sim::SimCard card;
    sim::SimTransport simTransport;
    RecordingTransport transport;
    card::CardSession session;
};

}  // namespace mynacard::test
