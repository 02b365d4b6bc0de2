#!/usr/bin/env bash
# Issue 13 acceptance: one card, two processes (run by run_fault.sh with --trace-in-dir, the
# simulator in its default "a SELECT by AID clears the security state" behaviour).
#   A (fault_p11 hold-auth) logs in to "JPKI User Authentication" and signs. Between A's
#   signatures, process B only looks: pkcs11-tool -L, -O, reading a certificate, p11tool
#   --list-all-certs. A's next signature must succeed each time, and the trace must show no
#   second auth-PIN VERIFY. Then B logs in with the signature password, signs and exits: the
#   trace shows B's logout after its last 80 2A; A gets CKR_USER_NOT_LOGGED_IN once, and one
#   C_Login recovers. A second auth process (A2) that ends while A is connected leaves the auth
#   login to A. When A ends (C_Finalize), the trace shows its logout after its last 80 2A.
#   Last, `pkcs11-tool --change-pin` alone: the logout follows the CHANGE REFERENCE DATA.
set -uo pipefail
trace="$FAULT_DIR/trace.log"
module="$FAULT_MODULE"
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# Sanitizer build: pkcs11-tool and p11tool load the instrumented module with libasan preloaded.
source "$here/../e2e/sanitizer.sh"
e2e_sanitizer_setup "$FAULT_DIR/san" "$module"
fail=0
ok() { echo "ok   - $1"; }
bad() { echo "FAIL - $1"; fail=1; }
expect() { if [[ "$2" == "$3" ]]; then ok "$1"; else bad "$1: got '$2', expected '$3'"; fi; }

# Lines of the trace so far, and the trace after line N.
lines() { wc -l <"$trace"; }
since() { tail -n +"$(($1 + 1))" "$trace"; }
# True when, in the text on stdin, a SELECT by AID (the logout) follows the last command $1.
logout_after_last() {
  awk -v cmd="$1" '$0 ~ "^> " cmd { last = NR } /^> 00 A4 04/ { sel = NR }
                   END { exit !(last > 0 && sel > last) }'
}
auth_verifies() { grep -c '^> 00 20 00 98 04' "$trace"; }

coproc A { exec "$FAULT_P11" "$module" hold-auth 2>&1; }
a_in="${A[1]}" a_out="${A[0]}" a_pid="$A_PID"
reply=""
while read -r -t 60 reply <&"$a_out"; do  # A's own check lines, then "ready"
  echo "A: $reply"
  [[ "$reply" == ready ]] && break
done
[[ "$reply" == ready ]] || { echo "A did not start"; exit 1; }
ask() { echo "$1" >&"$a_in"; reply=""; read -r -t 60 reply <&"$a_out"; }

ask sign
expect "A signs" "$reply" "sign CKR_OK verified"

b() {  # b WHAT COMMAND...: B runs COMMAND; then A signs again
  local what="$1"; shift
  if "$@" >"$FAULT_DIR/b.out" 2>&1; then ok "B: $what"; else bad "B: $what"; sed 's/^/     /' "$FAULT_DIR/b.out"; fi
  ask sign
  expect "A still signs after B's $what" "$reply" "sign CKR_OK verified"
}
b "pkcs11-tool -L" pkcs11-tool --module "$module" -L
b "pkcs11-tool -O" pkcs11-tool --module "$module" --slot 0 -O
b "reading the auth certificate" pkcs11-tool --module "$module" --slot 0 --read-object \
  --type cert --label "JPKI User Authentication Certificate" -o "$FAULT_DIR/auth.der"
b "p11tool --list-all-certs" p11tool --provider "$module" --list-all-certs \
  "pkcs11:token=JPKI%20User%20Authentication"
expect "one auth-PIN VERIFY so far (A's login; none replayed)" "$(auth_verifies)" 1

# Another process logs in to the auth token too, signs and ends (C_Finalize): A is connected,
# so its logout leaves the auth login on the card (the logout policy), and A keeps signing.
if printf 'sign\nquit\n' | "$FAULT_P11" "$module" hold-auth >"$FAULT_DIR/a2.out" 2>&1 &&
   grep -q '^sign CKR_OK verified' "$FAULT_DIR/a2.out"; then ok "A2: auth login, signature, C_Finalize"
else bad "A2: auth login, signature, C_Finalize"; sed 's/^/     /' "$FAULT_DIR/a2.out"; fi
ask sign
expect "A still signs after A2 ended (auth login left for A)" "$reply" "sign CKR_OK verified"
expect "auth-PIN VERIFYs: A's and A2's" "$(auth_verifies)" 2

# B unlocks the signature key, signs and exits: it must log the card out when done.
printf 'signed by B\n' >"$FAULT_DIR/msg.txt"
start=$(lines)
if pkcs11-tool --module "$module" --slot 1 --login --pin ABC123 --sign -m SHA256-RSA-PKCS \
     -i "$FAULT_DIR/msg.txt" -o "$FAULT_DIR/b.sig" >"$FAULT_DIR/b.out" 2>&1; then
  ok "B signs with the signature key"
else
  bad "B signs with the signature key"; sed 's/^/     /' "$FAULT_DIR/b.out"
fi
if since "$start" | logout_after_last "80 2A"; then ok "B's logout follows its last signature"
else bad "B left the signature key unlocked (no SELECT by AID after its last 80 2A)"; fi
ask sign
expect "A: the card forced a logout, once" "$reply" "sign CKR_USER_NOT_LOGGED_IN unverified"
ask login
expect "A: one C_Login recovers" "$reply" "login CKR_OK"
ask sign
expect "A signs again" "$reply" "sign CKR_OK verified"
expect "auth-PIN VERIFYs: A's, A2's and A's one recovery" "$(auth_verifies)" 3

# A ends: C_Finalize logs the card out after its last signature.
start=$(lines)
echo quit >&"$a_in"
wait "$a_pid"; rc=$?
expect "A's own checks" "$rc" 0
if logout_after_last "80 2A" <"$trace" && since "$start" | grep -q '^> 00 A4 04'; then
  ok "A's C_Finalize logged the card out after its last signature"
else
  bad "A left the card logged in"
fi

# pkcs11-tool --change-pin alone (and back): the logout follows the CHANGE REFERENCE DATA.
for pins in "1234 5678" "5678 1234"; do
  set -- $pins
  start=$(lines)
  if pkcs11-tool --module "$module" --slot 0 --login --pin "$1" --change-pin --new-pin "$2" \
       >"$FAULT_DIR/b.out" 2>&1; then ok "pkcs11-tool --change-pin $1 → $2"
  else bad "pkcs11-tool --change-pin $1 → $2"; sed 's/^/     /' "$FAULT_DIR/b.out"; fi
  if since "$start" | logout_after_last "00 24 01"; then ok "logout after the CHANGE REFERENCE DATA"
  else bad "the auth key stayed unlocked after --change-pin"; fi
done
e2e_sanitizer_check || fail=1
exit "$fail"
