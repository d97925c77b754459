#!/usr/bin/env bash
# The doctest suites of the normal build (RelWithDebInfo, gcc) under valgrind's memcheck: invalid reads
# and writes, uses of uninitialised values, bad frees, and definite leaks fail a suite. It catches what
# the ASan build cannot: code of the normal build exactly as shipped (gcc, no instrumentation) and
# uninitialised reads, which ASan does not look for.
# Usage: scripts/valgrind.sh [--build-dir DIR] [--suite NAME]... [--track-origins]
#   --build-dir DIR   the normal build, already built (default build)
#   --suite NAME      only this suite (repeatable), e.g. --suite lh_udm_tests
#   --track-origins   say where each uninitialised value came from (several times slower; for digging)
#
# Children are not traced (--trace-children=no): the suites that start secops-local, lateral-hunt or a
# test child would spend most of their time in valgrind's start-up of those programs, a hunt under
# memcheck runs into its own deadlines, and every child is checked by the ASan+UBSan+LSan run of
# scripts/sanitize.sh, whose programs report into its build tree.
# tests/valgrind.supp holds suppressions for third-party code only, each with the reason.
#
# What runs (.ci/run has 90 minutes on 2 cores for everything):
# Every lh_*_tests suite runs whole; none is left out. With children untraced even the OTRF-heavy
# suites are cheap here: their hunts and ingests run natively in secops-local / lateral-hunt while
# memcheck watches only the test process. CPU seconds per suite under memcheck (2 cores, RelWithDebInfo):
#   transport 153, siem 53, skill_workflow 47, skill_gateway 45, skill_report 38, skill_techniques 24,
#   skill_server 24, demo 24, udm 18, skill_correlation 12, siem_server 6, mcp 6, hunt_acceptance 5,
#   schemas 2.5.
# About 450 s of CPU in all, 8-9 minutes of wall time on an idle CI machine (the suites run one after
# another: memcheck serialises each program's threads, and the network tests wait on real sockets).
# A suite that ever has to be left out goes into excluded_suites below, with the reason.
#
# Closing line: "valgrind: N passed, M failed", counted in doctest test cases; a suite with a memcheck
# error, or one that timed out or crashed, counts as one more failure.
set -uo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build_dir="$root/build"
only=()
track_origins=0
while [ $# -gt 0 ]; do
  case "$1" in
    --build-dir) build_dir=$2; shift ;;
    --suite) only+=("$2"); shift ;;
    --track-origins) track_origins=1 ;;
    *) echo "valgrind.sh: unknown argument '$1'" >&2; exit 2 ;;
  esac
  shift
done

give_up() {
  echo "valgrind: $*" >&2
  echo "valgrind: 0 passed, 1 failed"
  exit 1
}
command -v valgrind >/dev/null 2>&1 || give_up "valgrind not found (apt-get install valgrind)"
build_dir=$(cd "$build_dir" 2>/dev/null && pwd) || give_up "build dir '$build_dir' does not exist"

suite_timeout=900  # seconds per suite under valgrind; ends a hang, no suite comes near it

# Test cases left out of a suite (doctest --test-case-exclude patterns), and why. Everything else runs.
declare -A excluded_cases=(
)
# Suites left out whole, and why.
declare -A excluded_suites=(
)

suites=()
while IFS= read -r program; do
  name=$(basename "$program")
  if [ ${#only[@]} -gt 0 ]; then
    printf '%s\n' "${only[@]}" | grep -qxF "$name" || continue
  elif [ -n "${excluded_suites[$name]:-}" ]; then
    echo "valgrind: $name left out: ${excluded_suites[$name]}" >&2
    continue
  fi
  suites+=("$program")
done < <(find "$build_dir/tests" -maxdepth 2 -type f -executable -name 'lh_*_tests' | sort)
[ ${#suites[@]} -gt 0 ] || give_up "no doctest executables (lh_*_tests) under $build_dir/tests"

memcheck=(valgrind --tool=memcheck --error-exitcode=1 --leak-check=full --errors-for-leak-kinds=definite
  --show-leak-kinds=definite --trace-children=no --child-silent-after-fork=yes --fair-sched=yes
  --num-callers=40 --gen-suppressions=all --suppressions="$root/tests/valgrind.supp")
[ "$track_origins" = 1 ] && memcheck+=(--track-origins=yes)

logs=$(mktemp -d)
trap 'rm -rf "$logs"' EXIT
passed=0
failed=0
for program in "${suites[@]}"; do
  name=$(basename "$program")
  args=()
  [ -n "${excluded_cases[$name]:-}" ] && args+=("--test-case-exclude=${excluded_cases[$name]%%|*}")
  log="$logs/$name.log"
  vglog="$logs/$name.memcheck"
  echo "valgrind: $name ${args[*]}" >&2
  started=$(date +%s)
  # The suite's own working directory, as under CTest.
  (cd "$(dirname "$program")" && timeout --kill-after=10 "$suite_timeout" \
    "${memcheck[@]}" --log-file="$vglog" "$program" --no-colors=true "${args[@]}") >"$log" 2>&1
  status=$?
  seconds=$(($(date +%s) - started))
  summary=$(grep -E '^\[doctest\] test cases:' "$log" | tail -n 1)
  p=$(sed -nE 's/.*\| *([0-9]+) passed.*/\1/p' <<<"$summary")
  f=$(sed -nE 's/.*\| *([0-9]+) failed.*/\1/p' <<<"$summary")
  p=${p:-0}; f=${f:-0}
  note=""
  if [ -z "$summary" ]; then
    f=$((f + 1)); note="no doctest summary (exit $status)"
    [ "$status" -eq 124 ] && note="timed out after ${suite_timeout}s"
    tail -n 30 "$log"
  elif [ "$f" -gt 0 ]; then
    note="failing test cases"
    grep -E -B2 -A12 'ERROR:|FATAL ERROR' "$log" | head -n 120
  fi
  errors=$(grep -oE 'ERROR SUMMARY: [0-9]+' "$vglog" 2>/dev/null | tail -n 1 | grep -oE '[0-9]+$')
  if [ "${errors:-0}" -gt 0 ]; then
    f=$((f + 1)); note="${note:+$note; }memcheck: $errors error(s)"
    cat "$vglog"
  elif [ "$status" -ne 0 ] && [ "$f" -eq 0 ]; then
    f=1; note="exit $status"
    tail -n 30 "$log"; tail -n 30 "$vglog"
  fi
  echo "valgrind: $name: $p passed, $f failed in ${seconds}s${note:+ ($note)}"
  passed=$((passed + p)); failed=$((failed + f))
done

echo "valgrind: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
