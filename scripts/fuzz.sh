#!/usr/bin/env bash
# Runs the libFuzzer targets of tests/fuzz (clang build with LH_FUZZ=ON and LH_SANITIZE=ON, so every
# target runs under ASan+UBSan with the project's libraries coverage-instrumented).
#
# Usage: scripts/fuzz.sh (--smoke | --long) [--build-dir DIR] [--target NAME]... [--seconds N]
#   --smoke          each target ~20 s on a copy of its seed corpus (under 2.5 minutes for all); CI runs this
#   --long           each target up to 10,000,000 executions or 30 minutes, whichever comes first, niced
#   --build-dir DIR  the clang fuzz build (default build-asan, shared with scripts/sanitize.sh); configured
#                    here when it has no CMakeCache.txt; the fuzz targets are (re)built either way
#   --target NAME    only this target (repeatable): jsonrpc, udm_query, windows_events, sse, http_request
#   --seconds N      time per target instead of the mode's default
#
# Before fuzzing, each target replays tests/fuzz/regressions/<target>/ (inputs that once crashed) and its
# seed corpus once. Any crash, sanitizer report, leak, timeout or out-of-memory is a failure; the
# reproducer is kept (its path is printed) outside the repository. Corpus growth goes to a temporary
# copy and is never written back into tests/fuzz/corpus/.
#
# Closing line: "fuzz: N passed, M failed" counting targets.
set -uo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build_dir="$root/build-asan"
mode=""
seconds=""
targets=()
while [ $# -gt 0 ]; do
  case "$1" in
    --smoke) mode=smoke ;;
    --long) mode=long ;;
    --build-dir) build_dir=$2; shift ;;
    --target) targets+=("$2"); shift ;;
    --seconds) seconds=$2; shift ;;
    -h|--help) sed -n '2,18p' "$0"; exit 0 ;;
    *) echo "fuzz.sh: unknown argument '$1'" >&2; exit 2 ;;
  esac
  shift
done
[ -n "$mode" ] || { echo "fuzz.sh: give --smoke or --long" >&2; exit 2; }

give_up() {
  echo "fuzz: $*" >&2
  echo "fuzz: 0 passed, 1 failed"
  exit 1
}

# shellcheck source=lib/asan-build.sh
. "$root/scripts/lib/asan-build.sh"
problem=$(configure_asan_build "$root" "$build_dir") || give_up "$problem"
build_dir=$(cd "$build_dir" && pwd)
grep -q '^LH_FUZZ:BOOL=ON' "$build_dir/CMakeCache.txt" ||
  give_up "$build_dir is not configured with -DLH_FUZZ=ON (use a clang build dir such as build-asan)"

# Every fuzz target the build defines (lh_fuzz_<name>); fuzz_http_request joins when its sources exist.
# Regenerate first (only when out of date) so a target added since the last configure is listed.
if [ -f "$build_dir/build.ninja" ]; then
  cmake --build "$build_dir" --target build.ninja >/dev/null 2>&1 || give_up "re-configuring $build_dir failed"
fi
list_fuzz_targets() {
  if [ -f "$build_dir/build.ninja" ]; then
    grep -oE '^build tests/fuzz/lh_fuzz_[a-z0-9_]+:' "$build_dir/build.ninja" | sed -E 's/.*lh_fuzz_([a-z0-9_]+):/\1/'
  else
    cmake --build "$build_dir" --target help 2>/dev/null | grep -oE 'lh_fuzz_[a-z0-9_]+' | sed 's/^lh_fuzz_//'
  fi
}
mapfile -t available < <(list_fuzz_targets | sort -u)
[ ${#available[@]} -gt 0 ] || give_up "no lh_fuzz_* targets in $build_dir"
if [ ${#targets[@]} -eq 0 ]; then
  targets=("${available[@]}")
else
  for t in "${targets[@]}"; do
    printf '%s\n' "${available[@]}" | grep -qx "$t" || give_up "unknown target '$t' (have: ${available[*]})"
  done
fi

build_targets=()
for t in "${targets[@]}"; do build_targets+=("lh_fuzz_$t"); done
echo "fuzz: building ${build_targets[*]} in $build_dir" >&2
cmake --build "$build_dir" -j "$(nproc)" --target "${build_targets[@]}" >&2 || give_up "building the fuzz targets failed"

if [ "$mode" = smoke ]; then
  per_target=${seconds:-20}
  runs_limit=()
else
  per_target=${seconds:-1800}
  runs_limit=(-runs=10000000)
fi

work=$(mktemp -d "${TMPDIR:-/tmp}/lh-fuzz.XXXXXX")
keep_work=0
cleanup() { if [ "$keep_work" -eq 0 ]; then rm -rf "$work"; fi; }
trap cleanup EXIT

# Sanitizer findings end the run with a report; leaks count too.
export ASAN_OPTIONS="${ASAN_OPTIONS:-abort_on_error=1:detect_leaks=1:check_initialization_order=1:strict_string_checks=1:detect_stack_use_after_return=1}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}"

# Per-target input size limits (libFuzzer's default is the larger of 4096 and the largest seed).
max_len_for() {
  case "$1" in
    windows_events) echo 12000 ;;  # past the streaming reader's 4096-byte chunk
    *) echo 4096 ;;
  esac
}

passed=0
failed=0
summary=()
for t in "${targets[@]}"; do
  bin="$build_dir/tests/fuzz/lh_fuzz_$t"
  [ -x "$bin" ] || { echo "fuzz: $bin is missing" >&2; failed=$((failed + 1)); summary+=("$t: missing"); continue; }
  dir="$work/$t"
  mkdir -p "$dir/corpus" "$dir/artifacts"
  [ -d "$root/tests/fuzz/corpus/$t" ] && cp -r "$root/tests/fuzz/corpus/$t/." "$dir/corpus/"
  options=(-artifact_prefix="$dir/artifacts/" -timeout=10 -rss_limit_mb=2048 -max_len="$(max_len_for "$t")"
           -print_final_stats=1)
  [ -f "$root/tests/fuzz/$t.dict" ] && options+=(-dict="$root/tests/fuzz/$t.dict")
  ok=1

  # 1. Known crashers and the seeds, each run once.
  replay=()
  if [ -d "$root/tests/fuzz/regressions/$t" ]; then
    while IFS= read -r -d '' f; do replay+=("$f"); done < <(find "$root/tests/fuzz/regressions/$t" -type f -print0 | sort -z)
  fi
  if [ ${#replay[@]} -gt 0 ]; then
    echo "fuzz: $t: replaying ${#replay[@]} regression inputs" >&2
    if ! "$bin" "${options[@]}" "${replay[@]}" >"$dir/replay.log" 2>&1; then
      ok=0
      echo "fuzz: $t: a regression input fails again:" >&2
      grep -E 'Running:|ERROR|SUMMARY|runtime error|fuzz_' "$dir/replay.log" | tail -n 20 >&2
    fi
  fi

  # 2. Fuzzing from the seeds (the corpus copy grows, the repository does not).
  start=$(date +%s)
  echo "fuzz: $t: fuzzing for up to ${per_target}s${runs_limit:+ or 10,000,000 executions}" >&2
  runner=("$bin")
  [ "$mode" = long ] && runner=(nice -n 19 "$bin")
  if ! "${runner[@]}" "${options[@]}" "${runs_limit[@]}" -max_total_time="$per_target" "$dir/corpus" \
      >"$dir/fuzz.log" 2>&1; then
    ok=0
    echo "fuzz: $t: finding:" >&2
    grep -E 'ERROR|SUMMARY|runtime error|fuzz_[a-z_]+:|Test unit written|deadly signal|timeout|out-of-memory' \
      "$dir/fuzz.log" | head -n 30 >&2
  fi
  elapsed=$(( $(date +%s) - start ))
  execs=$(grep -oE 'stat::number_of_executed_units: [0-9]+' "$dir/fuzz.log" | grep -oE '[0-9]+$' | tail -n 1)
  cov=$(grep -oE 'cov: [0-9]+ ft: [0-9]+' "$dir/fuzz.log" | tail -n 1)
  corpus_size=$(find "$dir/corpus" -type f | wc -l)
  line="$t: ${execs:-?} executions in ${elapsed}s, ${cov:-cov: ?}, corpus $corpus_size"
  if [ "$ok" -eq 1 ]; then
    passed=$((passed + 1))
    summary+=("$line, ok")
  else
    failed=$((failed + 1))
    keep_work=1
    artifacts=$(find "$dir/artifacts" -type f | head -n 5 | tr '\n' ' ')
    summary+=("$line, FAILED (logs in $dir; reproducers: ${artifacts:-none})")
  fi
  echo "fuzz: ${summary[-1]}" >&2
done

echo "fuzz: results ($mode):"
for s in "${summary[@]}"; do echo "  $s"; done
echo "fuzz: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
