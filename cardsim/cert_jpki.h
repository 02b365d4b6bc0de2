// X.509 certificates of the simulated JPKI-AP (spec §4.3): self-signed JPKI-TEST roots for user
// authentication and digital signature, and the holder's auth and sign certificates they issue.
#pragma once

#include <string>

#include "apdu/bytes.h"
#include "cardsim/card_data.h"
#include "cardsim/profile.h"

namespace mynacard::sim::detail {

struct JpkiCertificates {
    apdu::Bytes authRoot, signRoot;  // self-signed; also EF 000B / EF 0002 (the issuing CAs)
    apdu::Bytes authCert, signCert;  // EF 000A / EF 0001; signCert empty when `withSign` is false
};

struct JpkiKeys {
    PKey authRoot, signRoot, authUser, signUser;
};

// Roots have fixed validity (2023-07-16 .. 2048-07-16) and serials, so they are byte-identical
// on every start. User certificates are valid from now − 1 day for 5 years (spec §4.3) and take
// their serial numbers from the card serial.
JpkiCertificates makeJpkiCertificates(const Profile& profile, const JpkiKeys& keys, bool withSign);

// DER certificate → "-----BEGIN CERTIFICATE-----" PEM.
std::string certificatePem(const apdu::Bytes& der);

// The JPKI SAN date-of-birth form: era digit (1 明治 … 5 令和) ‖ Gregorian YYYYMMDD.
std::string jpkiBirthDate(const std::string& yyyymmdd);

}  // namespace mynacard::sim::detail
