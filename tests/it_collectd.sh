#!/bin/bash
# it_collectd.sh - side by side with collectd (Debian's collectd-core, its
# snmp and modbus plugins): both read the same --frozen simulated park and
# must report the same value for every field both can express.
. "$(dirname "$0")/lib.sh"
PP=${PP:-build/san/powerpark}
HERE=$(cd "$(dirname "$0")" && pwd)
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1}
has_line() { grep -q "$2" "$1" 2>/dev/null; }

start_park "$TMP/park" --pdus 4 --gateways 2 --units 3
check "the simulated park is up" has_line "$TMP/park/sim.json" '"control"'

$PP collect -c "$TMP/park/park.yaml" --once --stdout > "$TMP/pp.lp" 2> "$TMP/pp.err"
check "powerpark read every device once" [ $? -eq 0 ]

collectd -f -C "$TMP/park/collectd.conf" > "$TMP/collectd.log" 2>&1 &
CD=$!
PIDS="$PIDS $CD"
same() { /usr/bin/python3 "$HERE/cd_compare.py" "$TMP/park/manifest.json" "$TMP/pp.lp" "$TMP/park/csv"; }
# collectd writes each value on its own schedule: wait until all are there.
wait_for 60 same
check "collectd ran without plugin errors" [ -z "$(grep -iE 'error|failed|requires' "$TMP/collectd.log")" ]
same > "$TMP/compare.out"
check "collectd and powerpark report the same values ($(tail -1 "$TMP/compare.out"))" [ $? -eq 0 ]
cat "$TMP/compare.out" | grep DIFF | head -5 >&2
kill -TERM $CD; wait $CD 2>/dev/null

# The comparison itself must be able to fail: change one value of ours.
sed '0,/^pdu,.*device=pdu0001/s/power_w=\([0-9.]*\)/power_w=1\1/' "$TMP/pp.lp" > "$TMP/pp-bad.lp"
caught() {
	! /usr/bin/python3 "$HERE/cd_compare.py" "$TMP/park/manifest.json" "$TMP/pp-bad.lp" \
		"$TMP/park/csv" > "$TMP/bad.out" && grep -q "DIFF pdu0001 power_w" "$TMP/bad.out"
}
check "a changed value is caught by the comparison" caught
# 4 PDUs x (4 scalars + 3 phases x 5 + 16 outlets x 3) + 2 x (meter 6 + chiller 7 + CDU 5)
check "the comparison covered every device and table row" grep -q "compared 304 values of 10 devices" "$TMP/compare.out"

done_tests it_collectd
