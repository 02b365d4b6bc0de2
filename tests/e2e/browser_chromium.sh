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
e2e_sanitizer_browser /usr/lib/chromium/chromium   # the binary /usr/bin/chromium (a script) runs

b_start_server
b_start_xvfb

b_launch_chromium

# The PIN prompt (Chromium: "Unlock Security Device" in en-US), then the page.
b_pin_flow cdp "127.0.0.1:$devtools" 'Unlock Security Device|Sign in to Security Device' 120
e2e_ok "Chromium asked for the PIN ('$B_PROMPT_TITLE'); prompts: $B_PROMPTS, later ones cancelled"
e2e_ok "Chromium: TLS 1.2 client auth with the card, the page shows CN=$card_cn"
b_check_server_log
b_check_single_login
e2e_ok "the PIN was entered once (one successful C_Login, $(b_count 'C_Sign -> 0x00000000') C_Sign)"
b_stop_browser "$browser" 20
e2e_ok "Chromium exited on SIGTERM"
