#!/usr/bin/env bash
# Installs what is missing (Debian packages; the Node test tools when asked) and builds.
# Usage: scripts/setup.sh [--node] [--build-dir DIR] [--cmake-arg ARG]...
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build_dir="$root/build"
with_node=0
cmake_args=()
while [ $# -gt 0 ]; do
  case "$1" in
    --node) with_node=1 ;;
    --build-dir) build_dir=$2; shift ;;
    --cmake-arg) cmake_args+=("$2"); shift ;;
    *) echo "setup.sh: unknown argument '$1'" >&2; exit 2 ;;
  esac
  shift
done

packages=(build-essential cmake ninja-build pkg-config git ca-certificates
  nlohmann-json3-dev libfmt-dev doctest-dev libcpp-httplib-dev libssl-dev libsimdjson-dev libre2-dev
  libsqlite3-dev sqlite3 libcli11-dev libzip-dev libevtx-dev clang libclang-rt-14-dev jq unzip)
[ "$with_node" = 1 ] && packages+=(nodejs npm)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
# A machine that already has node/npm from elsewhere needs no Debian copy.
if [ "$with_node" = 1 ] && command -v npm >/dev/null 2>&1; then
  missing=("${missing[@]/nodejs}"); missing=("${missing[@]/npm}")
fi
read -r -a missing <<<"${missing[*]}"
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing ${missing[*]}" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

if [ "$with_node" = 1 ]; then
  echo "setup: installing the Node test tools (tests/node)" >&2
  (cd "$root/tests/node" && npm ci --no-audit --no-fund --loglevel=error)
fi

launcher=()
command -v ccache >/dev/null 2>&1 && launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
cmake -S "$root" -B "$build_dir" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo "${launcher[@]}" "${cmake_args[@]}" >/dev/null
cmake --build "$build_dir" -j "$(nproc)"
