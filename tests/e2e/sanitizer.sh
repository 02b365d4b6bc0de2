# shellcheck shell=bash
# Sanitizer builds of the end-to-end tests (issue 8, "Sanitizers"). Sourced by tests/e2e/lib.sh
# and tests/e2e/package_contents.sh. Does nothing unless MYNACARD_SANITIZE=1, which
# tests/e2e/CMakeLists.txt sets in the tests' environment when the build is -DMYNACARD_SANITIZE=ON.
#
# Why: the e2e tests load OUR ASan+UBSan-instrumented libmynacard-pkcs11.so into programs that
# are not instrumented (openssl + libp11, p11tool, certutil/modutil/tstclnt, p11-kit, Chromium,
# Firefox). ASan's runtime must be the first library of a process, so such a program cannot
# dlopen() the module ("ASan runtime does not come first in initial library list") unless
# libasan is preloaded. e2e_sanitizer_setup puts wrapper scripts for exactly these programs first
# on PATH; each runs the real program with LD_PRELOAD=libasan and the options below. Everything
# else the scripts run (bash, grep, Xvfb, python, ...) stays as it is. libstdc++ is preloaded
# right after libasan: ASan resolves the real __cxa_throw when it starts, and in a C program
# (p11tool, openssl) libstdc++ would only arrive later with the module, so the module's first
# C++ throw would hit ASan's "real___cxa_throw != 0" CHECK. (libubsan needs no preload: the
# module's DT_NEEDED loads it, and UBSan has no "first library" requirement.)
#
# Options, chosen so that an error in our module fails the test:
#   * ASan: halt_on_error=1 (the default, made explicit) and every report is also written to
#     $E2E_SAN_DIR/reports/ (log_path); e2e_sanitizer_check fails the test when any report
#     exists, even one from a child process whose exit status the script never sees (a
#     browser's utility process, a server killed at the end).
#   * UBSan: the module is built with -fno-sanitize-recover=undefined (the first report aborts
#     the process); halt_on_error=1 and log_path make it explicit and visible the same way.
#   * LeakSanitizer: on for every command-line program, full stacks (fast_unwind_on_malloc=0:
#     libcrypto/libp11 have no frame pointers, and a suppression must see the real caller), and
#     tests/e2e/lsan.supp suppresses only named third-party leaks, by function, never a whole
#     library our module's calls pass through (a leak:libp11 entry would also hide a leak of
#     ours allocated under libp11's C_Sign call). Off for the browsers (see E2E_SAN_NO_LEAKS).
#   * OPENSSL_CONF (the libp11 engine config of e2e_openssl_engine_conf) is removed for every
#     wrapped program but openssl: the module's own libcrypto reads it and loads the libp11
#     engine into p11tool/certutil/..., and with libasan preloaded that process then hangs at
#     exit (glibc's __libc_setlocale_lock left with a negative reader count, p11-kit's
#     destructor waits in freelocale forever). Reproduced with the NON-instrumented module as
#     well, so it is an ASan/libp11/p11-kit interaction, not our module's; those programs never
#     needed the engine.
#   * detect_odr_violation=0 is NOT set: the module is the only instrumented object in these
#     processes, so ODR checks cannot fire on third-party code.
set -euo pipefail

E2E_SAN_HERE="$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")"
# The foreign programs that load the module (directly, or via the libp11 engine / NSS / p11-kit).
# Not p11-kit: the p11-kit program hangs with libasan preloaded whatever it is asked (even
# `p11-kit --help`; glibc's setlocale lock, as below), so e2e_package_contents does not run it
# in sanitizer builds.
E2E_SAN_TOOLS=(openssl p11tool pkcs11-tool certutil modutil tstclnt chromium firefox-esr)
# Browsers: LeakSanitizer off. They skip freeing at shutdown by design (process teardown frees
# everything), are stopped with SIGTERM, and spawn many helper processes: LSan would report
# megabytes of browser-internal allocations nobody frees, not leaks of the module. ASan and
# UBSan stay fully on for them.
# pkcs11-tool (OpenSC 0.23): LeakSanitizer off too. It frees neither the OpenSSL keys it builds
# from public-key objects (-O) nor the lists of its --test run before exiting: LSan reports
# ~1 KB per run, every stack in pkcs11-tool and libcrypto, none in our module. Its stripped
# frames have no names to suppress by, and `leak:pkcs11-tool` would also hide a leak of ours
# made under a call it makes into the module. Our module's leaks stay checked by p11tool,
# certutil/modutil and openssl in the same tests and by the in-process suites.
E2E_SAN_NO_LEAKS=" chromium firefox-esr pkcs11-tool "

# e2e_sanitizer_instrumented FILE: true when FILE (a PKCS#11 module) is linked with libasan.
e2e_sanitizer_instrumented() {
  LC_ALL=C readelf -d "$1" 2>/dev/null | grep -q 'NEEDED.*libasan'
}

# e2e_sanitizer_setup DIR [MODULE]: in a sanitizer build, writes the wrappers to DIR/bin, reports
# go to DIR/reports, and prepends DIR/bin to PATH. Exports E2E_SAN_DIR. No-op otherwise, and
# no-op when MODULE is given and is not ASan-instrumented (e2e_openssl_engine_opensc: OpenSC's
# module; nothing of ours runs in the foreign programs, so there is nothing to preload for, and
# p11tool + OpenSC's module + a preloaded libasan deadlock in C_Initialize: OpenSC's GLib-based
# sc_notify waits on glibc's setlocale lock forever; pkcs11-tool with the same module does not).
e2e_sanitizer_setup() {
  [[ "${MYNACARD_SANITIZE:-}" == 1 ]] || return 0
  if [[ -n "${2:-}" ]] && ! e2e_sanitizer_instrumented "$2"; then
    echo "note: $2 is not ASan-instrumented: the foreign programs run without the ASan runtime"
    return 0
  fi
  local dir="$1" rt cxx t real leaks common
  rt="$(readlink -f "$(gcc -print-file-name=libasan.so)")"
  cxx="$(readlink -f "$(gcc -print-file-name=libstdc++.so)")"
  [[ -f "$rt" ]] || { echo "FAIL: the ASan runtime (gcc -print-file-name=libasan.so) is missing" >&2; exit 1; }
  [[ -f "$cxx" ]] || { echo "FAIL: libstdc++ (gcc -print-file-name=libstdc++.so) is missing" >&2; exit 1; }
  mkdir -p "$dir/bin" "$dir/reports"
  export E2E_SAN_DIR="$dir" E2E_SAN_RUNTIME="$rt"
  common="halt_on_error=1:log_path=$dir/reports/san:log_exe_name=1:print_summary=1"
  for t in "${E2E_SAN_TOOLS[@]}"; do
    real="$(command -v "$t" 2>/dev/null)" || continue
    [[ "$real" == /* ]] || continue
    leaks=1
    [[ "$E2E_SAN_NO_LEAKS" == *" $t "* ]] && leaks=0
    # The options are exported by the wrapper, so children (a browser's helper processes) get
    # them too; the scripts' own environment is never changed.
    local conf=""
    [[ "$t" == openssl ]] || conf="unset OPENSSL_CONF"
    cat >"$dir/bin/$t" <<WRAP
#!/bin/sh
# Generated by tests/e2e/sanitizer.sh: $real with the ASan runtime preloaded.
export LD_PRELOAD="$rt:$cxx\${LD_PRELOAD:+:\$LD_PRELOAD}"
export ASAN_OPTIONS="$common:detect_leaks=$leaks:fast_unwind_on_malloc=0"
export LSAN_OPTIONS="suppressions=$E2E_SAN_HERE/lsan.supp:print_suppressions=0:fast_unwind_on_malloc=0"
export UBSAN_OPTIONS="$common:print_stacktrace=1"
$conf
exec "$real" "\$@"
WRAP
    chmod +x "$dir/bin/$t"
  done
  PATH="$dir/bin:$PATH"
  export PATH
  # Proof that the wrappers matter: without the preload, the module cannot even be loaded (so
  # every later successful use of it ran with ASan active in that process). dlopen() only, from
  # an uninstrumented python3: no PKCS#11 call, so no PC/SC either.
  if [[ -n "${2:-}" ]]; then
    if env -u LD_PRELOAD -u ASAN_OPTIONS /usr/bin/python3 -c 'import ctypes, sys; ctypes.CDLL(sys.argv[1])' "$2" >"$dir/proof.log" 2>&1 ||
       ! grep -q 'ASan runtime does not come first' "$dir/proof.log"; then
      cat "$dir/proof.log" >&2
      echo "FAIL: $2 loads without the ASan runtime: the sanitizer wrappers prove nothing" >&2
      exit 1
    fi
    echo "note: sanitizer build: $2 needs the ASan runtime (refused without it); it is preloaded into: ${E2E_SAN_TOOLS[*]}"
  fi
}

# e2e_sanitizer_browser EXE: in a sanitizer build, skips the test (77) when browser executable
# EXE defines malloc itself (Chromium: PartitionAlloc's allocator shim; Firefox: mozjemalloc).
# An executable's own symbols come before LD_PRELOAD in the lookup order, so the preloaded ASan
# runtime cannot own the heap there: tried with Debian 12's chromium 156 and firefox-esr 153 (ASAN_OPTIONS
# detect_leaks=0, allocator_may_return_null=1, detect_odr_violation=0, with and without libstdc++),
# Chromium spins at 100% CPU at start-up and Firefox crashes (SIGSEGV) inside ASan's own
# initialisation (the dynamic loader's malloc call lands in the uninitialised mozjemalloc).
e2e_sanitizer_browser() {
  [[ -n "${E2E_SAN_DIR:-}" ]] || return 0
  if LC_ALL=C nm -D --defined-only "$1" 2>/dev/null | awk '$3 == "malloc" { f = 1 } END { exit !f }'; then
    echo "SKIP [${E2E_NAME:-${0##*/}}]: sanitizer build: $1 defines its own malloc, so a preloaded ASan runtime cannot run in it (see tests/e2e/sanitizer.sh)"
    exit 77
  fi
}

# e2e_sanitizer_check: prints every sanitizer report written so far and returns 1 if there is
# one (no-op outside sanitizer builds). The EXIT traps call it, so a report fails the test.
e2e_sanitizer_check() {
  [[ -n "${E2E_SAN_DIR:-}" ]] || return 0
  local f found=0
  for f in "$E2E_SAN_DIR"/reports/san*; do
    [[ -s "$f" ]] || continue
    found=1
    echo "---- sanitizer report $(basename "$f") ----" >&2
    cat "$f" >&2
  done
  [[ $found -eq 0 ]] || { echo "FAIL: sanitizer report(s) above (tests/e2e/sanitizer.sh)" >&2; return 1; }
}

# e2e_sanitizer_active PID: true when process PID has both the ASan runtime and our module
# mapped (the proof that the module really runs under ASan in a foreign program).
e2e_sanitizer_active() {
  grep -q "libasan\.so" "/proc/$1/maps" 2>/dev/null && grep -q "libmynacard-pkcs11\.so" "/proc/$1/maps" 2>/dev/null
}
