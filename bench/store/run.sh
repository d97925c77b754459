#!/usr/bin/env bash
# Builds the store benchmark, generates the demo data set if it is missing, runs every measurement and
# prints the Markdown report (also saved as <work>/results.md). Intermediate files stay in --work.
#
#   bench/store/run.sh [--build DIR] [--work DIR] [--scale N] [--days N] [--seed N] [-- extra bench options]
#
# Defaults: --build /work/build-$USER (or $LH_BUILD_DIR), --work /tmp/lh-store-bench, --scale 660 --days 2
# (about 2.1 M events, 1.9 GB).
set -euo pipefail

repo=$(cd "$(dirname "$0")/../.." && pwd)
build=${LH_BUILD_DIR:-/work/build-${USER:-bench}}
work=/tmp/lh-store-bench
scale=660
days=2
seed=1
extra=()
while [[ $# -gt 0 ]]; do
  case "$1" in
    --build) build=$2; shift 2 ;;
    --work) work=$2; shift 2 ;;
    --scale) scale=$2; shift 2 ;;
    --days) days=$2; shift 2 ;;
    --seed) seed=$2; shift 2 ;;
    --) shift; extra=("$@"); break ;;
    -h|--help) sed -n '2,9p' "$0"; exit 0 ;;
    *) echo "run.sh: unknown option '$1' (see --help)" >&2; exit 2 ;;
  esac
done

case "$(realpath -m "$work")" in
  "$repo"|"$repo"/*) echo "run.sh: --work must be outside the repository ($repo)" >&2; exit 2 ;;
esac
mkdir -p "$work"

if [[ ! -f "$build/CMakeCache.txt" ]]; then
  cmake -S "$repo" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >&2
fi
cmake --build "$build" -j2 --target lh-demo-gen bench_event_store >&2

data="$work/demo-seed$seed-s$scale-d$days.jsonl"
if [[ ! -s "$data" ]]; then
  echo "run.sh: generating $data" >&2
  "$build/siem/demo/lh-demo-gen" --seed "$seed" --scale "$scale" --days "$days" --out "$data.part" >&2
  mv "$data.part" "$data"
fi

echo "run.sh: load average before the run: $(cut -d' ' -f1-3 /proc/loadavg)" >&2
"$build/bench/store/bench_event_store" --data "$data" --work "$work" "${extra[@]}" | tee "$work/results.md"
