#!/bin/bash
# rev18 finding: `perfscore score RULES data.json -o data.json` (or data.csv -o data.csv) replaces
# the departments' data with the findings, exit status 0, no warning. A slip of one word loses a
# bureau's input. Expected: refuse when an output path is one of the inputs.
HERE=$(cd "$(dirname "$0")/.." && pwd); PS=${PS:-/tmp/rev18/venv/bin/perfscore}; PY=${PY:-/tmp/rev18/venv/bin/python}
D=$(mktemp -d); cd "$HERE"
$PY -c "import gen, json; json.dump(gen.records(3), open('$D/data.json','w'), ensure_ascii=False, default=str)"
echo "before: $(head -c 60 $D/data.json)"
$PS score rules/rev18-jtj-dept.yaml $D/data.json -o $D/data.json; echo "exit status $?"
echo "after:  $(head -c 60 $D/data.json | tr '\n' ' ')"
rm -rf "$D"
