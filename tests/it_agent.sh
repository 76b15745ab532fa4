#!/bin/bash
# it_agent.sh - the node agent against a real `powerpark optimize`, through
# the NVML backend loaded with dlopen from tests/fake_nvml.c (no GPU here;
# production loads libnvidia-ml.so.1) and through the command backend:
# caps applied in range, NVML errors reported by name, a reverted cap
# applied again, defaults restored on exit, the safe cap clamped when the
# optimizer is unreachable.
. "$(dirname "$0")/lib.sh"
PP=${PP:-build/san/powerpark}
BUILD=${BUILD:-build}
NV=$(cd "$(dirname "$BUILD/tests/libfake_nvml.so")" && pwd)/libfake_nvml.so
NVOLD=${NV%.so}_old.so
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1}
LT=lease-token-0123456789
cat > "$TMP/site.yaml" <<YAML
site:
  name: t
  margin: 0.02
  grid: {import_limit_kw: 100, ramp_kw_per_min: 6, oscillation: {floor: {training: 0.5}}}
$(one_rack_power n1 2)
api:
  tokens:
    - {name: agents, token: $LT, scopes: [lease, write]}
YAML
check "optimize is up" start_optimize "$TMP/site.yaml"
agent() { $PP agent --url "$U" --node n1 --token $LT --safe-cap 300 --site t "$@"; }

FAKE_NVML_FAIL=init agent --backend nvml --arg "$NV" --once 2> "$TMP/e1"
check "NVML init failing: the agent stops and names the error ($(cat $TMP/e1))" grep -q 'NVML init: Driver Not Loaded (9)' "$TMP/e1"
agent --backend nvml --arg /nonexistent/libnvidia-ml.so.1 --once 2> "$TMP/e2"
check "no NVML library: said so" grep -q 'cannot load /nonexistent' "$TMP/e2"

FAKE_NVML_LOG="$TMP/nv.log" agent --backend nvml --arg "$NV" --once 2> "$TMP/e3"
cap=$(curl -s -H "Authorization: Bearer $LT" "$U/v1/caps?node=n1" | /usr/bin/python3 -c 'import json,sys; print(round(json.load(sys.stdin)["caps"][0]["cap_w"]*1000))')
check "both GPUs got a cap through NVML" [ "$(grep -c '^set [01] ' "$TMP/nv.log")" = 2 ]
check "every limit set was in the device's range (200-700 W)" /usr/bin/python3 -c "
import sys
v=[int(l.split()[2]) for l in open('$TMP/nv.log') if l.startswith('set ')]
sys.exit(0 if v and all(200000 <= x <= 700000 for x in v) else 1)"
lease=$(curl -s -H "Authorization: Bearer $LT" "$U/v1/caps?node=n1")
check "the lease carries the training floor (half the cap) and a hold-down rate ($lease)" \
	/usr/bin/python3 -c "
import json,sys
c=json.loads('$lease')['caps'][0]
sys.exit(0 if abs(c['floor_w'] - 0.5*c['cap_w']) < 0.11 and c['ramp_down_w_per_s'] > 0 else 1)"
check "power smoothing set through NVML on both GPUs: floor in % of 700 W, the hold-down, on" \
	/usr/bin/python3 -c "
import re,sys
s=[l for l in open('$TMP/nv.log') if l.startswith('smooth ')]
ok=len(s)==2 and all(re.search(r'floor=(\d+\.\d) ramp_down=(\d+\.\d+) state=1',l) for l in s)
f=[float(re.search(r'floor=([\d.]+)',l).group(1)) for l in s] if ok else []
sys.exit(0 if ok and all(10 < x < 60 for x in f) else 1)"
FAKE_NVML_LOG="$TMP/nvold.log" agent --backend nvml --arg "$NVOLD" --once 2> "$TMP/e10"
check "an NVML without power smoothing (before R570): said once, caps still applied" \
	sh -c "[ \$(grep -c 'has no power smoothing' $TMP/e10) = 1 ] && [ \$(grep -c '^set ' $TMP/nvold.log) = 2 ]"
FAKE_NVML_FAIL=set agent --backend nvml --arg "$NV" --once 2> "$TMP/e4"
check "a refused set is reported by NVML's name for it" grep -q 'Insufficient Permissions' "$TMP/e4"

: > "$TMP/nv2.log"
# Started directly, not through agent(): $! must be the agent itself.
FAKE_NVML_REVERT=1 FAKE_NVML_LOG="$TMP/nv2.log" $PP agent --url "$U" --node n1 --token $LT \
	--safe-cap 300 --backend nvml --arg "$NV" --interval-ms 200 2> "$TMP/e5" &
AG=$!
PIDS="$PIDS $AG"
reapplied() { grep -q 'applying again' "$TMP/e5"; }
check "a cap the GPU lost is applied again at the next renewal" wait_for 15 reapplied
kill -TERM $AG
wait $AG
check "the agent stops cleanly on SIGTERM" [ $? -eq 0 ]
check "on an orderly stop each GPU gets its default back (700 W)" [ "$(tail -2 "$TMP/nv2.log" | awk '{print $3}' | sort -u)" = 700000 ]
check "... and power smoothing turned off" [ "$(grep '^smooth' "$TMP/nv2.log" | tail -2 | grep -c 'state=0')" = 2 ]

FAKE_NVML_PERSIST=0 agent --backend nvml --arg "$NV" --once 2> "$TMP/e9"
check "persistence mode off is warned about, naming the GPUs" grep -q 'persistence mode is off on 2 GPU(s) (0,1)' "$TMP/e9"
check "... and not when it is on" sh -c "! grep -q 'persistence mode is off' $TMP/e3"

: > "$TMP/cmd.log"
agent --backend command --arg "echo {gpu} {cap} >> $TMP/cmd.log" --gpus 2 --once 2> "$TMP/e6"
check "the command backend runs the command per GPU with the cap" [ "$(wc -l < "$TMP/cmd.log")" = 2 ]
agent --backend command --arg "true" --gpus 2 --once 2> "$TMP/e7"
check "a command without {cap} is refused" grep -q 'must contain {cap}' "$TMP/e7"

kill -9 $OPT
wait $OPT 2>/dev/null
: > "$TMP/nv3.log"
FAKE_NVML_LOG="$TMP/nv3.log" $PP agent --url "$U" --node n1 --token $LT --safe-cap 1000 \
	--backend nvml --arg "$NV" --once 2> "$TMP/e8"
check "optimizer unreachable: the safe cap is applied, clamped to the range" [ "$(sort -u "$TMP/nv3.log" | awk '{print $3}' | sort -u)" = 700000 ]
check "... and the clamp is logged" grep -q 'clamped to 700 W' "$TMP/e8"
check "nothing out of range reached NVML" sh -c "! grep -q 'Invalid Argument' $TMP/e8"
echo "cap leased: $cap mW"
done_tests it_agent
