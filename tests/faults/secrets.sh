#!/usr/bin/env bash
# PIN bytes never reach a trace or a log: the simulator's --trace, the module's debug log with
# APDUs (MYNACARD_PKCS11_DEBUG=2) and the CLI's -v trace, after logins and signatures with both
# keys. Positive controls first, so the greps below can only pass on logs that really contain the
# VERIFYs. Run by run_fault.sh with --trace-in-dir.
#
# Default run: auth PIN 1234, signature password ABC123. "1234" also occurs in the simulated card's
# serial (1000000000 12345...), so for it only the bare ASCII form is checked; every form of
# ABC123 is. The second run (FAULT_AUTH_PIN / FAULT_SIGN_PIN + a state file holding them) uses
# values that occur nowhere else and checks every form of both.
set -uo pipefail
d="$FAULT_DIR" fail=0
auth="${FAULT_AUTH_PIN:-1234}" sign="${FAULT_SIGN_PIN:-ABC123}"
hexre() { printf '%s' "$1" | od -An -tx1 | tr -s ' \n' ' ' | sed 's/^ //; s/ $//; s/ / ?/g'; }
ok()  { echo "ok   - $*"; }
bad() { echo "FAIL - $*"; fail=1; }

MYNACARD_PKCS11_DEBUG=2 MYNACARD_PKCS11_LOG="$d/p11.log" "$FAULT_P11" "$FAULT_MODULE" login-sign \
  > "$d/p11.out" 2>&1 && ok "module: logins and signatures" || { bad "module run"; cat "$d/p11.out"; }
echo data > "$d/in.txt"
for key in auth sign; do
  [[ $key == auth ]] && export SECRET="$auth" || export SECRET="$sign"
  "$FAULT_CLI" -v sign --key "$key" --in "$d/in.txt" -o "$d/$key.sig" --pin-env SECRET \
    > "$d/cli-$key.out" 2> "$d/cli-$key.err" && ok "CLI: sign with the $key key" \
    || { bad "CLI sign $key"; cat "$d/cli-$key.err"; }
done
unset SECRET
cat "$d/cli-auth.err" "$d/cli-sign.err" > "$d/cli.log"

# Controls: each log holds APDUs including PIN VERIFYs (00 20 00 80|98|9B Lc ...: the module names the PIN EF by SFI), masked.
for f in trace.log p11.log cli.log; do
  n=$(grep -ciE "00 20 00 (80|98|9B) 0[46]" "$d/$f" || true)
  [[ $n -ge 2 ]] && ok "$f holds $n PIN VERIFY lines" || bad "$f holds no PIN VERIFY ($n)"
  grep -qiE "00 20 00 (80|98|9B) 0[46]( XX)+" "$d/$f" && ok "$f masks them as XX" || bad "$f: no masked VERIFY"
done
# The secrets in every form they could take: ASCII, hex with and without spaces, either case.
for f in trace.log p11.log cli.log p11.out cli-auth.out cli-sign.out; do
  pats=("$sign" "$(hexre "$sign")" "(^|[^0-9A-Fa-f])$auth([^0-9]|\$)")
  [[ "$auth" != 1234 ]] && pats+=("$auth" "$(hexre "$auth")")
  for pat in "${pats[@]}"; do
    if grep -qiE "$pat" "$d/$f"; then bad "$f contains /$pat/: $(grep -iE -m1 "$pat" "$d/$f")"
    else ok "$f: no /$pat/"; fi
  done
done
exit $fail
