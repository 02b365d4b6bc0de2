#!/usr/bin/env bash
# e2e: the OpenSSL pkcs11 engine (libp11, libengine-pkcs11-openssl) signs with both card keys
# through MODULE — openssl dgst, openssl pkeyutl, openssl cms — and every result verifies with
# openssl and the card's certificate (and fails to verify for altered data). Runs inside
# scripts/with-sim. The PIN is always given: without one, on a non-terminal, engine_pkcs11
# 0.4.12 crashes at exit (status 139).
source "$(dirname "$(readlink -f "$0")")/lib.sh"
e2e_need openssl p11tool
e2e_openssl_engine_conf

auth_tok="$(e2e_token_uri 'Authentication')"
sign_tok="$(e2e_token_uri 'Signature')"
auth_key="$(e2e_key_uri "$auth_tok" "$AUTH_PIN")"
sign_key="$(e2e_key_uri "$sign_tok" "$SIGN_PIN")"
e2e_export_cert "$auth_key" "$AUTH_PIN" "$WORK/auth.pem"
e2e_export_cert "$sign_key" "$SIGN_PIN" "$WORK/sign.pem"
openssl x509 -in "$WORK/auth.pem" -pubkey -noout >"$WORK/auth.pub"
openssl x509 -in "$WORK/sign.pem" -pubkey -noout >"$WORK/sign.pub"
e2e_ok "tokens '$(e2e_token_label "$auth_tok")' and '$(e2e_token_label "$sign_tok")', keys and certificates found"

printf 'mynacard e2e %s\n' "$(date +%s%N)" >"$WORK/data"
printf 'altered\n' >>"$WORK/data.bad"; cat "$WORK/data" >>"$WORK/data.bad"

# Verifies signature file $2 over data with public key $1; must fail for the altered data.
verify_dgst() { # pub sig alg
  openssl dgst "-$3" -verify "$1" -signature "$2" "$WORK/data" >/dev/null \
    || e2e_fail "openssl dgst -$3 -verify rejected $2"
  if openssl dgst "-$3" -verify "$1" -signature "$2" "$WORK/data.bad" >/dev/null 2>&1; then
    e2e_fail "$2 also verifies over altered data"
  fi
}

# 1. openssl dgst, PIN in the URI (pin-value), with the user-authentication key: SHA-256 and SHA-384.
for alg in sha256 sha384; do
  openssl dgst "-$alg" -engine pkcs11 -keyform engine -sign "$auth_key;pin-value=$AUTH_PIN" \
    -out "$WORK/auth.$alg.sig" "$WORK/data" </dev/null 2>"$WORK/err" \
    || { cat "$WORK/err" >&2; e2e_fail "openssl dgst -$alg -sign with the auth key failed"; }
  verify_dgst "$WORK/auth.pub" "$WORK/auth.$alg.sig" "$alg"
done
e2e_ok "openssl dgst -sha256/-sha384 -engine pkcs11 -sign (auth key, pin-value) verifies"

# 2. -passin env: (the PIN not on the command line) with the user-authentication key, and
# pin-value with the digital-signature key. The signature key is CKA_ALWAYS_AUTHENTICATE: libp11
# answers its context-specific login from pin-value only; given by -passin it asks again on the
# terminal (and fails on a non-terminal).
export MYNACARD_E2E_PIN="$AUTH_PIN"
openssl dgst -sha256 -engine pkcs11 -keyform engine -sign "$auth_key" -passin env:MYNACARD_E2E_PIN \
  -out "$WORK/auth.passin.sig" "$WORK/data" </dev/null 2>"$WORK/err" \
  || { cat "$WORK/err" >&2; e2e_fail "openssl dgst -sign with the auth key (-passin env:) failed"; }
verify_dgst "$WORK/auth.pub" "$WORK/auth.passin.sig" sha256
# libp11 0.4.12 answers a CKA_ALWAYS_AUTHENTICATE key's context-specific login only from the
# terminal (not from pin-value/-passin): with such a module (OpenSC's jpki driver) the signature
# key cannot be used non-interactively, and the CMS step below uses the auth key instead.
# mynacard's module has CKA_ALWAYS_AUTHENTICATE false (pkcs11/objects.cpp), so both keys run.
cms_key="$sign_key" cms_pin="$SIGN_PIN" cms_cert="$WORK/sign.pem" cms_root='digital signature'
if e2e_key_always_auth "$sign_key" "$SIGN_PIN"; then
  echo "note [$E2E_NAME]: the signature key is CKA_ALWAYS_AUTHENTICATE in $MODULE: libp11 would ask on a terminal; skipping it"
  cms_key="$auth_key" cms_pin="$AUTH_PIN" cms_cert="$WORK/auth.pem" cms_root='user authentication'
else
  openssl dgst -sha256 -engine pkcs11 -keyform engine -sign "$sign_key;pin-value=$SIGN_PIN" \
    -out "$WORK/sign.sig" "$WORK/data" </dev/null 2>"$WORK/err" \
    || { cat "$WORK/err" >&2; e2e_fail "openssl dgst -sign with the signature key failed"; }
  verify_dgst "$WORK/sign.pub" "$WORK/sign.sig" sha256
fi
# The two keys differ: the auth signature must not verify with the signature certificate.
if cmp -s "$WORK/auth.pub" "$WORK/sign.pub"; then e2e_fail "both tokens have the same public key"; fi
if openssl dgst -sha256 -verify "$WORK/sign.pub" -signature "$WORK/auth.passin.sig" "$WORK/data" >/dev/null 2>&1; then
  e2e_fail "the auth key's signature verifies with the signature certificate"
fi
e2e_ok "openssl dgst -engine pkcs11 -sign (auth key -passin env:, signature key pin-value) verifies"

# 3. openssl pkeyutl over a SHA-256 digest (PKCS#1 v1.5 with DigestInfo), verified with the cert.
openssl dgst -sha256 -binary -out "$WORK/data.sha256" "$WORK/data"
openssl pkeyutl -engine pkcs11 -keyform engine -sign -inkey "$auth_key;pin-value=$AUTH_PIN" \
  -pkeyopt digest:sha256 -in "$WORK/data.sha256" -out "$WORK/pkeyutl.sig" </dev/null 2>"$WORK/err" \
  || { cat "$WORK/err" >&2; e2e_fail "openssl pkeyutl -sign failed"; }
openssl pkeyutl -verify -certin -inkey "$WORK/auth.pem" -pkeyopt digest:sha256 \
  -in "$WORK/data.sha256" -sigfile "$WORK/pkeyutl.sig" >/dev/null \
  || e2e_fail "openssl pkeyutl -verify rejected the card's signature"
verify_dgst "$WORK/auth.pub" "$WORK/pkeyutl.sig" sha256   # same bytes as dgst -sign must give
e2e_ok "openssl pkeyutl -sign (auth key) verifies"

# 4. openssl cms -sign with the digital-signature key; verified up to the simulator's root.
e2e_anchor "$cms_root" "$WORK/sign-root.pem"
openssl cms -sign -engine pkcs11 -keyform engine -inkey "$cms_key;pin-value=$cms_pin" \
  -signer "$cms_cert" -md sha256 -binary -in "$WORK/data" -outform DER -out "$WORK/data.p7s" \
  </dev/null 2>"$WORK/err" || { cat "$WORK/err" >&2; e2e_fail "openssl cms -sign failed"; }
# -purpose any: JPKI signature certificates carry nonRepudiation only, not S/MIME's purposes.
openssl cms -verify -binary -inform DER -in "$WORK/data.p7s" -content "$WORK/data" \
  -CAfile "$WORK/sign-root.pem" -purpose any -out /dev/null 2>"$WORK/err" \
  || { cat "$WORK/err" >&2; e2e_fail "openssl cms -verify rejected the card's CMS signature"; }
if openssl cms -verify -binary -inform DER -in "$WORK/data.p7s" -content "$WORK/data.bad" \
     -CAfile "$WORK/sign-root.pem" -purpose any -out /dev/null 2>/dev/null; then
  e2e_fail "the CMS signature also verifies over altered data"
fi
# The signer inside the CMS is the card's certificate.
openssl cms -verify -binary -inform DER -in "$WORK/data.p7s" -content "$WORK/data" \
  -CAfile "$WORK/sign-root.pem" -purpose any -out /dev/null -signer "$WORK/cms-signer.pem" 2>/dev/null
[[ "$(openssl x509 -in "$WORK/cms-signer.pem" -noout -fingerprint -sha256)" == \
   "$(openssl x509 -in "$cms_cert" -noout -fingerprint -sha256)" ]] \
  || e2e_fail "the CMS signer is not the card's certificate"
e2e_ok "openssl cms -sign ($cms_root key) verifies against the simulator's root"
