#!/usr/bin/env bash
# Two processes signing N times each on one card through the module (run by run_fault.sh).
set -uo pipefail
n="${1:-200}"
# Both start signing at the same moment, after their logins (see fault_p11 sign-loop).
export FAULT_START_AT="$(date +%s.%N | awk '{printf "%.3f", $1 + 1.5}')"
"$FAULT_P11" "$FAULT_MODULE" sign-loop "$n" > "$FAULT_DIR/p1.out" 2>&1 & p1=$!
"$FAULT_P11" "$FAULT_MODULE" sign-loop "$n" > "$FAULT_DIR/p2.out" 2>&1 & p2=$!
wait "$p1"; r1=$?
wait "$p2"; r2=$?
grep -hE "^process|FAIL|signature [0-9]+:" "$FAULT_DIR/p1.out" "$FAULT_DIR/p2.out"
echo "exit codes: $r1 $r2"
# The two signing windows must overlap, or this proved nothing about concurrency.
read -r s1 e1 < <(awk '/^window/ {print $2, $3}' "$FAULT_DIR/p1.out")
read -r s2 e2 < <(awk '/^window/ {print $2, $3}' "$FAULT_DIR/p2.out")
overlap=$(( (e1 < e2 ? e1 : e2) - (s1 > s2 ? s1 : s2) ))
echo "signing windows overlap by ${overlap} ms (p1 ${s1}..${e1}, p2 ${s2}..${e2})"
[[ $r1 -eq 0 && $r2 -eq 0 && $overlap -gt 0 ]]
