# Shared helpers of the end-to-end tests (issue 7). Sourced by tests/e2e/*.sh, which run INSIDE
# scripts/with-sim (private pcscd whose only reader is the simulated card), e.g.
#   MODULE=build/pkcs11/libmynacard-pkcs11.so scripts/with-sim -- tests/e2e/openssl_engine.sh
# Environment:
#   MODULE      the PKCS#11 module under test (default: OpenSC's, whose jpki driver also drives
#               the simulated card; token and object labels are discovered, never hard-coded)
#   AUTH_PIN    利用者証明用 PIN of the simulated card (default profile: 1234)
#   SIGN_PIN    署名用 password (default profile: ABC123)
#   MYNACARD_SIM  the simulator binary (for --export-anchors)
# Every test works in a private temp folder ($WORK) removed on exit, and kills what it started.
set -euo pipefail

MODULE="${MODULE:-/usr/lib/x86_64-linux-gnu/opensc-pkcs11.so}"
AUTH_PIN="${AUTH_PIN:-1234}"
SIGN_PIN="${SIGN_PIN:-ABC123}"
E2E_NAME="${E2E_NAME:-${0##*/}}"

e2e_fail() { echo "FAIL [$E2E_NAME]: $*" >&2; exit 1; }
e2e_ok()   { echo "ok   [$E2E_NAME]: $*"; }
e2e_skip() { echo "SKIP [$E2E_NAME]: $*"; exit 77; }   # ctest SKIP_RETURN_CODE 77

# Refuse to run outside the private reader: a PIN sent to a real card could lock it.
[[ "${MYNACARD_PCSC_NS:-}" == 1 ]] || e2e_fail "run me inside scripts/with-sim (never against a real reader)"
MODULE="$(readlink -f "$MODULE")"
[[ -f "$MODULE" ]] || e2e_fail "module not found: $MODULE"

WORK="$(mktemp -d "${TMPDIR:-/tmp}/mynacard-e2e.XXXXXX")"
E2E_PIDS=()
# A sanitizer report (tests/e2e/sanitizer.sh) written by any foreign program fails the test,
# whatever the script's own status was.
# $1: the exit status to keep (callers that ran commands first pass the script's own), default $?.
e2e_cleanup() {
  local st="${1:-$?}" p
  for p in "${E2E_PIDS[@]}"; do kill -TERM "$p" 2>/dev/null || true; done
  for p in "${E2E_PIDS[@]}"; do wait "$p" 2>/dev/null || true; done
  e2e_sanitizer_check || st=1
  if [[ -n "${E2E_KEEP:-}" ]]; then echo "kept $WORK" >&2; else rm -rf "$WORK"; fi
  exit "$st"
}
trap e2e_cleanup EXIT

# Sanitizer build (MYNACARD_SANITIZE=1): the programs that load the module run with the ASan
# runtime preloaded (tests/e2e/sanitizer.sh).
source "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/sanitizer.sh"
e2e_sanitizer_setup "$WORK/san" "$MODULE"

e2e_need() {
  local t
  for t in "$@"; do command -v "$t" >/dev/null || e2e_skip "'$t' not installed (scripts/deps)"; done
}

# Prints the token URI (from p11tool, GnuTLS) whose token label matches the ERE $1.
e2e_token_uri() {
  local uri
  uri="$(p11tool --provider "$MODULE" --list-tokens 2>/dev/null | sed -n 's/^[[:space:]]*URL: //p' |
         grep -E ";token=[^;]*$1" | head -n1 || true)"
  [[ -n "$uri" ]] || e2e_fail "no token matching '$1' in $MODULE"
  echo "$uri"
}

# Prints the label of a token given its URI (p11-kit percent-decoding of the token= field).
e2e_token_label() {
  local enc="${1#*;token=}"; enc="${enc%%;*}"
  printf '%b\n' "${enc//%/\\x}"
}

# Prints the URI of the (only) private key of token URI $1, logging in with PIN $2.
e2e_key_uri() {
  local uri
  uri="$(GNUTLS_PIN="$2" p11tool --provider "$MODULE" --login --list-privkeys "$1" 2>/dev/null |
         sed -n 's/^[[:space:]]*URL: //p' | head -n1 || true)"
  [[ -n "$uri" ]] || e2e_fail "no private key in $1"
  echo "$uri"
}

# Writes (PEM) the certificate with the same CKA_ID as key URI $1 to $3 (PIN $2: the signature
# certificate is readable only after login, spec / architecture "PKCS#11 shape").
e2e_export_cert() {
  local id="${1#*;id=}"; id="${id%%;*}"
  local tok="${1%%;id=*}"; tok="${tok%%;object=*}"
  GNUTLS_PIN="$2" p11tool --provider "$MODULE" --login --export "$tok;id=$id;type=cert" >"$3" 2>/dev/null \
    || e2e_fail "cannot export the certificate of $1"
  openssl x509 -in "$3" -noout 2>/dev/null || e2e_fail "exported certificate of $1 is not X.509"
}

# Writes the simulator's trust anchor whose subject matches ERE $1 to $2 (PEM).
e2e_anchor() {
  local all="$WORK/anchors.pem" i=0 f
  [[ -n "${MYNACARD_SIM:-}" ]] || e2e_fail "MYNACARD_SIM not set (scripts/with-sim sets it)"
  # Without OPENSSL_CONF: the simulator has no use for the libp11 engine that
  # e2e_openssl_engine_conf configures (loading it leaks libp11's RSA_METHOD into an ASan-built
  # simulator, and LeakSanitizer rightly fails it).
  [[ -f "$all" ]] || env -u OPENSSL_CONF "$MYNACARD_SIM" --export-anchors "$all" >/dev/null || e2e_fail "--export-anchors failed"
  # One file per certificate, then pick by subject.
  awk -v d="$WORK/anchor" '/-----BEGIN CERTIFICATE-----/{n++; f=d n ".pem"} f{print > f} /-----END CERTIFICATE-----/{f=""}' "$all"
  for f in "$WORK"/anchor*.pem; do
    if openssl x509 -in "$f" -noout -subject | grep -qE "$1"; then cp "$f" "$2"; return 0; fi
  done
  e2e_fail "no trust anchor matching '$1'"
}

# The card's authentication side, as the TLS tests need it: $auth_tok and $auth_key (PKCS#11
# URIs), its certificate in $WORK/auth.pem, the simulator's auth CA in $WORK/auth-root.pem, and
# $card_cn, the certificate's CN (unique per card: the serial + "A"; servers print the subject
# with varying "CN = ..." spacing, so tests compare on the value).
e2e_card_auth_identity() {
  auth_tok="$(e2e_token_uri 'Authentication')"
  auth_key="$(e2e_key_uri "$auth_tok" "$AUTH_PIN")"
  e2e_export_cert "$auth_key" "$AUTH_PIN" "$WORK/auth.pem"
  e2e_anchor 'user authentication' "$WORK/auth-root.pem"
  card_cn="$(openssl x509 -in "$WORK/auth.pem" -noout -subject -nameopt multiline | sed -n 's/^ *commonName *= *//p')"
  [[ -n "$card_cn" ]] || e2e_fail "the card's certificate has no CN"
}

# Writes an OpenSSL config that loads the libp11 engine with MODULE to $WORK/openssl.cnf and
# exports OPENSSL_CONF. The default provider still serves everything that is not the card key.
e2e_openssl_engine_conf() {
  local engine
  engine="$(find /usr/lib/*/engines-3 /usr/lib/engines-3 -maxdepth 1 -name pkcs11.so 2>/dev/null | head -n1 || true)"
  [[ -n "$engine" ]] || e2e_skip "libp11 engine not installed (apt install libengine-pkcs11-openssl)"
  cat >"$WORK/openssl.cnf" <<CNF
openssl_conf = openssl_init
[openssl_init]
engines = engine_section
[engine_section]
pkcs11 = pkcs11_section
[pkcs11_section]
engine_id = pkcs11
dynamic_path = $engine
MODULE_PATH = $MODULE
init = 0
CNF
  export OPENSSL_CONF="$WORK/openssl.cnf"
}

# Picks a free TCP port on 127.0.0.1 (the network namespace is private: only our servers).
e2e_free_port() {
  local p
  for p in $(seq 44300 44399); do
    ss -ltnH "sport = :$p" 2>/dev/null | grep -q . || { echo "$p"; return; }
  done
  e2e_fail "no free port"
}

# Waits until something listens on 127.0.0.1:$1 (at most 10 s).
e2e_wait_port() {
  local _
  for _ in $(seq 100); do
    ss -ltnH "sport = :$1" 2>/dev/null | grep -q . && return 0
    sleep 0.1
  done
  e2e_fail "nothing listens on port $1"
}

# Succeeds when the private key URI $1 has CKA_ALWAYS_AUTHENTICATE (PIN $2 to see it).
e2e_key_always_auth() {
  GNUTLS_PIN="$2" p11tool --provider "$MODULE" --login --list-privkeys "$1" 2>/dev/null |
    grep -q 'CKA_ALWAYS_AUTH'
}
