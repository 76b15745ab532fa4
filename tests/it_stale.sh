#!/bin/bash
# it_stale.sh - what a real `powerpark optimize` says when it knows less
# (issue 23, items 1, 2, 3 and 6), over HTTP:
#  - the budget's status (no-data, ok, stale, breach), /healthz for liveness
#    and /readyz (503 with a reason until every rack is read and fresh);
#  - stale readings at their worst: hall a reads 348 kW over its 342 kW
#    limit and 8 GPUs are rejected (binding hall:a); once every rack is
#    stale the same request is still rejected, and neither the budget's
#    headroom nor the forecast improves;
#  - more than 1,024 distinct grid signals, each ended, all taken (200);
#  - a restart of the optimizer while the agent holds its 250 W safe cap
#    (NVML backend on tests/fake_nvml.c): the caps rise from there by at
#    most 50 W a GPU a second, no jump to the plan's 700 W.
. "$(dirname "$0")/lib.sh"
PP=${PP:-build/san/powerpark}
BUILD=${BUILD:-build}
NV=$(cd "$(dirname "$BUILD/tests/libfake_nvml.so")" && pwd)/libfake_nvml.so
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1}
WT=write-token-0123456789
LT=lease-token-0123456789
GT=grid-token-012345678901
NRACKS=40

# --- a hall of 40 racks of 8 GPUs (2 kW base each), limit 342 kW -----------
{
	cat <<YAML
site:
  name: t
  margin: 0.02
  grid: {import_limit_kw: 1000}
power:
  limit_kw: 1000
  halls:
    - name: a
      limit_kw: 342
      rows:
        - name: a1
          limit_kw: 400
          racks:
YAML
	for i in $(seq -w 1 $NRACKS); do
		echo "            - {name: r$i, limit_kw: 10, base_kw: 2, gpus: 8, gpu_model: H100-SXM}"
	done
	cat <<YAML
api:
  listen: 127.0.0.1:0
  tokens:
    - {name: collectors, token: $WT, scopes: [write]}
    - {name: grid, token: $GT, scopes: [admin]}
YAML
} > "$TMP/hall.yaml"
OP=$(free_port)
U="http://127.0.0.1:$OP"
$PP optimize -c "$TMP/hall.yaml" --listen 127.0.0.1:$OP > "$TMP/opt.out" 2> "$TMP/opt.err" &
PIDS="$PIDS $!"
check "optimize serves /healthz" wait_for 30 http_ok "$U/healthz"
code() { curl -s -o "$TMP/body" -w '%{http_code}' "$@"; }
J() { curl -s "$U/v1/budget" | /usr/bin/python3 -c "import json,sys; d=json.load(sys.stdin); h=d['halls'][0]; print($1)"; }
B() { /usr/bin/python3 -c "import json,sys; d=json.load(open('$TMP/body')); print($1)" 2>/dev/null; }
status_is() { [ "$(J 'd["status"]')" = "$1" ]; }

# --- item 2: before any reading ------------------------------------------------
check "no reading yet: the budget's status is no-data ($(J 'd["status"]'))" wait_for 10 status_is no-data
check "/healthz stays liveness: 200 {\"ok\": true}" sh -c "[ \"\$(curl -s -o $TMP/h -w '%{http_code}' $U/healthz)\" = 200 ] && grep -q '\"ok\":true' $TMP/h"
rc=$(code "$U/readyz")
check "/readyz without readings: 503 ($rc) with the reason ($(B 'd.get("reason")'))" \
	sh -c "[ $rc = 503 ] && [ \"\$(/usr/bin/python3 -c \"import json; d=json.load(open('$TMP/body')); print(d['ready'] is False and 'never read' in d['reason'])\")\" = True ]"

# A collector's stand-in: every rack at $1 W, every 0.3 s, while $TMP/writing exists.
writer() {
	while [ -e "$TMP/writing" ]; do
		for i in $(seq -w 1 $NRACKS); do echo "pdu,site=t,rack=r$i power_w=$1"; done |
			curl -s -o /dev/null -H "Authorization: Bearer $WT" --data-binary @- "$U/write"
		sleep 0.3
	done
}
start_writer() { touch "$TMP/writing"; writer "$1" & WPID=$!; PIDS="$PIDS $WPID"; }
stop_writer() { rm -f "$TMP/writing"; wait $WPID 2>/dev/null; }
fresh() { [ "$(J 'd["stale_racks"]')" = 0 ] && status_is "$1"; }
all_stale() { [ "$(J 'd["stale_racks"]')" = $NRACKS ]; }

# --- item 1: over the limit, fresh, then stale (first: a rise between two
# readings would raise the stale base by itself) -----------------------------------
start_writer 8700
check "hall a reads 348 kW over its 342 kW limit: status breach" wait_for 15 fresh breach
A() { code -XPOST -H "Authorization: Bearer $WT" --data-binary '{"gpus":8}' "$U/v1/admit" > /dev/null; B "$1"; }
check "fresh: 8 GPUs rejected ($(A 'd["decision"] + ": " + d["reason"]'))" \
	[ "$(A 'd["decision"] == "reject" and "binding: hall a limit" in d["reason"]')" = True ]
h0=$(J 'h["headroom_kw"]')
F() { curl -s "$U/v1/budget/forecast?hours=1" | /usr/bin/python3 -c "import json,sys; print(json.load(sys.stdin)['buckets'][0]['$1'])"; }
f0=$(F headroom_kw)
stop_writer
check "3 periods after the last /write every rack is stale" wait_for 15 all_stale
check "stale: the same 8 GPUs still rejected ($(A 'd["decision"] + ": " + d["reason"]'))" \
	[ "$(A 'd["decision"] == "reject"')" = True ]
check "stale: the binding limit is still hall:a ($(J 'd["binding"]'))" [ "$(J 'd["binding"]')" = hall:a ]
h1=$(J 'h["headroom_kw"]')
check "stale: hall a's headroom does not improve ($h0 -> $h1 kW)" \
	/usr/bin/python3 -c "import sys; sys.exit(0 if $h1 <= $h0 else 1)"
f1=$(F headroom_kw)
check "stale: the forecast's headroom does not improve ($f0 -> $f1 kW)" \
	/usr/bin/python3 -c "import sys; sys.exit(0 if $f1 <= $f0 else 1)"
check "stale: status still breach (the last readings are over)" status_is breach

# --- item 2: fresh and under, then silent ----------------------------------------
start_writer 7000
check "every rack read again, 280 kW under 342: status ok" wait_for 15 fresh ok
ready() { [ "$(code "$U/readyz")" = 200 ]; }
wait_for 10 ready
check "/readyz: 200 once every rack is read and fresh ($(cat $TMP/body))" ready
stop_writer
check "no reading for 3 periods: every rack stale" wait_for 15 all_stale
check "... status stale ($(J 'd["status"]'))" status_is stale
rc=$(code "$U/readyz")
check "... /readyz 503 ($rc) naming the stale racks ($(B 'd.get("reason")'))" \
	sh -c "[ $rc = 503 ] && grep -q 'racks stale' $TMP/body"

# --- item 6: more than 1,024 grid signals over time, each ended ------------------------
/usr/bin/python3 - "$U" $GT > "$TMP/signals.out" <<'PY'
import json, sys, time, urllib.error, urllib.request
base, tok = sys.argv[1], sys.argv[2]
def post(body):
    r = urllib.request.Request(base + "/v1/grid/event", data=json.dumps(body).encode(),
                               headers={"Authorization": "Bearer " + tok}, method="POST")
    try:
        with urllib.request.urlopen(r, timeout=10) as a:
            return a.status, ""
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode()
bad, first = 0, ""
for i in range(1100):
    now = int(time.time())
    ev = {"id": "sig-%d" % i, "limit_kw": 5000, "start": now - 10, "end": now + 600}
    for end in (now + 600, now - 5):  # in force, then moved to the past: ended
        ev["end"] = end
        st, why = post(ev)
        if st != 200:
            bad += 1
            first = first or "sig-%d: %d %s" % (i, st, why.strip())
print(bad, first)
PY
read nbad first < "$TMP/signals.out"
check "1,100 distinct signals, each ended: every one taken ($nbad refused${first:+: $first})" [ "$nbad" = 0 ]
# The last one ended is retired at the next cycle.
bounded() { curl -s "$U/metrics" > "$TMP/metrics"; [ "$(grep -c '^powerpark_grid_signal_limit_kw{' "$TMP/metrics")" -le 128 ]; }
wait_for 10 bounded
nsig=$(grep -c '^powerpark_grid_signal_limit_kw{' "$TMP/metrics")
check "/metrics keeps the latest ended ones, within a bound ($nsig signals, at most 128)" \
	sh -c "[ $nsig -le 128 ] && grep -q 'powerpark_grid_signal_limit_kw{event=\"sig-1099\"}' $TMP/metrics"

# --- item 3: a restart while the agent holds its safe cap ---------------------------------
cat > "$TMP/one.yaml" <<YAML
site:
  name: t
  margin: 0.02
  grid: {import_limit_kw: 100}
$(one_rack_power n1 8)
api:
  tokens:
    - {name: agents, token: $LT, scopes: [lease, write]}
YAML
OP2=$(free_port)
U2="http://127.0.0.1:$OP2"
start_opt() {
	$PP optimize -c "$TMP/one.yaml" --listen 127.0.0.1:$OP2 --lease-s 2 >> "$TMP/opt2.out" 2>> "$TMP/opt2.err" &
	OPT=$!
	PIDS="$PIDS $OPT"
	wait_for 30 http_ok "$U2/healthz"
}
check "a second optimize (one rack of 8 GPUs) is up" start_opt
: > "$TMP/nv.log"
FAKE_NVML_GPUS=8 FAKE_NVML_DRAW=100 FAKE_NVML_LOG="$TMP/nv.log" $PP agent --url "$U2" \
	--node n1 --token $LT --site t --safe-cap 250 --backend nvml --arg "$NV" \
	--interval-ms 200 2> "$TMP/agent.err" &
PIDS="$PIDS $!"
last0() { awk '$1 == "set" && $2 == 0 {v=$3} END {print v}' "$TMP/nv.log"; }
at() { [ "$(last0)" = "$1" ]; }
check "the agent applies the plan: 700 W" wait_for 30 at 700000
kill -9 $OPT
wait $OPT 2>/dev/null
check "the optimizer gone, the lease ends: the safe cap, 250 W" wait_for 15 at 250000
mark=$(wc -l < "$TMP/nv.log")
check "optimize starts again on the same port" start_opt
check "the caps climb back to 700 W" wait_for 60 at 700000
tail -n +$((mark + 1)) "$TMP/nv.log" | awk '$1 == "set" && $2 == 0 {printf "%d ", $3 / 1000}' > "$TMP/after"
check "after the restart they rose from 250 W by at most 50 W a step ($(cat "$TMP/after"))" \
	/usr/bin/python3 -c "
import sys
v = [250] + [int(x) for x in open('$TMP/after').read().split()]
sys.exit(0 if len(v) > 2 and all(b - a <= 50 for a, b in zip(v, v[1:])) else 1)"

done_tests it_stale
