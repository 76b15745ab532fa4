#!/bin/bash
# it_oscill.sh - oscillation in the simulated park (issue 10): rack r1 runs
# a synchronous training job whose draw swings at 1.3 Hz (60 % of each
# period computing, the rest communicating at 20 % of TDP). collect polls
# the site meter over Modbus at 10 Hz into optimize, which finds the band
# power at the swing's frequency and raises its alert. Then optimize is
# restarted with a power floor of 80 % for training jobs: the agent (sim
# backend) applies it, the swing falls by a measured factor, and the energy
# it costs is the rise of the mean draw.
. "$(dirname "$0")/lib.sh"
PP=${PP:-build/san/powerpark}
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1}
has_line() { grep -q "$2" "$1" 2>/dev/null; }
GP=$(free_port)
OP=$(free_port)
WT=write-token-0123456789
LT=lease-token-0123456789
site() { # floor for training jobs
	cat <<YAML
site:
  name: t
  margin: 0.02
  grid: {import_limit_kw: 200, oscillation: {alert_kw: 5, floor: {training: $1}}}
power:
  limit_kw: 200
  halls:
    - name: a
      limit_kw: 150
      rows:
        - name: a1
          limit_kw: 150
          racks:
            - {name: r1, limit_kw: 40, base_kw: 2, gpus: 32, gpu_model: H100-SXM}
            - {name: r2, limit_kw: 40, base_kw: 2, gpus: 32, gpu_model: H100-SXM}
devices:
  - {name: meter, protocol: modbus-tcp, address: '127.0.8.1:$GP', unit_id: 1, profile: meter-3ph, interval_ms: 100, timeout_ms: 50, retries: 0}
outputs:
  - {name: opt, type: influxdb, url: 'http://127.0.0.1:$OP/write', token: $WT, flush_ms: 100}
api:
  tokens:
    - {name: collectors, token: $WT, scopes: [write]}
    - {name: agents, token: $LT, scopes: [lease, write]}
YAML
}
site 0 > "$TMP/site.yaml"
site 0.8 > "$TMP/floor.yaml"

$PP sim -c "$TMP/site.yaml" > "$TMP/sim.json" 2> "$TMP/sim.err" &
PIDS="$PIDS $!"
check "sim is up" wait_for 30 has_line "$TMP/sim.json" '"control"'
CTL=$(/usr/bin/python3 -c "import json,sys; print(json.load(open(sys.argv[1]))['control'])" "$TMP/sim.json")
a1=$(simctl demand '*' 0.95)
a2=$(simctl swing r1 1.3 0.2)
check "the sim takes a swing (1.3 Hz, low phase at 20 % of TDP): $a1, $a2" [ "${a1%% *}${a2%% *}" = okok ]
a3=$(simctl swing r1 50 0.2)
check "the sim refuses a swing out of range ($a3)" grep -q 'out of range' <<< "$a3"

U="http://127.0.0.1:$OP"
start_opt() { # config
	$PP optimize -c "$1" --listen 127.0.0.1:$OP > /dev/null 2>> "$TMP/opt.err" &
	OPT=$!
	PIDS="$PIDS $OPT"
	wait_for 30 http_ok "$U/healthz"
}
check "optimize is up (no floor)" start_opt "$TMP/site.yaml"
$PP collect -c "$TMP/site.yaml" > /dev/null 2> "$TMP/collect.err" &
PIDS="$PIDS $!"
$PP agent --url "$U" --node r1 --token $LT --backend sim --arg "$CTL" --gpus 32 \
	--safe-cap 300 --interval-ms 300 --site t > /dev/null 2>> "$TMP/agent.err" &
PIDS="$PIDS $!"

# The site's oscillation gauges as "amp peak mean alert", once the
# optimizer has a full 20 s window of 10 Hz readings.
osc() { curl -s "$U/metrics" | awk '
	/^powerpark_oscillation_kw\{level="site"/ {a=$2}
	/^powerpark_oscillation_peak_hz\{level="site"/ {p=$2}
	/^powerpark_oscillation_mean_kw\{level="site"/ {m=$2}
	/^powerpark_oscillation_alert\{level="site"/ {l=$2}
	END {if (a != "") print a, p, m, l}'; }
full_window() { # the swing seen over a whole window at the cap it will keep
	local o; o=$(osc); [ -n "$o" ] || return 1
	echo "$o" > "$TMP/osc.now"
	/usr/bin/python3 -c "import sys; a,p,m,l=map(float,'$o'.split()); sys.exit(0 if a > 5 else 1)"
}
check "the site's band power is published from the 10 Hz meter" wait_for 40 full_window
cycles() { curl -s "$U/metrics" | awk '/^powerpark_cycles_total/{print $2}'; }
past() { [ "$(cycles)" -ge "$1" ] 2>/dev/null; }
sleep_cycles() { wait_for 60 past $(($(cycles) + $1)); } # a window's worth of cycles
sleep_cycles 22
read -r A0 P0 M0 L0 <<< "$(osc)"
check "the swing is found at its frequency: $P0 Hz (1.3 Hz), $A0 kW" /usr/bin/python3 -c "import sys; sys.exit(0 if abs($P0 - 1.3) < 0.05 else 1)"
check "its amplitude is what the sim swings: $A0 kW (a 60/40 square wave of 32 x 525 W x 1.25 has 12.8 kW)" /usr/bin/python3 -c "import sys; sys.exit(0 if 9 < $A0 < 15 else 1)"
check "the alert is raised above 5 kW" [ "$L0" = 1 ]
# The line is written once, when the alert first rises: on a loaded machine
# that can be before the window is whole, at another frequency than the one
# checked above, so only its form is checked here.
check "... logged with the level and frequency" grep -Eq 'site t swings [0-9.]+ kW at [0-9.]+ Hz \(alert at 5\.0 kW\)' "$TMP/opt.err"

kill -TERM $OPT
wait $OPT 2>/dev/null
check "optimize is up again with an 80 % floor for training jobs" start_opt "$TMP/floor.yaml"
floored() { simctl get r1 | grep -q 'floor_w=5[0-9][0-9]\.'; }
check "the agent applies the floor to the rack through power smoothing" wait_for 20 floored
sleep_cycles 25
read -r A1 P1 M1 L1 <<< "$(osc)"
check "with the floor the swing falls: $A0 -> $A1 kW" /usr/bin/python3 -c "import sys; sys.exit(0 if $A1 < $A0 / 3 else 1)"
check "... under the alert ($L1)" [ "$L1" = 0 ]
check "... at an energy cost: the mean draw rose $M0 -> $M1 kW" /usr/bin/python3 -c "import sys; sys.exit(0 if $M1 > $M0 + 2 else 1)"
/usr/bin/python3 -c "print('oscillation: %.2f -> %.2f kW at %.2f Hz (factor %.1f), mean %.1f -> %.1f kW (+%.1f %%)' % ($A0, $A1, $P0, $A0/$A1, $M0, $M1, 100*($M1/$M0-1)))"
done_tests it_oscill
