#!/usr/bin/env bash
# with_sim_test.sh WITH_SIM TESTCARD [MYNACARD_SIM]
# Checks scripts/with-sim: the card is present when COMMAND starts, COMMAND's exit code comes
# back, a simulator that dies at start is reported, and (when built) the real simulator answers
# the JPKI token-information read (spec §4.2) through the whole pcscd stack.
set -uo pipefail
[[ $# -ge 2 ]] || { echo "usage: $0 WITH_SIM TESTCARD [MYNACARD_SIM]" >&2; exit 2; }
with_sim="$1" testcard="$2" sim="${3:-}"
status=0
fail() { echo "FAIL: $*" >&2; status=1; }

MYNACARD_SIM="$testcard" "$with_sim" -- bash -c \
  'opensc-tool -l | grep -qE "^[0-9]+ +Yes .*$MYNACARD_READER\$"' \
  && echo "OK: card present in \$MYNACARD_READER when COMMAND starts" || fail "card not present"

MYNACARD_SIM="$testcard" "$with_sim" --latency-ms 1 -- bash -c 'exit 3'
rc=$?
[[ $rc -eq 3 ]] && echo "OK: exit code propagated" || fail "exit code $rc, expected 3"

out="$(MYNACARD_SIM=/bin/false "$with_sim" -- true 2>&1)"
rc=$?
if [[ $rc -ne 0 && "$out" == *"exited early"* ]]; then echo "OK: a dead simulator is reported"
else fail "dead simulator: rc=$rc output: $out"; fi

if [[ -n "$sim" ]]; then
  out="$(MYNACARD_SIM="$sim" "$with_sim" -- opensc-tool --reader 0 \
    --send-apdu "00 A4 04 0C 0A D3 92 F0 00 26 01 00 00 00 01" \
    --send-apdu "00 A4 02 0C 02 00 06" --send-apdu "00 B0 00 00 0F" 2>&1)"
  if [[ "$out" == *"4A 50 4B 49 41 50 49 43 43 54 4F 4B 45 4E 32"* ]]; then
    echo "OK: mynacard-sim served JPKIAPICCTOKEN2 through pcscd"
  else fail "mynacard-sim: $out"; fi
fi
exit "$status"
