#!/usr/bin/env bash
# The main job: install what is missing, build, and hunt the bundled demo data (data/demo) for lateral
# movement: `lateral-hunt hunt` starts secops-local over MCP (stdio) on the demo logs, runs every hunt
# query in parallel, correlates, enriches and prints the Markdown report (findings, movement graph,
# paths, negative results). ADMIN-JUMP01 and DEPLOY01 are the demo network's admin hosts.
# Extra arguments go to `lateral-hunt hunt` (e.g. --techniques psexec,wmi --scope 'principal.hostname = "DB01"'
# --format json). Reports are kept in a throw-away store unless --reports is given.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build_dir="${LH_BUILD_DIR:-$root/build}"
"$root/scripts/setup.sh" --build-dir "$build_dir" >&2
reports=$(mktemp -d)
trap 'rm -rf "$reports"' EXIT
status=0
LH_REPORTS_DB="${LH_REPORTS_DB:-$reports/reports.db}" \
  "$build_dir/skill/cli/lateral-hunt" hunt --data "$root/data/demo/acme-demo.jsonl" \
  --iocs "$root/data/demo/acme-demo.iocs.json" \
  --secops-local "$build_dir/siem/secops-local" --admin-hosts ADMIN-JUMP01,DEPLOY01 "$@" || status=$?
exit "$status"
