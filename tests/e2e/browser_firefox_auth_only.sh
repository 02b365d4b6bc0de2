#!/usr/bin/env bash
# e2e (issue 13, "one card, many applications"): Firefox ESR with the module registered in its
# profile by `mynacard-nssdb register --dbdir PROFILE [ARGS...]` (no ARGS: the auth-only module,
# the helper's default for a Firefox profile). Two TLS 1.2 client-auth connections in ONE browser
# session against `openssl s_server -no_ticket -no_cache -Verify 1` (no session resumption: each
# connection is a full handshake, signed by the card), and between them another process runs
# `pkcs11-tool --module <full module> -L` on the same card. Pass =
#   * exactly ONE password prompt in the whole session, answered with the auth PIN, i.e. no
#     prompt for the "JPKI Digital Signature" password on either connection;
#   * the module logged exactly one C_Login, on the auth token (token 0), and none on token 1;
#   * s_server verified the card's CertificateVerify twice, both pages show the card's CN;
#   * exactly two `80 2A` (PSO: COMPUTE DIGITAL SIGNATURE) in the simulator's trace from the
#     browser's start to its exit: one per connection, nothing re-signed, nothing signed by the
#     signature key.
# What the prompt count can see: xdotool sees top-level X windows and their titles only. PSM's
# prompt is titled "Password Required - Mozilla Firefox" for both tokens; the token it names is
# in the dialog's body, which xdotool cannot read. So every such window counts, whichever token
# it is for, and the only one allowed is the one the PIN is typed into (the module log then shows
# that login was token 0's). The prompt is modal and stays until answered, so the 0.3 s polling
# cannot miss one. A second prompt fails the test (it is cancelled first, so no secret is sent).
# Needs E2E_TRACE: the file the simulator traces to (scripts/with-sim --trace E2E_TRACE).
source "$(dirname "$(readlink -f "$0")")/lib.sh"
source "$(dirname "$(readlink -f "$0")")/browser_lib.sh"
e2e_need openssl p11tool pkcs11-tool modutil certutil ss timeout Xvfb xdotool firefox-esr findmnt "$B_PY"
e2e_sanitizer_browser "$(readlink -f /usr/bin/firefox-esr)"
[[ -n "${E2E_TRACE:-}" && -f "$E2E_TRACE" ]] || e2e_fail "E2E_TRACE must name the simulator's --trace file"
: >"$E2E_TRACE"   # earlier runs' lines (the simulator appends, O_APPEND: safe to truncate)
# mynacard-nssdb picks the installed modules by name from this folder (the build folder holds both).
export MYNACARD_PKCS11_DIR="${MYNACARD_PKCS11_DIR:-$(dirname "$MODULE")}"
[[ -f "$MYNACARD_PKCS11_DIR/libmynacard-pkcs11-auth.so" ]] || e2e_fail "no auth-only module in $MYNACARD_PKCS11_DIR"
PROMPT='Password Required'

B_SERVER_OPTS="-no_ticket -no_cache" b_start_server
b_start_xvfb
b_launch_firefox nssdb "$@"
e2e_ok "$(cat "$WORK/nssdb.log")"

# ---- connection 1: the PIN prompt (b_pin_flow types the PIN into the first, cancels others)
b_pin_flow bidi "127.0.0.1:$bidi" "$PROMPT" 120
prompts=$B_PROMPTS
e2e_ok "connection 1: the page shows CN=$card_cn; prompts so far: $prompts"

# Counts (and cancels) prompt windows not seen before for $1 s; adds them to $prompts.
seen=" "
watch_prompts() {
  local deadline=$((SECONDS + $1)) win
  while (( SECONDS < deadline )); do
    win="$(b_wait_window "$PROMPT" 1)" || continue
    if [[ "$seen" != *" $win "* ]]; then
      seen+="$win "; prompts=$((prompts + 1))
      echo "prompt $prompts: window $win '$(xdotool getwindowname "$win" 2>/dev/null || true)'" >&2
    fi
    xdotool windowfocus "$win" 2>/dev/null || true; sleep 0.3
    xdotool key --window "$win" Escape 2>/dev/null || true; sleep 1
  done
}
watch_prompts 3

# ---- another application lists the card with the full module meanwhile (its own log, not ours)
env -u MYNACARD_PKCS11_DEBUG -u MYNACARD_PKCS11_LOG pkcs11-tool --module "$MODULE" -L >"$WORK/other.txt" 2>&1 \
  || { cat "$WORK/other.txt" >&2; e2e_fail "pkcs11-tool -L (full module) failed in another process"; }
[[ "$(grep -c 'token label' "$WORK/other.txt")" -eq 2 ]] || { cat "$WORK/other.txt" >&2; e2e_fail "the other process did not see both tokens"; }
e2e_ok "another process listed both tokens with the full module"

# ---- connection 2: a new page load = a new TLS connection (s_server -www closes each one)
second="${B_URL}?second"
b_page_text bidi "127.0.0.1:$bidi" "(location.href = '$second', 'navigating')" >/dev/null \
  || e2e_fail "could not navigate to $second"
deadline=$((SECONDS + 60)) done2=0
while (( SECONDS < deadline )); do
  watch_prompts 1
  uri="$(b_page_text bidi "127.0.0.1:$bidi" document.documentURI 2>/dev/null || true)"
  [[ "$uri" == "$second" ]] && b_page_ok bidi "127.0.0.1:$bidi" && { done2=1; break; }
done
[[ $done2 -eq 1 ]] || { b_windows >&2; b_keep_screen; e2e_fail "connection 2: the page never showed the card's certificate"; }
watch_prompts 5   # late prompts
e2e_ok "connection 2: the page shows CN=$card_cn"
b_stop_browser "$browser" 20

# ---- the counts
[[ "$prompts" -eq 1 ]] || e2e_fail "$prompts password prompts in one session (expected exactly 1: the PIN)"
b_check_single_login
grep -q 'C_Login: token 0,' "$B_P11LOG" || e2e_fail "the one login was not the auth token's"
! grep -q 'C_Login: token 1,' "$B_P11LOG" || e2e_fail "Firefox tried to log in to the signature token"
verifies="$(grep -c 'read certificate verify' "$WORK/server.log" || true)"
[[ "$verifies" -eq 2 ]] || { cat "$WORK/server.log" >&2; e2e_fail "s_server read $verifies CertificateVerify (expected 2)"; }
signs="$(tail -n +"$((B_TRACE_START + 1))" "$E2E_TRACE" | grep -c '^> 80 2A' || true)"
[[ "$signs" -eq 2 ]] || e2e_fail "$signs PSO:COMPUTE DIGITAL SIGNATURE (80 2A) in the trace (expected 2)"
e2e_ok "2 connections, 1 prompt (the PIN), 1 C_Login (token 0), 2 CertificateVerify, 2 x 80 2A"
