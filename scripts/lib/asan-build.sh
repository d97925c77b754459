# Sourced by scripts/sanitize.sh and scripts/fuzz.sh, which share one build: clang with ASan+UBSan and
# the libFuzzer targets (build-asan in .ci/run).
# Usage: configure_asan_build ROOT DIR — configures DIR when it has no CMakeCache.txt yet. Prints what went
# wrong and returns non-zero on failure.
configure_asan_build() {
  local root=$1 dir=$2
  [ -f "$dir/CMakeCache.txt" ] && return 0
  if ! command -v clang++ >/dev/null 2>&1; then
    echo "clang++ not found (scripts/setup.sh installs clang)"
    return 1
  fi
  local launcher=()
  command -v ccache >/dev/null 2>&1 && launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
  if ! CC=clang CXX=clang++ cmake -S "$root" -B "$dir" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
      -DLH_SANITIZE=ON -DLH_FUZZ=ON -DLH_BUILD_BENCH=OFF "${launcher[@]}" >/dev/null; then
    echo "configuring $dir failed"
    return 1
  fi
}
