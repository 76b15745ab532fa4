#!/bin/bash
# it_run_default.sh - what `make run` plays: the embedded Gwangju day (600
# racks, demand response 14:00-16:00, a chiller trip in it), at full speed
# with the optimized build (the sanitizer build takes minutes for it).
# powerpark must cross no limit, nor must the baselines by breaker (uniform,
# priority); grid-proportional capping, beside them, must show what happens
# when only the grid meter is watched.
. "$(dirname "$0")/lib.sh"
BIN=${BUILD:-build}/powerpark
(cd "$TMP" && "$OLDPWD/$BIN" run --fast --quiet --listen 127.0.0.1:0 --summary-json "$TMP/sum.json" \
	> "$TMP/out" 2>&1)
check "the default day runs to its end (exit 0)" [ $? -eq 0 ]
check "it ends with the summary" grep -q "powerpark: no limit crossed in 24.0 h" "$TMP/out"
check "the metrics went to local line-protocol files" sh -c "ls $TMP/powerpark-data/metrics/*.lp > /dev/null"
check "powerpark crossed no level; the baseline crossed the event's grid limit" \
	/usr/bin/python3 - "$TMP/sum.json" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
p, b = r["powerpark"], r["grid_proportional"]
sys.exit(not (p["crossed_levels"] == 0 and b["grid"]["over_steps"] > 0
              and b["grid"]["limit_kw"] == 32000 and p["jobs_deferred"] > 0
              and p["steps"] == 8640
              and r["uniform"]["crossed_levels"] == 0 and r["priority"]["crossed_levels"] == 0))
PY
done_tests it_run_default
