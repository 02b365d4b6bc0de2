#!/usr/bin/env bash
# e2e: the Debian package. Builds it with CPack from BUILD_DIR into a temp folder (never
# installs it: dpkg-deb -c / -I only) and checks that it holds both modules (full and auth-only,
# issue 13) in the multiarch pkcs11 folder, the p11-kit module file naming the full one only,
# the CLI/simulator/NSS helper in /usr/bin, and that its dependencies are Debian runtime packages.
#   package_contents.sh BUILD_DIR
# Also checks `cmake --install` into a temp prefix (same layout, no writes outside it).
set -euo pipefail
build="$(readlink -f "${1:?usage: package_contents.sh BUILD_DIR}")"
fail() { echo "FAIL [package_contents]: $*" >&2; exit 1; }
ok()   { echo "ok   [package_contents]: $*"; }
for t in cpack dpkg-deb dpkg-shlibdeps; do command -v "$t" >/dev/null || { echo "SKIP: $t missing"; exit 77; }; done
multiarch="$(dpkg-architecture -qDEB_HOST_MULTIARCH 2>/dev/null || gcc -print-multiarch)"
work="$(mktemp -d "${TMPDIR:-/tmp}/mynacard-pkg.XXXXXX")"
trap 'rm -rf "$work"' EXIT

# ---- cmake --install into a throwaway prefix /usr under DESTDIR --------------------------
DESTDIR="$work/root" cmake --install "$build" --prefix /usr >"$work/install.log" 2>&1 \
  || { cat "$work/install.log" >&2; fail "cmake --install failed"; }
r="$work/root"
for m in libmynacard-pkcs11.so libmynacard-pkcs11-auth.so; do
  [[ -f "$r/usr/lib/$multiarch/pkcs11/$m" ]] || fail "install: $m not in /usr/lib/$multiarch/pkcs11"
done
[[ -f "$r/usr/share/p11-kit/modules/mynacard.module" ]] || fail "install: no p11-kit module file"
grep -qx 'module: libmynacard-pkcs11.so' "$r/usr/share/p11-kit/modules/mynacard.module" \
  || fail "install: the module file does not name libmynacard-pkcs11.so relative to p11_module_path"
# p11-kit consumers sign documents: they get the full module, never the auth-only one.
if grep -rq 'libmynacard-pkcs11-auth' "$r/usr/share/p11-kit/modules/"; then fail "install: the auth-only module is registered with p11-kit"; fi
[[ "$(pkg-config p11-kit-1 --variable=p11_module_path)" == "/usr/lib/$multiarch/pkcs11" ]] \
  || fail "p11-kit resolves relative module paths elsewhere than /usr/lib/$multiarch/pkcs11"
for b in mynacard-sim mynacard-nssdb; do [[ -x "$r/usr/bin/$b" ]] || fail "install: /usr/bin/$b missing"; done
ok "cmake --install: both modules, p11-kit file (full module only), binaries in place"
# Bound at load time (-z now, issue 12): no lazy-binding trampoline spills vector registers that
# may hold a PIN onto the stack while our code runs.
for f in "$r/usr/lib/$multiarch/pkcs11/libmynacard-pkcs11.so" "$r/usr/lib/$multiarch/pkcs11/libmynacard-pkcs11-auth.so" \
         "$r/usr/bin/mynacard" "$r/usr/bin/mynacard-sim"; do
  [[ -f "$f" ]] || fail "install: $f missing"
  readelf -d "$f" | grep -q 'FLAGS.*BIND_NOW' || fail "install: $f is not linked with -z now"
done
ok "modules and binaries are linked with -z now (BIND_NOW)"

# p11-kit sees the module as installed: in a private mount namespace, the system's module folder
# and module-config folder are overlaid (bind mounts of temp copies) with the installed files, so
# `p11-kit list-modules` reads the very mynacard.module we ship, resolved against
# p11_module_path, while nothing on the machine changes. (A user-level ~/.config/pkcs11 would
# not do: p11-kit ignores user configuration when running as root.)
cfgdir="$(pkg-config p11-kit-1 --variable=p11_module_configs)"
moddir="$(pkg-config p11-kit-1 --variable=p11_module_path)"
# In a sanitizer build this check cannot run: the module needs libasan preloaded into p11-kit,
# and the p11-kit program hangs with libasan preloaded whatever it does (even `p11-kit --help`:
# glibc's setlocale lock, see tests/e2e/sanitizer.sh). The normal build runs it; the layout
# checks above and the package checks below run in both.
if [[ "${MYNACARD_SANITIZE:-}" == 1 ]]; then
  echo "note [package_contents]: sanitizer build: p11-kit list-modules not run (p11-kit hangs with libasan preloaded)"
else
  mkdir -p "$work/ov/configs" "$work/ov/modules"
  cp -a "$cfgdir"/. "$work/ov/configs/" 2>/dev/null || true
  cp -a "$moddir"/. "$work/ov/modules/" 2>/dev/null || true
  cp "$r$cfgdir/mynacard.module" "$work/ov/configs/"
  cp "$r$moddir/libmynacard-pkcs11.so" "$r$moddir/libmynacard-pkcs11-auth.so" "$work/ov/modules/"
  # list-modules initialises every module, and a module's C_Initialize/C_GetSlotList talks to
  # pcscd: run it inside scripts/pcsc-ns (a private pcscd with only an empty virtual reader, in
  # a private mount namespace) so no real reader or card is ever reached.
  pcsc_ns="$(dirname "$(readlink -f "$0")")/../../scripts/pcsc-ns"
  "$pcsc_ns" -- bash -c 'mount --bind "$1" "$2" && mount --bind "$3" "$4" && exec p11-kit list-modules' _ \
    "$work/ov/configs" "$cfgdir" "$work/ov/modules" "$moddir" >"$work/p11kit.out" 2>"$work/p11kit.err" || true
  grep -qE '^mynacard: libmynacard-pkcs11.so$' "$work/p11kit.out" \
    || { cat "$work/p11kit.err" "$work/p11kit.out" >&2; fail "p11-kit list-modules does not show mynacard"; }
  grep -A2 -E '^mynacard:' "$work/p11kit.out" | grep -q 'library-description' \
    || { cat "$work/p11kit.err" >&2; fail "p11-kit list-modules shows mynacard but could not load it"; }
  # Even with the auth-only module in p11-kit's module folder, p11-kit loads only what a module
  # file names: it must not show up (its library-description says "Auth-only").
  if grep -qE 'libmynacard-pkcs11-auth|Auth-only' "$work/p11kit.out"; then
    cat "$work/p11kit.out" >&2; fail "p11-kit list-modules shows the auth-only module"
  fi
  ok "p11-kit list-modules loads the installed module file ($(grep -A3 '^mynacard:' "$work/p11kit.out" | sed -n 's/.*library-description: //p')), not the auth-only module"
fi

# ---- the .deb ---------------------------------------------------------------------------
(cd "$build" && cpack -G DEB -B "$work/deb" >"$work/cpack.log" 2>&1) || { cat "$work/cpack.log" >&2; fail "cpack failed"; }
deb="$(ls "$work"/deb/mynacard_*.deb 2>/dev/null | head -n1)"
[[ -n "$deb" ]] || { ls -R "$work/deb" >&2; fail "no mynacard_*.deb produced"; }
dpkg-deb -c "$deb" >"$work/contents"
dpkg-deb -I "$deb" >"$work/info"
has() { grep -qE "[[:space:]]\\.$1\$" "$work/contents" || { cat "$work/contents" >&2; fail "package lacks $1"; }; }
has "/usr/lib/$multiarch/pkcs11/libmynacard-pkcs11.so"
has "/usr/lib/$multiarch/pkcs11/libmynacard-pkcs11-auth.so"
has "/usr/share/p11-kit/modules/mynacard.module"
has "/usr/bin/mynacard-sim"
has "/usr/bin/mynacard-nssdb"
# The CLI once tools/ builds it (the CMake test passes MYNACARD_EXPECT_CLI=1 when the target exists).
[[ -z "${MYNACARD_EXPECT_CLI:-}" ]] || has "/usr/bin/mynacard"
# Nothing outside /usr, nothing owned by anyone but root.
if awk '{print $6}' "$work/contents" | grep -vE '^\./(usr(/.*)?)?$' | grep -q .; then fail "package installs outside /usr"; fi
if awk '{print $2}' "$work/contents" | grep -v '^root/root$' | grep -q .; then fail "package files not owned by root"; fi
grep -qE '^ Package: mynacard$' "$work/info" || fail "package name is not mynacard"
deps="$(sed -n 's/^ Depends: //p' "$work/info")"
for d in libc6 libstdc++6 libpcsclite1 libssl3 pcscd p11-kit; do
  [[ ", $deps," == *", $d "* || ", $deps," == *", $d,"* ]] || fail "Depends lacks $d: $deps"
done
# Every dependency must be a package Debian knows (no build-only -dev packages).
if grep -qE -- '-dev( |,|$)' <<<"$deps"; then fail "Depends names a -dev package: $deps"; fi
ok "$(basename "$deb"): contents and Depends ($deps)"
