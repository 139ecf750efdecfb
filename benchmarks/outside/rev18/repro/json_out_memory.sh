#!/bin/bash
# rev18 finding: `perfscore score RULES data.json -o findings.json` holds ~1 MB of memory per
# department on rev18's 40-leaf set (1,500 departments: 1.70 GB peak for a 148 MB document;
# 300: 423 MB). 20,000 departments would need ~22 GB. JSON Lines stays at ~125 MB.
# usage: repro/json_out_memory.sh    (prints the peak at 200 and 600 departments, and the slope)
HERE=$(cd "$(dirname "$0")/.." && pwd); PS=${PS:-/tmp/rev18/venv/bin/perfscore}; PY=${PY:-/tmp/rev18/venv/bin/python}
D=$(mktemp -d); cd "$HERE"
for N in 200 600; do
  $PY -c "import gen, json; json.dump(gen.records($N), open('$D/s$N.json','w'), ensure_ascii=False, default=str)"
  /usr/bin/time -f "%M" -o $D/m$N $PS score rules/rev18-jtj-dept.yaml $D/s$N.json -o $D/f$N.json 2>/dev/null
  /usr/bin/time -f "%M" -o $D/l$N $PS score rules/rev18-jtj-dept.yaml $D/s$N.json -o $D/f$N.jsonl 2>/dev/null
  echo "$N departments: -o json peak $(cat $D/m$N) kB ($(stat -c %s $D/f$N.json) bytes); -o jsonl peak $(cat $D/l$N) kB"
done
echo "json peak per extra department: $(( ($(cat $D/m600) - $(cat $D/m200)) / 400 )) kB"
rm -rf "$D"
