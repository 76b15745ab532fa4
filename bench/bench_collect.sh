#!/bin/bash
# bench_collect.sh ROWS_FILE - polling at park scale: a --frozen simulated
# park of PDUS SNMP PDUs (9,200 by default; APC rPDU2 tables: 2 scalars, 3
# phases x 3 and 16 outlets x 3 columns, bench/profiles/) and GATEWAYS x
# UNITS Modbus devices (80 x 10: meters, chillers, CDUs), every device on a
# 1 s interval: 10,000 polls a second. Read for DUR seconds by powerpark
# collect and then by collectd (snmp + modbus plugins) in the same run.
# Counts successful polls and CPU seconds of each reader from /proc, from
# WARM seconds after its start (5 by default: opening 10,000 sessions, and
# the Modbus pool's first polls over 800 fresh connections, are not
# polling; with 3 s those first polls showed as late ones). Writes Markdown table rows to ROWS_FILE.
set -eu
ROWS=$1
. "$(dirname "$0")/../tests/lib.sh"
BUILD=${BUILD:-build}
PP=$BUILD/powerpark
HERE=$(cd "$(dirname "$0")" && pwd)
DUR=${BENCH_COLLECT_S:-20}
RUNS=${BENCH_COLLECT_RUNS:-3}
WARM=${BENCH_COLLECT_WARM_S:-5}
PDUS=${BENCH_COLLECT_PDUS:-9200}
GWS=${BENCH_COLLECT_GATEWAYS:-80}
UNITS=${BENCH_COLLECT_UNITS:-10}
TCK=$(getconf CLK_TCK)
D=$TMP/collect

# The sim on CPU 0, each reader on CPU 1: "on one core" literally, and the
# sim's work is not counted against, nor competes with, the reader's.
SIMCPU=0; RDCPU=$(( $(nproc) > 1 ? 1 : 0 ))
PP0=$PP
PP="taskset -c $SIMCPU $PP0"
start_park "$D" --pdus "$PDUS" --gateways "$GWS" --units "$UNITS" --read-threads 64 \
	--timeout-ms 400 --profiles "${BENCH_COLLECT_PROFILES:-$HERE/profiles}" || exit 1
NDEV=$((PDUS + GWS * UNITS))
PP=$PP0

cpu_s() { awk -v t="$TCK" '{printf "%.3f", ($14 + $15) / t}' "/proc/$1/stat"; }
cpu_sum() { t=0; for p in "$@"; do t=$(echo "$t + $(cpu_s "$p")" | bc -l); done; echo "$t"; }
until_ns() { while [ "$(date +%s%N)" -lt "$1" ]; do sleep 0.1; done; }
# window PID...: lets them warm up for WARM s, then run for DUR s; prints
# "CPU_SECONDS T0_NS T1_NS" of that window (CPU read just before SIGTERM,
# so shutdown work is not counted) and stops them.
window() {
	until_ns $(($(date +%s%N) + WARM * 1000000000))
	t0=$(date +%s%N)
	c0=$(cpu_sum "$@")
	until_ns $((t0 + DUR * 1000000000))
	t1=$(date +%s%N)
	c1=$(cpu_sum "$@")
	kill -TERM "$@"
	wait "$@" 2>/dev/null || true
	echo "$(echo "$c1 - $c0" | bc -l) $t0 $t1"
}
# polls FILE KIND T0 T1: successful polls in the window, and late ones
# (powerpark: health samples; collectd: one value line per device read)
polls() {
	/usr/bin/python3 - "$@" <<'PY'
import re, sys
f, kind, t0, t1 = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
n = 0
late = {}
for l in open(f, errors="replace"):
    if kind == "pp":
        if not l.startswith("device,"):
            continue
        ts = int(l.rsplit(" ", 1)[1])
        if t0 <= ts < t1 and "up=1i" in l:
            n += 1
            dev = l.split("device=", 1)[1].split(",", 1)[0]
            lt = int(l.split("late=", 1)[1].split("u", 1)[0])
            late.setdefault(dev, [lt, lt])[1] = lt
    else:
        m = re.match(r"PUTVAL [^/]+/(snmp/gauge-power_w|modbus-[^/]*/gauge-(power_kw|supply_c)) "
                     r"interval=\S+ ([0-9.]+):", l)
        if m and t0 <= float(m.group(3)) * 1e9 < t1:
            n += 1
print(n, sum(b - a for a, b in late.values()))
PY
}

pp_rate=""; pp_cpu=""; cd_rate=""; cd_cpu=""; pp_late=""
for r in $(seq "$RUNS"); do
	taskset -c $RDCPU "$PP" collect -c "$D/park.yaml" --stdout > "$D/pp.lp" 2> "$D/pp.err" &
	p=$!
	read -r c t0 t1 <<< "$(window $p)"
	read -r n late <<< "$(polls "$D/pp.lp" pp "$t0" "$t1")"
	pp_rate="$pp_rate $(echo "$n / $DUR" | bc -l)"
	pp_cpu="$pp_cpu $(echo "$c / $n * 1000" | bc -l)"
	pp_late="$pp_late $late"
	echo "powerpark run $r: $n polls in $DUR s, $c CPU s, $late late"

	taskset -c $RDCPU collectd -f -C "$D/collectd-snmp.conf" > "$D/cd-snmp.out" 2> "$D/cd-snmp.err" &
	a=$!
	taskset -c $RDCPU collectd -f -C "$D/collectd-modbus.conf" > "$D/cd-modbus.out" 2> "$D/cd-modbus.err" &
	b=$!
	read -r c t0 t1 <<< "$(window $a $b)"
	read -r ns _ <<< "$(polls "$D/cd-snmp.out" cd "$t0" "$t1")"
	read -r nm _ <<< "$(polls "$D/cd-modbus.out" cd "$t0" "$t1")"
	n=$((ns + nm))
	cd_rate="$cd_rate $(echo "$n / $DUR" | bc -l)"
	cd_cpu="$cd_cpu $(echo "$c / ($n + 0.001) * 1000" | bc -l)"
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
	printf '| poll %s SNMP PDUs + %s Modbus devices at 1 s, powerpark collect on one core (%d s after %d s; frozen sim on the other) | %.0f polls/s, %.3f CPU s per 1,000 polls (%.2f cores), %s late polls | collectd 5.12 snmp+modbus (64 read threads), same core: %.0f polls/s, %.3f CPU s per 1,000 polls | %.1fx polls per CPU second | %s |\n' \
		"$PDUS" "$((GWS * UNITS))" "$DUR" "$WARM" "$ppr" "$ppc" "$core" "$ppl" "$cdr" "$cdc" "$ratio" \
		"$([ "$NDEV" -ge 10000 ] && echo "10,000 polls/s on one core, 0 late; >= 5x" || echo "earlier park; >= 3x")"
} > "$ROWS"
