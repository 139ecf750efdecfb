#!/bin/bash
# rev18: the command-line figures — the Parquet command at 1,000,000 rows against a fresh-process
# numpy (read + score), and --jobs 2 against --jobs 1 on 20,000 departments (JSON in, JSONL and
# JSON out), byte-identical?  Usage: run_cli.sh [tag]   (data from prep.py in $REV18_DATA)
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
PY=${PY:-/tmp/rev18/venv/bin/python}
PS=${PS:-/tmp/rev18/venv/bin/perfscore}
D=${REV18_DATA:-/tmp/rev18/data}
TAG=${1:-run}
RULES=$HERE/rules/rev18-jtj-dept.yaml
export PYTHONDONTWRITEBYTECODE=1
commit=$(git -C /tmp/rev18/main rev-parse --short HEAD)
echo "== $TAG: main $commit, $(date -u +%H:%M:%S) UTC, load $(cut -d' ' -f1-3 /proc/loadavg)"
t() {  # label, command...
  local label=$1; shift
  /usr/bin/time -f "%e %U %S %M" -o /tmp/rev18/time.$$ "$@" > /tmp/rev18/out.$$ 2>&1
  local rc=$?
  read -r wall user sys rss < /tmp/rev18/time.$$
  echo "$label: rc=$rc wall ${wall}s cpu $(echo "$user + $sys" | bc)s (user $user sys $sys) peak ${rss} kB; load $(cut -d' ' -f1 /proc/loadavg)"
  tail -2 /tmp/rev18/out.$$ | sed 's/^/    | /'
}
if [ "${SKIP_PQ:-0}" != 1 ]; then
  for i in 1 2; do
    t "parquet command 1,000,000 rows (round $i)" $PS score "$RULES" "$D/table1m.parquet" -o "$D/f1m.$TAG.parquet"
    t "fresh numpy: read parquet + score (round $i)" $PY -c "import sys; sys.path.insert(0,'$HERE'); import pyarrow.parquet as pq, npbase; npbase.score_chunked(pq.read_table('$D/table1m.parquet'))"
  done
  $PY "$HERE/cmp_parquet.py" "$D/f1m.$TAG.parquet" "$D/table1m.parquet" totals
fi
if [ "${SKIP_JOBS:-0}" != 1 ]; then
  N=${JOBS_N:-20000}
  $PY -c "import json; r=json.load(open('$D/subjects20k.json'))[:$N]; json.dump(r, open('$D/jobs$N.json','w'), ensure_ascii=False)"
  # JSON output holds ~1 MB a department (finding 3): only with JOBS_JSON=1, and keep N small
  for fmt in jsonl $( [ "${JOBS_JSON:-0}" = 1 ] && echo json ); do
    t "--jobs 1, $N subjects -> $fmt" $PS score "$RULES" "$D/jobs$N.json" -o "$D/j1.$TAG.$fmt" --jobs 1
    t "--jobs 2, $N subjects -> $fmt" $PS score "$RULES" "$D/jobs$N.json" -o "$D/j2.$TAG.$fmt" --jobs 2
    if cmp -s "$D/j1.$TAG.$fmt" "$D/j2.$TAG.$fmt"; then echo "    $fmt byte-identical: yes ($(stat -c %s "$D/j1.$TAG.$fmt") bytes)"; else echo "    $fmt byte-identical: NO"; fi
  done
  $PY "$HERE/cmp_jsonl.py" "$D/j1.$TAG.jsonl" "$D/jobs$N.json"
  rm -f "$D/j1.$TAG.json" "$D/j2.$TAG.json" "$D/j2.$TAG.jsonl"
fi
rm -f /tmp/rev18/time.$$ /tmp/rev18/out.$$
