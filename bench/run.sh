#!/bin/bash
# run.sh - `make bench`: encoder lines/s, and end-to-end points/s into a local
# victoria-metrics through powerpark's HTTP output next to curl posting the
# same pre-encoded batches in the same run; polling a 2,500-device simulated
# park next to collectd (bench_collect.sh); the optimizer's API and control
# loop at 102,400 GPUs (bench_api.sh); a planned year of a 50,000-GPU site
# hourly and at one-minute steps (bench_plan.sh); HA takeover and replication
# on a three-member etcd cluster (bench_ha.sh); the optimizer on issue 22's
# parks up to 260,000 GPUs next to HiGHS and GLPK (bench_highs.py). Appends to
# bench/RESULTS.md.
set -eu
BUILD=${BUILD:-build}
. "$(dirname "$0")/../tests/lib.sh"
PP=$BUILD/powerpark
N=${BENCH_POINTS:-1000000}
BATCH=5000
RUNS=3

enc=$(taskset -c 0 "$BUILD/bench/bench_encode" 2>/dev/null || "$BUILD/bench/bench_encode")
enc_rate=$(echo "$enc" | sed -nE 's/^encode_lines_per_s ([0-9]+)/\1/p')
echo "$enc"

port=$(free_port)
victoria-metrics -storageDataPath="$TMP/vm" -httpListenAddr="127.0.0.1:$port" \
	-loggerLevel=ERROR > "$TMP/vm.log" 2>&1 &
PIDS="$PIDS $!"
wait_for 60 http_ok "http://127.0.0.1:$port/health"

base=$(( ($(date +%s) - 7200) * 1000 ))
tests/gen_points.py "$base" 0 "$N" > "$TMP/all.lp"
mkdir -p "$TMP/batches"
split -l $BATCH -d -a 5 "$TMP/all.lp" "$TMP/batches/b"
: > "$TMP/curl.cfg"
sep=""
for f in "$TMP"/batches/b*; do
	printf '%surl = "http://127.0.0.1:%s/write"\ndata-binary = "@%s"\noutput = "/dev/null"\n' \
		"$sep" "$port" "$f" >> "$TMP/curl.cfg"
	sep="next
"
done
cat > "$TMP/site.yaml" <<CONF
site: {name: bench, grid: {import_limit_kw: 1000}}
power: {limit_kw: 1000, halls: [{name: a, limit_kw: 900, rows: [{name: a01, limit_kw: 100, racks: []}]}]}
outputs:
  - {name: vm, type: victoriametrics, url: "http://127.0.0.1:$port/write", gzip: false,
     batch_lines: $BATCH, batch_bytes: 67108864, flush_ms: 1000, queue_batches: 1024}
CONF

now() { date +%s.%N; }
median() { sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
pp_rates=""; curl_rates=""
for r in $(seq $RUNS); do
	t0=$(now); curl -s -K "$TMP/curl.cfg"; t1=$(now)
	curl_rates="$curl_rates $(echo "$N / ($t1 - $t0)" | bc -l)"
	t0=$(now); "$PP" send -c "$TMP/site.yaml" "$TMP/all.lp" 2>/dev/null; t1=$(now)
	pp_rates="$pp_rates $(echo "$N / ($t1 - $t0)" | bc -l)"
done
pp=$(echo $pp_rates | tr ' ' '\n' | median)
cu=$(echo $curl_rates | tr ' ' '\n' | median)
ratio=$(echo "$pp / $cu * 100" | bc -l)
printf 'e2e powerpark send -> victoria-metrics: %.0f points/s (median of %d)\n' "$pp" $RUNS
printf 'e2e curl --data-binary same batches:    %.0f points/s (median of %d)\n' "$cu" $RUNS
printf 'ratio: %.1f %%\n' "$ratio"

plant=$(taskset -c 0 "$BUILD/bench/bench_plant" tests/data/weather/USA_IL_Chicago-OHare.Intl.AP.725300_TMY3.epw)
echo "$plant"
pv() { echo "$plant" | sed -nE "s/^$1 ([0-9.]+)/\1/p"; }

solve=$(taskset -c 0 "$BUILD/bench/bench_solve" 3)
echo "$solve"

osc=$(taskset -c 0 "$BUILD/bench/bench_oscill")
echo "$osc"

BUILD=$BUILD bench/bench_collect.sh "$TMP/collect_rows.md"
# ... and the park of the earlier figures (2,500 devices), for continuity
BUILD=$BUILD BENCH_COLLECT_PDUS=2000 BENCH_COLLECT_GATEWAYS=50 \
	bench/bench_collect.sh "$TMP/collect_small_rows.md"
BUILD=$BUILD bench/bench_api.sh "$TMP/api_rows.md"
BUILD=$BUILD bench/bench_plan.sh "$TMP/plan_rows.md"
BUILD=$BUILD bench/bench_ha.sh "$TMP/ha_rows.md"
/usr/bin/python3 bench/bench_highs.py "$BUILD" "$TMP/highs_rows.md"

cpu=$(sed -nE 's/^model name\s*:\s*//p' /proc/cpuinfo | head -1)
{
	echo
	echo "## $(date -u +%Y-%m-%d) on $(nproc) cores, $cpu"
	echo
	echo "| benchmark | median | reference | ratio | goal |"
	echo "|---|---|---|---|---|"
	printf '| encoder, typical rack lines, one core | %.2f M lines/s | - | - | >= 5 M lines/s |\n' \
		"$(echo "$enc_rate / 1000000" | bc -l)"
	printf '| %d points into victoria-metrics via HTTP output (parse + encode + POST, %d-line batches) | %.0f points/s | curl --data-binary same batches: %.0f points/s | %.1f %% | >= 90 %% |\n' \
		"$N" $BATCH "$pp" "$cu" "$ratio"
	cat "$TMP/collect_rows.md" "$TMP/collect_small_rows.md"
	cat "$TMP/api_rows.md"
	cat "$TMP/plan_rows.md"
	cat "$TMP/ha_rows.md"
	cat "$TMP/highs_rows.md"
	echo "$solve" | while read -r name _ g _ nodes _ jobs _ ppms _ gs _ ppo _ go _ gap _ prop _ stat _ def _ shed; do
		printf '| optimizer, %s GPUs (%s nodes, %s jobs), one core | %.3f ms (median of 5), objective %.6g | GLPK 5.0 exact MILP: %.6f s, objective %.6g | %.1fx faster, gap %s; proportional %.2f %%, static %.2f %% of the optimum | < 20 ms at 100,000 GPUs, >= 100x GLPK |\n' \
			"$g" "$nodes" "$jobs" "$ppms" "$ppo" "$gs" "$go" "$(echo "$gs * 1000 / $ppms" | bc -l)" "$gap" "$(echo "$prop * 100" | bc -l)" "$(echo "$stat * 100" | bc -l)"
	done
	for d in water_towers air_chillers liquid_dry; do
		printf '| plant model, %s, 8 x 3,000 kW chillers, 8,760 hours of Chicago TMY3, one core | %.2f ms per year, %.2f M evaluations/s | - | - | < 10 ms per year |\n' \
			"$d" "$(pv plant_${d}_year_ms)" "$(echo "$(pv plant_${d}_evals_per_s) / 1000000" | bc -l)"
	done
	echo "$osc" | while read -r tag hz fl sw swf cost pct; do
		[ "$tag" = osc ] || continue
		printf '| swing of a 4,000-GPU training job at %s Hz (0.1-3 Hz band, peak to peak), power floor at %.0f %% of the cap | %s kW with the floor | %s kW without | %.2fx smaller, energy cost %s kW (%s %% of the job) | detected and damped |\n' \
			"$hz" "$(echo "$fl * 100" | bc -l)" "$swf" "$sw" "$(echo "$sw / $swf" | bc -l)" "$cost" "$pct"
	done
	printf '| band power of one meter, one minute at 10 Hz (GSL FFT), one core | %s us | - | - | - |\n' \
		"$(echo "$osc" | sed -nE 's/^osc_fft_us ([0-9.]+)/\1/p')"
} >> bench/RESULTS.md
echo "recorded in bench/RESULTS.md"
