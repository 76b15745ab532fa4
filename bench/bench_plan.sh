#!/bin/bash
# bench_plan.sh ROWS.md - the planner's year (issue 9): a 50,000-GPU site
# (conf/plans/korea-50k.yaml's fleet, job mix, grid and designs) on the
# Chicago TMY3 year, one core, hourly (3 seeds, median) and at one-minute
# steps (1 seed), under the optimizer and, in the same run, under
# proportional capping and static provisioning. Times are each year's own
# wall clock (summary.csv wall_s): weather, plants, jobs and the solver.
set -eu
BUILD=${BUILD:-build}
. "$(dirname "$0")/../tests/lib.sh"
PP=$BUILD/powerpark
OUT=$1
EPW=$(pwd)/tests/data/weather/USA_IL_Chicago-OHare.Intl.AP.725300_TMY3.epw
# The Korean plan with its three cities swapped for Chicago.
awk -v epw="$EPW" '
	/^sites:/ { print; print "  - name: Chicago"; print "    weather: " epw; site = 1; next }
	site && /^  - name: / { n++ }
	site && n > 1 { next }
	site && /^  - name: / { next }
	site && /weather:/ { next }
	{ print }' conf/plans/korea-50k.yaml > "$TMP/bench.yaml"
median() { sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
taskset -c 0 "$PP" plan "$TMP/bench.yaml" --out "$TMP/h" --runs 3 --no-search > /dev/null 2> "$TMP/h.err"
taskset -c 0 "$PP" plan "$TMP/bench.yaml" --out "$TMP/m" --runs 1 --step 60s --no-search > /dev/null 2> "$TMP/m.err"
# wall_s of (design, policy) in summary DIR
t() { awk -F, -v d="$2" -v p="$3" 'NR == 1 { for (i = 1; i <= NF; i++) c[$i] = i; next }
	$2 == d && $3 == p { print $c["wall_s"] }' "$1/summary.csv" | median; }
l() { awk -F, -v d="$2" -v p="$3" 'NR == 1 { for (i = 1; i <= NF; i++) c[$i] = i; next }
	$2 == d && $3 == p { print $c["loss_pct"] }' "$1/summary.csv" | median; }
: > "$OUT"
# row DIR DESIGN STEPS-TEXT TIME-TEXT GOAL
row() {
	printf '| plan: a year of a 50,000-GPU site (Chicago TMY3, %s), %s, optimizer in the loop, one core | %.2f s%s, %.2f %% GPU-h lost | proportional: %.2f s (%.2f %% lost); static: %.2f s (%.2f %% lost) | %.1fx proportional time | %s |\n' \
		"$2" "$3" "$(t "$1" $2 optimizer)" "$4" "$(l "$1" $2 optimizer)" "$(t "$1" $2 proportional)" \
		"$(l "$1" $2 proportional)" "$(t "$1" $2 static)" "$(l "$1" $2 static)" \
		"$(echo "$(t "$1" $2 optimizer) / $(t "$1" $2 proportional)" | bc -l)" "$5" >> "$OUT"
}
for d in towers liquid-mix air; do
	row "$TMP/h" $d "8,760 hourly steps" " (median of 3 seeds)" "< 2 s"
done
for d in towers liquid-mix air; do
	row "$TMP/m" $d "525,600 one-minute steps" "" "< 60 s"
done
cat "$OUT"
