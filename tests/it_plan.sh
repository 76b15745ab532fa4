#!/bin/bash
# it_plan.sh - `powerpark plan` on the Chicago TMY3 year: its outputs and
# their consistency (energy balance in every row, the summary's numbers are
# the CSVs', Markdown = HTML, charts parse), the fleet-size search, and the
# known answers of issue 9: an unlimited grid makes the optimizer equal
# static provisioning; a colder climate never costs more cooling energy for
# the same design and load; more deferrable work never lowers delivered
# GPU-hours (to 1 ppm: see plan_check.py). Plan errors name file:line:column.
. "$(dirname "$0")/lib.sh"
PP=${PP:-build/san/powerpark}
HERE=$(cd "$(dirname "$0")" && pwd)
CHK="/usr/bin/python3 $HERE/plan_check.py"
mkdir -p "$TMP/weather"
cp "$HERE/data/weather/USA_IL_Chicago-OHare.Intl.AP.725300_TMY3.epw" "$TMP/weather/"

# plan NAME SED...: the test plan with its placeholders filled in.
plan() {
	name=$1; shift
	sed "$@" "$HERE/data/plan_test.yaml" > "$TMP/$name.yaml"
}

# ---- errors ----
plan bad -e 's/DEFERRABLE/1.5/' -e 's/OVERSIZE/1.1/' -e 's/LIMIT/1.35/' -e 's/DR/1.15/' \
	-e 's/water-towers/water-tower/' -e 's/USA_IL_Chicago/nowhere/' -e 's/step_s: 3600/step_s: 700/' \
	-e 's/name: air$/name: towers/'
$PP plan "$TMP/bad.yaml" --out "$TMP/bad" > /dev/null 2> "$TMP/bad.err"
rc=$?
check "a bad plan exits 1 (got $rc) and writes nothing" [ "$rc" -eq 1 ] && [ ! -e "$TMP/bad" ]
check "an unknown cooling design: file:line:column and a suggestion" \
	grep -q "bad.yaml:28:19: 'cooling': expected one of air-chillers, water-towers, liquid-dry, got 'water-tower' (did you mean 'water-towers'?)" "$TMP/bad.err"
check "a fraction out of range: file:line:column and the range" \
	grep -q "bad.yaml:23:20: 'deferrable': must be <= 1, got 1.5" "$TMP/bad.err"
check "a weather file that is not there names the path it tried" \
	grep -q "bad.yaml:40:14: weather 'weather/nowhere-OHare.*: cannot read .*/weather/nowhere" "$TMP/bad.err"
check "a step that does not divide an hour" grep -q "bad.yaml:7:11: 'step_s': expected a divisor of 3600" "$TMP/bad.err"
check "a design named twice" grep -q "bad.yaml:29:11: design 'towers' is defined twice" "$TMP/bad.err"
check "every problem is listed with their count" grep -q "powerpark plan: 5 problems in" "$TMP/bad.err"
$PP plan "$TMP/bad.yaml" --step 7min > /dev/null 2> "$TMP/opt.err"
check "--step 7min is refused (not a divisor of an hour)" grep -q -- "--step: expected a step .*divides an hour.*, not .7min." "$TMP/opt.err"

# ---- the full plan: a tight grid, every policy, two seeds, the search ----
plan tight -e 's/DEFERRABLE/0.8/' -e 's/OVERSIZE/1.1/' -e 's/LIMIT/1.35/' -e 's/DR/1.15/'
$PP plan "$TMP/tight.yaml" --out "$TMP/out" > "$TMP/out.txt" 2> "$TMP/out.err"
rc=$?
check "the plan runs (exit $rc) and names its summaries" [ "$rc" -eq 0 ] && grep -q "out/summary.md" "$TMP/out.txt"
n=$(ls "$TMP/out/runs" 2>/dev/null | grep -c '\.csv$')
check "a CSV per run: 3 designs x 3 policies x 2 seeds = $n" [ "$n" -eq 18 ]
check "progress on the terminal: each run and each search" \
	grep -q "\[18/18\] Chicago / liquid / optimizer / seed 8: .* s; grid .* GWh" "$TMP/out.err"
check "... and the searches" grep -q "search Chicago / air / optimizer: [0-9]* GPUs within 2.0 % loss" "$TMP/out.err"
check "energy balance holds in every hour of every run (and every step)" $CHK balance "$TMP/out"
check "no run crossed a limit" $CHK limits "$TMP/out"
check "summary.csv's totals are the sums of the runs' CSVs" $CHK sums "$TMP/out"
check "summary.md = summary.html = summary.csv's numbers" $CHK summary "$TMP/out"
check "the search: best within budget, one step more over it, optimizer >= static, ranked first" \
	$CHK search "$TMP/out" 64
check "the charts are SVG and the load-duration curves fall" $CHK svgs "$TMP/out"
check "the summary says why the first ranks first" \
	grep -q "^- \*\*1\. Chicago / [a-z]*\*\*: carries [0-9]* GPUs within the 2.0 % loss budget.*; annual PUE 1\.[0-9]* vs 1\.[0-9]*" "$TMP/out/summary.md"
check "monthly PUE: twelve months a row" grep -q "^| Chicago / towers \(| 1\.[0-9]* \)\{12\}|" "$TMP/out/summary.md"

# ---- one-minute and 15-minute steps ----
$PP plan "$TMP/tight.yaml" --out "$TMP/q" --step 15min --hours 168 --runs 1 --no-search \
	> /dev/null 2> "$TMP/q.err"
rows=$(($(wc -l < "$TMP/q/runs/Chicago-air-optimizer-s7.csv") - 1))
check "15-minute steps over a week: 168 hourly rows ($rows)" [ "$rows" -eq 168 ]
check "... balanced, within limits, summed right" $CHK balance "$TMP/q"
check "... and the totals are the rows'" $CHK sums "$TMP/q"
check "... 672 steps a run" grep -q "672" <(/usr/bin/python3 - "$TMP/q" <<'PY'
import csv, sys
# wall time aside, a run's CSV has 168 rows of 4 steps; the summary says so
print(672 if all(len(list(csv.DictReader(open(f"{sys.argv[1]}/{r['csv']}")))) == 168
                 for r in csv.DictReader(open(f"{sys.argv[1]}/summary.csv"))) else 0)
PY
)

# ---- known answers ----
plan inf -e 's/DEFERRABLE/0.8/' -e 's/OVERSIZE/1.6/' -e 's/LIMIT/unlimited/' -e 's/DR/unlimited/'
$PP plan "$TMP/inf.yaml" --out "$TMP/inf" --no-search > /dev/null 2>&1
check "an unlimited grid: the optimizer's year is static provisioning's" $CHK same "$TMP/inf" static optimizer
check "... static caps at the GPU's maximum there" \
	grep -q "^Chicago,towers,static,7,1024,.*,700.0,0," "$TMP/inf/summary.csv"

awk -F, -v OFS=, 'NR > 8 { $7 = sprintf("%.1f", $7 - 6); $8 = sprintf("%.1f", $8 - 6) } { print }' \
	"$TMP/weather/USA_IL_Chicago-OHare.Intl.AP.725300_TMY3.epw" > "$TMP/weather/colder.epw"
plan cold -e 's/DEFERRABLE/0.8/' -e 's/OVERSIZE/1.6/' -e 's/LIMIT/unlimited/' -e 's/DR/unlimited/' \
	-e 's/policies: .*/policies: [static, optimizer]/' -e 's/runs: 2/runs: 1/'
cat >> "$TMP/cold.yaml" <<'EOF'
  - name: Colder
    weather: weather/colder.epw
    grid: {limit_mw: unlimited, other_mw: 0.04}
EOF
$PP plan "$TMP/cold.yaml" --out "$TMP/cold" --no-search > /dev/null 2>&1
check "6 K colder, same designs and load: never more cooling energy" $CHK colder "$TMP/cold" Chicago Colder

# An unsaturated fleet (the work gets done): deferral moves it, never loses it.
for d in 0 0.5 1; do
	plan "def$d" -e "s/DEFERRABLE/$d/" -e 's/OVERSIZE/1.1/' -e 's/LIMIT/1.35/' -e 's/DR/1.15/' \
		-e 's/utilization: 0.85/utilization: 0.6/' -e 's/policies: .*/policies: [optimizer]/'
	$PP plan "$TMP/def$d.yaml" --out "$TMP/def$d" --no-search > /dev/null 2>&1
done
check "more deferrable work never lowers delivered GPU-hours" $CHK monotone "$TMP/def0" "$TMP/def0.5" "$TMP/def1"

done_tests it_plan
