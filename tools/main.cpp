// mynacard — the command line for the Japanese My Number Card (issue 6). Global options work
// before or after the subcommand (CLI11 fallthrough); every failure becomes one translated
// message and a documented exit code (exit_codes.h), never a stack trace.
#include <CLI/CLI.hpp>

#include <iostream>

#include "tools/commands.h"
#include "tools/exit_codes.h"
#include "tools/i18n.h"

using namespace mynacard::cli;

namespace {

void addGlobal(CLI::App& app, GlobalOptions& g, std::string& collationEnv, std::string& collationFile) {
    app.add_option("--reader,-r", g.reader, "reader name (or a unique part of it)");
    app.add_flag("--json", g.json, "machine-readable output (documented in docs/cli.md)");
    app.add_flag("-v,--verbose", g.verbose, "trace APDUs on stderr (secrets masked)");
    app.add_flag("--wait", g.wait, "wait for a card to be inserted");
    app.add_option("--wait-timeout", g.waitSeconds, "seconds to wait with --wait (0 = forever)");
    app.add_option("--pin-env", g.pin.env, "environment variable holding the PIN/password/照合番号");
    app.add_option("--pin-file", g.pin.file, "file whose first line is the PIN/password/照合番号");
    app.add_option("--new-pin-env", g.newPin.env, "pin change: variable holding the new value");
    app.add_option("--new-pin-file", g.newPin.file, "pin change: file holding the new value");
    app.add_option("--collation-env,--collation-a-env,--collation-b-env", collationEnv, "variable holding 照合番号A (12 digits) or B (14 digits)");
    app.add_option("--collation-file,--collation-a-file,--collation-b-file", collationFile, "file holding 照合番号A or B");
    app.add_flag("--allow-final-try", g.allowFinalTry, "allow spending the last remaining try");
}

}  // namespace

int main(int argc, char** argv) {
    setLanguage(detectLanguageFromEnvironment());
    GlobalOptions g;
    std::string collationEnv, collationFile;

    CLI::App app{"mynacard — inspect, export, verify and sign with the My Number Card"};
    app.fallthrough();  // global options after the subcommand reach the app
    app.require_subcommand(1);
    addGlobal(app, g, collationEnv, collationFile);

    auto* readers = app.add_subcommand("readers", "list readers and the kind of card in each");
    auto* status = app.add_subcommand("status", "card kind, serial, municipality, expiry and remaining tries");
    auto* check = app.add_subcommand("check", "PC/SC diagnostic: pcscd, readers, ATR, protocol, applets");

    CertOptions certO;
    auto* cert = app.add_subcommand("cert", "export a JPKI certificate (sign asks for the signature password)");
    cert->add_option("which", certO.which, "auth | auth-ca | sign | sign-ca")->required()
        ->check(CLI::IsMember({"auth", "auth-ca", "sign", "sign-ca"}));
    cert->add_option("--format,-f", certO.format, "pem | der | text")->check(CLI::IsMember({"pem", "der", "text"}));
    cert->add_option("--out,-o", certO.out, "output file (default stdout)");

    InfoOptions infoO;
    auto* info = app.add_subcommand("info", "name, address, birth date, sex (券面事項入力補助AP), verified");
    info->add_flag("--my-number", infoO.myNumber, "also show the My Number");
    info->add_flag("--collation-a", infoO.collationA, "unlock with 照合番号A (My Number only)");
    info->add_flag("--collation-b", infoO.collationB, "unlock with 照合番号B instead of the text PIN");
    info->add_option("--ca", infoO.caFiles, "trust anchors (PEM) for the issuer signature");
    info->add_flag("--require-verified", infoO.requireVerified, "fail (exit 8) unless the signature verifies");

    FaceOptions faceO;
    auto* face = app.add_subcommand("face", "card face (券面AP): birth date, sex, expiry, images");
    face->add_flag("--collation-a", faceO.collationA, "unlock with 照合番号A instead of 照合番号B");
    face->add_option("--photo", faceO.photo, "write the photo (JPEG 2000; PNG when the name ends in .png)");
    face->add_option("--name-image", faceO.nameImage, "write the name image (PNG)");
    face->add_option("--address-image", faceO.addressImage, "write the address image (PNG)");
    face->add_option("--security-code-image", faceO.securityCodeImage, "write the security code image (PNG)");
    face->add_option("--my-number-image", faceO.myNumberImage, "write the My Number image (PNG; needs --collation-a)");
    face->add_option("--ca", faceO.caFiles, "trust anchors (PEM) for the record signature");
    face->add_flag("--require-verified", faceO.requireVerified, "fail (exit 8) unless the signature verifies");

    ResidentOptions resO;
    auto* resident = app.add_subcommand("resident", "住基AP: PIN status and (--code) the 住民票コード");
    resident->add_flag("--code", resO.code, "read the 住民票コード (asks for the 住基 PIN; use restricted by law)");

    SignOptions signO;
    auto* sign = app.add_subcommand("sign", "raw PKCS#1 v1.5 signature by the card");
    sign->add_option("--key,-k", signO.key, "auth | sign")->check(CLI::IsMember({"auth", "sign"}));
    sign->add_option("--in,-i", signO.in, "data to sign (- = stdin)")->required();
    sign->add_option("--hash", signO.hash, "sha1 | sha224 | sha256 | sha384 | sha512 | none");
    sign->add_option("--out,-o", signO.out, "signature file (default stdout)");

    SignOptions cmsO;
    bool attached = false;
    auto* cmsSign = app.add_subcommand("cms-sign", "CMS SignedData (RFC 5652) signed by the card");
    cmsSign->add_option("--key,-k", cmsO.key, "auth | sign")->check(CLI::IsMember({"auth", "sign"}));
    cmsSign->add_option("--in,-i", cmsO.in, "content (- = stdin)")->required();
    cmsSign->add_option("--hash", cmsO.hash, "sha1 | sha224 | sha256 | sha384 | sha512");
    cmsSign->add_option("--out,-o", cmsO.out, "CMS file (default stdout)");
    cmsSign->add_flag("--attached", attached, "embed the content (default: detached)");
    cmsSign->add_flag("--pem", cmsO.pem, "PEM instead of DER");

    VerifyOptions verO;
    auto* verify = app.add_subcommand("verify", "verify a raw or CMS signature against trust anchors");
    verify->add_option("--in,-i", verO.in, "signed data (raw) or detached content (CMS)");
    verify->add_option("--signature,-s", verO.signature, "raw signature file");
    verify->add_option("--cms", verO.cms, "CMS SignedData file (PEM or DER)");
    verify->add_option("--cert,-c", verO.cert, "raw: signer certificate (PEM or DER)");
    verify->add_option("--hash", verO.hash, "raw: sha1 | sha224 | sha256 | sha384 | sha512");
    verify->add_option("--ca", verO.caFiles, "trust anchor certificates (PEM or DER)");

    PinOptions pinO;
    auto* pin = app.add_subcommand("pin", "PIN status, or change a PIN: pin status | pin change auth|sign|text|resident");
    pin->add_option("action", pinO.action, "status | change")->required()->check(CLI::IsMember({"status", "change"}));
    pin->add_option("which", pinO.which, "auth | sign | text | resident (for change)");

    int code = kOk;
    try {
        app.parse(argc, argv);
        if (!collationEnv.empty()) g.pin.env = collationEnv;
        if (!collationFile.empty()) g.pin.file = collationFile;
        cmsO.detached = !attached;
        if (*readers) code = runReaders(g);
        else if (*status) code = runStatus(g);
        else if (*check) code = runCheck(g);
        else if (*cert) code = runCert(g, certO);
        else if (*info) code = runInfo(g, infoO);
        else if (*face) code = runFace(g, faceO);
        else if (*resident) code = runResident(g, resO);
        else if (*sign) code = runSign(g, signO);
        else if (*cmsSign) code = runCmsSign(g, cmsO);
        else if (*verify) code = runVerify(g, verO);
        else if (*pin) code = runPin(g, pinO);
    } catch (const CLI::ParseError& e) {
        const int rc = app.exit(e);
        return rc == 0 ? kOk : kUsage;
    } catch (...) {
        const Failure f = describeCurrentException(lastAskedSecret());
        std::cerr << tr(Msg::ErrorPrefix) << f.message << std::endl;
        if (g.json) {
            nlohmann::json j{{"error", {{"kind", f.kind}, {"message", f.message}, {"exit_code", f.code}}}};
            if (f.triesLeft >= 0) j["error"]["tries_left"] = f.triesLeft;
            std::cout << j.dump(2) << std::endl;
        }
        return f.code;
    }
    return code;
}
