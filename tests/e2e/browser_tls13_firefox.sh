#!/usr/bin/env bash
# e2e: Firefox ESR against a TLS 1.3-only server that requires a client certificate fails
# CLEANLY with the card (issue 7, "TLS 1.3"): TLS 1.3 signs CertificateVerify with RSA-PSS only
# (RFC 8446 §4.2.3) and the card pads PKCS#1 v1.5 itself (no PSS, no raw RSA). Same setup as
# browser_firefox.sh (Xvfb, temp profile with "Select Automatically", module from the
# SecurityDevices policy in a private /etc/firefox/policies), but the server is
# `openssl s_server -tls1_3 -Verify 1 -www`. Pass =
#   * Firefox shows its error page (an SSL_ERROR_/SEC_ERROR_ code), never the s_server page,
#     within 60 s;
#   * at most MAX prompts (see below); the first gets the PIN, later ones are cancelled;
#   * the module log: no successful C_Sign, at most one C_Login; s_server never verified a
#     client certificate nor read a CertificateVerify;
#   * Firefox is still running (no crash) and exits within 20 s of SIGTERM.
source "$(dirname "$(readlink -f "$0")")/lib.sh"
source "$(dirname "$(readlink -f "$0")")/browser_lib.sh"
e2e_need openssl p11tool certutil ss timeout Xvfb xdotool firefox-esr findmnt "$B_PY"

# shellcheck disable=SC2034  # read by b_start_server (browser_lib.sh)
B_SERVER_TLS=-tls1_3
b_start_server
b_start_xvfb

export HOME="$WORK/home"
profile="$WORK/profile"
mkdir -p "$HOME" "$profile"
certutil -N -d "sql:$profile" --empty-password </dev/null || e2e_fail "cannot create the profile's NSS db"
certutil -A -d "sql:$profile" -n "mynacard e2e server CA" -t "CT,," -i "$WORK/ca.pem" || e2e_fail "certutil -A failed"
cat >"$profile/user.js" <<'JS'
// Pick the client certificate without the chooser (the card has one auth certificate).
user_pref("security.default_personal_cert", "Select Automatically");
// Nothing may reach the network (there is none): no updates, telemetry, first-run pages.
user_pref("app.update.auto", false);
user_pref("app.update.enabled", false);
user_pref("app.normandy.enabled", false);
user_pref("extensions.update.enabled", false);
user_pref("browser.shell.checkDefaultBrowser", false);
user_pref("browser.startup.homepage_override.mstone", "ignore");
user_pref("browser.startup.page", 0);
user_pref("browser.aboutwelcome.enabled", false);
user_pref("startup.homepage_welcome_url", "");
user_pref("startup.homepage_welcome_url.additional", "");
user_pref("datareporting.policy.dataSubmissionEnabled", false);
user_pref("datareporting.healthreport.uploadEnabled", false);
user_pref("toolkit.telemetry.enabled", false);
user_pref("toolkit.telemetry.reportingpolicy.firstRun", false);
user_pref("browser.safebrowsing.malware.enabled", false);
user_pref("browser.safebrowsing.phishing.enabled", false);
user_pref("browser.safebrowsing.downloads.enabled", false);
user_pref("network.captive-portal-service.enabled", false);
user_pref("network.connectivity-service.enabled", false);
user_pref("browser.newtabpage.enabled", false);
user_pref("browser.sessionstore.resume_from_crash", false);
user_pref("security.OCSP.enabled", 0);
JS

# The policy that loads the module, as packaging/firefox/policies.json does for the installed path.
b_etc_dir /etc/firefox/policies
printf '{ "policies": { "SecurityDevices": { "Add": { "mynacard (My Number Card)": "%s" } } } }\n' \
  "$MODULE" >/etc/firefox/policies/policies.json
"$B_PY" -m json.tool /etc/firefox/policies/policies.json >/dev/null || e2e_fail "bad policy JSON"

bidi="$(e2e_free_port)"
b_module_log_env
firefox-esr --no-remote --profile "$profile" --remote-debugging-port "$bidi" \
  --width 1024 --height 768 "$B_URL" </dev/null >"$WORK/firefox.log" 2>&1 &
browser=$!
E2E_PIDS+=("$browser")

b_tls13_flow bidi "127.0.0.1:$bidi" 'Password Required' 60 \
  '(SSL_ERROR|SEC_ERROR|MOZILLA_PKIX_ERROR)_[A-Z0-9_]+' 2 \
  '(() => { let c = ""; try { c = document.getNetErrorInfo().errorCodeString; } catch (e) { c = "no-code: " + e; }
     return document.documentURI + "\n" + c + "\n" + (document.body ? document.body.innerText : ""); })()'
e2e_ok "Firefox shows $B_ERROR after ${B_SECONDS} s; PIN prompts: $B_PROMPTS${B_PROMPT_TITLE:+ ('$B_PROMPT_TITLE')}"
b_check_tls13_failure
e2e_ok "no C_Sign succeeded ($(b_count 'C_SignInit -> ') C_SignInit, $(b_count 'C_Login -> 0x00000000') C_Login), s_server verified no client certificate"
kill -0 "$browser" 2>/dev/null || e2e_fail "Firefox is gone (crashed?) after the TLS 1.3 failure"
b_stop_browser "$browser" 20
e2e_ok "Firefox exited on SIGTERM"
