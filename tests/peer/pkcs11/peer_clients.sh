#!/usr/bin/env bash
# Peer clients against libmynacard-pkcs11.so on the simulated card (issue 5 acceptance):
# pkcs11-tool -L/-O/--test on both tokens, signatures with both keys verified by openssl, GnuTLS
# p11tool listing the objects, NSS modutil/certutil showing both tokens and the certificates.
#
# usage: peer_clients.sh MODULE.so   — runs itself inside scripts/with-sim (private pcscd + vpcd).
# Needs: opensc (pkcs11-tool), openssl, gnutls-bin (p11tool), libnss3-tools (certutil, modutil).
set -euo pipefail

self="$(readlink -f "${BASH_SOURCE[0]}")"
root="$(cd "$(dirname "$self")/../../.." && pwd)"
[[ $# -ge 1 ]] || { echo "usage: ${0##*/} MODULE.so" >&2; exit 2; }
module="$(readlink -f "$1")"
[[ -f "$module" ]] || { echo "no module at $1" >&2; exit 2; }

if [[ "${MYNACARD_PEER_INSIDE:-}" != 1 ]]; then
  MYNACARD_PEER_INSIDE=1 exec "$root/scripts/with-sim" -- "$self" "$module"
fi

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
cd "$work"
# Sanitizer build (MYNACARD_SANITIZE=1): pkcs11-tool, p11tool, certutil, modutil and openssl run
# with the ASan runtime preloaded, and any sanitizer report fails the test (tests/e2e/sanitizer.sh).
source "$root/tests/e2e/sanitizer.sh"
e2e_sanitizer_setup "$work/san" "$module"
fail=0
check() {  # check DESCRIPTION COMMAND... — runs COMMAND, reports, remembers failures
  local what="$1"; shift
  if "$@" >"$work/out.txt" 2>&1; then echo "ok   - $what"; else
    echo "FAIL - $what"; sed 's/^/       /' "$work/out.txt"; fail=1; fi
}
has() { grep -q -- "$2" "$1"; }
p11() { pkcs11-tool --module "$module" "$@"; }

# pkcs11-tool -L: both tokens with their labels and the 共通AP serial.
p11 -L >L.txt 2>&1 || true
check "-L lists the auth token" has L.txt "token label *: JPKI User Authentication"
check "-L lists the signature token" has L.txt "token label *: JPKI Digital Signature"
check "-L shows the card serial" has L.txt "serial num *: 100000000012345"

# pkcs11-tool -O on the auth token (no login): certificate, public key, CA.
p11 --slot 0 -O >O.txt 2>&1 || true
check "-O shows the auth certificate" has O.txt "label: *JPKI User Authentication Certificate"
check "-O shows the auth CA" has O.txt "label: *JPKI User Authentication CA"

# Sign with both keys; verify with openssl against the certificate read through the module.
printf 'peer client test\n' >msg.txt
check "sign with the auth key" p11 --slot 0 --login --pin 1234 --sign -m SHA256-RSA-PKCS -i msg.txt -o auth.sig
check "read the auth certificate" p11 --slot 0 --read-object --type cert \
  --label "JPKI User Authentication Certificate" -o auth.der
check "sign with the signature key (lower-case password)" \
  p11 --slot 1 --login --pin abc123 --sign -m SHA256-RSA-PKCS -i msg.txt -o sign.sig
check "read the signature certificate after login" p11 --slot 1 --login --pin ABC123 \
  --read-object --type cert --label "JPKI Digital Signature Certificate" -o sign.der
for k in auth sign; do
  openssl x509 -inform der -in $k.der -pubkey -noout >$k.pub 2>/dev/null || true
  check "openssl verifies the $k signature" openssl dgst -sha256 -verify $k.pub -signature $k.sig msg.txt
done
printf 'tampered\n' >bad.txt
if openssl dgst -sha256 -verify auth.pub -signature auth.sig bad.txt >/dev/null 2>&1; then
  echo "FAIL - a tampered message verified"; fail=1; else echo "ok   - a tampered message does not verify"; fi

# pkcs11-tool --test on both tokens.
p11 --slot 0 --login --pin 1234 --test >T0.txt 2>&1 || true
check "--test on the auth token" has T0.txt "No errors"
p11 --slot 1 --login --pin ABC123 --test >T1.txt 2>&1 || true
check "--test on the signature token" has T1.txt "No errors"

# GnuTLS p11tool.
p11tool --provider "$module" --list-all "pkcs11:token=JPKI%20User%20Authentication" >G.txt 2>&1 || true
check "p11tool lists the auth certificate" has G.txt "JPKI User Authentication Certificate"
check "p11tool lists the auth public key" has G.txt "JPKI User Authentication Public Key"

# NSS: modutil adds the module; certutil -U shows both tokens, -L -h all the certificates.
mkdir nssdb
certutil -N -d sql:nssdb --empty-password >/dev/null 2>&1
modutil -dbdir sql:nssdb -add mynacard -libfile "$module" -force >/dev/null 2>&1 || true
certutil -U -d sql:nssdb >U.txt 2>&1 || true
check "certutil -U shows the auth token" has U.txt "token: JPKI User Authentication"
check "certutil -U shows the signature token" has U.txt "token: JPKI Digital Signature"
certutil -L -h all -d sql:nssdb </dev/null >C.txt 2>&1 || true
check "certutil -L shows the auth certificate" has C.txt "JPKI User Authentication:JPKI User Authentication Certificate"
check "certutil -L shows the signature CA" has C.txt "JPKI Digital Signature:JPKI Digital Signature CA"

e2e_sanitizer_check || fail=1
exit $fail
