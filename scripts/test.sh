#!/usr/bin/env bash
# Set-up (packages, Node test tools, build) and every test: the doctest suites through CTest, the
# official MCP conformance suite (fixture server and lateral-hunt itself), and the interop tests against the official TypeScript SDK.
# Prints one closing line "tests: N passed, M failed" over all groups; exits non-zero on any failure.
set -uo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build_dir="${LH_BUILD_DIR:-$root/build}"

"$root/scripts/setup.sh" --node --build-dir "$build_dir" "$@" || { echo "tests: 0 passed, 1 failed"; exit 1; }

passed=0
failed=0
failures=()
log_dir=$(mktemp -d)
trap 'rm -rf "$log_dir"' EXIT
# group NAME COMMAND...: runs one group and adds its own counts, read from its closing line
# (ctest: "... N tests failed out of T"; the others: "N passed, M failed"). A group that fails
# without such a line counts as one failure.
group() {
  local name=$1; shift
  local log="$log_dir/group.log"
  echo "==> $name" >&2
  "$@" 2>&1 | tee "$log"
  local status=${PIPESTATUS[0]}
  local p=0 f=0 line
  if line=$(grep -E 'tests passed, [0-9]+ tests failed out of [0-9]+' "$log" | tail -n 1) && [ -n "$line" ]; then
    local total; total=$(sed -E 's/.* out of ([0-9]+).*/\1/' <<<"$line")
    f=$(sed -E 's/.*, ([0-9]+) tests failed.*/\1/' <<<"$line"); p=$((total - f))
  elif line=$(grep -E '[0-9]+ passed, [0-9]+ failed' "$log" | tail -n 1) && [ -n "$line" ]; then
    line=$(grep -oE '[0-9]+ passed, [0-9]+ failed' <<<"$line" | tail -n 1)
    p=${line%% passed*}; f=${line##*, }; f=${f%% failed}
  fi
  if [ "$status" -ne 0 ] && [ "$f" -eq 0 ]; then f=1; fi
  passed=$((passed + p)); failed=$((failed + f))
  if [ "$f" -ne 0 ]; then
    # What failed, by name, so that the end of a long log still says it: ctest's closing list,
    # node:test's and the conformance scripts' marks, and per-suite lines with a non-zero count.
    local what
    what=$( { sed -n '/The following tests FAILED:/,/^Errors while running/p' "$log" | grep -E '^[[:space:]]+[0-9]+ - ' ;
              grep -E '^[[:space:]]*(✖|✗) ' "$log" | grep -vE '^[[:space:]]*✖ (failing tests:)?$' ;
              grep -E '(: [0-9]+ passed, [1-9][0-9]* failed|FAILED \(logs)' "$log" ;
              grep -E ': (ERROR|FATAL ERROR): ' "$log" | head -n 20 ; } | awk '!seen[$0]++' | head -n 60)
    [ -n "$what" ] || what="  (no failing test named in its output; exit $status)"
    failures+=("$name:" "$what")
  fi
  echo "==> $name: $p passed, $f failed (exit $status)" >&2
}

group "unit and integration tests (ctest)" \
  ctest --test-dir "$build_dir" --output-on-failure --timeout 600 -j "$(nproc)"
[ -x "$root/scripts/conformance.sh" ] && group "MCP conformance suite" "$root/scripts/conformance.sh" "$build_dir" --with-client
[ -x "$root/scripts/conformance-lateral-hunt.sh" ] && group "MCP conformance suite against lateral-hunt" "$root/scripts/conformance-lateral-hunt.sh" "$build_dir"
[ -x "$root/scripts/integration.sh" ] && group "secops-local through the TypeScript SDK (OTRF oracle)" "$root/scripts/integration.sh" "$build_dir"
[ -x "$root/scripts/interop.sh" ] && group "TypeScript SDK and Inspector interop" "$root/scripts/interop.sh" "$build_dir"
# Hardening: the whole suite again under ASan+UBSan (clang; that build also holds the fuzz targets),
# a short smoke run of every fuzz target, and the unit suites under valgrind.
asan_dir="${LH_ASAN_BUILD_DIR:-$root/build-asan}"
[ -x "$root/scripts/sanitize.sh" ] && group "whole suite under ASan+UBSan" "$root/scripts/sanitize.sh" --build-dir "$asan_dir"
[ -x "$root/scripts/fuzz.sh" ] && group "fuzz smoke" "$root/scripts/fuzz.sh" --smoke --build-dir "$asan_dir"
[ -x "$root/scripts/valgrind.sh" ] && group "unit suites under valgrind" "$root/scripts/valgrind.sh" --build-dir "$build_dir"

if [ "${#failures[@]}" -gt 0 ]; then
  echo "==> what failed"
  printf '%s\n' "${failures[@]}"
fi
echo "tests: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
