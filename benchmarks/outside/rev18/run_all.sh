#!/bin/bash
# rev18: regenerate /tmp/rev18/data and run every measurement and agreement check of the review.
# usage: run_all.sh [tag]      env: JOBS_N (default 5000), SKIP_PQ=1, SKIP_JOBS=1, QUICK=1
set -u
HERE=$(cd "$(dirname "$0")" && pwd); cd "$HERE"
PY=${PY:-/tmp/rev18/venv/bin/python}
TAG=${1:-run}
export PYTHONDONTWRITEBYTECODE=1 JOBS_N=${JOBS_N:-5000}
D=${REV18_DATA:-/tmp/rev18/data}
echo "== rev18 run_all $TAG: main $(git -C /tmp/rev18/main rev-parse --short HEAD), $(date -u) load $(cut -d' ' -f1-3 /proc/loadavg)"
[ -f "$D/table1m.parquet" ] && [ "${REGEN:-0}" != 1 ] || $PY prep.py json csv parquet
# --- speed (CPU-time ratios in one process)
if [ "${QUICK:-0}" = 1 ]; then
  $PY bench_points.py 200 3
  $PY bench_col.py 200000 2 "$D/table200k.parquet"
else
  $PY bench_points.py 500 5
  $PY bench_col.py 200000 3 "$D/table200k.parquet"
  REV18_NOPLUGIN=1 $PY bench_col.py 200000 3 "$D/table200k.parquet"
  $PY bench_col.py 1000000 3 "$D/table1m.parquet"
  REV18_NOPLUGIN=1 $PY bench_col.py 1000000 3 "$D/table1m.parquet"
fi
./run_cli.sh "$TAG"
# --- agreement
for f in bureau exact clean; do $PY check.py 2000 $f | head -20; $PY chk_fast.py 2000 $f; $PY chk_fast_full.py 1000 $f; done
$PY frames_check.py
$PY hostile.py | tail -1
$PY huge.py 3000 | tail -1
# --- the findings' repros
$PY repro/plugin_pure_cost.py
$PY repro/text_columns_fallback.py
$PY repro/display_at_edge.py
./repro/json_out_memory.sh
./repro/jobs_parquet.sh 1000
./repro/overwrite_input.sh
echo "== done $(date -u) load $(cut -d' ' -f1-3 /proc/loadavg)"
