#!/usr/bin/env bash
# The whole test suite again under AddressSanitizer (with LeakSanitizer) and UndefinedBehaviorSanitizer:
# a clang build with -DLH_SANITIZE=ON -DLH_FUZZ=ON (the fuzz targets share it; scripts/fuzz.sh --smoke
# runs them next), then every CTest suite, then the Node-driven groups (both conformance runs,
# integration, interop) against that build's programs.
# Usage: scripts/sanitize.sh [--build-dir DIR] [--no-node] [--ctest-arg ARG]...
#   --build-dir DIR  the sanitizer build (default build-asan); configured here when it has no CMakeCache.txt
#   --no-node        only the CTest suites
#   --ctest-arg ARG  passed to ctest (repeatable), e.g. --ctest-arg -R --ctest-arg udm
# Needs: clang and libclang-rt-14-dev (scripts/setup.sh), and `npm ci` in tests/node for the Node groups.
#
# Findings are failures. A test executable that hits an error aborts (abort_on_error, halt_on_error)
# and a leak makes it exit non-zero at the end, so CTest counts it. The programs the tests start as
# children (secops-local, lateral-hunt, test upstreams, the servers the Node suites start) write their
# reports to DIR/sanitizer-reports/ (tests/sanitize/CMakeLists.txt compiles that default into them);
# each report there is printed and counts as one more failure, whether or not the test noticed.
#
# CI budget (.ci/run has 90 minutes on 2 cores for everything, cold): the sanitizer build costs
# about 1,500-1,600 CPU seconds cold (about 5.5 s per compile step under ASan+UBSan+coverage, ~280
# steps), 13-14 minutes on 2 idle cores; the suites run 2-3x slower than in the normal build. With
# setup and the normal build, the normal groups, the fuzz smoke run (<= 3 min) and valgrind (8-9 min),
# .ci/run stays near an hour, so nothing is cut here beyond the benchmarks (LH_BUILD_BENCH=OFF).
# If the budget gets short, LH_SANITIZE_NODE=0 (or --no-node) drops the Node groups first: they
# repeat over a real client what the CTest suites already exercise under the sanitizers.
#
# Closing line in CTest's form: "P% tests passed, F tests failed out of T" over every group.
set -uo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build_dir="$root/build-asan"
with_node="${LH_SANITIZE_NODE:-1}"
ctest_args=()
while [ $# -gt 0 ]; do
  case "$1" in
    --build-dir) build_dir=$2; shift ;;
    --no-node) with_node=0 ;;
    --ctest-arg) ctest_args+=("$2"); shift ;;
    *) echo "sanitize.sh: unknown argument '$1'" >&2; exit 2 ;;
  esac
  shift
done

give_up() {
  echo "sanitize: $*" >&2
  echo "0% tests passed, 1 tests failed out of 1"
  exit 1
}

jobs=$(nproc)
# shellcheck source=lib/asan-build.sh
. "$root/scripts/lib/asan-build.sh"
problem=$(configure_asan_build "$root" "$build_dir") || give_up "$problem"
build_dir=$(cd "$build_dir" && pwd)
echo "sanitize: building $build_dir" >&2
# A target that does not build (clang is stricter than gcc in places) is one failure; everything else
# still builds (-k 0) and runs, and the suites of the missing executables fail in CTest.
build_failed=0
keep_going=()
grep -q '^CMAKE_GENERATOR:INTERNAL=Ninja' "$build_dir/CMakeCache.txt" && keep_going=(-- -k 0)
cmake --build "$build_dir" -j "$jobs" "${keep_going[@]}" || { echo "sanitize: the sanitizer build failed (see above)" >&2; build_failed=1; }

# Options for the processes started with this environment (the test executables, the Node suites'
# own spawns where they pass the environment on). Stricter than the defaults: every error aborts,
# string functions check their whole argument, use-after-return is caught, and globals initialised
# in the wrong order across files are reported. The caller's own options come last and win.
export ASAN_OPTIONS="detect_leaks=1:abort_on_error=1:strict_string_checks=1:detect_stack_use_after_return=1:check_initialization_order=1:strict_init_order=1:print_summary=1${ASAN_OPTIONS:+:$ASAN_OPTIONS}"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1${UBSAN_OPTIONS:+:$UBSAN_OPTIONS}"
# Third-party code the project cannot fix (each entry says why).
if [ -s "$root/tests/sanitize/lsan.supp" ]; then
  export LSAN_OPTIONS="suppressions=$root/tests/sanitize/lsan.supp${LSAN_OPTIONS:+:$LSAN_OPTIONS}"
fi

# ASan's redzones make stack frames up to ten times larger (measured: 512 levels of the schema
# validator's recursion need under 1 MB in the normal build and over 8 MB here). The recursion
# limits are sized for the shipped build, so the stack is raised to match (threads take the same
# default size from this limit).
ulimit -s 65536 2>/dev/null || echo "sanitize: could not raise the stack limit to 64 MB (ulimit -s: $(ulimit -s))" >&2

reports="$build_dir/sanitizer-reports"
mkdir -p "$reports"
rm -f "$reports"/report.*

passed=0
failed=$build_failed
logs=$(mktemp -d)
trap 'rm -rf "$logs"' EXIT

# Reports the children wrote since the last call: printed, and each one counted as a failure.
collect_reports() {
  local group=$1 report count=0
  for report in "$reports"/report.*; do
    [ -f "$report" ] || continue
    echo "sanitize: $group: a child process reported a finding ($(basename "$report")):"
    sed 's/^/    /' "$report"
    mv "$report" "$logs/"
    count=$((count + 1))
  done
  failed=$((failed + count))
  [ "$count" -eq 0 ] || echo "sanitize: $group: $count finding(s) in child processes"
}

# The CTest suites. The closing line is rewritten so that only this script's total reads as CTest's.
echo "sanitize: ctest in $build_dir" >&2
ctest --test-dir "$build_dir" --output-on-failure --timeout 900 -j "$jobs" "${ctest_args[@]}" 2>&1 |
  tee "$logs/ctest.log" | sed -u -E 's/([0-9]+)% tests passed, ([0-9]+) tests failed out of ([0-9]+)/ctest under sanitizers: \1% of \3 passed, \2 failed/'
line=$(grep -E 'tests passed, [0-9]+ tests failed out of [0-9]+' "$logs/ctest.log" | tail -n 1)
if [ -n "$line" ]; then
  total=$(sed -E 's/.* out of ([0-9]+).*/\1/' <<<"$line")
  f=$(sed -E 's/.*, ([0-9]+) tests failed.*/\1/' <<<"$line")
  passed=$((passed + total - f)); failed=$((failed + f))
else
  echo "sanitize: ctest printed no total" >&2
  failed=$((failed + 1))
fi
collect_reports ctest

# A Node-driven group against this build: its own "N passed, M failed" line is added to the total.
node_group() {
  local name=$1; shift
  echo "sanitize: $name" >&2
  "$@" 2>&1 | tee "$logs/$name.log"
  local status=${PIPESTATUS[0]} line p=0 f=0
  line=$(grep -oE '[0-9]+ passed, [0-9]+ failed' "$logs/$name.log" | tail -n 1)
  if [ -n "$line" ]; then
    p=${line%% passed*}; f=${line##*, }; f=${f%% failed}
  fi
  if [ "$status" -ne 0 ] && [ "$f" -eq 0 ]; then f=1; fi
  passed=$((passed + p)); failed=$((failed + f))
  collect_reports "$name"
}

if [ "$with_node" = 1 ]; then
  [ -x "$root/scripts/conformance.sh" ] && node_group conformance "$root/scripts/conformance.sh" "$build_dir" --with-client
  [ -x "$root/scripts/conformance-lateral-hunt.sh" ] &&
    node_group conformance-lateral-hunt "$root/scripts/conformance-lateral-hunt.sh" "$build_dir"
  [ -x "$root/scripts/integration.sh" ] && node_group integration "$root/scripts/integration.sh" "$build_dir"
  [ -x "$root/scripts/interop.sh" ] && node_group interop "$root/scripts/interop.sh" "$build_dir"
fi

total=$((passed + failed))
percent=100
[ "$total" -gt 0 ] && percent=$((passed * 100 / total))
echo "sanitize: ASan+UBSan: $passed passed, $failed failed" >&2
echo "$percent% tests passed, $failed tests failed out of $total"
[ "$failed" -eq 0 ]
