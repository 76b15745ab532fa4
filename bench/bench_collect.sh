#!/bin/bash
# bench_collect.sh ROWS_FILE - polling at park scale: a --frozen simulated
# park of 2,000 SNMP PDUs (APC rPDU2 profile: 2 scalars + 16 outlets x 3
# columns each) and 500 Modbus devices (50 gateways x 10 units: meters,
# chillers, CDUs), every device on a 1 s interval, read for DUR seconds by
# powerpark collect and then by collectd (snmp + modbus plugins) in the same
# run. Counts successful polls and CPU seconds of each reader from /proc.
# Writes Markdown table rows to ROWS_FILE.
set -eu
ROWS=$1
. "$(dirname "$0")/../tests/lib.sh"
BUILD=${BUILD:-build}
PP=$BUILD/powerpark
HERE=$(cd "$(dirname "$0")" && pwd)
DUR=${BENCH_COLLECT_S:-20}
RUNS=${BENCH_COLLECT_RUNS:-3}
TCK=$(getconf CLK_TCK)
D=$TMP/collect

start_park "$D" --pdus 2000 --gateways 50 --units 10 --read-threads 64 --timeout-ms 400 || exit 1

cpu_s() { awk -v t="$TCK" '{printf "%.3f", ($14 + $15) / t}' "/proc/$1/stat"; }
# run_for SECONDS PID...: lets them run, then prints their summed CPU seconds
# (read just before SIGTERM so shutdown work is not counted) and stops them.
run_for() {
	s=$1; shift
	end=$(($(date +%s%N) + s * 1000000000))
	while [ "$(date +%s%N)" -lt "$end" ]; do sleep 0.2; done
	tot=0
	for p in "$@"; do tot=$(echo "$tot + $(cpu_s "$p")" | bc -l); done
	kill -TERM "$@"
	wait "$@" 2>/dev/null || true
	echo "$tot"
}

pp_rate=""; pp_cpu=""; cd_rate=""; cd_cpu=""; pp_late=""
for r in $(seq "$RUNS"); do
	"$PP" collect -c "$D/park.yaml" --stdout > "$D/pp.lp" 2> "$D/pp.err" &
	p=$!
	c=$(run_for "$DUR" $p)
	n=$(grep -c '^device,.*up=1i' "$D/pp.lp" || true)
	late=$(/usr/bin/python3 - "$D/pp.lp" <<'PY'
import sys
late = {}
for l in open(sys.argv[1]):
    if l.startswith("device,"):
        dev = l.split("device=", 1)[1].split(",", 1)[0]
        late[dev] = int(l.split("late=", 1)[1].split("u", 1)[0])
print(sum(late.values()))
PY
)
	pp_rate="$pp_rate $(echo "$n / $DUR" | bc -l)"
	pp_cpu="$pp_cpu $(echo "$c / $n * 1000" | bc -l)"
	pp_late="$pp_late $late"
	echo "powerpark run $r: $n polls in $DUR s, $c CPU s, $late late"

	collectd -f -C "$D/collectd-snmp.conf" > "$D/cd-snmp.out" 2> "$D/cd-snmp.err" &
	a=$!
	collectd -f -C "$D/collectd-modbus.conf" > "$D/cd-modbus.out" 2> "$D/cd-modbus.err" &
	b=$!
	c=$(run_for "$DUR" $a $b)
	# one line per device per successful read: PDUs' power_w, the Modbus
	# devices' first field (meter and chiller power_kw, CDU supply_c)
	ns=$(grep -c '/snmp/gauge-power_w ' "$D/cd-snmp.out" || true)
	nm=$(grep -cE '/modbus-[^/]*/gauge-(power_kw|supply_c) ' "$D/cd-modbus.out" || true)
	n=$((ns + nm))
	cd_rate="$cd_rate $(echo "$n / $DUR" | bc -l)"
	cd_cpu="$cd_cpu $(echo "$c / $n * 1000" | bc -l)"
	echo "collectd  run $r: $n polls ($ns SNMP, $nm Modbus) in $DUR s, $c CPU s"
done
kill $SIM 2>/dev/null; wait $SIM 2>/dev/null || true

median() { tr ' ' '\n' | grep . | sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
ppr=$(echo $pp_rate | median); ppc=$(echo $pp_cpu | median); ppl=$(echo $pp_late | median)
cdr=$(echo $cd_rate | median); cdc=$(echo $cd_cpu | median)
ratio=$(echo "$cdc / $ppc" | bc -l)
core=$(echo "$ppc * $ppr / 1000" | bc -l)
printf 'collect: powerpark %.0f polls/s, %.3f CPU s/1000 polls (%.2f cores); collectd %.0f polls/s, %.3f CPU s/1000 polls; %.1fx\n' \
	"$ppr" "$ppc" "$core" "$cdr" "$cdc" "$ratio"
{
	printf '| poll 2,000 SNMP PDUs + 500 Modbus devices at 1 s, powerpark collect (%d s, frozen sim) | %.0f polls/s, %.3f CPU s per 1,000 polls (%.2f cores), %s late polls | collectd 5.12 snmp+modbus (64 read threads): %.0f polls/s, %.3f CPU s per 1,000 polls | %.1fx polls per CPU second | 2,500 polls/s on one core; >= 3x |\n' \
		"$DUR" "$ppr" "$ppc" "$core" "$ppl" "$cdr" "$cdc" "$ratio"
} > "$ROWS"
