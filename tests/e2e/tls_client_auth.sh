#!/usr/bin/env bash
# e2e: TLS client authentication with the card's user-authentication key through MODULE.
#  * TLS 1.2: `openssl s_server -no_tls1_3 -Verify 1 -www` on 127.0.0.1 trusting only the
#    simulator's auth CA; clients `openssl s_client` via the libp11 engine (-sigalgs
#    RSA+SHA256:RSA+SHA384: the card has no PSS) and NSS `tstclnt` with the module registered by
#    packaging/nss/mynacard-nssdb in a temp NSS db. The page must show the card's certificate.
#  * TLS 1.3 only, client certificate required: every client fails CLEANLY — no hang (timeout),
#    no crash (status >= 128), no PIN prompt (stdin is /dev/null). TLS 1.3 signs CertificateVerify
#    with RSA-PSS only (RFC 8446 §4.2.3); the card pads PKCS#1 v1.5 itself and has no raw RSA.
# Runs inside scripts/with-sim (private network namespace: our servers are the only ones).
source "$(dirname "$(readlink -f "$0")")/lib.sh"
e2e_need openssl p11tool tstclnt modutil certutil ss timeout
e2e_openssl_engine_conf
here="$(dirname "$(readlink -f "$0")")"
nssdb_tool="${MYNACARD_NSSDB:-$here/../../packaging/nss/mynacard-nssdb}"

e2e_card_auth_identity   # $auth_tok, $auth_key, $WORK/auth.pem, $WORK/auth-root.pem, $card_cn

# A throwaway server identity for 127.0.0.1.
openssl req -x509 -newkey rsa:2048 -nodes -keyout "$WORK/srv.key" -out "$WORK/srv.pem" -days 1 \
  -subj "/CN=127.0.0.1" -addext "subjectAltName=IP:127.0.0.1" 2>/dev/null \
  || e2e_fail "cannot make the server certificate"
printf 'GET / HTTP/1.0\r\n\r\n' >"$WORK/request"

# Starts s_server with extra options "$@" on a fresh port; sets $port.
start_server() {
  port="$(e2e_free_port)"
  openssl s_server -accept "127.0.0.1:$port" -cert "$WORK/srv.pem" -key "$WORK/srv.key" \
    -CAfile "$WORK/auth-root.pem" -Verify 1 -www "$@" </dev/null >"$WORK/server.$port.log" 2>&1 &
  E2E_PIDS+=($!)
  e2e_wait_port "$port"
}
# Status check shared by the clean-failure cases: $1 = status, $2 = what.
expect_clean_failure() {
  [[ $1 -ne 0 ]] || e2e_fail "$2 succeeded over TLS 1.3 (the card cannot sign RSA-PSS)"
  [[ $1 -ne 124 && $1 -ne 137 ]] || e2e_fail "$2 hung over TLS 1.3 (killed by timeout)"
  [[ $1 -lt 128 ]] || e2e_fail "$2 crashed over TLS 1.3 (status $1)"
}

# ---- TLS 1.2 ------------------------------------------------------------------------------
start_server -no_tls1_3

# openssl s_client via the engine. -ign_eof: keep reading the page after the request is sent.
set +e
timeout 60 openssl s_client -connect "127.0.0.1:$port" -servername 127.0.0.1 -tls1_2 \
  -engine pkcs11 -keyform engine -key "$auth_key;pin-value=$AUTH_PIN" -cert "$WORK/auth.pem" \
  -sigalgs RSA+SHA256:RSA+SHA384 -CAfile "$WORK/srv.pem" -verify_return_error -ign_eof \
  <"$WORK/request" >"$WORK/s_client.out" 2>"$WORK/s_client.err"
rc=$?
set -e
[[ $rc -eq 0 ]] || { cat "$WORK/s_client.err" "$WORK/s_client.out" >&2; e2e_fail "openssl s_client (TLS 1.2) failed: $rc"; }
grep -q 'Protocol *: TLSv1.2' "$WORK/s_client.out" || e2e_fail "s_client did not negotiate TLS 1.2"
# s_server -www reports the client certificate it verified on the page.
grep -q "CN *= *$card_cn" "$WORK/s_client.out" \
  || { cat "$WORK/s_client.out" >&2; e2e_fail "the page does not show the card's subject ($card_cn)"; }
e2e_ok "openssl s_client + engine: TLS 1.2 client auth, page shows CN=$card_cn"

# NSS tstclnt with the module in a temp NSS db (registered by our own helper).
db="$WORK/nssdb"
"$nssdb_tool" register --dbdir "$db" --module "$MODULE" >/dev/null || e2e_fail "mynacard-nssdb register failed"
certutil -A -d "sql:$db" -n test-server -t "C,," -i "$WORK/srv.pem" || e2e_fail "certutil -A failed"
# NSS names a token certificate "TOKEN LABEL:CERT LABEL"; the user certificate (trust "u": it
# has a private key) of the auth token is the card's. The page check below proves which it was.
printf '%s\n' "$AUTH_PIN" >"$WORK/pin"
tok_label="$(e2e_token_label "$auth_tok")"
nick="$(certutil -L -d "sql:$db" -h all -f "$WORK/pin" 2>/dev/null | sed -nE 's/[[:space:]]+u,u,u[[:space:]]*$//p' |
        while IFS= read -r n; do [[ "$n" == "$tok_label:"* ]] && { echo "$n"; break; }; done || true)"
[[ -n "$nick" ]] || { certutil -L -d "sql:$db" -h all -f "$WORK/pin" >&2; e2e_fail "NSS does not see the card's certificate"; }
set +e
timeout 60 tstclnt -h 127.0.0.1 -p "$port" -d "sql:$db" -n "$nick" -W "$WORK/pin" -V tls1.2:tls1.2 \
  -A "$WORK/request" </dev/null >"$WORK/tstclnt.out" 2>"$WORK/tstclnt.err"
rc=$?
set -e
[[ $rc -eq 0 ]] || { cat "$WORK/tstclnt.err" "$WORK/tstclnt.out" >&2; e2e_fail "tstclnt (TLS 1.2) failed: $rc"; }
grep -q "CN *= *$card_cn" "$WORK/tstclnt.out" \
  || { cat "$WORK/tstclnt.out" >&2; e2e_fail "tstclnt: the page does not show the card's subject"; }
e2e_ok "NSS tstclnt ('$nick'): TLS 1.2 client auth, page shows CN=$card_cn"

# ---- TLS 1.3 only: a clean failure --------------------------------------------------------
start_server -tls1_3
set +e
timeout 30 openssl s_client -connect "127.0.0.1:$port" -servername 127.0.0.1 -tls1_3 \
  -engine pkcs11 -keyform engine -key "$auth_key;pin-value=$AUTH_PIN" -cert "$WORK/auth.pem" \
  -CAfile "$WORK/srv.pem" <"$WORK/request" >"$WORK/s_client13.out" 2>"$WORK/s_client13.err"
rc=$?
set -e
# s_client reports success at exit even when the server later rejects the client: success means
# the page was served, which it must not be.
if grep -q "CN *= *$card_cn" "$WORK/s_client13.out"; then
  e2e_fail "openssl s_client got the page over TLS 1.3 with the card"
fi
[[ $rc -ne 124 && $rc -ne 137 ]] || e2e_fail "openssl s_client hung over TLS 1.3"
[[ $rc -lt 128 ]] || e2e_fail "openssl s_client crashed over TLS 1.3 (status $rc)"
e2e_ok "openssl s_client over TLS 1.3 fails cleanly (status $rc): $(grep -h -m1 -oE 'error:[^ ]*:[^:]*:[^:]*:[^:]*' "$WORK/s_client13.err" "$WORK/s_client13.out" | head -n1 || true)"

set +e
timeout 30 tstclnt -h 127.0.0.1 -p "$port" -d "sql:$db" -n "$nick" -W "$WORK/pin" -V tls1.3:tls1.3 \
  -A "$WORK/request" </dev/null >"$WORK/tstclnt13.out" 2>"$WORK/tstclnt13.err"
rc=$?
set -e
if grep -q "CN *= *$card_cn" "$WORK/tstclnt13.out"; then e2e_fail "tstclnt got the page over TLS 1.3"; fi
expect_clean_failure "$rc" tstclnt
e2e_ok "NSS tstclnt over TLS 1.3 fails cleanly (status $rc): $(grep -m1 -E 'error|Error|failed' "$WORK/tstclnt13.err" || true)"
