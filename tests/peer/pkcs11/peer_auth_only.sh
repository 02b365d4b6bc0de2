#!/usr/bin/env bash
# The auth-only module libmynacard-pkcs11-auth.so (issue 13) seen by peer clients on the simulated
# card: pkcs11-tool -L lists exactly one token, "JPKI User Authentication"; the signature slot has
# no token (no login, no signature key, no password prompt in a browser); the auth key signs and
# openssl verifies the signature against the certificate read through the module; C_GetInfo
# names the module auth-only. The full module next to it still shows both tokens (so a failure
# here is the auth-only build, not the card).
#
# usage: peer_auth_only.sh AUTH_MODULE.so FULL_MODULE.so — runs itself inside scripts/with-sim.
# Needs: opensc (pkcs11-tool), openssl.
set -euo pipefail

self="$(readlink -f "${BASH_SOURCE[0]}")"
root="$(cd "$(dirname "$self")/../../.." && pwd)"
[[ $# -ge 2 ]] || { echo "usage: ${0##*/} AUTH_MODULE.so FULL_MODULE.so" >&2; exit 2; }
auth="$(readlink -f "$1")" full="$(readlink -f "$2")"
[[ -f "$auth" && -f "$full" ]] || { echo "no module at $1 or $2" >&2; exit 2; }

if [[ "${MYNACARD_PEER_INSIDE:-}" != 1 ]]; then
  MYNACARD_PEER_INSIDE=1 exec "$root/scripts/with-sim" -- "$self" "$auth" "$full"
fi
command -v pkcs11-tool >/dev/null || { echo "SKIP: pkcs11-tool (opensc) not installed"; exit 77; }

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
cd "$work"
source "$root/tests/e2e/sanitizer.sh"
e2e_sanitizer_setup "$work/san" "$auth"
fail=0
ok()   { echo "ok   - $*"; }
bad()  { echo "FAIL - $*"; fail=1; }
check() {  # check DESCRIPTION COMMAND... — runs COMMAND, reports, remembers failures
  local what="$1"; shift
  if "$@" >"$work/out.txt" 2>&1; then ok "$what"; else bad "$what"; sed 's/^/       /' "$work/out.txt"; fi
}
has() { grep -q -- "$2" "$1"; }

# -L: exactly one token, the auth one.
pkcs11-tool --module "$auth" -L >L.txt 2>&1 || true
n="$(grep -c 'token label' L.txt || true)"
if [[ "$n" -eq 1 ]]; then ok "-L lists exactly one token"; else bad "-L lists $n tokens"; cat L.txt; fi
check "-L lists the auth token" has L.txt "token label *: JPKI User Authentication"
if has L.txt "JPKI Digital Signature"; then bad "-L lists the signature token"; else ok "-L does not list the signature token"; fi
pkcs11-tool --module "$full" -L >F.txt 2>&1 || true
n="$(grep -c 'token label' F.txt || true)"
if [[ "$n" -eq 2 ]]; then ok "the full module lists both tokens (control)"; else bad "the full module lists $n tokens"; cat F.txt; fi

# C_GetInfo tells the two modules apart.
pkcs11-tool --module "$auth" -I >I.txt 2>&1 || true
check "C_GetInfo: library description says auth-only" has I.txt "Auth-only"

# The signature slot (slot 1) has no token: no login is possible there. A wrong password would
# spend a try if it reached the card, so give the simulator's right one: only "no token" passes.
if pkcs11-tool --module "$auth" --slot 1 --login --pin ABC123 -O >S.txt 2>&1; then
  bad "login to the signature slot succeeded"; cat S.txt
else
  check "the signature slot has no token" grep -qiE 'token not present|TOKEN_NOT_PRESENT' S.txt
fi

# Sign with the auth key; openssl verifies against the certificate read through the module.
printf 'auth-only module test\n' >msg.txt
check "sign with the auth key" pkcs11-tool --module "$auth" --slot 0 --login --pin 1234 \
  --sign -m SHA256-RSA-PKCS -i msg.txt -o auth.sig
check "read the auth certificate" pkcs11-tool --module "$auth" --slot 0 --read-object --type cert \
  --label "JPKI User Authentication Certificate" -o auth.der
openssl x509 -inform der -in auth.der -pubkey -noout >auth.pub 2>/dev/null || true
check "openssl verifies the auth signature" openssl dgst -sha256 -verify auth.pub -signature auth.sig msg.txt
printf 'tampered\n' >bad.txt
if openssl dgst -sha256 -verify auth.pub -signature auth.sig bad.txt >/dev/null 2>&1; then
  bad "a tampered message verified"; else ok "a tampered message does not verify"; fi

e2e_sanitizer_check || fail=1
exit $fail
