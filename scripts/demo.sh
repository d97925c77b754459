#!/usr/bin/env bash
# The main job: install what is missing, build, and sweep the bundled demo data (data/demo) for
# lateral movement: every hunt query runs through secops-local's search_udm over MCP (stdio), and
# the report lists each query's hits, the newest matching events and the negative results.
# Extra arguments go to `lateral-hunt sweep` (e.g. --techniques psexec,wmi --scope 'principal.hostname = "DB01"').
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build_dir="${LH_BUILD_DIR:-$root/build}"
"$root/scripts/setup.sh" --build-dir "$build_dir" >&2
exec "$build_dir/skill/cli/lateral-hunt" sweep --data "$root/data/demo/acme-demo.jsonl" \
  --secops-local "$build_dir/siem/secops-local" "$@"
