# Shared helpers of the browser end-to-end tests (issue 7, "Browsers with the real PIN flow").
# Sourced by tests/e2e/browser_{chromium,firefox}.sh AFTER tests/e2e/lib.sh, inside
# scripts/with-sim (private pcscd, network and mount namespaces; see scripts/pcsc-ns).
#
# The flow both browsers share:
#   * a TLS 1.2 server, `openssl s_server -no_tls1_3 -Verify 1 -www`, trusting only the
#     simulator's user-authentication CA; its page lists the client certificate it verified;
#   * the browser runs under Xvfb (headless Chromium hangs on the PIN dialog), with a temp
#     HOME/profile and private copies of its policy folders under /etc (mounted only inside our
#     private mount namespace: b_etc_dir);
#   * xdotool types the PIN into the browser's first PIN prompt, once, and cancels later ones;
#   * the page is read back through the browser's own remote protocol (Chromium: DevTools
#     Runtime.evaluate; Firefox: WebDriver BiDi script.evaluate): document.body.innerText must
#     show the card's CN, and the module's debug log must show exactly one successful C_Login.
set -euo pipefail

B_PY=/usr/bin/python3   # Debian's python3 (stdlib only): the minimal WebSocket client below

# ---- private /etc overrides --------------------------------------------------------------
# b_etc_dir DIR (e.g. /etc/chromium/policies/managed): makes DIR exist and writable IN OUR
# MOUNT NAMESPACE ONLY (pcsc-ns: --propagation private), so the host's /etc never changes:
#   * the top folder under /etc exists (the chromium package ships /etc/chromium): a private
#     copy of it is bind-mounted over it;
#   * it does not exist (Debian's firefox-esr ships /etc/firefox-esr, not /etc/firefox): an
#     overlay over /etc whose upper layer is in $WORK, so creating it touches only $WORK.
B_MOUNTS=()
b_etc_dir() {
  [[ "${MYNACARD_PCSC_NS:-}" == 1 ]] || e2e_fail "refusing to mount outside scripts/pcsc-ns"
  local rel="${1#/etc/}" top copy
  top="/etc/${rel%%/*}"
  if [[ -d "$top" ]] && ! findmnt -n "$top" >/dev/null; then
    copy="$WORK/etc-copy${top//\//_}"
    mkdir -p "$copy"
    cp -a "$top/." "$copy/"
    mount --bind "$copy" "$top" || e2e_skip "mount --bind not permitted here (needs root or a user namespace)"
    B_MOUNTS=("$top" "${B_MOUNTS[@]}")
  elif [[ ! -d "$top" ]] && [[ "$(findmnt -n -o FSTYPE /etc || true)" != overlay ]]; then
    mkdir -p "$WORK/etc-upper" "$WORK/etc-work"
    mount -t overlay overlay -o "lowerdir=/etc,upperdir=$WORK/etc-upper,workdir=$WORK/etc-work" /etc \
      || e2e_skip "cannot overlay /etc here (needs root or a user namespace)"
    B_MOUNTS=(/etc "${B_MOUNTS[@]}")
  fi
  mkdir -p "$1"
}

# ---- X display ---------------------------------------------------------------------------
# Starts Xvfb on a free display number (the PID namespace is private, the socket folder is
# not: pick a number nobody uses) and exports DISPLAY.
b_start_xvfb() {
  local n
  for n in $(seq 90 130); do
    [[ -e "/tmp/.X11-unix/X$n" || -e "/tmp/.X$n-lock" ]] && continue
    # -fbdir: the screen is also the file $WORK/Xvfb_screen0 (XWD), kept with E2E_KEEP=1 for
    # post-mortems (b_keep_screen copies it before Xvfb deletes it).
    Xvfb ":$n" -screen 0 1280x1024x24 -fbdir "$WORK" -nolisten tcp -noreset >"$WORK/xvfb.log" 2>&1 &
    E2E_PIDS+=($!)
    local _
    for _ in $(seq 100); do
      [[ -e "/tmp/.X11-unix/X$n" ]] && DISPLAY=":$n" xdotool getmouselocation >/dev/null 2>&1 && {
        export DISPLAY=":$n"; return 0; }
      sleep 0.1
    done
    cat "$WORK/xvfb.log" >&2
    e2e_fail "Xvfb :$n did not start"
  done
  e2e_fail "no free X display number"
}

# ---- the TLS 1.2 server ------------------------------------------------------------------
# Makes a throwaway CA ($WORK/ca.pem) and a server certificate for IP 127.0.0.1 signed by it
# (browsers reject a self-signed CA certificate as a server's leaf), finds the card's CN
# ($card_cn) and the simulator's auth CA, and starts s_server on a free port (sets $port and
# $B_URL for the caller).
b_start_server() {
  local auth_tok auth_key
  e2e_card_auth_identity

  openssl req -x509 -newkey rsa:2048 -nodes -keyout "$WORK/ca.key" -out "$WORK/ca.pem" -days 2 \
    -subj "/CN=mynacard e2e test server CA" 2>/dev/null || e2e_fail "cannot make the test CA"
  openssl req -newkey rsa:2048 -nodes -keyout "$WORK/srv.key" -out "$WORK/srv.csr" \
    -subj "/CN=127.0.0.1" 2>/dev/null || e2e_fail "cannot make the server key"
  printf '%s\n' "subjectAltName=IP:127.0.0.1" "extendedKeyUsage=serverAuth" \
    "basicConstraints=critical,CA:FALSE" "keyUsage=critical,digitalSignature,keyEncipherment" >"$WORK/srv.ext"
  openssl x509 -req -in "$WORK/srv.csr" -CA "$WORK/ca.pem" -CAkey "$WORK/ca.key" -CAcreateserial \
    -days 1 -extfile "$WORK/srv.ext" -out "$WORK/srv.pem" 2>/dev/null || e2e_fail "cannot sign the server certificate"

  port="$(e2e_free_port)"
  # B_SERVER_TLS: s_server's protocol option; TLS 1.2 only unless the caller sets it (the TLS 1.3
  # clean-failure tests, browser_tls13_*.sh, set "-tls1_3"). Unquoted below: one option word.
  B_SERVER_TLS="${B_SERVER_TLS:--no_tls1_3}"
  # B_SERVER_OPTS: more s_server options, e.g. "-no_ticket -no_cache" (no session resumption:
  # every connection is a full handshake with its own client signature). Unquoted below too.
  B_SERVER_OPTS="${B_SERVER_OPTS:-}"
  # shellcheck disable=SC2034  # used by the sourcing script
  B_URL="https://127.0.0.1:$port/"
  # -state: the server logs each handshake step, so the log shows whether the browser's
  # CertificateVerify (the card's signature) was read and accepted.
  openssl s_server -accept "127.0.0.1:$port" -cert "$WORK/srv.pem" -key "$WORK/srv.key" \
    -CAfile "$WORK/auth-root.pem" -Verify 1 $B_SERVER_TLS $B_SERVER_OPTS -www -state \
    </dev/null >"$WORK/server.log" 2>&1 &
  E2E_PIDS+=($!)
  e2e_wait_port "$port"
}

# ---- the module's debug log --------------------------------------------------------------
# Every PKCS#11 call is logged as "C_Xxx -> 0x%08lX" (pkcs11/guard.cpp), C_Login also as
# "C_Login: token N, PIN of L characters" (pkcs11/session.cpp; never the PIN itself).
b_module_log_env() {
  B_P11LOG="$WORK/p11.log"
  : >"$B_P11LOG"
  export MYNACARD_PKCS11_DEBUG=1 MYNACARD_PKCS11_LOG="$B_P11LOG"
}
b_count() { grep -c -- "$1" "$B_P11LOG" 2>/dev/null || true; }

# Asserts the PIN reached the card exactly once, successfully, with the right length.
b_check_single_login() {
  local ok bad lens
  ok="$(b_count 'C_Login -> 0x00000000')"
  # A failed C_Login is a failure unless it is CKR_PIN_LEN_RANGE (0xA2): Firefox occasionally
  # submits the cancelled signature-token prompt empty; the module refuses that locally, before
  # anything reaches the card, so no try is spent (the conformance tests prove the latter).
  bad="$(grep -- 'C_Login -> ' "$B_P11LOG" | grep -v -- '-> 0x00000000' | grep -vc -- '-> 0x000000A2' || true)"
  lens="$(grep -o -- 'C_Login: token [0-9]*, PIN of [0-9]* characters' "$B_P11LOG" || true)"
  [[ "$bad" -eq 0 ]] || { grep -- 'C_Login' "$B_P11LOG" >&2; e2e_fail "a C_Login failed (wrong PIN typed?)"; }
  [[ "$ok" -eq 1 ]] || { grep -- 'C_Login' "$B_P11LOG" >&2; e2e_fail "expected exactly one successful C_Login, got $ok"; }
  grep -q -- "PIN of ${#AUTH_PIN} characters" <<<"$lens" || e2e_fail "C_Login got a PIN of the wrong length: $lens"
  # The signature of the handshake: at least one C_Sign that succeeded after the login.
  [[ "$(b_count 'C_Sign -> 0x00000000')" -ge 1 ]] || { tail -n 40 "$B_P11LOG" >&2; e2e_fail "the card never signed"; }
}

# The server side: a client certificate verified (depth 0 = the card's CN) and the client's
# CertificateVerify read, i.e. the handshake with the card's signature completed.
b_check_server_log() {
  grep -qE "depth=0 .*CN ?= ?$card_cn" "$WORK/server.log" \
    || { cat "$WORK/server.log" >&2; e2e_fail "s_server never verified the card's certificate"; }
  grep -q 'read certificate verify' "$WORK/server.log" \
    || { cat "$WORK/server.log" >&2; e2e_fail "s_server never accepted the card's CertificateVerify"; }
}

# ---- X windows ---------------------------------------------------------------------------
# Lists "id<TAB>name" of every mapped top-level window (for diagnostics and dialog matching).
b_windows() {
  local w
  for w in $(xdotool search --onlyvisible --name '.*' 2>/dev/null || true); do
    printf '%s\t%s\n' "$w" "$(xdotool getwindowname "$w" 2>/dev/null || true)"
  done
}

# Waits (at most $2 s) for a visible window whose name matches ERE $1; prints its id.
b_wait_window() {
  local deadline=$((SECONDS + $2)) line
  while (( SECONDS < deadline )); do
    line="$(b_windows | grep -E -m1 $'\t'".*($1)" || true)"
    [[ -n "$line" ]] && { echo "${line%%$'\t'*}"; return 0; }
    sleep 0.3
  done
  return 1
}

# Types the PIN into window $1 and presses Return, as a user would. xdotool --window sends the
# key events to that window (no window manager runs under Xvfb, so nothing else gives it focus).
# The dialog closes on the Return press, so the matching release may hit a vanished window
# (BadWindow): that is success, checked by waiting for the window to go away.
b_type_pin() {
  xdotool windowfocus "$1" 2>/dev/null || true
  sleep 0.3
  # E2E_TYPED_PIN: what to type instead of the right PIN, to check that the test fails.
  xdotool type --delay 60 --window "$1" -- "${E2E_TYPED_PIN:-$AUTH_PIN}" || e2e_fail "xdotool could not type into window $1"
  xdotool key --window "$1" Return 2>/dev/null || true
  local _
  for _ in $(seq 100); do
    xdotool getwindowname "$1" >/dev/null 2>&1 || return 0
    [[ $'\n'"$(xdotool search --onlyvisible --name '.*' 2>/dev/null || true)"$'\n' == *$'\n'"$1"$'\n'* ]] || return 0
    sleep 0.1
  done
  e2e_fail "the PIN dialog is still open after typing the PIN"
}

# ---- reading the page over the browser's remote protocol ---------------------------------
# b_page_text MODE ENDPOINT: prints document.body.innerText of the first page.
#   MODE cdp:  ENDPOINT = Chromium's DevTools HTTP address (host:port); Runtime.evaluate.
#   MODE bidi: ENDPOINT = Firefox's WebDriver BiDi address (host:port); script.evaluate.
#   optional EXPR: a JavaScript expression to print instead (e.g. document.documentURI).
b_page_text() {
  timeout 10 "$B_PY" - "$1" "$2" "${3:-}" <<'PY'
import base64, json, os, socket, struct, sys, urllib.request

mode, endpoint = sys.argv[1], sys.argv[2]

def connect(hostport, path):
    host, _, port = hostport.rpartition(":")
    s = socket.create_connection((host, int(port)), timeout=8)
    key = base64.b64encode(os.urandom(16)).decode()
    s.sendall((f"GET {path} HTTP/1.1\r\nHost: {hostport}\r\nUpgrade: websocket\r\n"
               f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\n"
               "Sec-WebSocket-Version: 13\r\n\r\n").encode())
    buf = b""
    while b"\r\n\r\n" not in buf:
        chunk = s.recv(4096)
        if not chunk:
            raise SystemExit("websocket handshake: connection closed")
        buf += chunk
    head, _, rest = buf.partition(b"\r\n\r\n")
    if b" 101 " not in head.split(b"\r\n", 1)[0]:
        raise SystemExit("websocket handshake refused: " + head.decode(errors="replace"))
    return s, bytearray(rest)

def send(conn, obj):
    s, _ = conn
    data = json.dumps(obj).encode()
    mask = os.urandom(4)  # RFC 6455 §5.3: client frames are masked
    n = len(data)
    head = bytes([0x81]) + (bytes([0x80 | n]) if n < 126 else
                            bytes([0x80 | 126]) + struct.pack(">H", n) if n < 65536 else
                            bytes([0x80 | 127]) + struct.pack(">Q", n))
    s.sendall(head + mask + bytes(b ^ mask[i % 4] for i, b in enumerate(data)))

def need(conn, n):
    s, buf = conn
    while len(buf) < n:
        chunk = s.recv(65536)
        if not chunk:
            raise SystemExit("websocket closed by the browser")
        buf.extend(chunk)
    out = bytes(buf[:n]); del buf[:n]
    return out

def recv(conn):
    msg = b""
    while True:
        b0, b1 = need(conn, 2)
        n = b1 & 0x7F
        if n == 126: n = struct.unpack(">H", need(conn, 2))[0]
        elif n == 127: n = struct.unpack(">Q", need(conn, 8))[0]
        payload = need(conn, n)  # servers never mask
        op = b0 & 0x0F
        if op == 8:
            raise SystemExit("websocket closed by the browser")
        if op in (0, 1, 2):
            msg += payload
            if b0 & 0x80:
                return json.loads(msg)

def call(conn, ident, method, params):
    send(conn, {"id": ident, "method": method, "params": params})
    while True:
        m = recv(conn)
        if m.get("id") == ident:
            if "error" in m and m.get("type") != "success":
                raise SystemExit(f"{method}: {m}")
            return m["result"]

expr = sys.argv[3] if len(sys.argv) > 3 and sys.argv[3] else "document.body ? document.body.innerText : ''"
if mode == "cdp":
    targets = json.load(urllib.request.urlopen(f"http://{endpoint}/json/list", timeout=8))
    pages = [t for t in targets if t.get("type") == "page"]
    if not pages:
        raise SystemExit("no page target")
    ws = pages[0]["webSocketDebuggerUrl"]
    conn = connect(endpoint, ws.split(endpoint, 1)[1])
    r = call(conn, 1, "Runtime.evaluate", {"expression": expr, "returnByValue": True})
    print(r["result"].get("value", ""))
elif mode == "bidi":
    conn = connect(endpoint, "/session")
    call(conn, 1, "session.new", {"capabilities": {}})
    # Always end the session: Firefox allows one BiDi session at a time, and one left open (an
    # evaluate that timed out, e.g. on an error page) would refuse every later session.new.
    try:
        tree = call(conn, 2, "browsingContext.getTree", {})
        ctx = tree["contexts"][0]["context"]
        r = call(conn, 3, "script.evaluate",
                 {"expression": expr, "target": {"context": ctx}, "awaitPromise": False})
        print(r["result"].get("value", ""))
    finally:
        try:
            conn[0].settimeout(2)
            call(conn, 4, "session.end", {})
        except (SystemExit, OSError):
            pass
else:
    raise SystemExit("mode must be cdp or bidi")
PY
}

# Page check: true when the page shows a client certificate; it must be the card's (subject
# CN = $card_cn) over TLS 1.2, else the test fails. Reads the page into $WORK/page.txt.
b_page_ok() {
  b_page_text "$1" "$2" >"$WORK/page.txt" 2>"$WORK/page.err" || return 1
  # s_server -www: "New, TLSv1.2, Cipher is ..." then "Client certificate" with its text dump.
  grep -q '^Client certificate' "$WORK/page.txt" || return 1
  # (no "sed | grep -q" pipe: under pipefail, sed's SIGPIPE would turn a match into a failure)
  sed -n '/^Client certificate/,$p' "$WORK/page.txt" >"$WORK/page-cert.txt"
  grep -qE "Subject:.*CN ?= ?$card_cn\$" "$WORK/page-cert.txt" \
    || e2e_fail "the page shows a client certificate, but not the card's ($card_cn)"
  grep -q '^New, TLSv1\.2,' "$WORK/page.txt" || e2e_fail "the page was not served over TLS 1.2"
}

# The user's part, for at most $4 s: answers the browser's PIN prompts (windows named like ERE
# $3) and polls the page (b_page_ok $1 $2) while none is open. The FIRST prompt gets the PIN
# (the user-authentication token's, which the browser needs for the handshake); any later one
# is cancelled (Escape), as a user would: Firefox also asks for the "JPKI Digital Signature"
# token while it collects client certificates (a 4-digit PIN typed there would only be refused
# by the module's length check, but must not be sent): one such prompt per new TLS connection
# while the page loads (2 seen with Firefox ESR 153). More than 6 prompts = a prompt loop.
# Sets B_PROMPTS (prompts seen) and B_PROMPT_TITLE (the first one's window name).
# Keeps a copy of the screen (XWD) as $WORK/screen.xwd: Xvfb deletes its own at exit.
b_keep_screen() { cp "$WORK/Xvfb_screen0" "$WORK/screen.xwd" 2>/dev/null || true; }

# Answers PIN prompt window $1: the first prompt (no B_PROMPT_TITLE yet) gets the PIN and the
# login's result is awaited and must be success; every later one is cancelled with Escape.
b_answer_prompt() {
  local win="$1" logins=0 _
  sleep 0.5   # let the dialog finish mapping and focus its password field
  if [[ -z "$B_PROMPT_TITLE" ]]; then
    B_PROMPT_TITLE="$(xdotool getwindowname "$win" 2>/dev/null || true)"
    b_type_pin "$win"
    # The PIN reached the module: wait for the login's result before anything else.
    for _ in $(seq 100); do
      logins="$(b_count 'C_Login -> ')"; [[ "$logins" -ge 1 ]] && break; sleep 0.1
    done
    [[ "$logins" -ge 1 ]] || e2e_fail "the browser did not log in after the PIN was typed"
    grep -m1 -- 'C_Login -> ' "$B_P11LOG" | grep -q -- '-> 0x00000000' \
      || e2e_fail "the typed PIN was refused: $(grep -m1 -- 'C_Login -> ' "$B_P11LOG")"
  else
    # No window manager: give the dialog the X input focus, or the key goes nowhere.
    xdotool windowfocus "$win" 2>/dev/null || true
    sleep 0.3
    xdotool key --window "$win" Escape 2>/dev/null || true
    sleep 1
  fi
}

b_pin_flow() {
  local deadline=$((SECONDS + $4)) win seen=" "
  B_PROMPTS=0 B_PROMPT_TITLE=""
  while (( SECONDS < deadline )); do
    if win="$(b_wait_window "$3" 2)"; then
      # A prompt is counted once per window; one still open (a key sent before the dialog took
      # focus is lost) gets the same answer again.
      if [[ "$seen" != *" $win "* ]]; then
        seen+="$win "
        B_PROMPTS=$((B_PROMPTS + 1))
        (( B_PROMPTS <= 6 )) || { b_windows >&2; e2e_fail "PIN prompt loop: prompt number $B_PROMPTS"; }
      fi
      if (( B_PROMPTS == 1 )) && [[ -n "$B_PROMPT_TITLE" ]]; then
        e2e_fail "the first PIN prompt stayed open after the PIN was typed"
      fi
      b_answer_prompt "$win"
      continue
    fi
    (( B_PROMPTS > 0 )) || continue   # nothing asked yet: the handshake cannot have finished
    b_page_ok "$1" "$2" && return 0
    sleep 1
  done
  if (( B_PROMPTS == 0 )); then
    b_windows >&2; tail -n 30 "$B_P11LOG" >&2
    e2e_fail "the browser never asked for the PIN"
  fi
  cat "$WORK/page.txt" "$WORK/page.err" >&2 2>/dev/null || true
  b_windows >&2; tail -n 30 "$B_P11LOG" >&2; b_keep_screen
  e2e_fail "the page never showed the card's certificate ($card_cn)"
}

# ---- TLS 1.3 only: the clean failure (browser_tls13_*.sh) --------------------------------
# b_tls13_flow MODE ENDPOINT PROMPT_ERE SECS ERROR_ERE MAX_PROMPTS [EXPR]: the user's part when the
# server speaks TLS 1.3 only. For at most SECS s: answers PIN prompts as b_pin_flow does (the
# first gets the PIN, later ones Escape) and polls the page until it is the browser's error page,
# i.e. its text (or EXPR's value, see b_page_text) matches ERE ERROR_ERE; then watches 5 s more for late prompts (a loop). Fails
# when the page shows a client certificate (the s_server page: the handshake succeeded with a
# signature the card cannot make), on more than MAX_PROMPTS prompts, or at the deadline (a hang).
# Sets B_PROMPTS, B_PROMPT_TITLE, B_ERROR (the matched error text), B_SECONDS (time to it).
b_tls13_flow() {
  local start=$SECONDS deadline=$((SECONDS + $4)) settle=0 win seen=" "
  B_PROMPTS=0 B_PROMPT_TITLE="" B_ERROR="" B_SECONDS=0
  while (( SECONDS < deadline )); do
    if win="$(b_wait_window "$3" 1)"; then
      if [[ "$seen" != *" $win "* ]]; then
        seen+="$win "
        B_PROMPTS=$((B_PROMPTS + 1))
        (( B_PROMPTS <= $6 )) || { b_windows >&2; b_keep_screen; e2e_fail "PIN prompt loop: prompt number $B_PROMPTS (at most $6 allowed)"; }
      fi
      b_answer_prompt "$win"
      continue
    fi
    if [[ -n "$B_ERROR" ]]; then
      (( SECONDS < settle )) && continue
      return 0
    fi
    # Read the page only once a prompt was answered, or after 15 s without one: Firefox does
    # not answer a BiDi session.new while its PIN prompt is pending, and the session it then
    # creates late would block every later one (one session at a time).
    if (( B_PROMPTS == 0 && SECONDS - start < 15 )); then sleep 0.5; continue; fi
    if b_page_text "$1" "$2" "${7:-}" >"$WORK/page.txt" 2>"$WORK/page.err" || { cat "$WORK/page.err" >>"$WORK/page-errors.log"; false; }; then
      grep -q '^Client certificate' "$WORK/page.txt" \
        && { cat "$WORK/page.txt" >&2; e2e_fail "the page shows a client certificate: the TLS 1.3 handshake with the card succeeded"; }
      B_ERROR="$(grep -m1 -oE -- "$5" "$WORK/page.txt" || true)"
      if [[ -n "$B_ERROR" ]]; then B_SECONDS=$((SECONDS - start)); settle=$((SECONDS + 5)); continue; fi
    fi
    sleep 1
  done
  [[ -n "$B_ERROR" ]] && return 0
  cat "$WORK/page.txt" "$WORK/page.err" >&2 2>/dev/null || true
  b_windows >&2; tail -n 30 "$B_P11LOG" >&2; b_keep_screen
  e2e_fail "no error page within $4 s (a hang?)"
}

# The module side of the TLS 1.3 failure: TLS 1.3 signs CertificateVerify with RSA-PSS only
# (RFC 8446 §4.2.3) and the module has no PSS mechanism, so no C_Sign may have succeeded (a
# successful one would be a PKCS#1 v1.5 signature sent in violation of TLS 1.3, or a PSS one the
# module must not be able to make); and at most one successful C_Login, no failed one but an empty PIN (no retry loop).
# The server side: s_server never verified a client certificate.
b_check_tls13_failure() {
  local signed logins bad
  signed="$(b_count 'C_Sign -> 0x00000000')"
  [[ "$signed" -eq 0 ]] || { tail -n 40 "$B_P11LOG" >&2; e2e_fail "the module signed $signed time(s) during a TLS 1.3 handshake"; }
  # A cancelled prompt may reach the module as an empty PIN, refused locally with
  # CKR_PIN_LEN_RANGE (0xA2) before anything reaches the card (see b_check_single_login).
  logins="$(b_count 'C_Login -> 0x00000000')"
  [[ "$logins" -le 1 ]] || { grep -- 'C_Login' "$B_P11LOG" >&2; e2e_fail "$logins successful C_Login calls: the PIN was asked again"; }
  bad="$(grep -- 'C_Login -> ' "$B_P11LOG" | grep -v -- '-> 0x00000000' | grep -vc -- '-> 0x000000A2' || true)"
  [[ "$bad" -eq 0 ]] || { grep -- 'C_Login' "$B_P11LOG" >&2; e2e_fail "a C_Login failed"; }
  if grep -qE '^depth=0 ' "$WORK/server.log"; then
    cat "$WORK/server.log" >&2; e2e_fail "s_server verified a client certificate over TLS 1.3"
  fi
  grep -q 'read certificate verify' "$WORK/server.log" \
    && { cat "$WORK/server.log" >&2; e2e_fail "s_server accepted a CertificateVerify over TLS 1.3"; }
  return 0
}

# Stops browser process $1 (SIGTERM, then at most $2 s) and fails if it does not go away.
b_stop_browser() {
  local pid="$1" _
  kill -TERM "$pid" 2>/dev/null || true
  for _ in $(seq $(( $2 * 10 ))); do
    kill -0 "$pid" 2>/dev/null || { wait "$pid" 2>/dev/null || true; return 0; }
    sleep 0.1
  done
  kill -KILL "$pid" 2>/dev/null || true
  e2e_fail "the browser did not exit within $2 s of SIGTERM"
}

# EXIT trap of the browser tests: stop what we started (the browser holds files under the
# mounts), unmount (the PID and mount namespaces die with us anyway), then lib.sh's cleanup.
b_cleanup() {
  local st=$? p m
  for p in "${E2E_PIDS[@]}"; do kill -TERM "$p" 2>/dev/null || true; done
  for p in "${E2E_PIDS[@]}"; do timeout 10 tail --pid="$p" -f /dev/null 2>/dev/null || kill -KILL "$p" 2>/dev/null || true; done
  for m in "${B_MOUNTS[@]}"; do umount "$m" 2>/dev/null || umount -l "$m" 2>/dev/null || true; done
  e2e_cleanup "$st"
}
trap b_cleanup EXIT

# ---- launching the browsers (shared by the TLS 1.2 and TLS 1.3 tests) --------------------
B_HERE="$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")"

# With E2E_TRACE (the simulator's trace): waits (at most 15 s) until pcscd has powered the idle
# card off, so the browser finds it as after any pause: the APDU count then does not depend on
# whether the previous process's applet selection survived (2 APDUs of identification).
b_wait_card_idle() {
  [[ -n "${E2E_TRACE:-}" ]] || return 0
  local _
  for _ in $(seq 150); do
    [[ "$(grep '^# ' "$E2E_TRACE" | tail -n1)" == '# power off' ]] && return 0
    sleep 0.1
  done
  e2e_fail "pcscd did not power the idle card off within 15 s (trace: $(grep '^# ' "$E2E_TRACE" | tail -n1))"
}

# Chromium with the module in $HOME/.pki/nssdb and the AutoSelectCertificateForUrls policy for
# the test server ($port). Sets browser (pid) and devtools (port); needs b_start_server first.
# Arguments: mynacard-nssdb's register options (default: --friendly --module "$MODULE").
b_launch_chromium() {
  # Chromium's NSS database, as a user would set it up (README.md, "Use it with Firefox / Chrome / OpenSSL").
  export HOME="$WORK/home"
  mkdir -p "$HOME"
  db="$HOME/.pki/nssdb"
  (( $# )) || set -- --friendly --module "$MODULE"
  "${MYNACARD_NSSDB:-$B_HERE/../../packaging/nss/mynacard-nssdb}" register --dbdir "$db" "$@" >"$WORK/nssdb.log" \
    || e2e_fail "mynacard-nssdb register $* failed"
  certutil -A -d "sql:$db" -n "mynacard e2e server CA" -t "C,," -i "$WORK/ca.pem" || e2e_fail "certutil -A failed"

  # The policy: pick the (only) client certificate for our origin without asking.
  b_etc_dir /etc/chromium/policies/managed
  printf '{ "AutoSelectCertificateForUrls": ["{\\"pattern\\":\\"https://127.0.0.1:%s\\",\\"filter\\":{}}"] }\n' \
    "$port" >/etc/chromium/policies/managed/mynacard-e2e.json
  "$B_PY" -m json.tool /etc/chromium/policies/managed/mynacard-e2e.json >/dev/null || e2e_fail "bad policy JSON"

  devtools="$(e2e_free_port)"
  b_module_log_env
  # Where the browser's own APDUs start in the simulator's trace (E2E_TRACE, if the test traces):
  # modutil above already talked to the card.
  b_wait_card_idle
  B_TRACE_START="$(wc -l <"${E2E_TRACE:-/dev/null}")"
  # No network but Debian mirrors: everything that would phone home is off. --no-sandbox: we
  # are root (in the namespace). --password-store=basic: no keyring daemon to wait for.
  chromium --no-first-run --no-default-browser-check --disable-background-networking \
    --disable-component-update --disable-sync --disable-default-apps --disable-gpu --no-sandbox \
    --password-store=basic --user-data-dir="$WORK/chromium" \
    --remote-debugging-address=127.0.0.1 --remote-debugging-port="$devtools" \
    --window-size=1024,768 "$B_URL" </dev/null >"$WORK/chromium.log" 2>&1 &
  browser=$!
  E2E_PIDS+=("$browser")
}

# Firefox ESR with a temp profile (the server's CA trusted) and the module loaded by the
# SecurityDevices policy in a private /etc/firefox/policies. Sets browser (pid), bidi (port).
# `b_launch_firefox nssdb ARGS...` instead registers the module in the profile with
# `mynacard-nssdb register --dbdir PROFILE ARGS...` (how README tells users to do it).
b_launch_firefox() {
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
// Only the pages the test opens make TLS connections (each one signs with the card): no favicon
// fetch, no speculative or predicted connection.
user_pref("browser.chrome.site_icons", false);
user_pref("network.http.speculative-parallel-limit", 0);
user_pref("network.predictor.enabled", false);
user_pref("network.dns.disablePrefetch", true);
JS

  if [[ "${1:-}" == nssdb ]]; then
    shift
    "${MYNACARD_NSSDB:-$B_HERE/../../packaging/nss/mynacard-nssdb}" register --dbdir "$profile" "$@" >"$WORK/nssdb.log" \
      || e2e_fail "mynacard-nssdb register $* failed"
  else
    # The policy that loads the module, the mechanism of packaging/firefox/policies.json (which
    # names the installed auth-only module; $MODULE here is the full one, whose extra
    # signature-password prompt the callers cancel).
    b_etc_dir /etc/firefox/policies
    printf '{ "policies": { "SecurityDevices": { "Add": { "mynacard (My Number Card)": "%s" } } } }\n' \
      "$MODULE" >/etc/firefox/policies/policies.json
    "$B_PY" -m json.tool /etc/firefox/policies/policies.json >/dev/null || e2e_fail "bad policy JSON"
  fi

  bidi="$(e2e_free_port)"
  b_module_log_env
  B_TRACE_START="$(wc -l <"${E2E_TRACE:-/dev/null}")"   # as in b_launch_chromium
  firefox-esr --no-remote --profile "$profile" --remote-debugging-port "$bidi" \
    --width 1024 --height 768 "$B_URL" </dev/null >"$WORK/firefox.log" 2>&1 &
  browser=$!
  E2E_PIDS+=("$browser")
}
