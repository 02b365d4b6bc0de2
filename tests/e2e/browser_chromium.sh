#!/usr/bin/env bash
# e2e: Chromium logs in to a TLS 1.2 site with the card (issue 7, "Browsers with the real PIN
# flow"). Under Xvfb, since headless Chromium hangs on the PIN dialog:
#   * NSS db $HOME/.pki/nssdb in a temp HOME, module registered by packaging/nss/mynacard-nssdb
#     --friendly (slots publicly readable, so Chromium lists the certificate before the PIN;
#     needs the card inserted — we run inside scripts/with-sim), the test server's CA trusted;
#   * policy AutoSelectCertificateForUrls for the server's origin, in a private copy of
#     /etc/chromium/policies/managed/ (bind-mounted in our private mount namespace);
#   * xdotool types the PIN into Chromium's "Unlock Security Device" dialog, once;
#   * pass = the page (read over DevTools) shows the card's CN, s_server logged the card's
#     certificate and CertificateVerify, the module logged exactly one successful C_Login and a
#     C_Sign, and Chromium exits on SIGTERM.
source "$(dirname "$(readlink -f "$0")")/lib.sh"
source "$(dirname "$(readlink -f "$0")")/browser_lib.sh"
e2e_need openssl p11tool modutil certutil ss timeout Xvfb xdotool chromium findmnt "$B_PY"
here="$(dirname "$(readlink -f "$0")")"
nssdb_tool="${MYNACARD_NSSDB:-$here/../../packaging/nss/mynacard-nssdb}"

b_start_server
b_start_xvfb

# Chromium's NSS database, as a user would set it up (README.md, "Use it with Firefox / Chrome / OpenSSL").
export HOME="$WORK/home"
mkdir -p "$HOME"
db="$HOME/.pki/nssdb"
"$nssdb_tool" register --friendly --dbdir "$db" --module "$MODULE" >/dev/null \
  || e2e_fail "mynacard-nssdb register --friendly failed"
certutil -A -d "sql:$db" -n "mynacard e2e server CA" -t "C,," -i "$WORK/ca.pem" || e2e_fail "certutil -A failed"

# The policy: pick the (only) client certificate for our origin without asking.
b_etc_dir /etc/chromium/policies/managed
printf '{ "AutoSelectCertificateForUrls": ["{\\"pattern\\":\\"https://127.0.0.1:%s\\",\\"filter\\":{}}"] }\n' \
  "$port" >/etc/chromium/policies/managed/mynacard-e2e.json
"$B_PY" -m json.tool /etc/chromium/policies/managed/mynacard-e2e.json >/dev/null || e2e_fail "bad policy JSON"

devtools="$(e2e_free_port)"
b_module_log_env
# No network but Debian mirrors: everything that would phone home is off. --no-sandbox: we
# are root (in the namespace). --password-store=basic: no keyring daemon to wait for.
chromium --no-first-run --no-default-browser-check --disable-background-networking \
  --disable-component-update --disable-sync --disable-default-apps --disable-gpu --no-sandbox \
  --password-store=basic --user-data-dir="$WORK/chromium" \
  --remote-debugging-address=127.0.0.1 --remote-debugging-port="$devtools" \
  --window-size=1024,768 "$B_URL" </dev/null >"$WORK/chromium.log" 2>&1 &
browser=$!
E2E_PIDS+=("$browser")

# The PIN prompt (Chromium: "Unlock Security Device" in en-US), then the page.
b_pin_flow cdp "127.0.0.1:$devtools" 'Unlock Security Device|Sign in to Security Device' 120
e2e_ok "Chromium asked for the PIN ('$B_PROMPT_TITLE'); prompts: $B_PROMPTS, later ones cancelled"
e2e_ok "Chromium: TLS 1.2 client auth with the card, the page shows CN=$card_cn"
b_check_server_log
b_check_single_login
e2e_ok "the PIN was entered once (one successful C_Login, $(b_count 'C_Sign -> 0x00000000') C_Sign)"
b_stop_browser "$browser" 20
e2e_ok "Chromium exited on SIGTERM"
