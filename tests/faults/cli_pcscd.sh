#!/usr/bin/env bash
# The CLI without pcscd, and without a reader (run by run_fault.sh inside pcsc-ns; pcscd is
# controlled with $MYNACARD_PCSCD_CTL, see scripts/pcscd-ctl): `mynacard sign` ends with exit 3
# (no_service / no_reader, docs/cli.md) and a message in bounded time, writes nothing, spends no
# try; once pcscd and the reader are back the same command signs and OpenSSL verifies it.
set -uo pipefail
d="$FAULT_DIR"
# shellcheck source=cli_lib.sh
source "$(dirname "$0")/cli_lib.sh"
export SECRET=ABC123
echo data > "$d/in.txt"
tries0=$(field sign-tries)

# sign_fails WHAT KIND: `mynacard --json sign` must exit 3 with error.kind KIND, quickly.
sign_fails() {
  local start=$SECONDS rc
  timeout 60 "$FAULT_CLI" --json sign --key sign --in "$d/in.txt" -o "$d/x.sig" --pin-env SECRET \
    > "$d/out" 2> "$d/err"; rc=$?
  [[ $rc == 3 ]] && ok "$1: exit 3" || bad "$1: exit $rc: $(cat "$d/err" "$d/out")"
  grep -q "\"kind\": *\"$2\"" "$d/out" "$d/err" && ok "$1: error.kind $2" \
    || bad "$1: no error.kind $2 in: $(cat "$d/out" "$d/err")"
  (( SECONDS - start < 10 )) && ok "$1: bounded time ($((SECONDS - start)) s)" || bad "$1: took $((SECONDS - start)) s"
  [[ ! -s "$d/x.sig" ]] && ok "$1: no signature file" || bad "$1: a signature file was written"
  rm -f "$d/x.sig"
}

"$MYNACARD_PCSCD_CTL" stop --kill && ok "pcscd killed" || bad "pcscd-ctl stop"
sign_fails "sign without pcscd" no_service
"$MYNACARD_PCSCD_CTL" remove-reader && ok "pcscd runs with no reader" || bad "pcscd-ctl remove-reader"
sign_fails "sign without a reader" no_reader
"$MYNACARD_PCSCD_CTL" add-reader && ok "pcscd and the reader are back" || bad "pcscd-ctl add-reader"
wait_card && ok "the card is seen again" || bad "card not back"
[[ "$(field sign-tries)" == "$tries0" ]] && ok "sign counter unchanged ($tries0)" || bad "sign counter $tries0 -> $(field sign-tries)"

recover_and_sign "after the restart"
exit $fail
