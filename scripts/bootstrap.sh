#!/usr/bin/env bash
# Installs what claude-gauge needs when it is missing, so `npm start` and `npm test` work on a fresh
# Debian machine with nothing installed before them. Safe to run repeatedly: it only installs what a
# quick probe finds missing.
#
#   scripts/bootstrap.sh [group ...]    groups: npm cpp wasm mcu esp32 browser prometheus lint (default: all)
#
# System packages come from Debian's apt (root, or sudo without a password). Elsewhere it prints the
# exact packages to install and exits 1.
set -euo pipefail
cd "$(dirname "$0")/.."

groups=("$@")
[ ${#groups[@]} -gt 0 ] || groups=(npm cpp wasm mcu esp32 browser prometheus lint)
want() { local g; for g in "${groups[@]}"; do [ "$g" = "$1" ] && return 0; done; return 1; }
say() { printf 'bootstrap: %s\n' "$*" >&2; }

missing_pkgs=()
need_pkg() { # need_pkg <probe command> <debian packages...>
  local probe=$1; shift
  if ! bash -c "$probe" >/dev/null 2>&1; then missing_pkgs+=("$@"); fi
}

want cpp && {
  need_pkg 'command -v g++ && command -v make' g++ make
  need_pkg 'test -f /usr/include/doctest/doctest.h' doctest-dev
  need_pkg 'test -f /usr/include/nlohmann/json.hpp' nlohmann-json3-dev
  need_pkg 'test -f /usr/include/x86_64-linux-gnu/curl/curl.h || test -f /usr/include/curl/curl.h' libcurl4-openssl-dev
}
want wasm && {
  need_pkg 'command -v clang++ && command -v wasm-ld' clang lld
  need_pkg 'test -d /usr/include/wasm32-wasi || test -d /usr/share/wasi-sysroot || ls /usr/lib/wasm32-wasi >/dev/null' wasi-libc
  need_pkg 'ls /usr/lib/llvm-*/lib/wasm32-wasi/libc++.a || ls /usr/lib/wasm32-wasi/libc++.a || ls /usr/lib/wasm32-wasi/*/libc++.a' libc++-dev-wasm32
  need_pkg 'ls /usr/lib/llvm-*/lib/clang/*/lib/wasi/libclang_rt.builtins-wasm32.a' libclang-rt-dev-wasm32
}
want mcu && {
  need_pkg 'command -v riscv64-unknown-elf-g++' gcc-riscv64-unknown-elf
  need_pkg 'ls /usr/lib/picolibc/riscv64-unknown-elf/picolibc.specs' picolibc-riscv64-unknown-elf
  need_pkg 'command -v qemu-system-riscv32' qemu-system-misc
}
# The ESP32 app's compile check (npm run firmware:esp32) against the kit beside the checkout: clang-22 with its
# xtensa target, and GCC 12's front end for the lx106 (only its diagnostics are used).
want esp32 && {
  need_pkg 'command -v clang-22' clang-22
  need_pkg 'command -v xtensa-lx106-elf-g++' gcc-xtensa-lx106
}
want browser && need_pkg 'test -x /usr/bin/chromium' chromium
want prometheus && need_pkg 'command -v prometheus && command -v promtool' prometheus
want lint && need_pkg 'command -v clang-format' clang-format

if [ ${#missing_pkgs[@]} -gt 0 ]; then
  # De-duplicate while keeping order.
  read -r -a missing_pkgs <<<"$(printf '%s\n' "${missing_pkgs[@]}" | awk '!seen[$0]++' | tr '\n' ' ')"
  if ! command -v apt-get >/dev/null 2>&1; then
    say "this is not a Debian-like system (no apt-get). Install these (or your distribution's equivalents) and re-run:"
    say "  ${missing_pkgs[*]}"
    exit 1
  fi
  SUDO=""
  if [ "$(id -u)" -ne 0 ]; then
    if command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then SUDO="sudo -n"; else
      say "missing system packages and not root (and no passwordless sudo). Run as root:"
      say "  apt-get update && apt-get install -y ${missing_pkgs[*]}"
      exit 1
    fi
  fi
  say "installing Debian packages: ${missing_pkgs[*]} (one-time; this can take a few minutes)"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing_pkgs[@]}" >/dev/null
  say "installed."
fi

if want npm; then
  if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
    say "installing npm dependencies (npm ci)"
    # npm ci is exact; if this npm judges the lock incomplete (npm 11 wants every platform's optional
    # binaries listed), fall back to npm install, which resolves within the same pinned ranges.
    ci_log="$(mktemp)"
    if ! npm ci --no-fund --no-audit --loglevel=error >"$ci_log" 2>&1; then
      # Its full output is a page of "Missing: <other platform's package>"; the first reason is enough.
      reason="$(grep -m1 'Missing:' "$ci_log" || grep -m1 -v '^npm error *$' "$ci_log")"
      say "npm ci refused the lock file (${reason#npm error })"
      say "falling back to npm install, which keeps the locked versions where it can"
      npm install --no-fund --no-audit --loglevel=error
    fi
    rm -f "$ci_log"
  fi
  # ccusage's platform package ships its binary without the run bit; the oracle tests call it directly.
  for b in node_modules/@ccusage/ccusage-linux-*/bin/ccusage; do [ -f "$b" ] && chmod +x "$b"; done
  # The daemon runs from compiled JS (dist/; npm install builds it through `prepare`); rebuild when any
  # TypeScript source is newer.
  if [ ! -f dist/.built ] || [ -n "$(find host contract tsconfig.json tsconfig.build.json -newer dist/.built -name '*.ts' -o -newer dist/.built -name '*.json' 2>/dev/null | head -1)" ]; then
    if [ -f tsconfig.build.json ]; then
      say "compiling the daemon (tsc -> dist/)"
      npm run -s build
    fi
  fi
fi
exit 0
