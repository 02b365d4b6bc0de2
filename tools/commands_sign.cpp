// Signing and PIN commands: sign, cms-sign, verify, pin status|change.
#include <iostream>

#include "apdu/card/jpki_applet.h"
#include "apdu/card/pin_policy.h"
#include "apdu/card/resident_applet.h"
#include "apdu/card/text_applet.h"
#include "apdu/errors.h"
#include "tools/cms.h"
#include "tools/commands.h"
#include "tools/exit_codes.h"
#include "tools/i18n.h"

namespace mynacard::cli {
namespace {

using nlohmann::json;

card::JpkiKey parseKey(const std::string& key) {
    if (key == "auth") return card::JpkiKey::Auth;
    if (key == "sign") return card::JpkiKey::Sign;
    throw CliError(kUsage, "--key: auth | sign");
}

std::optional<card::HashAlgorithm> parseHash(const std::string& h, bool allowNone) {
    if (h == "sha1") return card::HashAlgorithm::Sha1;
    if (h == "sha224") return card::HashAlgorithm::Sha224;
    if (h == "sha256") return card::HashAlgorithm::Sha256;
    if (h == "sha384") return card::HashAlgorithm::Sha384;
    if (h == "sha512") return card::HashAlgorithm::Sha512;
    if (allowNone && h == "none") return std::nullopt;
    throw CliError(kUsage, "--hash: sha1 | sha224 | sha256 | sha384 | sha512" + std::string(allowNone ? " | none" : ""));
}

}  // namespace

int runSign(const GlobalOptions& g, const SignOptions& o) {
    const card::JpkiKey key = parseKey(o.key);
    const auto alg = parseHash(o.hash, true);
    const apdu::Bytes data = readInput(o.in);
    // --hash none: the input is given to the card as is (a DigestInfo, or ≤ 245 bytes).
    const apdu::Bytes input = alg ? card::digestInfoForData(*alg, data) : data;
    if (input.empty() || input.size() > 245) throw CliError(kUsage, "--hash none: the input must be 1..245 bytes");
    auto c = Connection::open(g);
    card::JpkiApplet jpki(c->session());
    apdu::Bytes signature;
    {
        card::CardSession::Transaction tx(c->session());
        signature = jpki.sign(key, input, askCredential(g, card::jpkiSecret(key)));
    }
    if (g.json) {
        printJson({{"key", o.key}, {"hash", o.hash}, {"signature", apdu::toHex(signature)}});
        if (!o.out.empty()) writeOutput(o.out, signature);
    } else {
        writeOutput(o.out, signature);
    }
    return kOk;
}

int runCmsSign(const GlobalOptions& g, const SignOptions& o) {
    const card::JpkiKey key = parseKey(o.key);
    const auto alg = parseHash(o.hash, false);
    CmsSignRequest request;
    request.content = readInput(o.in);
    request.hash = *alg;
    request.detached = o.detached;
    auto c = Connection::open(g);
    card::JpkiApplet jpki(c->session());
    apdu::Bytes cms;
    {
        card::CardSession::Transaction tx(c->session());
        jpki.verify(askCredential(g, card::jpkiSecret(key)));
        const bool sign = key == card::JpkiKey::Sign;
        request.signerCertificate = jpki.certificate(sign ? card::JpkiCertificate::Sign : card::JpkiCertificate::Auth);
        request.extraCertificates.push_back(
            jpki.certificate(sign ? card::JpkiCertificate::SignCa : card::JpkiCertificate::AuthCa));
        request.sign = [&](const apdu::Bytes& digestInfo) { return jpki.sign(key, digestInfo); };
        cms = cmsSign(request);
    }
    writeOutput(o.out, o.pem ? derToPem(cms, "CMS") : cms);
    return kOk;
}

int runVerify(const GlobalOptions& g, const VerifyOptions& o) {
    VerifyResult r;
    std::string type;
    if (!o.cms.empty()) {
        type = "cms";
        const apdu::Bytes cms = readInput(o.cms);
        apdu::Bytes content;
        if (!o.in.empty()) content = readInput(o.in);
        r = verifyCms(cms, o.in.empty() ? nullptr : &content, o.caFiles);
    } else {
        type = "raw";
        if (o.signature.empty() || o.cert.empty() || o.in.empty())
            throw CliError(kUsage, "verify: give --cms FILE, or --in FILE --signature FILE --cert FILE");
        r = verifyRaw(readInput(o.in), readInput(o.signature), readInput(o.cert), *parseHash(o.hash, false),
                      o.caFiles);
    }
    if (g.json) {
        printJson({{"type", type}, {"verified", r.ok}, {"signer", r.signer}, {"reason", r.ok ? json(nullptr) : json(r.reason)}});
    } else if (r.ok) {
        std::cout << tr(Msg::SignatureOk) << (r.signer.empty() ? "" : " (" + r.signer + ")") << "\n";
    }
    if (!r.ok) {
        if (!g.json) std::cerr << tr(Msg::ErrorPrefix) << trf(Msg::VerificationFailed, r.reason) << std::endl;
        return kVerificationFailed;
    }
    return kOk;
}

int runPin(const GlobalOptions& g, const PinOptions& o) {
    if (o.action == "status") {
        auto c = Connection::open(g);
        json j = json::object();
        for (auto secret : {card::Secret::JpkiAuthPin, card::Secret::JpkiSignPassword, card::Secret::TextPin,
                            card::Secret::ResidentPin, card::Secret::TextCollationA, card::Secret::TextCollationB,
                            card::Secret::FaceCollationA, card::Secret::FaceCollationB,
                            card::Secret::FaceBirthDateKey}) {
            card::PinStatus st;
            try {
                st = c->session().pinStatus(secret);
            } catch (const CardStatusError&) {
                st.available = false;
            }
            j[secretKey(secret)] = pinStatusJson(st);
            if (!g.json) std::cout << secretLabel(secret) << ": " << pinStatusText(st) << "\n";
        }
        if (g.json) printJson(j);
        return kOk;
    }
    if (o.action != "change") throw CliError(kUsage, "pin: status | change auth|sign|text|resident");
    card::Secret secret;
    if (o.which == "auth") secret = card::Secret::JpkiAuthPin;
    else if (o.which == "sign") secret = card::Secret::JpkiSignPassword;
    else if (o.which == "text") secret = card::Secret::TextPin;
    else if (o.which == "resident") secret = card::Secret::ResidentPin;
    else throw CliError(kUsage, "pin change: auth | sign | text | resident");
    auto c = Connection::open(g);
    card::Credential old = askCredential(g, secret);
    // Both values are checked before anything is sent (no try spent on a typo).
    card::normalizeSecret(secret, old.value);
    apdu::SecureBytes fresh = askNewSecret(g, secret);
    card::normalizeSecret(secret, fresh);
    switch (secret) {
        case card::Secret::JpkiAuthPin:
        case card::Secret::JpkiSignPassword:
            card::JpkiApplet(c->session())
                .changePin(secret == card::Secret::JpkiAuthPin ? card::JpkiKey::Auth : card::JpkiKey::Sign,
                           old.value, fresh, g.allowFinalTry);
            break;
        case card::Secret::TextPin: card::TextApplet(c->session()).changePin(old.value, fresh, g.allowFinalTry); break;
        default: card::ResidentApplet(c->session()).changePin(old.value, fresh, g.allowFinalTry); break;
    }
    if (g.json) printJson({{"changed", secretKey(secret)}});
    else std::cout << trf(Msg::PinChanged, secretLabel(secret)) << "\n";
    return kOk;
}

}  // namespace mynacard::cli
