// The mynacard subcommands. Each returns the process exit code (exit_codes.h) or throws; main()
// turns exceptions into messages and exit codes.
#pragma once

#include <string>
#include <vector>

#include "tools/cli_context.h"

namespace mynacard::cli {

int runReaders(const GlobalOptions& g);
int runStatus(const GlobalOptions& g);
int runCheck(const GlobalOptions& g);

struct CertOptions {
    std::string which = "auth";  // auth | auth-ca | sign | sign-ca
    std::string format = "pem";  // pem | der | text
    std::string out;
};
int runCert(const GlobalOptions& g, const CertOptions& o);

struct InfoOptions {
    bool myNumber = false;
    bool collationA = false;
    bool collationB = false;
    std::vector<std::string> caFiles;
    bool requireVerified = false;
};
int runInfo(const GlobalOptions& g, const InfoOptions& o);

struct FaceOptions {
    bool collationA = false;
    std::string photo, nameImage, addressImage, securityCodeImage, myNumberImage;
    std::vector<std::string> caFiles;
    bool requireVerified = false;
};
int runFace(const GlobalOptions& g, const FaceOptions& o);

struct ResidentOptions {
    bool code = false;
};
int runResident(const GlobalOptions& g, const ResidentOptions& o);

struct SignOptions {
    std::string key = "sign";  // auth | sign
    std::string in, out;
    std::string hash = "sha256";  // sha1 | sha224 | sha256 | sha384 | sha512 | none
    bool detached = true;         // cms-sign
    bool pem = false;             // cms-sign --pem
};
int runSign(const GlobalOptions& g, const SignOptions& o);
int runCmsSign(const GlobalOptions& g, const SignOptions& o);

struct VerifyOptions {
    std::string in;         // data (raw) / detached content (CMS)
    std::string signature;  // raw signature file
    std::string cms;        // CMS file
    std::string cert;       // raw: signer certificate
    std::string hash = "sha256";
    std::vector<std::string> caFiles;
};
int runVerify(const GlobalOptions& g, const VerifyOptions& o);

struct PinOptions {
    std::string action;  // status | change
    std::string which;   // auth | sign | text | resident
};
int runPin(const GlobalOptions& g, const PinOptions& o);

}  // namespace mynacard::cli
