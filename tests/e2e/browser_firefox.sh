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

# The PIN prompt (PSM: "Password Required - Mozilla Firefox" in en-US), then the page.
b_pin_flow bidi "127.0.0.1:$bidi" 'Password Required' 120
e2e_ok "Firefox asked for the PIN ('$B_PROMPT_TITLE'); prompts: $B_PROMPTS, later ones cancelled"
e2e_ok "Firefox: TLS 1.2 client auth with the card, the page shows CN=$card_cn"
b_check_server_log
b_check_single_login
e2e_ok "the PIN was entered once (one successful C_Login, $(b_count 'C_Sign -> 0x00000000') C_Sign)"
b_stop_browser "$browser" 20
e2e_ok "Firefox exited on SIGTERM"
