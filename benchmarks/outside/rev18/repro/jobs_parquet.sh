#!/bin/bash
# rev18 finding: adding --jobs 2 to `perfscore score RULES bureau.csv -o findings.parquet` makes it
# ~20x slower and ~7x the memory (5,000 rows: --jobs 1 2.9 s CPU / 9.8 s wall / 144 MB; --jobs 2
# 62.5 s CPU / 191 s wall / 960 MB, load ~15); the bytes are the same. The parallel run leaves the
# columnar path (performance.md: "runs with --jobs or --store still build it whole").
# usage: repro/jobs_parquet.sh [ROWS]   (default 1000)
HERE=$(cd "$(dirname "$0")/.." && pwd); PS=${PS:-/tmp/rev18/venv/bin/perfscore}; PY=${PY:-/tmp/rev18/venv/bin/python}
N=${1:-1000}; D=$(mktemp -d); cd "$HERE"
$PY -c "import gen, prep; prep.write_csv(gen.records($N), '$D/b.csv')"
for j in 1 2; do
  /usr/bin/time -f "$N rows CSV -> Parquet --jobs $j: %U+%S s CPU, %e s wall, peak %M kB" $PS score rules/rev18-jtj-dept.yaml $D/b.csv -o $D/f$j.parquet --jobs $j 2>&1 | grep CPU
done
cmp -s $D/f1.parquet $D/f2.parquet && echo "same bytes"
rm -rf "$D"
