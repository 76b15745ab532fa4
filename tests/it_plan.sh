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
check "progress during the searches: each size tried, a plain line (not a terminal)" \
	grep -Eq "^  \[[0-9]/9\] search Chicago / towers / optimizer: [0-9]+ GPUs, [0-9.]+ % lost \((within|over)\)$" "$TMP/out.err"
check "... no carriage return or escape when stderr is not a terminal" \
	bash -c "! grep -q \$'[\\r\\033]' '$TMP/out.err'"
check "energy balance holds in every hour of every run (and every step)" $CHK balance "$TMP/out"
check "no run crossed a limit" $CHK limits "$TMP/out"
check "summary.csv's totals are the sums of the runs' CSVs" $CHK sums "$TMP/out"
check "summary.md = summary.html = summary.csv's numbers" $CHK summary "$TMP/out"
check "the search: best within budget, one step more over it, optimizer >= static, ranked first" \
	$CHK search "$TMP/out" 64
check "the charts are SVG and the load-duration curves fall" $CHK svgs "$TMP/out"
check "the charts: every mark inside the axes, monthly PUE 12 points a design, legends fit" \
	$CHK charts "$TMP/out" 3
check "a ranking within the seeds' spread or one search step says so, and only then" \
	$CHK caveat "$TMP/out" 64
check "the summary says why the first ranks first" \
	grep -q "^- \*\*1\. Chicago / [a-z]*\*\*: carries [0-9]* GPUs within the 2.0 % loss budget.*; annual PUE 1\.[0-9]* vs 1\.[0-9]*" "$TMP/out/summary.md"
check "the sites as their numbers say: the connection and the event" \
	grep -q "^- \*\*Chicago\*\*: grid connection 1.35 MW; other loads 0.04 MW, losses 3 % of IT; summer-dr: 1.15 MW in Jun-Aug, weekdays 14:00-18:00\.$" "$TMP/out/summary.md"
check "shipped plans' descriptions state no number their files contradict" \
	$CHK descriptions "$HERE/../conf/plans/"*.yaml
check "monthly PUE: twelve months a row" grep -q "^| Chicago / towers \(| 1\.[0-9]* \)\{12\}|" "$TMP/out/summary.md"

# ---- the optimizer against the limit-keeping baselines, in the budget's measure ----
for m in value gpu_hours; do
	plan "gain-$m" -e 's/DEFERRABLE/0.8/' -e 's/OVERSIZE/1.1/' -e 's/LIMIT/1.35/' -e 's/DR/1.15/' \
		-e 's/policies: .*/policies: [uniform, optimizer]/' -e 's/runs: 2/runs: 1/' \
		-e "s/loss_budget: .*/&\n  loss_measure: $m/" \
		-e 's#weather: weather/USA#designs: [air]\n    weather: weather/USA#'
	$PP plan "$TMP/gain-$m.yaml" --out "$TMP/gain-$m" > /dev/null 2>&1
	check "loss_measure: $m: the searches' loss is the runs' $m loss; the gain table is theirs" \
		$CHK gain "$TMP/gain-$m" "$m"
done
check "the report names the measure in its loss budget" \
	grep -q "loss budget 2.0 % of the work wanted, measured as priority-weighted work lost" "$TMP/gain-value/summary.md"
check "... and says how many more GPUs the optimizer carries and why" \
	grep -q "^- \*\*Chicago / air\*\*: the optimizer carries [0-9]* GPUs, .*GPU-hours lost per class, " "$TMP/gain-value/summary.md"

# ---- money: one site, one month, a known tariff, reproduced by hand ----
plan money -e 's/DEFERRABLE/0.8/' -e 's/OVERSIZE/1.1/' -e 's/LIMIT/1.35/' -e 's/DR/1.15/' \
	-e 's/policies: .*/policies: [optimizer]/' -e 's/runs: 2/runs: 1/' \
	-e 's/oversize: 1.1/&\n    capex_per_mw: 9000000/' \
	-e 's#    grid:#    designs: [towers]\n    tariff:\n      price_kwh: 0.08\n      demand_kw_month: 15\n      connection_per_mw: 1200000\n      periods:\n        - {name: peak, months: [1, 7], days: weekdays, from: "14:00", to: "18:00", price_kwh: 0.2}\n&#'
printf 'costs: {currency: USD, capex_years: 10, water_per_m3: 2.5}\n' >> "$TMP/money.yaml"
$PP plan "$TMP/money.yaml" --out "$TMP/money" --hours 744 --no-search > /dev/null 2>&1
check "money: energy at the tariff, demand, water, CAPEX and cost per GPU-hour = a hand calculation" \
	$CHK money "$TMP/money"
check "... and the ranking has the cost per delivered GPU-hour" \
	grep -q "^| 1 | Chicago | towers | - |.*| 0\.[0-9]\{4\} |$" "$TMP/money/summary.md"
check "... the same in summary.md and summary.html" $CHK summary "$TMP/money"

# ---- sensitivity: the grid connection from 1.2 to 1.5 MW ----
plan vary -e 's/DEFERRABLE/0.8/' -e 's/OVERSIZE/1.1/' -e 's/LIMIT/1.35/' -e 's/DR/1.15/' \
	-e 's/policies: .*/policies: [optimizer]/' -e 's/runs: 2/runs: 1/' \
	-e 's#weather: weather/USA#designs: [air, towers]\n    weather: weather/USA#'
$PP plan "$TMP/vary.yaml" --out "$TMP/vary" --no-search --vary grid_mw=1.2:1.5:0.1 > /dev/null 2>&1
check "--vary grid_mw: 4 values x 2 designs in csv, table and chart; more grid never loses more" \
	$CHK vary "$TMP/vary" 4
check "... its chart's marks inside the axes" $CHK charts "$TMP/vary" 2
$PP plan "$TMP/vary.yaml" --out "$TMP/vary2" --vary watts=1:2:1 > /dev/null 2> "$TMP/vary.err"
check "--vary with an unknown input is refused and says what it takes" \
	grep -q -- "--vary: expected KEY=FROM:TO:STEP with KEY grid_mw, utilization or gpus" "$TMP/vary.err"

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
