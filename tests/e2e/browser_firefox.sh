#!/usr/bin/env bash
# e2e: Firefox ESR logs in to a TLS 1.2 site with the card (issue 7, "Browsers with the real PIN
# flow"). Under Xvfb, with the real PIN dialog:
#   * the module is loaded by the enterprise policy SecurityDevices in
#     /etc/firefox/policies/policies.json — a private copy in our private mount namespace (the
#     file packaging/firefox/policies.json documents), never the machine's /etc;
#   * a temp profile: user.js turns off updates, telemetry and first-run pages and sets
#     security.default_personal_cert = "Select Automatically" (no certificate chooser); the test
#     server's CA is trusted in the profile's cert9.db (certutil -t "CT,,");
#   * xdotool types the PIN into Firefox's "Password Required" prompt, once;
#   * pass = the page (read over WebDriver BiDi) shows the card's CN, s_server logged the card's
#     certificate and CertificateVerify, the module logged exactly one successful C_Login and a
#     C_Sign, and Firefox exits on SIGTERM.
source "$(dirname "$(readlink -f "$0")")/lib.sh"
source "$(dirname "$(readlink -f "$0")")/browser_lib.sh"
e2e_need openssl p11tool certutil ss timeout Xvfb xdotool firefox-esr findmnt "$B_PY"
e2e_sanitizer_browser "$(readlink -f /usr/bin/firefox-esr)"   # not via PATH: the sanitizer wrapper is first there

b_start_server
b_start_xvfb

b_launch_firefox

# The PIN prompt (PSM: "Password Required - Mozilla Firefox" in en-US), then the page.
b_pin_flow bidi "127.0.0.1:$bidi" 'Password Required' 120
e2e_ok "Firefox asked for the PIN ('$B_PROMPT_TITLE'); prompts: $B_PROMPTS, later ones cancelled"
e2e_ok "Firefox: TLS 1.2 client auth with the card, the page shows CN=$card_cn"
b_check_server_log
b_check_single_login
e2e_ok "the PIN was entered once (one successful C_Login, $(b_count 'C_Sign -> 0x00000000') C_Sign)"
b_stop_browser "$browser" 20
e2e_ok "Firefox exited on SIGTERM"
