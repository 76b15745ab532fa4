#!/bin/bash
# it_rtu.sh - Modbus RTU over a serial line (issue 26, item 4): pymodbus's
# RTU server on one end of a socat pty pair, the collector on the other,
# the framing given by its keys (a pty takes no parity: Linux refuses
# PARENB on it, so the line is 8N1), two live units and two silent ones on
# the same line. A silent unit's poll ends at its first timeout and it backs
# off, so the live units keep their schedule: at least 95 % of their polls.
. "$(dirname "$0")/lib.sh"
PP=${PP:-build/san/powerpark}
HERE=$(cd "$(dirname "$0")" && pwd)
socat pty,raw,echo=0,link="$TMP/ttyC" pty,raw,echo=0,link="$TMP/ttyS" > "$TMP/socat.log" 2>&1 &
PIDS="$PIDS $!"
check "socat made the pty pair" wait_for 20 test -e "$TMP/ttyS" -a -e "$TMP/ttyC"
/usr/bin/python3 "$HERE/pymodbus_server.py" --serial "$TMP/ttyS" N > "$TMP/pymodbus.json" \
	2> "$TMP/pymodbus.err" &
PIDS="$PIDS $!"
check "pymodbus's RTU server is up" wait_for 20 test -s "$TMP/pymodbus.json"
# The silent units' map takes three requests (the meter's and two more
# blocks): polled to the end, each poll of one would hold the line 1.5 s
# (3 requests x 250 ms x 2 tries), more than the 1 s interval.
mkdir -p "$TMP/profiles"
sed 's/^profile: meter-3ph$/profile: meter-3blk/' conf/profiles/meter-3ph.yaml > "$TMP/profiles/meter-3blk.yaml"
printf '  - {name: spare1, register: 1000}\n  - {name: spare2, register: 2000}\n' >> "$TMP/profiles/meter-3blk.yaml"
dev() { # name unit profile
	echo "  - {name: $1, protocol: modbus-rtu, address: '$TMP/ttyC', baud: 19200, parity: none, data_bits: 8, stop_bits: 1, unit_id: $2, profile: $3, interval_ms: 1000, timeout_ms: 250, retries: 1}"
}
{
	echo "site: {name: line}"
	echo "devices:"
	dev meter 1 meter-3ph
	dev chiller 2 chiller
	dev dead3 3 meter-3blk
	dev dead4 4 meter-3blk
	echo "outputs: [{name: local, type: file, path: '$TMP/out'}]"
} > "$TMP/line.yaml"
# The first poll of every unit, once: the live ones read right.
$PP collect -c "$TMP/line.yaml" --once --stdout > "$TMP/once.lp" 2> "$TMP/once.err"
check "collect --once over RTU exits 3 (two units silent)" [ $? -eq 3 ]
LPG="/usr/bin/python3 $HERE/lp_get.py"
check "meter power over RTU = pymodbus's" \
	[ "$($LPG $TMP/once.lp meter device=meter power_kw)" = "$(/usr/bin/python3 -c "import json,sys; print(json.load(open(sys.argv[1]))['meter']['power_kw'])" "$TMP/pymodbus.json")" ]
check "chiller over RTU up, the silent units down with a timeout" \
	[ "$($LPG $TMP/once.lp device device=chiller up)$($LPG $TMP/once.lp device device=dead3 up)$($LPG $TMP/once.lp device device=dead3 timeouts)" = 101 ]
# 30 s of polling every second: 30 slots per unit.
$PP collect -c "$TMP/line.yaml" --stdout > "$TMP/run.lp" 2> "$TMP/run.err" &
CP=$!
PIDS="$PIDS $CP"
polled() { [ "$(grep -c "^device,site=line,device=$1,.*up=1i" "$TMP/run.lp")" -ge "$2" ]; }
check "the collector polls the line" wait_for 30 polled meter 1
T0=$(date +%s.%N)
# 30 slots of the live meter after its first: counted from the output, not
# slept for (without the back-off it never gets there: the wait gives up).
wait_for 90 polled meter 31
T1=$(date +%s.%N)
kill -TERM $CP; wait $CP 2>/dev/null
check "healthy units on a line with two silent ones kept >= 95 % of their polls" \
	/usr/bin/python3 - "$TMP/run.lp" "$T0" "$T1" <<'PY'
import sys
lines = open(sys.argv[1]).read().splitlines()
span = float(sys.argv[3]) - float(sys.argv[2])
ok = True
for unit in ("meter", "chiller"):
    ups = [l for l in lines if l.startswith("device,site=line,device=%s," % unit) and "up=1i" in l]
    ts = sorted(int(l.rsplit(" ", 1)[1]) for l in ups)
    slots = (ts[-1] - ts[0]) / 1e9 + 1 if ts else 0
    got = len(ts)
    print("%s: %d good polls over %.1f s of 1 s slots" % (unit, got, slots))
    ok &= slots >= 25 and got >= 0.95 * int(slots)
deads = [l for l in lines if l.startswith("device,site=line,device=dead3,")]
print("dead3: %d health samples, %d of them down" % (len(deads), sum("up=0i" in l for l in deads)))
sys.exit(not ok)
PY
check "a silent unit backs off: most of its slots leave the line alone (poll_ms near 0, not its 500 ms of tries), and each still gets its health sample" \
	/usr/bin/python3 - "$TMP/run.lp" <<'PY'
import re, sys
ms = [float(m.group(1)) for l in open(sys.argv[1]) if l.startswith("device,site=line,device=dead3,")
      for m in [re.search(r"poll_ms=([0-9.]+)", l)] if m]
idle = sum(x < 50 for x in ms)
print("dead3: %d health samples, %d of them without touching the line" % (len(ms), idle))
sys.exit(not (len(ms) >= 25 and idle * 2 > len(ms)))
PY
# --- the line's timing (issue 26, item 4): frame gap and turnaround -----
# Lower bounds only (a sleep lasts at least what it is asked): a meter whose
# map takes two requests waits the gap before its second; of two units
# polled at once, the second waits the turnaround after the first.
sed 's/^profile: meter-3ph$/profile: meter-2blk/' conf/profiles/meter-3ph.yaml > "$TMP/profiles/meter-2blk.yaml"
printf '  - {name: spare1, register: 1000}\n' >> "$TMP/profiles/meter-2blk.yaml"
{
	echo "site: {name: timing}"
	echo "devices:"
	dev meter 1 meter-2blk | sed 's/}$/, frame_gap_ms: 300}/'
	echo "outputs: [{name: local, type: file, path: '$TMP/out2'}]"
} > "$TMP/gap.yaml"
$PP collect -c "$TMP/gap.yaml" --once --stdout > "$TMP/gap.lp" 2> "$TMP/gap.err"
gms=$($LPG $TMP/gap.lp device device=meter poll_ms)
check "frame_gap_ms 300: a two-request poll takes >= 300 ms ($gms ms)" \
	/usr/bin/python3 -c "import sys; sys.exit(not float('$gms') >= 300)"
{
	echo "site: {name: timing}"
	echo "devices:"
	dev meter 1 meter-3ph | sed 's/}$/, turnaround_ms: 400}/'
	dev chiller 2 chiller
	echo "outputs: [{name: local, type: file, path: '$TMP/out3'}]"
} > "$TMP/turn.yaml"
$PP collect -c "$TMP/turn.yaml" --once --stdout > "$TMP/turn.lp" 2> "$TMP/turn.err"
tms=$(for u in meter chiller; do $LPG $TMP/turn.lp device device=$u poll_ms; done | sort -g | tail -1)
check "turnaround_ms 400 on the line: the second unit's poll takes >= 400 ms ($tms ms)" \
	/usr/bin/python3 -c "import sys; sys.exit(not float('$tms') >= 400)"
check "... and both units are read" [ "$($LPG $TMP/turn.lp device device=meter up)$($LPG $TMP/turn.lp device device=chiller up)" = 11 ]

done_tests it_rtu
