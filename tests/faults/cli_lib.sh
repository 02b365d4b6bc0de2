# Shared by the CLI fault scripts (cli_remove.sh, cli_pcscd.sh), sourced inside run_fault.sh:
# result lines, the simulator control, and waiting for the card to show in the reader.
fail=0
ok()  { echo "ok   - $*"; }
bad() { echo "FAIL - $*"; fail=1; }
ctl() { "$FAULT_P11" - control "$1"; }
field() { ctl status | tr ' ' '\n' | sed -n "s/^$1=//p"; }
wait_card() {  # until the reader shows the card again (or 15 s)
  for _ in $(seq 150); do
    opensc-tool -l 2>/dev/null | grep -qE "^[0-9]+ +Yes .*${MYNACARD_READER}\$" && return 0; sleep 0.1
  done; return 1
}
# recover_and_sign WHEN: after the fault, `cert sign` and `sign` work again, OpenSSL verifies the
# new signature (and refuses it for a changed message), and the signature PIN counter is still
# $tries0. Needs $d, $tries0, $SECRET and $d/in.txt.
recover_and_sign() {
  timeout 60 "$FAULT_CLI" cert sign -f pem -o "$d/sign.pem" --pin-env SECRET 2> "$d/e3" && ok "cert sign $1" || bad "cert sign: $(cat "$d/e3")"
  timeout 60 "$FAULT_CLI" sign --key sign --in "$d/in.txt" -o "$d/s.sig" --pin-env SECRET 2> "$d/e4" && ok "sign $1" || bad "sign: $(cat "$d/e4")"
  openssl x509 -in "$d/sign.pem" -pubkey -noout > "$d/pub.pem" 2>/dev/null
  openssl dgst -sha256 -verify "$d/pub.pem" -signature "$d/s.sig" "$d/in.txt" >/dev/null 2>&1 \
    && ok "OpenSSL verifies the signature" || bad "the signature does not verify"
  echo tampered >> "$d/in.txt"
  openssl dgst -sha256 -verify "$d/pub.pem" -signature "$d/s.sig" "$d/in.txt" >/dev/null 2>&1 \
    && bad "a changed message verifies" || ok "a changed message does not verify"
  [[ "$(field sign-tries)" == "$tries0" ]] && ok "sign counter still $tries0" || bad "sign counter -> $(field sign-tries)"
}
