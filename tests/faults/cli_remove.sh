#!/usr/bin/env bash
# The CLI with the card pulled out mid-operation (run by run_fault.sh): `mynacard sign` while the
# signature APDU is lost, and `mynacard cert auth` while a READ BINARY is lost, end with a card
# error exit code (4 no card) in bounded time, spend no try, and the same commands
# work once the card is back; the signature made then verifies with OpenSSL.
set -uo pipefail
d="$FAULT_DIR"
# shellcheck source=cli_lib.sh
source "$(dirname "$0")/cli_lib.sh"
wait_gone() {
  for _ in $(seq 150); do
    opensc-tool -l 2>/dev/null | grep -qE "^[0-9]+ +Yes .*${MYNACARD_READER}\$" || return 0; sleep 0.1
  done; return 1
}
export SECRET=ABC123
echo data > "$d/in.txt"
tries0=$(field sign-tries)

ctl "remove-on 2A" >/dev/null
start=$SECONDS
timeout 60 "$FAULT_CLI" sign --key sign --in "$d/in.txt" -o "$d/s1.sig" --pin-env SECRET 2> "$d/e1"; rc=$?
[[ $rc == 4 ]] && ok "sign with the card pulled at the signature: exit $rc ($(head -1 "$d/e1"))" \
  || bad "sign with the card pulled: exit $rc: $(cat "$d/e1")"
(( SECONDS - start < 30 )) && ok "bounded time ($((SECONDS - start)) s)" || bad "took $((SECONDS - start)) s"
[[ ! -s "$d/s1.sig" ]] && ok "no signature file written" || bad "a signature file was written"
wait_gone; ctl insert >/dev/null; wait_card || bad "card not back"
[[ "$(field sign-tries)" == "$tries0" ]] && ok "sign counter unchanged ($tries0)" || bad "sign counter $tries0 -> $(field sign-tries)"

ctl "remove-on B0 2" >/dev/null
timeout 60 "$FAULT_CLI" cert auth -o "$d/c1.pem" 2> "$d/e2"; rc=$?
[[ $rc == 4 ]] && ok "cert auth with the card pulled mid-read: exit $rc ($(head -1 "$d/e2"))" \
  || bad "cert auth with the card pulled: exit $rc: $(cat "$d/e2")"
wait_gone; ctl insert >/dev/null; wait_card || bad "card not back"

recover_and_sign "after re-insertion"
exit $fail
