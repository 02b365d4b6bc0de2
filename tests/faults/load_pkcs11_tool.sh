#!/usr/bin/env bash
# load_pkcs11_tool.sh SIGNERS LISTERS RUNS — issue 13 load test: one simulated card (default
# behaviour: a SELECT by AID clears the security state), SIGNERS + LISTERS concurrent workers,
# each running pkcs11-tool RUNS times, every run a new process. A signer logs in to the auth token,
# signs and exits (`--login --pin 1234 --sign -m SHA256-RSA-PKCS`); a lister only looks (`-L`,
# `-O`). Run by run_fault.sh with --trace-in-dir. Passes when every pkcs11-tool run succeeded,
# every signature verifies with openssl against the auth certificate, and the simulator's PIN
# counters are unchanged. No timing is asserted (run_fault.sh's watchdog, plus `timeout 60` per
# run); the slowest single run is printed.
set -uo pipefail
signers="$1" listers="$2" runs="$3"
module="$FAULT_MODULE" dir="$FAULT_DIR"
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# Sanitizer build: pkcs11-tool loads the instrumented module with libasan preloaded.
source "$here/../e2e/sanitizer.sh"
e2e_sanitizer_setup "$dir/san" "$module"
set +e  # sanitizer.sh sets -e; failures are counted here, not fatal
# The workers share a login session's private runtime directory: our module coordinates the
# auth login of its processes there (pkcs11/login_lock.h). Inside pcsc-ns, /run may be hidden.
export XDG_RUNTIME_DIR="$dir/run"
mkdir -m 700 "$XDG_RUNTIME_DIR"
status() { "$FAULT_P11" - control status; }
tries() { status | tr ' ' '\n' | grep -E '^(auth|sign)-tries='; }

pkcs11-tool --module "$module" --slot-index 0 --read-object --type cert \
  --label "JPKI User Authentication Certificate" -o "$dir/auth.der" >/dev/null 2>&1 &&
  openssl x509 -inform DER -in "$dir/auth.der" -pubkey -noout >"$dir/auth.pub" ||
  { echo "FAIL: cannot read the auth certificate"; exit 1; }
before="$(tries)"

ms() { echo $(( $(date +%s%N) / 1000000 )); }
# One line per run: worker run rc milliseconds what start end (ms).
run() {  # run WORKER I WHAT ARGS...: one timed pkcs11-tool process
  local w="$1" i="$2" what="$3" t0 t1 rc; shift 3
  t0=$(ms)
  timeout -k 5 60 pkcs11-tool --module "$module" "$@" >"$dir/$w.$i.out" 2>&1; rc=$?
  t1=$(ms)
  echo "$w $i $rc $((t1 - t0)) $what $t0 $t1" >>"$dir/$w.runs"
}
signer() {
  local w="s$1" i
  for ((i = 0; i < runs; i++)); do
    printf 'load test %s run %d\n' "$w" "$i" >"$dir/$w.$i.msg"
    run "$w" "$i" sign --slot-index 0 --login --pin 1234 --sign -m SHA256-RSA-PKCS \
      -i "$dir/$w.$i.msg" -o "$dir/$w.$i.sig"
  done
}
lister() {  # alternates -L and -O, the two offset so that both kinds run at every moment
  local w="l$1" i
  for ((i = 0; i < runs; i++)); do
    if (( (i + $1) % 2 )); then run "$w" "$i" -L -L; else run "$w" "$i" -O --slot-index 0 -O; fi
  done
}
pids=()
for ((k = 0; k < signers; k++)); do signer "$k" & pids+=($!); done
for ((k = 0; k < listers; k++)); do lister "$k" & pids+=($!); done
wait "${pids[@]}"

fail=0 signed=0 verified=0
# What each kind of run must show besides exit status 0 (a signature is checked by openssl below).
declare -A shows=([-L]="token label *: JPKI User Authentication" [-O]="Certificate Object"
                  [sign]="Using signature algorithm")
while read -r w i rc _ what _; do
  if [[ "$rc" != 0 ]] || ! grep -q "${shows[$what]}" "$dir/$w.$i.out"; then
    fail=1
    echo "FAIL: $w run $i ($what) exit $rc:"; sed 's/^/     /' "$dir/$w.$i.out"
  fi
  [[ "$what" == sign ]] || continue
  signed=$((signed + 1))
  if [[ -s "$dir/$w.$i.sig" ]] && openssl dgst -sha256 -verify "$dir/auth.pub" \
       -signature "$dir/$w.$i.sig" "$dir/$w.$i.msg" >/dev/null 2>&1; then
    verified=$((verified + 1))
  fi
done < <(cat "$dir"/*.runs)
expected=$((signers * runs)) total=$(cat "$dir"/*.runs | wc -l)
echo "runs: $total of $(((signers + listers) * runs)) done; signatures verified: $verified of $expected"
[[ $total -eq $(((signers + listers) * runs)) && $verified -eq $expected && $signed -eq $expected ]] || fail=1
# The workers' windows (first start .. last end) must all overlap, or nothing ran concurrently.
read -r last_start first_end < <(awk '{ if (!($1 in s) || $6 < s[$1]) s[$1] = $6; if ($7 > e[$1]) e[$1] = $7 }
  END { ls = 0; fe = 0; for (w in s) { if (s[w] > ls) ls = s[w]; if (!fe || e[w] < fe) fe = e[w] }; print ls, fe }' "$dir"/*.runs)
echo "all workers ran together for $((first_end - last_start)) ms"
(( first_end > last_start )) || { echo "FAIL: the workers did not overlap"; fail=1; }
if (( listers > 0 )); then  # how much the listing processes really ran beside the signatures
  awk '$5 == "sign" { n++; ss[n] = $6; se[n] = $7 } $5 != "sign" { m++; ls[m] = $6; le[m] = $7 }
    END { for (i = 1; i <= n; i++) for (j = 1; j <= m; j++) if (ls[j] < se[i] && le[j] > ss[i]) { k++; break }
          print "signatures made while a listing process ran: " k + 0 " of " n }' "$dir"/*.runs
fi
after="$(tries)"
echo "PIN counters before: $(echo $before); after: $(echo $after)"
[[ -n "$before" && "$before" == "$after" ]] || { echo "FAIL: a PIN try was lost"; fail=1; }
# Evidence for docs/benchmarks.md: the slowest single pkcs11-tool run, and the card's view.
sort -k4,4n "$dir"/*.runs | tail -1 | awk '{print "slowest run: " $4 " ms (" $5 ", worker " $1 " run " $2 ")"}'
trace="$dir/trace.log"
echo "trace: $(grep -cE '^> 00 20 00 (98|80) 04' "$trace") auth-PIN VERIFYs, $(grep -c '^> 80 2A' "$trace") signatures (80 2A), $(grep -c '^< .*69 82$' "$trace") answers 6982"
e2e_sanitizer_check || fail=1
exit "$fail"
