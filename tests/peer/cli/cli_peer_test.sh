#!/usr/bin/env bash
# cli_peer_test.sh MYNACARD MYNACARD_SIM REPO_ROOT
# Runs every mynacard command inside scripts/with-sim (never against the machine's pcscd) and
# checks the output against the profile values (cardsim/profiles/default.json), signatures and
# CMS with openssl, the exported photo with opj_decompress/file, and the exit codes of the error
# paths (wrong PIN, final try, blocked, bad input — which must cost no try).
set -uo pipefail
[[ $# -eq 3 ]] || { echo "usage: $0 MYNACARD MYNACARD_SIM REPO_ROOT" >&2; exit 2; }
export MYNACARD_BIN="$(readlink -f "$1")" MYNACARD_SIM="$(readlink -f "$2")"
root="$(readlink -f "$3")"
export MYNACARD_PROFILES="$root/cardsim/profiles"
export MYNACARD_TESTDIR="$(dirname "$(readlink -f "$0")")"
work="$(mktemp -d)"; trap 'rm -rf "$work"' EXIT
export WORK="$work"
"$MYNACARD_SIM" --export-anchors "$work/anchors.pem" || { echo "cannot export anchors"; exit 1; }
export LANG=C.UTF-8 LC_ALL= LC_MESSAGES=

# The checks below run inside the namespace; they share this helper library.
cat > "$work/lib.sh" <<'LIB'
fails=0
B="$MYNACARD_BIN"
ok()   { echo "ok   - $*"; }
bad()  { echo "FAIL - $*"; fails=$((fails+1)); }
# expect CODE DESCRIPTION -- COMMAND...
expect() {
  local want="$1" what="$2"; shift 3
  "$@" >"$WORK/out" 2>"$WORK/err" </dev/null; local rc=$?
  if [[ $rc -eq $want ]]; then ok "$what (exit $rc)"; else bad "$what: exit $rc, wanted $want"; sed 's/^/    /' "$WORK/err"; fi
}
# jsonget FILE PYEXPR  (d = the parsed JSON)
jsonget() { /usr/bin/python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(eval(sys.argv[2]))' "$1" "$2"; }
# profile value: profile KEY.PATH (default.json merged with $PROFILE when set)
profile() { /usr/bin/python3 - "$1" <<'PY'
import json, os, sys
d = json.load(open(os.environ["MYNACARD_PROFILES"] + "/default.json"))
p = os.environ.get("PROFILE")
if p:
    for k, v in json.load(open(p)).items():
        if isinstance(v, dict): d.setdefault(k, {}).update(v)
        else: d[k] = v
cur = d
for part in sys.argv[1].split("."): cur = cur[part]
print(cur)
PY
}
same() { if [[ "$2" == "$3" ]]; then ok "$1 = $2"; else bad "$1: got '$2', expected '$3'"; fi; }
tries() { "$B" pin status --json >"$WORK/pins" 2>/dev/null; jsonget "$WORK/pins" "d['$1']['tries_left']"; }
LIB

cat > "$work/default.sh" <<'EOF2'
source "$WORK/lib.sh"; cd "$WORK"
export AP="$(profile pins.auth)" SP="$(profile pins.sign)" TP="$(profile pins.text)" RP="$(profile pins.resident)"
export SP_LOWER="${SP,,}" CA_A="$(profile holder.my_number)" CB=55021720352285 WRONG=9999 BAD=12a4
printf 'hello from the CLI test\n' > data.txt

expect 0 "readers" -- "$B" readers --json; cp out readers.json
same "readers: card kind" "$(jsonget readers.json "[r['card_kind'] for r in d['readers'] if r['card_present']][0]")" my_number_card

expect 0 "status --json (global option after the subcommand)" -- "$B" status --json; cp out status.json
same "status serial" "$(jsonget status.json "d['card']['serial']")" "$(profile card.serial)"
same "status municipality" "$(jsonget status.json "d['card']['municipality']")" "$(profile card.municipality)"
same "status expiry" "$(jsonget status.json "d['card']['expiry']")" "$(profile card.expiry)"
same "status token label" "$(jsonget status.json "d['card']['token_label']")" JPKIAPICCTOKEN2
same "status auth tries" "$(jsonget status.json "d['secrets']['auth_pin']['tries_left']")" "$(profile tries.auth)"
same "status sign tries" "$(jsonget status.json "d['secrets']['sign_password']['tries_left']")" "$(profile tries.sign)"
same "status 照合番号B tries" "$(jsonget status.json "d['secrets']['face_collation_b']['tries_left']")" "$(profile tries.collation_b)"
expect 0 "--json --reader before the subcommand" -- "$B" --json --reader "$MYNACARD_READER" status
expect 3 "unknown reader" -- "$B" status --reader "no such reader"
expect 4 "empty reader" -- "$B" status --reader "${MYNACARD_READER% 00} 01"
expect 4 "--wait times out on the empty reader" -- "$B" status --reader "${MYNACARD_READER% 00} 01" --wait --wait-timeout 1
expect 0 "check" -- "$B" check --json; cp out check.json
same "check: text AP answers" "$(jsonget check.json "[r for r in d['readers'] if r['card_present']][0]['applets']['text input support AP (券面事項入力補助AP)']")" True

expect 0 "info (text PIN, trust anchors)" -- "$B" info --pin-env TP --my-number --ca anchors.pem --json; cp out info.json
same "info name" "$(jsonget info.json "d['name']")" "$(profile holder.name)"
same "info address" "$(jsonget info.json "d['address']")" "$(profile holder.address)"
same "info birth date" "$(jsonget info.json "d['birth_date']")" "$(profile holder.birth_date)"
same "info sex" "$(jsonget info.json "d['sex']")" "$(profile holder.sex)"
same "info my number" "$(jsonget info.json "d['my_number']")" "$(profile holder.my_number)"
same "info verified" "$(jsonget info.json "d['verification']['verified']")" True
expect 0 "info without anchors still shows the data" -- "$B" info --pin-env TP --json; cp out info2.json
same "info unverified flag" "$(jsonget info2.json "d['verification']['verified']")" False
same "info unverified: no My Number unless asked" "$(jsonget info2.json "'my_number' in d")" False
expect 8 "info --require-verified without anchors" -- "$B" info --pin-env TP --require-verified
expect 0 "info with 照合番号B" -- "$B" info --collation-b --collation-b-env CB --json --ca anchors.pem
same "info (B) name" "$(jsonget out "d['name']")" "$(profile holder.name)"
expect 2 "info --my-number with 照合番号B is refused" -- "$B" info --collation-b --my-number --collation-env CB

expect 0 "face (照合番号B) with photo as PNG and JP2" -- "$B" face --pin-env CB --photo photo.png --name-image name.png --ca anchors.pem --json; cp out face.json
same "face birth date" "$(jsonget face.json "d['birth_date']")" "$(profile holder.birth_date)"
same "face expiry" "$(jsonget face.json "d['expiry']")" "$(profile card.expiry)"
same "face verified" "$(jsonget face.json "d['verification']['verified']")" True
file photo.png | grep -q "PNG image data, 96 x 120" && ok "photo.png is a 96x120 PNG" || bad "photo.png: $(file photo.png)"
/usr/bin/python3 -c 'import zlib,struct,sys
b=open(sys.argv[1],"rb").read(); assert b[:8]==b"\x89PNG\r\n\x1a\n"
i=8; idat=b""
while i<len(b):
    n=struct.unpack(">I",b[i:i+4])[0]; t=b[i+4:i+8]
    if t==b"IDAT": idat+=b[i+8:i+8+n]
    i+=12+n
raw=zlib.decompress(idat); assert len(raw)==120*(1+96), len(raw)' photo.png && ok "photo.png inflates to 96x120 grey rows" || bad "photo.png does not decode"
expect 0 "face photo as JPEG 2000" -- "$B" face --collation-env CB --photo photo.jp2
opj_decompress -i photo.jp2 -o photo_dec.pgm >/dev/null 2>&1 && ok "opj_decompress decodes the photo" || bad "opj_decompress failed"
expect 0 "face with 照合番号A and My Number image" -- "$B" face --collation-a --collation-env CA_A --my-number-image mn.png
file mn.png | grep -q "PNG image data" && ok "My Number image is a PNG" || bad "mn.png: $(file mn.png)"
expect 2 "--my-number-image without 照合番号A" -- "$B" face --collation-env CB --my-number-image mn2.png

expect 0 "cert auth-ca" -- "$B" cert auth-ca -o authca.pem
expect 0 "cert sign-ca (DER)" -- "$B" cert sign-ca -f der -o signca.der
openssl x509 -inform DER -in signca.der -out signca.pem
expect 0 "cert auth" -- "$B" cert auth -o auth.pem
openssl verify -CAfile authca.pem auth.pem >/dev/null && ok "auth certificate chains to the auth CA" || bad "auth chain"
expect 0 "cert sign (lower-case password is upper-cased)" -- "$B" cert sign --pin-env SP_LOWER -o sign.pem
openssl verify -CAfile signca.pem sign.pem >/dev/null && ok "sign certificate chains to the sign CA" || bad "sign chain"
expect 0 "cert auth as text" -- "$B" cert auth -f text
grep -q "CN = $(profile card.serial)A" out && ok "text dump names the subject" || bad "text dump"

expect 0 "sign --key auth" -- "$B" sign --key auth --in data.txt --out auth.sig --pin-env AP
openssl dgst -sha256 -verify <(openssl x509 -in auth.pem -pubkey -noout) -signature auth.sig data.txt >/dev/null \
  && ok "openssl verifies the auth signature" || bad "auth signature does not verify"
expect 0 "sign --key sign --hash sha512" -- "$B" sign --key sign --hash sha512 --in data.txt --out sign.sig --pin-env SP
openssl dgst -sha512 -verify <(openssl x509 -in sign.pem -pubkey -noout) -signature sign.sig data.txt >/dev/null \
  && ok "openssl verifies the sha512 signature" || bad "sha512 signature does not verify"
expect 0 "verify raw" -- "$B" verify --in data.txt --signature auth.sig --cert auth.pem --ca authca.pem
expect 8 "verify raw with the wrong hash" -- "$B" verify --in data.txt --signature auth.sig --cert auth.pem --hash sha1

expect 0 "cms-sign detached" -- "$B" cms-sign --in data.txt --out detached.p7s --pin-env SP
openssl cms -verify -binary -inform DER -in detached.p7s -content data.txt -CAfile signca.pem -out /dev/null 2>/dev/null \
  && ok "openssl cms -verify accepts the detached CMS" || bad "detached CMS rejected by openssl"
openssl cms -cmsout -print -inform DER -in detached.p7s > cms.txt
for a in contentType messageDigest signingTime; do grep -q "object: $a" cms.txt && ok "signed attribute $a" || bad "no $a"; done
[[ $(grep -c "subject: " cms.txt) -ge 2 ]] && ok "chain included (user + CA)" || bad "certificates missing"
expect 0 "cms-sign attached PEM" -- "$B" cms-sign --attached --pem --in data.txt --out attached.pem --pin-env SP
openssl cms -verify -binary -inform PEM -in attached.pem -CAfile signca.pem -out content.out 2>/dev/null && cmp -s content.out data.txt \
  && ok "openssl cms -verify accepts the attached CMS and returns the content" || bad "attached CMS"
expect 0 "verify cms" -- "$B" verify --cms detached.p7s --in data.txt --ca signca.pem
printf 'tampered\n' > other.txt
expect 8 "verify cms with other content" -- "$B" verify --cms detached.p7s --in other.txt --ca signca.pem
expect 8 "verify cms against the wrong anchor" -- "$B" verify --cms detached.p7s --in data.txt --ca authca.pem

expect 0 "resident --code" -- "$B" resident --code --pin-env RP --json
same "住民票コード" "$(jsonget out "d['resident_code']")" "$(profile holder.resident_code)"

# -v: the trace shows the VERIFY with its data masked.
expect 0 "-v trace" -- "$B" -v sign --key auth --in data.txt --out /dev/null --pin-env AP
grep -q "^> 00 20 00 80 04 XX XX XX XX" err && ok "trace masks the PIN" || bad "trace does not show a masked VERIFY"
grep -q "^> 00 20 00 80 04 $(printf '%s' "$AP" | od -An -tx1 | tr a-f A-F | xargs)" err \
  && bad "the PIN appears in the trace" || ok "the PIN does not appear in the trace"

# Prompts on a terminal: the PIN and the security code are not echoed; 照合番号B is asked as parts.
pty="$MYNACARD_TESTDIR/pty_run.py"
"$pty" tty1.txt "$AP" -- "$B" sign --key auth --in data.txt --out tty.sig >/dev/null 2>&1 \
  && ok "PIN prompt on a terminal signs" || bad "PIN prompt on a terminal: $(cat tty1.txt)"
grep -q "Enter the auth PIN" tty1.txt && ok "the terminal shows the PIN prompt" || bad "no PIN prompt"
grep -q "$AP" tty1.txt && bad "the PIN was echoed" || ok "the PIN was not echoed"
"$pty" tty2.txt "550217,2035,$(profile card.security_code)" -- "$B" face >/dev/null 2>&1 \
  && ok "照合番号B asked in parts on a terminal" || bad "照合番号B parts: $(cat tty2.txt)"
grep -q "Security code" tty2.txt && grep -q "$(profile holder.birth_date)" tty2.txt && ok "face prompts and output" || bad "face transcript"
grep -q "$(profile card.security_code)" tty2.txt && bad "the security code was echoed" || ok "the security code was not echoed"
before="$(tries face_collation_b)"
"$pty" tty3.txt "19800217,2035,2285" -- "$B" face >/dev/null 2>&1; rc=$?
[[ $rc -eq 2 ]] && ok "Gregorian birth date refused (exit 2)" || bad "Gregorian birth date: exit $rc"
same "照合番号B tries unchanged by the refused part" "$(tries face_collation_b)" "$before"

# An anchor that did not sign EF 0004: data shown, verified false; --require-verified → 8.
expect 0 "info against a wrong anchor" -- "$B" info --pin-env TP --ca authca.pem --json
same "wrong anchor: not verified" "$(jsonget out "d['verification']['verified']")" False
expect 8 "wrong anchor with --require-verified" -- "$B" info --pin-env TP --ca authca.pem --require-verified

# pin change of the signature password (lower case typed, upper-cased) and the trace masks both.
export NEWSP=xyz789 NEWSP_UPPER=XYZ789
expect 0 "pin change sign" -- "$B" -v pin change sign --pin-env SP --new-pin-env NEWSP
grep -q "58 59 5A 37 38 39" err && bad "the new password appears in the trace" || ok "the new password is masked"
expect 0 "cert sign with the new (upper-case) password" -- "$B" cert sign --pin-env NEWSP_UPPER -o /dev/null
expect 6 "the old password is refused" -- "$B" cert sign --pin-env SP -o /dev/null

# Bad input costs no try; a missing secret source is a usage error.
before="$(tries text_pin)"
expect 2 "malformed text PIN" -- "$B" info --pin-env BAD
expect 2 "no terminal and no --pin-env" -- "$B" info
expect 2 "unset --pin-env variable" -- "$B" info --pin-env NO_SUCH_VARIABLE
same "text PIN tries unchanged by bad input" "$(tries text_pin)" "$before"

# Wrong PIN → 6 with tries left; final try refused → 10 (nothing sent); --allow-final-try → 7.
expect 6 "wrong auth PIN" -- "$B" sign --key auth --in data.txt --out /dev/null --pin-env WRONG --json
same "wrong PIN JSON tries_left" "$(jsonget out "d['error']['tries_left']")" 2
LANG=ja_JP.UTF-8 expect 6 "wrong auth PIN (Japanese)" -- "$B" sign --key auth --in data.txt --out /dev/null --pin-env WRONG
grep -q "残り 1 回" err && ok "Japanese message" || bad "no Japanese message: $(cat err)"
expect 10 "final try refused" -- "$B" sign --key auth --in data.txt --out /dev/null --pin-env WRONG
same "final try not spent" "$(tries auth_pin)" 1
expect 7 "final try allowed, wrong → blocked" -- "$B" sign --key auth --in data.txt --out /dev/null --pin-env WRONG --allow-final-try
expect 7 "blocked: nothing sent" -- "$B" -v sign --key auth --in data.txt --out /dev/null --pin-env AP --allow-final-try
grep -q "市区町村の窓口" err && ok "blocked message names the municipal office" || bad "no municipal office advice"
grep -q "^> 00 20 00 80 04" err && bad "a VERIFY with data was sent to a blocked key" || ok "no VERIFY with data sent"

# PIN change: text PIN, then the new one works and the old one does not.
export NEWTP=8642
expect 0 "pin change text" -- "$B" pin change text --pin-env TP --new-pin-env NEWTP
expect 0 "info with the new text PIN" -- "$B" info --pin-env NEWTP
expect 2 "pin change with a malformed new PIN" -- "$B" pin change text --pin-env NEWTP --new-pin-env BAD
same "text PIN tries after the malformed change" "$(tries text_pin)" 3
expect 2 "usage error" -- "$B" cert nonsense
expect 0 "--help on a subcommand" -- "$B" cms-sign --help
exit $fails
EOF2

cat > "$work/variant.sh" <<'EOF2'
source "$WORK/lib.sh"; cd "$WORK"
export AP="$(profile pins.auth)" SP="$(profile pins.sign)" TP="$(profile pins.text)"
printf 'variant data\n' > data.txt
name="$(basename "$PROFILE" .json)"
expect 0 "$name: status" -- "$B" status --json; cp out status.json
kind="$(jsonget status.json "d['card']['kind']")"
case "$name" in
  variant-smartphone) same "$name: kind" "$kind" smartphone_jpki
    same "$name: no text PIN" "$(jsonget status.json "d['secrets']['text_pin']['available']")" False
    expect 0 "$name: cert auth (asks for the auth PIN)" -- "$B" cert auth --pin-env AP -o auth.pem ;;
  variant-juki) same "$name: kind" "$kind" juki_card
    # Old 住基カード: signature key only, no auth key, no My Number applets (spec §10.1).
    expect 5 "$name: no auth key" -- "$B" sign --key auth --in data.txt --out auth.sig --pin-env AP
    expect 5 "$name: no text AP" -- "$B" info --pin-env TP ;;
  *) same "$name: kind" "$kind" my_number_card ;;
esac
if [[ "$name" != variant-juki ]]; then
expect 0 "$name: sign --key auth" -- "$B" sign --key auth --in data.txt --out auth.sig --pin-env AP
fi
if [[ "$name" != variant-smartphone && "$name" != variant-juki ]]; then
  expect 0 "$name: cert auth" -- "$B" cert auth -o auth.pem
  expect 0 "$name: info" -- "$B" info --pin-env TP --ca anchors.pem --json
  same "$name: info name" "$(jsonget out "d['name']")" "$(profile holder.name)"
  same "$name: info verified" "$(jsonget out "d['verification']['verified']")" True
fi
if [[ "$name" != variant-juki ]]; then
openssl dgst -sha256 -verify <(openssl x509 -in auth.pem -pubkey -noout) -signature auth.sig data.txt >/dev/null \
  && ok "$name: auth signature verifies" || bad "$name: auth signature"
fi
if [[ "$name" == variant-no-sign-cert ]]; then
  expect 5 "$name: cms-sign without a signature key" -- "$B" cms-sign --in data.txt --out x.p7s --pin-env SP
  same "$name: sign password unavailable" "$(jsonget status.json "d['secrets']['sign_password']['available']")" False
elif [[ "$name" != variant-smartphone ]]; then
  expect 0 "$name: cms-sign" -- "$B" cms-sign --in data.txt --out s.p7s --pin-env SP
  "$B" cert sign-ca -o signca.pem
  openssl cms -verify -binary -inform DER -in s.p7s -content data.txt -CAfile signca.pem -out /dev/null 2>/dev/null \
    && ok "$name: openssl accepts the CMS" || bad "$name: CMS rejected"
fi
if [[ "$name" == variant-blocked-6983 || "$name" == variant-verify-9000 ]]; then
  export WRONG=9999
  expect 6 "$name: wrong PIN" -- "$B" info --pin-env WRONG
  expect 6 "$name: wrong PIN" -- "$B" info --pin-env WRONG
  expect 7 "$name: last try → blocked" -- "$B" info --pin-env WRONG --allow-final-try
  expect 7 "$name: blocked" -- "$B" info --pin-env TP
fi
exit $fails
EOF2

total=0
run() {  # run PROFILE(or "") SCRIPT
  local args=()
  [[ -n "$1" ]] && args=(--profile "$1")
  PROFILE="$1" "$root/scripts/with-sim" "${args[@]}" -- bash "$2"
  local rc=$?
  [[ $rc -eq 0 ]] || echo "### $2 ${1:-default}: $rc failure(s)"
  total=$((total + rc))
}
run "" "$work/default.sh"
for v in verify-9000 blocked-6983 no-extended read-128 t0 reselect-keeps no-sign-cert smartphone juki; do
  run "$root/cardsim/profiles/variant-$v.json" "$work/variant.sh"
done
echo "total failures: $total"
[[ $total -eq 0 ]]
