// Read-only commands: readers, status, check, cert, info, face, resident.
#include <iostream>

#include "apdu/card/common_applet.h"
#include "apdu/card/face_applet.h"
#include "apdu/card/jpki_applet.h"
#include "apdu/card/resident_applet.h"
#include "apdu/card/text_applet.h"
#include "apdu/errors.h"
#include "tools/cms.h"
#include "tools/commands.h"
#include "tools/exit_codes.h"
#include "tools/i18n.h"
#include "tools/image_convert.h"

namespace mynacard::cli {
namespace {

using nlohmann::json;

const char* L(const char* en, const char* ja) { return language() == Lang::Ja ? ja : en; }

constexpr card::Secret kAllSecrets[] = {
    card::Secret::JpkiAuthPin,    card::Secret::JpkiSignPassword, card::Secret::TextPin,
    card::Secret::TextCollationA, card::Secret::TextCollationB,   card::Secret::FaceCollationA,
    card::Secret::FaceCollationB, card::Secret::FaceBirthDateKey, card::Secret::ResidentPin,
};

card::PinStatus safePinStatus(card::CardSession& s, card::Secret secret) {
    try {
        return s.pinStatus(secret);
    } catch (const CardStatusError&) {
        card::PinStatus st;  // the card has no such applet / key
        st.available = false;
        return st;
    }
}

json reportJson(const card::VerificationReport& r) {
    json steps = json::array();
    for (const auto& s : r.steps) {
        const char* result = s.result == card::StepResult::Passed   ? "passed"
                             : s.result == card::StepResult::Failed ? "failed"
                                                                    : "skipped";
        steps.push_back({{"name", s.name}, {"result", result}, {"detail", s.detail}});
    }
    return {{"verified", r.verified}, {"reason", r.verified ? json(nullptr) : json(r.reason)}, {"steps", steps}};
}

void printReportText(const card::VerificationReport& r) {
    if (r.verified)
        std::cout << L("issuer signature: ", "発行者署名: ") << tr(Msg::Verified) << "\n";
    else
        std::cout << L("issuer signature: ", "発行者署名: ") << tr(Msg::NotVerified) << " (" << r.reason << ")\n";
}

card::TrustAnchors loadAnchors(const std::vector<std::string>& files) {
    std::string pem;
    for (const auto& f : files) {
        const apdu::Bytes b = readInput(f);
        pem.append(b.begin(), b.end());
        pem += "\n";
    }
    if (pem.empty()) return {};
    try {
        return card::TrustAnchors::fromPem(pem);
    } catch (const Error& e) {
        throw CliError(kUsage, std::string("--ca: ") + e.what());
    }
}

std::string sexText(const std::string& code) {
    if (code == "1") return L("male", "男");
    if (code == "2") return L("female", "女");
    if (code == "9") return L("not applicable", "適用不能");
    return L("unknown", "不明");
}

bool endsWith(const std::string& s, const std::string& suffix) {
    if (s.size() < suffix.size()) return false;
    std::string tail = s.substr(s.size() - suffix.size());
    for (auto& c : tail) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return tail == suffix;
}

int verificationExit(const card::VerificationReport& r, bool require) {
    if (r.verified || !require) return kOk;
    std::cerr << tr(Msg::ErrorPrefix) << trf(Msg::VerificationNotDone, r.reason) << std::endl;
    return kVerificationFailed;
}

}  // namespace

int runReaders(const GlobalOptions& g) {
    pcsc::Context context;
    json list = json::array();
    for (const auto& name : context.listReaders()) {
        json r{{"name", name}, {"card_present", false}, {"card_kind", nullptr}, {"atr", nullptr}};
        const auto st = context.status(name);
        if (st.present()) {
            r["card_present"] = true;
            r["atr"] = apdu::toHex(st.atr);
            try {
                pcsc::PcscTransport t(context, name);
                card::CardSession s(t);
                r["card_kind"] = cardKindKey(s.identify().kind);
            } catch (const Error& e) {
                r["error"] = e.what();
            }
        }
        list.push_back(r);
    }
    if (g.json) {
        printJson({{"readers", list}});
    } else if (list.empty()) {
        std::cout << tr(Msg::NoReader) << "\n";
    } else {
        for (const auto& r : list) {
            std::cout << r["name"].get<std::string>() << ": ";
            if (!r["card_present"].get<bool>()) std::cout << L("no card", "カードなし");
            else if (r["card_kind"].is_string()) std::cout << r["card_kind"].get<std::string>();
            else std::cout << L("card (not identified)", "カード (識別不能)");
            std::cout << "\n";
        }
    }
    return kOk;
}

int runStatus(const GlobalOptions& g) {
    auto c = Connection::open(g);
    auto& s = c->session();
    // 共通AP first: reading it needs no PIN and selecting it is harmless before any VERIFY.
    std::optional<card::CommonInfo> common;
    try {
        common = card::CommonApplet(s).read();
    } catch (const CardStatusError&) {
    }
    const auto& id = s.identify();
    json secrets = json::object();
    std::vector<std::pair<card::Secret, card::PinStatus>> statuses;
    for (auto secret : kAllSecrets) {
        auto st = safePinStatus(s, secret);
        statuses.emplace_back(secret, st);
        secrets[secretKey(secret)] = pinStatusJson(st);
    }
    json cardJ{{"kind", cardKindKey(id.kind)},
               {"token_label", id.tokenInfo ? json(id.tokenInfo->label) : json(nullptr)},
               {"serial", common ? json(common->serial) : json(nullptr)},
               {"municipality", common ? json(common->municipality) : json(nullptr)},
               {"expiry", common ? json(common->expiry) : json(nullptr)}};
    if (g.json) {
        printJson({{"reader", c->reader()}, {"card", cardJ}, {"secrets", secrets}});
        return kOk;
    }
    std::cout << L("reader:       ", "リーダー:     ") << c->reader() << "\n"
              << L("card:         ", "カード:       ") << card::cardKindName(id.kind) << "\n";
    if (id.tokenInfo) std::cout << L("token label:  ", "トークン:     ") << id.tokenInfo->label << "\n";
    if (common) {
        std::cout << L("serial:       ", "シリアル番号: ") << common->serial << "\n"
                  << L("municipality: ", "発行自治体:   ") << common->municipality << "\n"
                  << L("expiry:       ", "有効期限:     ") << common->expiry << "\n";
    }
    for (const auto& [secret, st] : statuses)
        std::cout << "  " << secretLabel(secret) << ": " << pinStatusText(st) << "\n";
    return kOk;
}

int runCheck(const GlobalOptions& g) {
    json out{{"pcscd", false}, {"readers", json::array()}};
    std::unique_ptr<pcsc::Context> context;
    try {
        context = std::make_unique<pcsc::Context>();
        out["pcscd"] = true;
    } catch (const TransportError& e) {
        out["error"] = e.what();
        if (g.json) printJson(out);
        else std::cout << "pcscd: " << L("NOT reachable", "接続できません") << " (" << e.what() << ")\n";
        return kNoReader;
    }
    bool anyCard = false;
    for (const auto& name : context->listReaders()) {
        if (!g.reader.empty() && name.find(g.reader) == std::string::npos) continue;
        json r{{"name", name}, {"card_present", false}};
        const auto st = context->status(name);
        if (st.present()) {
            anyCard = true;
            r["card_present"] = true;
            r["atr"] = apdu::toHex(st.atr);
            try {
                pcsc::PcscTransport t(*context, name);
                r["protocol"] = t.protocol() == pcsc::Protocol::T1 ? "T=1" : "T=0";
                card::CardSession s(t);
                if (g.verbose > 0)
                    s.channel().setTraceHook([](const apdu::TraceEvent& e) {
                        std::cerr << "> " << e.command << "\n< " << e.response << std::endl;
                    });
                const auto& id = s.identify();
                r["card_kind"] = cardKindKey(id.kind);
                r["token_label"] = id.tokenInfo ? json(id.tokenInfo->label) : json(nullptr);
                json applets = json::object();
                for (auto a : {card::Applet::Jpki, card::Applet::Text, card::Applet::Face,
                               card::Applet::Resident, card::Applet::Common})
                    applets[card::appletName(a)] = s.trySelectApplet(a);
                r["applets"] = applets;
            } catch (const Error& e) {
                r["error"] = e.what();
            }
        }
        out["readers"].push_back(r);
    }
    if (g.json) {
        printJson(out);
    } else {
        std::cout << "pcscd: " << L("reachable", "接続可") << "\n";
        if (out["readers"].empty()) std::cout << tr(Msg::NoReader) << "\n";
        for (const auto& r : out["readers"]) {
            std::cout << L("reader: ", "リーダー: ") << r["name"].get<std::string>() << "\n";
            if (!r["card_present"].get<bool>()) {
                std::cout << "  " << L("no card", "カードなし") << "\n";
                continue;
            }
            std::cout << "  ATR: " << r["atr"].get<std::string>() << "\n";
            if (r.contains("protocol")) std::cout << "  protocol: " << r["protocol"].get<std::string>() << "\n";
            if (r.contains("card_kind")) std::cout << "  card: " << r["card_kind"].get<std::string>() << "\n";
            if (r.contains("applets"))
                for (const auto& [k, v] : r["applets"].items())
                    std::cout << "  " << k << ": " << (v.get<bool>() ? L("answers", "応答あり") : L("absent", "なし")) << "\n";
            if (r.contains("error")) std::cout << "  error: " << r["error"].get<std::string>() << "\n";
        }
    }
    if (out["readers"].empty()) return kNoReader;
    return anyCard ? kOk : kNoCard;
}

int runCert(const GlobalOptions& g, const CertOptions& o) {
    card::JpkiCertificate which;
    if (o.which == "auth") which = card::JpkiCertificate::Auth;
    else if (o.which == "auth-ca") which = card::JpkiCertificate::AuthCa;
    else if (o.which == "sign") which = card::JpkiCertificate::Sign;
    else if (o.which == "sign-ca") which = card::JpkiCertificate::SignCa;
    else throw CliError(kUsage, "cert: auth | auth-ca | sign | sign-ca");
    auto c = Connection::open(g);
    card::JpkiApplet jpki(c->session());
    apdu::Bytes der;
    {
        card::CardSession::Transaction tx(c->session());
        // The signature certificate is behind the signature password; on smartphone JPKI the
        // auth certificate is behind the auth PIN (spec §10.2).
        if (which == card::JpkiCertificate::Sign)
            jpki.verify(askCredential(g, card::Secret::JpkiSignPassword));
        else if (which == card::JpkiCertificate::Auth &&
                 c->session().identify().kind == card::CardKind::SmartphoneJpki)
            jpki.verify(askCredential(g, card::Secret::JpkiAuthPin));
        der = jpki.certificate(which);
    }
    if (o.format == "der") writeOutput(o.out, der);
    else if (o.format == "pem") writeOutput(o.out, derToPem(der, "CERTIFICATE"));
    else if (o.format == "text") writeOutput(o.out, certificateText(der));
    else throw CliError(kUsage, "--format: pem | der | text");
    return kOk;
}

int runInfo(const GlobalOptions& g, const InfoOptions& o) {
    if (o.collationA && o.collationB) throw CliError(kUsage, "--collation-a and --collation-b exclude each other");
    if (o.myNumber && o.collationB)
        throw CliError(kUsage, L("the My Number needs the text PIN or 照合番号A, not 照合番号B",
                                 "個人番号の読み取りには暗証番号か照合番号Aが必要です (照合番号Bでは読めません)"));
    const card::Secret secret = o.collationA   ? card::Secret::TextCollationA
                                : o.collationB ? card::Secret::TextCollationB
                                               : card::Secret::TextPin;
    const card::TrustAnchors anchors = loadAnchors(o.caFiles);
    auto c = Connection::open(g);
    card::TextApplet text(c->session());
    card::TextReadOptions ro;
    ro.myNumber = o.myNumber || o.collationA;
    ro.attributes = !o.collationA;
    ro.anchors = anchors.empty() ? nullptr : &anchors;
    card::TextReadResult r = text.read(askCredential(g, secret), ro);
    if (!ro.anchors && r.report.reason.empty()) r.report.reason = "no trust anchor given (--ca FILE)";

    if (g.json) {
        json j;
        if (r.attributes) {
            j["name"] = r.attributes->name;
            j["address"] = r.attributes->address;
            j["birth_date"] = r.attributes->birthDate;
            j["sex"] = r.attributes->sex;
        }
        if (r.myNumber) j["my_number"] = r.myNumber->myNumber;
        j["verification"] = reportJson(r.report);
        printJson(j);
    } else {
        if (r.attributes) {
            std::cout << L("name:       ", "氏名:     ") << r.attributes->name << "\n"
                      << L("address:    ", "住所:     ") << r.attributes->address << "\n"
                      << L("birth date: ", "生年月日: ") << r.attributes->birthDate << "\n"
                      << L("sex:        ", "性別:     ") << sexText(r.attributes->sex) << "\n";
        }
        if (r.myNumber) std::cout << L("My Number:  ", "個人番号: ") << r.myNumber->myNumber << "\n";
        printReportText(r.report);
    }
    return verificationExit(r.report, o.requireVerified);
}

int runFace(const GlobalOptions& g, const FaceOptions& o) {
    if (!o.myNumberImage.empty() && !o.collationA)
        throw CliError(kUsage, L("--my-number-image needs --collation-a (照合番号A)",
                                 "--my-number-image には --collation-a (照合番号A) が必要です"));
    const card::TrustAnchors anchors = loadAnchors(o.caFiles);
    auto c = Connection::open(g);
    card::FaceApplet face(c->session());
    card::FaceReadOptions ro;
    ro.myNumberImage = !o.myNumberImage.empty();
    ro.anchors = anchors.empty() ? nullptr : &anchors;
    const card::Secret secret = o.collationA ? card::Secret::FaceCollationA : card::Secret::FaceCollationB;
    card::FaceReadResult r = face.read(askCredential(g, secret), ro);
    if (!ro.anchors && r.report.reason.empty()) r.report.reason = "no trust anchor given (--ca FILE)";

    if (!o.photo.empty())
        writeOutput(o.photo, endsWith(o.photo, ".png") ? jpeg2000ToPng(r.front.photoJp2) : r.front.photoJp2);
    if (!o.nameImage.empty()) writeOutput(o.nameImage, r.front.namePng);
    if (!o.addressImage.empty()) writeOutput(o.addressImage, r.front.addressPng);
    if (!o.securityCodeImage.empty()) writeOutput(o.securityCodeImage, r.front.securityCodePng);
    if (!o.myNumberImage.empty() && r.myNumberPng) writeOutput(o.myNumberImage, *r.myNumberPng);

    if (g.json) {
        printJson({{"birth_date", r.front.birthDate},
                   {"sex", r.front.sex},
                   {"expiry", r.front.expiry},
                   {"photo_bytes", r.front.photoJp2.size()},
                   {"verification", reportJson(r.report)}});
    } else {
        std::cout << L("birth date: ", "生年月日: ") << r.front.birthDate << "\n"
                  << L("sex:        ", "性別:     ") << sexText(r.front.sex) << "\n"
                  << L("expiry:     ", "有効期限: ") << r.front.expiry << "\n";
        printReportText(r.report);
    }
    return verificationExit(r.report, o.requireVerified);
}

int runResident(const GlobalOptions& g, const ResidentOptions& o) {
    auto c = Connection::open(g);
    card::ResidentApplet resident(c->session());
    const card::PinStatus st = safePinStatus(c->session(), card::Secret::ResidentPin);
    json j{{"resident_pin", pinStatusJson(st)}};
    std::optional<card::ResidentCode> code;
    if (o.code) {
        if (!st.available) throw CliError(kWrongCard, std::string(tr(Msg::Unavailable)) + ": 住基AP");
        code = resident.residentCode(askCredential(g, card::Secret::ResidentPin));
        j["resident_code"] = code->code ? json(*code->code) : json(nullptr);
        if (!code->code) j["reason"] = code->reason;
        j["note"] = "use of the 住民票コード is restricted by law to 住基ネット duties";
    }
    if (g.json) {
        printJson(j);
        return kOk;
    }
    std::cout << secretLabel(card::Secret::ResidentPin) << ": " << pinStatusText(st) << "\n";
    if (code) {
        if (code->code) std::cout << "住民票コード: " << *code->code << "\n";
        else std::cout << trf(Msg::ResidentCodeUnavailable, code->reason) << "\n";
        std::cout << tr(Msg::ResidentCodeNote) << "\n";
    }
    return kOk;
}

}  // namespace mynacard::cli
