#!/usr/bin/env bash
# Fidelity cross-check (issue 3): OpenSC, a client written for real cards (Debian's opensc, driver
# jpki), must find the simulated card as a real one. Runs inside scripts/with-sim with the default
# profile: two JPKI tokens, all four certificates (the signature certificate only after login), and
# signatures with both keys that openssl verifies against the certificates read from the card.
# usage: opensc_crosscheck.sh   (inside scripts/with-sim)
set -euo pipefail
M="${OPENSC_MODULE:-/usr/lib/x86_64-linux-gnu/opensc-pkcs11.so}"
tmp="$(mktemp -d)"; trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
p11() { pkcs11-tool --module "$M" "$@"; }

# Two tokens, one per JPKI secret.
p11 -L >"$tmp/list" 2>&1 || fail "pkcs11-tool -L: $(cat "$tmp/list")"
grep -q "JPKI (User Authentication PIN)" "$tmp/list" || fail "no auth token: $(cat "$tmp/list")"
grep -q "JPKI (Digital Signature PIN)" "$tmp/list" || fail "no sign token: $(cat "$tmp/list")"

# Public certificates: OpenSC puts auth (01), auth CA (03) and sign CA (04) on slot 0.
p11 --slot-index 0 --read-object --type cert --id 01 -o "$tmp/auth.der" 2>/dev/null
p11 --slot-index 0 --read-object --type cert --id 03 -o "$tmp/authca.der" 2>/dev/null
p11 --slot-index 0 --read-object --type cert --id 04 -o "$tmp/signca.der" 2>/dev/null
for c in auth authca signca; do
  openssl x509 -inform DER -in "$tmp/$c.der" -noout || fail "$c is not a certificate"
done

# The signature certificate is hidden until the signature password is verified.
if p11 --slot-index 1 --read-object --type cert --id 02 -o "$tmp/sign.der" 2>/dev/null; then
  fail "signature certificate readable without login"
fi
p11 --slot-index 1 --login --pin ABC123 --read-object --type cert --id 02 -o "$tmp/sign.der" 2>/dev/null
openssl x509 -inform DER -in "$tmp/sign.der" -noout || fail "sign certificate unreadable after login"

# Each user certificate chains to its CA certificate read from the card.
openssl verify -CAfile <(openssl x509 -inform DER -in "$tmp/authca.der") \
  <(openssl x509 -inform DER -in "$tmp/auth.der") >/dev/null || fail "auth chain"
openssl verify -CAfile <(openssl x509 -inform DER -in "$tmp/signca.der") \
  <(openssl x509 -inform DER -in "$tmp/sign.der") >/dev/null || fail "sign chain"

# Signatures with both keys, verified against the certificates.
printf 'mynacard OpenSC cross-check %s\n' "$(date +%s%N)" >"$tmp/data"
sign_and_verify() {  # slot id pin cert
  p11 --slot-index "$1" --login --pin "$3" --sign --id "$2" -m SHA256-RSA-PKCS \
    --input-file "$tmp/data" --output-file "$tmp/sig$2" 2>/dev/null
  openssl x509 -inform DER -in "$tmp/$4.der" -pubkey -noout >"$tmp/$4.pub"
  openssl dgst -sha256 -verify "$tmp/$4.pub" -signature "$tmp/sig$2" "$tmp/data" >/dev/null \
    || fail "signature with key $2 does not verify against $4"
  # Control: a different message must not verify with the same signature.
  if printf 'other' | openssl dgst -sha256 -verify "$tmp/$4.pub" -signature "$tmp/sig$2" >/dev/null 2>&1; then
    fail "verification accepted the wrong data"
  fi
}
sign_and_verify 0 01 1234 auth
sign_and_verify 1 02 ABC123 sign
echo "OpenSC cross-check passed: 2 tokens, 4 certificates, 2 verified signatures"
