#!/bin/bash
# it_solve.sh - `powerpark solve`: the example of the issue, stdin, the
# baselines, and bad input named by element.
. "$(dirname "$0")/lib.sh"
PP=${PP:-build/san/powerpark}
HERE=$(cd "$(dirname "$0")" && pwd)
EX=$HERE/data/solve/example.json
field() { /usr/bin/python3 -c "import json,sys; d=json.load(open(sys.argv[1])); print(eval(sys.argv[2]))" "$@"; }

$PP solve "$EX" > "$TMP/ans.json"
check "the example solves" [ $? -eq 0 ]
check "status optimal, j1 runs at its demand (640 W): nothing binds" [ "$(field "$TMP/ans.json" "d['status'], d['jobs'][0]['action'], d['jobs'][0]['power_w'], d['grid']['binding']")" = "('optimal', 'run', 640.0, False)" ]
check "objective = 3 x 8 GPUs x curve(640 W) = 23.616" [ "$(field "$TMP/ans.json" "round(d['objective'], 6)")" = 23.616 ]
check "grid power = (base 46.5 + 8 x 0.64) x 1.2 + 400 kW" [ "$(field "$TMP/ans.json" "round(d['grid']['power_kw'], 6)")" = 461.944 ]
$PP solve - < "$EX" > "$TMP/stdin.json"
check "reads stdin" cmp -s <(field "$TMP/ans.json" "d['jobs']") <(field "$TMP/stdin.json" "d['jobs']")

# Tighten the rack to 10 kW: 6.5 kW base leaves 3.5 kW x (1 - margin) for 8 GPUs.
sed 's/"limit_kw": 130,/"limit_kw": 10,/' "$EX" > "$TMP/tight.json"
$PP solve "$TMP/tight.json" > "$TMP/tight.out"
check "a tight rack binds and caps the job below demand" [ "$(field "$TMP/tight.out" "[n['binding'] for n in d['nodes'] if n['id']=='a01-r01'][0], d['jobs'][0]['cap_w'] < 640")" = "(True, True)" ]
check "its power stays under the limit less the margin" /usr/bin/python3 -c "
import json,sys; d=json.load(open(sys.argv[1])); n=[n for n in d['nodes'] if n['id']=='a01-r01'][0]
sys.exit(0 if n['power_kw'] <= 10*0.98*(1+1e-9) else 1)" "$TMP/tight.out"
for p in proportional static; do
	$PP solve --policy $p "$TMP/tight.json" > "$TMP/$p.json"
	check "baseline $p keeps the limit" /usr/bin/python3 -c "
import json,sys; d=json.load(open(sys.argv[1])); n=[n for n in d['nodes'] if n['id']=='a01-r01'][0]
sys.exit(0 if n['power_kw'] <= 10*0.98*(1+1e-9) else 1)" "$TMP/$p.json"
done

sed 's/"parent": "a01"/"parent": "a99"/' "$EX" > "$TMP/bad.json"
named() { # FILE MESSAGE: exit 1 and the message on stderr
	$PP solve "$1" > /dev/null 2> "$TMP/err.txt"
	[ $? -eq 1 ] && grep -q "$2" "$TMP/err.txt"
}
check "an unknown parent is named (exit 1)" named "$TMP/bad.json" "node 'a01-r01': unknown parent 'a99'"
sed 's/\[700, 1.0\]/[700, 0.9]/' "$EX" > "$TMP/curve.json"
check "a curve that falls is named" named "$TMP/curve.json" "job 'j1': curve is not increasing"
echo '{"nodes": [' | $PP solve - > /dev/null 2> "$TMP/json.err"
check "broken JSON: line and column" grep -q "line 2, column" "$TMP/json.err"

done_tests it_solve
