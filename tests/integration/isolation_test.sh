#!/usr/bin/env bash
# isolation_test.sh PCSC_NS INTEG_PCSC TESTCARD
#
# Proves that scripts/pcsc-ns isolates its pcscd: a decoy pcscd (in its own, separate pcsc-ns
# namespace, with the vpcd-only driver folder, reader name "Decoy PCD", the SAME vpcd port) holds
# a decoy card that counts APDUs. While it runs, the whole integ_pcsc suite runs in a second
# pcsc-ns. Afterwards the decoy card must have seen zero APDUs. A positive control then sends one
# APDU to the decoy from inside its own namespace and expects the count to move, so "zero" cannot
# come from a decoy that was never reachable.
set -euo pipefail
[[ $# -eq 3 ]] || { echo "usage: $0 PCSC_NS INTEG_PCSC TESTCARD" >&2; exit 2; }
pcsc_ns="$(readlink -f "$1")" integ="$(readlink -f "$2")" testcard="$(readlink -f "$3")"

work="$(mktemp -d "${TMPDIR:-/tmp}/mynacard-isolation.XXXXXX")"
chmod 0777 "$work"   # the namespaces may map us to another uid
count="$work/decoy-count" ready="$work/ready" go="$work/go" control="$work/control"
decoy_pid=""
cleanup() {
  if [[ -n "$decoy_pid" ]]; then kill -TERM "$decoy_pid" 2>/dev/null || true; wait "$decoy_pid" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

# Runs inside the decoy namespace: card in, signal ready, wait for "go", positive control.
decoy_script='
  set -u
  "$TESTCARD" --vpcd "$MYNACARD_VPCD_HOST:$MYNACARD_VPCD_PORT" --count-file "$COUNT" &
  card=$!
  for _ in $(seq 100); do
    opensc-tool -l 2>/dev/null | grep -q "Yes.*Decoy PCD 00 00" && break
    sleep 0.1
  done
  opensc-tool -l 2>/dev/null | grep -q "Yes.*Decoy PCD 00 00" || { echo "decoy card not present" >&2; exit 1; }
  # opensc-tool -l may probe the card; the baseline is what the count says now.
  cp "$COUNT" "$COUNT.baseline"
  touch "$READY"
  for _ in $(seq 3000); do [[ -e "$GO" ]] && break; sleep 0.1; done
  opensc-tool -r 0 -s "00 A4 04 0C 0A D3 92 F0 00 26 01 00 00 00 01" > "$CONTROL" 2>&1 || true
  kill -TERM $card; wait $card
'
TESTCARD="$testcard" COUNT="$count" READY="$ready" GO="$go" CONTROL="$control" \
  "$pcsc_ns" --name "Decoy PCD" -- bash -c "$decoy_script" &
decoy_pid=$!

for _ in $(seq 200); do [[ -e "$ready" ]] && break; kill -0 "$decoy_pid" 2>/dev/null || break; sleep 0.1; done
[[ -e "$ready" ]] || { echo "FAIL: the decoy pcscd/card did not come up" >&2; exit 1; }
baseline="$(cat "$count.baseline")"
echo "decoy ready, APDU count baseline $baseline"

status=0
echo "== integ_pcsc in its own private namespace, decoy running =="
"$pcsc_ns" -- "$integ" || { echo "FAIL: integ_pcsc failed" >&2; status=1; }

after="$(cat "$count")"
if [[ "$after" != "$baseline" ]]; then
  echo "FAIL: the decoy card saw $((after - baseline)) APDU(s) during the test" >&2; status=1
else
  echo "OK: the decoy card saw zero APDUs during the test"
fi

touch "$go"
wait "$decoy_pid" || { echo "FAIL: decoy namespace exited with an error" >&2; status=1; }
decoy_pid=""
final="$(cat "$count")"
if (( final > after )); then
  echo "OK: positive control — an APDU sent inside the decoy namespace reached the decoy ($after -> $final)"
else
  echo "FAIL: positive control — the decoy card never saw the control APDU" >&2; cat "$control" >&2; status=1
fi
exit "$status"
