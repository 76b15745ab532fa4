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

# Ids: a job listed twice is refused, naming both places.
/usr/bin/python3 - "$EX" "$TMP/dup.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
d["jobs"].append(dict(d["jobs"][0]))
json.dump(d, open(sys.argv[2], "w"))
PY
check "a duplicate job id is refused, both places named" named "$TMP/dup.json" \
	"job 'j1': the id is used twice (jobs\[0\] and jobs\[1\])"

# Curves from measurements: a slope that rises by 3e-7 relative (a curve
# rounded to 6 decimals) is taken as its concave envelope, with a warning;
# one that rises by 1e-3 is refused.
sed 's/\[550, 0.96\]/[550, 0.92499999]/' "$EX" > "$TMP/near.json"
$PP solve "$TMP/near.json" > "$TMP/near.out" 2> "$TMP/near.err"
check "a near-concave curve is solved (its envelope)" [ $? -eq 0 ]
check "... with a warning naming the job" grep -q "job 'j1'.*concave envelope" "$TMP/near.err"
sed 's/\[550, 0.96\]/[550, 0.93]/; s/\[700, 1.0\]/[700, 1.05]/' "$EX" > "$TMP/convex.json"
check "a clearly non-concave curve is refused" named "$TMP/convex.json" "job 'j1': curve is not concave"

# Caps on the wire are rounded down: the powers read back from the answer
# keep every limit, on parks where many limits bind at once.
/usr/bin/python3 - "$TMP" <<'PY'
import json, random, sys
for s in range(8):
    r = random.Random(s)
    nodes = [{"id": "site", "parent": None, "limit_kw": 1e6, "base_kw": 0}]
    jobs = []
    for k in range(60):
        g = r.choice([7, 13, 29, 64])
        nodes.append({"id": f"r{k}", "parent": "site", "limit_kw": round(g * r.uniform(0.25, 0.6), 4),
                      "base_kw": round(r.uniform(0, 1), 4)})
        jobs.append({"id": f"j{k}", "weight": round(r.uniform(1, 10), 3), "p_min_w": 200, "p_max_w": 700,
                     "demand_w": 700, "placement": [{"node": f"r{k}", "gpus": g}],
                     "curve": [[200, 0.5], [333.3, 0.77], [700, 1.0]], "flexible": False})
    json.dump({"margin": 0.02, "grid": {"limit_kw": 1e6, "other_kw": 0, "cooling_kw_per_kw": 0.2},
               "nodes": nodes, "plants": [], "jobs": jobs}, open(f"{sys.argv[1]}/tight{s}.json", "w"))
PY
readback() { # INSTANCE ANSWER: every rack's base + GPUs x power_w within its limit less the margin
	/usr/bin/python3 - "$1" "$2" <<'PY'
import json, sys
i, a = json.load(open(sys.argv[1])), json.load(open(sys.argv[2]))
lim = {n["id"]: (n["limit_kw"], n["base_kw"]) for n in i["nodes"]}
over = 0
for j, x in zip(i["jobs"], a["jobs"]):
    l, b = lim[j["placement"][0]["node"]]
    if b + j["placement"][0]["gpus"] * x["power_w"] / 1000 > l * (1 - i["margin"]):
        over += 1
sys.exit(1 if over else 0)
PY
}
for s in 0 1 2 3 4 5 6 7; do
	$PP solve "$TMP/tight$s.json" > "$TMP/tight$s.out" || break
	readback "$TMP/tight$s.json" "$TMP/tight$s.out" || break
done
check "caps read back from 8 answers with 60 binding racks each keep every limit" [ "$s" = 7 ]

done_tests it_solve
