#!/usr/bin/env bash
# e2e: the APDU cost of one Chromium TLS 1.2 client authentication (issue 13). One new browser
# process, the default simulated card, the module registered in ~/.pki/nssdb the way README tells
# users to (`mynacard-nssdb register --friendly`: the helper's default there, the full module),
# the PIN typed once (browser_lib.sh's b_pin_flow). Counts the commands ("> " lines) in the
# simulator's trace from the browser's start to its exit (the module's logout at exit included)
# and asserts at most E2E_MAX_APDUS (24). Prints the count and the commands by INS.
# Needs E2E_TRACE: the file the simulator traces to (scripts/with-sim --trace E2E_TRACE).
# E2E_NSSDB_REGISTER replaces the register options (to measure another registration or an older
# mynacard-nssdb via MYNACARD_NSSDB; docs/benchmarks.md).
source "$(dirname "$(readlink -f "$0")")/lib.sh"
source "$(dirname "$(readlink -f "$0")")/browser_lib.sh"
e2e_need openssl p11tool modutil certutil ss timeout Xvfb xdotool chromium findmnt "$B_PY"
e2e_sanitizer_browser /usr/lib/chromium/chromium
[[ -n "${E2E_TRACE:-}" && -f "$E2E_TRACE" ]] || e2e_fail "E2E_TRACE must name the simulator's --trace file"
: >"$E2E_TRACE"   # earlier runs' lines (the simulator appends, O_APPEND: safe to truncate)
export MYNACARD_PKCS11_DIR="${MYNACARD_PKCS11_DIR:-$(dirname "$MODULE")}"
max="${E2E_MAX_APDUS:-24}"
read -ra register <<<"${E2E_NSSDB_REGISTER:---friendly}"

b_start_server
b_start_xvfb
b_launch_chromium "${register[@]}"
e2e_ok "$(cat "$WORK/nssdb.log")"
b_pin_flow cdp "127.0.0.1:$devtools" 'Unlock Security Device|Sign in to Security Device' 120
b_check_server_log
b_check_single_login
b_stop_browser "$browser" 20
sleep 1   # the module's logout at exit reaches the trace after the process is gone

tail -n +"$((B_TRACE_START + 1))" "$E2E_TRACE" | grep '^> ' >"$WORK/apdus.txt" || true
n="$(wc -l <"$WORK/apdus.txt")"
# By class and instruction byte (00 A4 SELECT, 00 B0 READ BINARY, 00 20 VERIFY, 80 2A sign).
summary="$(cut -c3-7 "$WORK/apdus.txt" | sort | uniq -c | awk '{printf "%s%s x %s", (NR>1?", ":""), $2" "$3, $1}')"
echo "APDUs: $n ($summary)"
(( n <= max )) || { cat "$WORK/apdus.txt" >&2; e2e_fail "$n APDUs for one Chromium client authentication (at most $max)"; }
e2e_ok "Chromium TLS 1.2 client authentication: $n APDUs (at most $max)"
