#!/usr/bin/env bash
# e2e: Chromium against a TLS 1.3-only server that requires a client certificate fails CLEANLY
# with the card (issue 7, "TLS 1.3"): TLS 1.3 signs CertificateVerify with RSA-PSS only (RFC
# 8446 §4.2.3) and the card pads PKCS#1 v1.5 itself (no PSS, no raw RSA). Same setup as
# browser_chromium.sh (Xvfb, temp HOME + NSS db with the module --friendly, policy
# AutoSelectCertificateForUrls in a private copy of /etc/chromium/policies/managed), but the
# server is `openssl s_server -tls1_3 -Verify 1 -www`. Pass =
#   * Chromium shows its error page (a net::ERR_ code), never the s_server page, within 60 s;
#   * at most one PIN prompt (the first gets the PIN, later ones would be cancelled);
#   * the module log: no successful C_Sign, at most one C_Login; s_server never verified a
#     client certificate nor read a CertificateVerify;
#   * Chromium is still running (no crash) and exits within 20 s of SIGTERM.
source "$(dirname "$(readlink -f "$0")")/lib.sh"
source "$(dirname "$(readlink -f "$0")")/browser_lib.sh"
e2e_need openssl p11tool modutil certutil ss timeout Xvfb xdotool chromium findmnt "$B_PY"
e2e_sanitizer_browser /usr/lib/chromium/chromium   # the binary /usr/bin/chromium (a script) runs

# shellcheck disable=SC2034  # read by b_start_server (browser_lib.sh)
B_SERVER_TLS=-tls1_3
b_start_server
b_start_xvfb

b_launch_chromium

b_tls13_flow cdp "127.0.0.1:$devtools" 'Unlock Security Device|Sign in to Security Device' 60 \
  'ERR_[A-Z0-9_]+' 1
e2e_ok "Chromium shows $B_ERROR after ${B_SECONDS} s; PIN prompts: $B_PROMPTS${B_PROMPT_TITLE:+ ('$B_PROMPT_TITLE')}"
b_check_tls13_failure
e2e_ok "no C_Sign succeeded ($(b_count 'C_SignInit -> ') C_SignInit, $(b_count 'C_Login -> 0x00000000') C_Login), s_server verified no client certificate"
kill -0 "$browser" 2>/dev/null || e2e_fail "Chromium is gone (crashed?) after the TLS 1.3 failure"
b_stop_browser "$browser" 20
e2e_ok "Chromium exited on SIGTERM"
