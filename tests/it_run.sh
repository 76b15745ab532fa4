#!/bin/bash
# it_run.sh - `powerpark run`: the small scenario (tests/data/scenario_tiny.yaml:
# a demand-response event from 01:00 to 02:00 and a chiller trip in it) at
# full speed, checked through its JSON summary and its metrics files; then
# live, with the API on the simulated clock and the built-in dashboard
# opened in headless Chromium (screenshots 1600 and 800 px wide kept in
# build/artifacts/); then
# into a real influxd; then bad input. The default scenario is checked by
# it_run_default.sh.
. "$(dirname "$0")/lib.sh"
PP=${PP:-build/san/powerpark}
ART=${BUILD:-build}/artifacts
mkdir -p "$ART"
sed "s#OUTDIR#$TMP/lp#" tests/data/scenario_tiny.yaml > "$TMP/tiny.yaml"
START=$(date -u -d 2026-07-29T15:00:00Z +%s)

# --- 1. the day at full speed --------------------------------------------
$PP run "$TMP/tiny.yaml" --fast --quiet --listen 127.0.0.1:0 --summary-json "$TMP/sum.json" \
	> "$TMP/out" 2>&1
check "run exits 0" [ $? -eq 0 ]
check "the summary says no limit was crossed, over the hours played" grep -q "powerpark: no limit crossed in 3.0 h" "$TMP/out"
check "the summary has the baselines beside it" sh -c "grep 'peak draw' $TMP/out | grep -q 'uniform by breaker.*priority by breaker.*grid-proportional'"
check "no cell of the summary runs into the next (two spaces or more between columns)" /usr/bin/python3 - "$TMP/out" <<'PY'
import re, sys
rows = [l for l in open(sys.argv[1]) if re.match(r"  \S", l) and "  " in l[24:]]
sys.exit(not rows or any(len(re.split(r"\s{2,}", l[24:].strip())) not in (1, 4) for l in rows))
PY
py() { /usr/bin/python3 - "$TMP/sum.json" "$@"; }
check "powerpark crossed no level (grid, site, halls, rows, racks, cooling)" py <<'PY'
import json, sys
p = json.load(open(sys.argv[1]))["powerpark"]
sys.exit(p["crossed_levels"] != 0 or p["grid"]["over_steps"] != 0)
PY
check "grid-proportional capping crossed the event's grid limit (what powerpark prevents)" py <<'PY'
import json, sys
b = json.load(open(sys.argv[1]))["grid_proportional"]
sys.exit(not (b["grid"]["over_steps"] > 0 and b["grid"]["limit_kw"] == 760))
PY
check "the baselines by breaker (uniform, priority) kept every limit over the same day (their values printed beside powerpark's)" py <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
p = r["powerpark"]
for k in ("uniform", "priority"):
    b = r[k]
    print("%s: crossed %d, value %.1f of %.1f; powerpark %.1f" % (k, b["crossed_levels"], b["value"], b["value_want"], p["value"]))
    if b["crossed_levels"] != 0 or b["steps"] != p["steps"]:
        sys.exit(1)
PY
check "powerpark kept the N+1 reserve through the trip, the baseline did not" py <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
sys.exit(not (r["powerpark"]["reserve_h"][0] < 0.02 < r["grid_proportional"]["reserve_h"][0]))
PY
check "deferrable jobs were held in the event and started after it ended" py <<'PY'
import json, sys
p = json.load(open(sys.argv[1]))["powerpark"]
sys.exit(not (p["jobs_deferred"] >= 1 and p["deferred_gpu_h"] > 0
              and p["first_held_h"] < 2.0 <= p["last_start_h"] < 3.0))
PY
check "work delivered is at most what was wanted, and most of it" py <<'PY'
import json, sys
for k, r in json.load(open(sys.argv[1])).items():
    if not (0.9 * r["want_gpu_h"] < r["work_gpu_h"] <= r["want_gpu_h"] + 1e-6): sys.exit(1)
    if r["steps"] != 1080 or not (1.05 < r["pue"] < 2): sys.exit(1)
PY
cat "$TMP"/lp/*.lp > "$TMP/all.lp" 2>/dev/null
check "one site sample a simulated minute (180 in 3 h)" \
	[ "$(grep -c '^site,site=tiny ' "$TMP/all.lp")" -eq 180 ]
for m in "hall,site=tiny,hall=a " "plant,site=tiny,plant=p1 " "rack,site=tiny,hall=c,row=c01,rack=c01-r01 " \
	 "decision,site=tiny " "cap,site=tiny,rack=a01-r01 " "weather,site=tiny " "jobs,site=tiny "; do
	check "metrics have ${m% }" grep -q "^$m" "$TMP/all.lp"
done
check "every timestamp lies in the simulated day" /usr/bin/python3 - "$TMP/all.lp" "$START" <<'PY'
import sys
lo = int(sys.argv[2]) * 10**9; hi = lo + 3 * 3600 * 10**9
ts = [int(l.rsplit(" ", 1)[1]) for l in open(sys.argv[1]) if l.startswith(("site,", "rack,"))]
sys.exit(not ts or not all(lo <= t <= hi for t in ts))
PY

# Not a terminal: plain progress lines, one per simulated hour, logs on
# their own lines (it was one 17 kB line of \r-rewrites with logs glued on).
sed "s#OUTDIR#$TMP/lp-plain#" tests/data/scenario_tiny.yaml > "$TMP/plain.yaml"
$PP run "$TMP/plain.yaml" --fast --no-baseline --listen 127.0.0.1:0 > "$TMP/plain.out" 2>&1
check "run into a file: progress as plain lines, no \\r, no line over 300 bytes" /usr/bin/python3 - "$TMP/plain.out" <<'PY'
import sys
t = open(sys.argv[1], "rb").read()
lines = t.split(b"\n")
prog = [l for l in lines if b" grid " in l and b" MW  IT " in l]
print(len(prog), "progress lines,", max(map(len, lines)), "bytes at most")
sys.exit(b"\r" in t or max(map(len, lines)) > 300 or not prog)
PY

# --- 1b. the ramp (issue 10): an event ending, a 4,032-GPU job ending ----
sed "s#OUTDIR#$TMP/lp-ramp#" tests/data/scenario_ramp.yaml > "$TMP/ramp.yaml"
$PP run "$TMP/ramp.yaml" --fast --quiet --summary-json "$TMP/ramp.json" > "$TMP/ramp.out" 2>&1
check "the ramp scenario runs" [ $? -eq 0 ]
rpy() { /usr/bin/python3 - "$TMP/ramp.json" "$@"; }
check "ramp: the event was met and the 4,032-GPU job ended within the day" rpy <<'PY'
import json, sys
p = json.load(open(sys.argv[1]))["powerpark"]
sys.exit(not (p["crossed_levels"] == 0 and p["jobs_done"] == 1))
PY
check "ramp: under powerpark no step changed the site's draw faster than 1,000 kW/min (event start and end, job end)" rpy <<'PY'
import json, sys
p = json.load(open(sys.argv[1]))["powerpark"]
print("powerpark: +%.0f / -%.0f kW/min" % (p["ramp_up_max_kw_per_min"], p["ramp_down_max_kw_per_min"]))
sys.exit(not (p["ramp_over_steps"] == 0 and p["ramp_up_max_kw_per_min"] <= 1000
              and p["ramp_down_max_kw_per_min"] <= 1000 and p["steps"] == 540))
PY
check "ramp: the hold-down's energy is reported, and proportional capping broke the ramp at the job's end" rpy <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
p, b = r["powerpark"], r["grid_proportional"]
print("hold-down %.0f kWh; baseline -%.0f kW/min at %.2f h" % (p["holddown_kwh"], b["ramp_down_max_kw_per_min"], b["ramp_down_at_h"]))
sys.exit(not (p["holddown_kwh"] > 0 and b["ramp_down_max_kw_per_min"] > 5000 and b["ramp_down_at_h"] > 0.6))
PY
check "ramp: the summary shows the ramp row" grep -q "ramp (every step)" "$TMP/ramp.out"

# --- 1c. grid signals (issue 24): -30 % with no warning, and warned -25 % --
# The tiny park without its scheduled event: a signal at 01:00 asks for 30 %
# less at once (30 s to respond); another, warned 10 minutes ahead, cuts 25 %
# from 02:30 to 02:50 (its cut is of the draw at 02:20, after the first).
grep -v "{name: dr, start" "$TMP/tiny.yaml" | sed 's/^    events:$//' > "$TMP/sig.yaml"
cat >> "$TMP/sig.yaml" <<'EOF2'
  signals:
    - {at: "01:00", end: "02:00", cut: 0.30, response_s: 30}
    - {at: "02:20", start: "02:30", end: "02:50", cut: 0.25}
EOF2
$PP run "$TMP/sig.yaml" --fast --quiet --listen 127.0.0.1:0 --summary-json "$TMP/sig.json" \
	> "$TMP/sig.out" 2>&1
check "the signal scenario runs" [ $? -eq 0 ]
check "signals: every policy met them within the 30 s response time and crossed nothing; event figures are sane" \
	/usr/bin/python3 - "$TMP/sig.json" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
ok = True
for k, v in r.items():
    print("%s: crossed %d, response %.0f s, event work %.1f of %.1f, inference in events %.1f %%" % (
        k, v["crossed_levels"], v["signal_response_s"], v["event_value"], v["event_value_want"],
        v["inference_event_pct"]))
    ok &= 0 <= v["signal_response_s"] <= 30 and 0 < v["event_value"] <= v["event_value_want"] * (1 + 1e-9)
    ok &= 0 < v["inference_event_pct"] <= 100 + 1e-9
    if k != "grid_proportional":
        ok &= v["crossed_levels"] == 0
sys.exit(not ok)
PY
# The warned signal alone: planned for, the meter is under it when its
# window opens (a response of 0 s), not one control period late.
grep -v 'at: "01:00", end: "02:00", cut: 0.30' "$TMP/sig.yaml" > "$TMP/warned.yaml"
$PP run "$TMP/warned.yaml" --fast --quiet --no-baseline --listen 127.0.0.1:0 \
	--summary-json "$TMP/warned.json" > "$TMP/warned.out" 2>&1
check "signals: a warned one is met when its window opens (response 0 s) under powerpark" \
	/usr/bin/python3 - "$TMP/warned.json" <<'PY'
import json, sys
p = json.load(open(sys.argv[1]))["powerpark"]
print("warned signal: response %.0f s, grid limit judged %.0f kW" % (p["signal_response_s"], p["grid"]["limit_kw"]))
sys.exit(not (p["signal_response_s"] == 0 and p["crossed_levels"] == 0 and p["grid"]["limit_kw"] < 1000))
PY
sed 's/^  other_kw: 20$/  other_kw: 20\n  keep: {inference: 0.99}/' "$TMP/sig.yaml" > "$TMP/keep.yaml"
$PP run "$TMP/keep.yaml" --fast --quiet --no-baseline --listen 127.0.0.1:0 --summary-json "$TMP/keep.json" \
	> "$TMP/keep.out" 2>&1
check "site.keep: inference kept 99 % of its throughput through the signals (without it: less), nothing crossed" \
	/usr/bin/python3 - "$TMP/keep.json" "$TMP/sig.json" <<'PY'
import json, sys
k, s = json.load(open(sys.argv[1]))["powerpark"], json.load(open(sys.argv[2]))["powerpark"]
print("inference in events: %.2f %% with site.keep, %.2f %% without" % (k["inference_event_pct"], s["inference_event_pct"]))
sys.exit(not (k["inference_event_pct"] >= 99 and s["inference_event_pct"] < 99 and k["crossed_levels"] == 0))
PY
sed 's/cut: 0.25}/cut: 0.25, limit_kw: 500}/' "$TMP/sig.yaml" > "$TMP/bad-sig.yaml"
$PP run "$TMP/bad-sig.yaml" --fast > "$TMP/b5" 2>&1
check "a signal with both a cut and a limit is refused at its file:line:column" \
	grep -qE "bad-sig.yaml:[0-9]+:[0-9]+: signal: give exactly one of 'cut'" "$TMP/b5"
sed 's/start: "02:30", end: "02:50"/start: "02:30", end: "02:25"/' "$TMP/sig.yaml" > "$TMP/bad-sig2.yaml"
$PP run "$TMP/bad-sig2.yaml" --fast > "$TMP/b6" 2>&1
check "a signal ending before it starts is refused" \
	grep -qE "bad-sig2.yaml:[0-9]+:[0-9]+: signal: 'end' must be after 'start'" "$TMP/b6"

# --- 2. live: the API on the simulated clock, the dashboard in Chromium ---
port=$(free_port)
CHR=$(command -v chromium || true)
CF="--headless --no-sandbox --disable-gpu --hide-scrollbars --window-size=1400,1100 --virtual-time-budget=4000"
# Before the event (01:00-02:00) the page draws it ahead, with the
# forecast: a run of the first hour only (--duration 1), so that however
# late Chromium's dump comes, the event has not started.
if [ -n "$CHR" ]; then
	port0=$(free_port)
	$PP run "$TMP/tiny.yaml" --speed 20 --duration 1 --no-baseline --quiet \
		--listen "127.0.0.1:$port0" > "$TMP/live0" 2>&1 &
	R0=$!
	PIDS="$PIDS $R0"
	wait_for 120 http_ok "http://127.0.0.1:$port0/healthz"
	# shellcheck disable=SC2086
	$CHR $CF --user-data-dir="$TMP/chr0" --dump-dom "http://127.0.0.1:$port0/" > "$TMP/dom0.html" 2> /dev/null
	kill -INT "$R0" 2>/dev/null
	wait "$R0" 2>/dev/null
fi
# 100x: the 3 h in 108 s, the event from 36 s to 72 s, so that the page's
# dumps and screenshots fall where they must on a loaded machine.
$PP run "$TMP/tiny.yaml" --speed 100 --quiet --listen "127.0.0.1:$port" > "$TMP/live" 2>&1 &
RPID=$!
PIDS="$PIDS $RPID"
U="http://127.0.0.1:$port"
check "the dashboard's server comes up" wait_for 120 http_ok "$U/healthz"
check "GET / serves the dashboard page" sh -c "curl -sf $U/ | grep -q '<canvas id=\"c-site\"'"
held_by_powerpark() {
	curl -sf "$U/v1/jobs" | /usr/bin/python3 -c 'import json,sys
h = json.load(sys.stdin)["held"]
sys.exit(not any("powerpark" in j["reason"] for j in h))'
}
check "in the event, /v1/jobs lists held jobs with powerpark's reason" wait_for 90 held_by_powerpark
hist_ok() {
	curl -sf "$U/v1/history" | /usr/bin/python3 -c 'import json,sys
h = json.load(sys.stdin)
sys.exit(not (len(h["t"]) >= 5 and 760 in h["limit_kw"] and h["utc_offset_s"] == 32400
              and len(h["halls"]) == 2 and h["layout"] == [[6, 6], [4]]))'
}
check "/v1/history holds the day so far, the event's limit in it" wait_for 30 hist_ok
check "the API's clock is the simulated one" sh -c "curl -sf $U/v1/budget | /usr/bin/python3 -c '
import json,sys; t = json.load(sys.stdin)[\"time\"]; sys.exit(not ($START <= t <= $START + 3 * 3600))'"
tripped() {
	curl -sf "$U/v1/events" | /usr/bin/python3 -c 'import json,sys
sys.exit(not any(e["kind"] == "trip" for e in json.load(sys.stdin)["events"]))'
}
check "/v1/events lists the chiller trip (the scenario trips ch2 at 01:20)" wait_for 60 tripped
if [ -n "$CHR" ]; then
	check "before it starts, the event is drawn ahead on every time axis, with the forecast's headroom band" \
		/usr/bin/python3 - "$TMP/dom0.html" "$START" <<'PY'
import re, sys
dom = re.sub(r"<script>.*?</script>", "", open(sys.argv[1]).read(), flags=re.S)
ev0, ev1 = int(sys.argv[2]) + 3600, int(sys.argv[2]) + 7200
ok, n = True, 0
for attrs in re.findall(r"<canvas([^>]*data-ticks[^>]*)>", dom):
    a = dict(re.findall(r'data-([a-z0-9]+)="([^"]*)"', attrs))
    n += 1
    print(a.get("bands"), a.get("now"), a.get("x1"), a.get("forecast"))
    ok &= "dr:%d:%d" % (ev0, ev1) in a.get("bands", "").split(",")
    ok &= int(a.get("now", ev0)) < ev0 < int(a.get("x1", 0))
site = dict(re.findall(r'data-([a-z0-9]+)="([^"]*)"', re.search(r'<canvas id="c-site"([^>]*)>', dom).group(1)))
sys.exit(not (ok and n >= 6 and int(site.get("forecast", 0)) > 0))
PY
fi
if [ -z "$CHR" ]; then
	not_ok "chromium is installed (scripts/deps.sh installs it)"
else
	# shellcheck disable=SC2086
	$CHR $CF --enable-logging=stderr --v=0 --user-data-dir="$TMP/chr1" --dump-dom "$U/" \
		> "$TMP/dom.html" 2> "$TMP/chr.err"
	check "the page updated from the API" grep -q 'data-updates="[1-9]' "$TMP/dom.html"
	check "the page counted no script errors" sh -c "! grep -q 'data-errors=' $TMP/dom.html"
	check "the console logged no errors" sh -c "! grep -E 'CONSOLE.*(Uncaught|rror)' $TMP/chr.err"
	check "every chart holds data (site, PUE, weather, floor, one per hall, one per plant)" /usr/bin/python3 - "$TMP/dom.html" <<'PY'
import re, sys
pts = re.findall(r'<canvas [^>]*data-points="(\d+)"', open(sys.argv[1]).read())
print(len(pts), "charts:", pts)
sys.exit(not (len(pts) == 4 + 2 + 1 and all(int(n) > 0 for n in pts)))
PY
	check "the page's event log lists the trip and the event's limit, newest first, the trip highlighted as a fault" \
		/usr/bin/python3 - "$TMP/dom.html" <<'PY'
import re, sys
dom = open(sys.argv[1]).read()
rows = re.findall(r'<tr class="(\w+)" data-kind="([\w-]+)" data-time="(\d+)"><td[^>]*>([\d:]+)</td><td[^>]*>[^<]*</td><td>([^<]*)</td>', dom)
for r in rows: print(r)
kinds = {k: c for c, k, _, _, _ in rows}
times = [int(t) for _, _, t, _, _ in rows]
sys.exit(not (kinds.get("trip") == "fault" and "limit" in kinds and times == sorted(times, reverse=True)
              and any(k == "trip" and hm == "01:20" and "ch2" in txt for _, k, _, hm, txt in rows)
              and any(k == "limit" and "until 02:00" in txt for _, k, _, _, txt in rows)))
PY
	curl -sf "$U/v1/jobs" > "$TMP/jobs.json"
	check "a why per job (the binding limit and its price, or wants less), held jobs until the event's end (02:00)" \
		/usr/bin/python3 - "$TMP/dom.html" "$TMP/jobs.json" "$START" <<'PY'
import json, re, sys
dom = re.sub(r"<script>.*?</script>", "", open(sys.argv[1]).read(), flags=re.S)
jb, t0 = json.load(open(sys.argv[2])), int(sys.argv[3])
ok = True
for r in jb["running"]:
    capped = r["cap_w"] < min(r["demand_w"], r["cap_max_w"]) - 2
    if r["price"] > 0: ok &= ":" in r["why"] or r["why"] == "grid"
    if r["why"] == "wants less": ok &= r["cap_w"] >= r["demand_w"] - 2  # both printed rounded
    if capped: ok &= r["why"] not in ("none", "wants less", "at its maximum", "not solved yet")
    if not ok: print("bad:", r); break
whys = re.findall(r'<tr data-job="([^"]+)" data-why="([^"]+)">(.*?)</tr>', dom)
print(whys[:4])
ok &= len(whys) > 0 and all(w and w not in ("none", "not solved yet") for _, w, _ in whys)
ok &= any("price" in html for _, _, html in whys) or all(w == "wants less" for _, w, _ in whys)
held = re.findall(r'<tr data-job="([^"]+)" data-until="(\d*)">(.*?)</tr>', dom)
print(held[:2])
ours = [(u, html) for _, u, html in held if "powerpark" in html]
ok &= len(ours) > 0 and all(u == str(t0 + 7200) and "until 02:00" in html for u, html in ours)
sys.exit(not ok)
PY
	curl -sf "$U/v1/history" > "$TMP/hist.json"
	check "each hall on its own scale with its headroom as a number; one cooling chart per plant (its own halls' heat), with wet bulb and supply set point" \
		/usr/bin/python3 - "$TMP/dom.html" "$TMP/hist.json" <<'PY'
import json, re, sys
dom, h = open(sys.argv[1]).read(), json.load(open(sys.argv[2]))
cards = re.findall(r'<div data-key="[^"]*" data-hall="([^"]+)" data-headroom-kw="(-?\d+)"><h3>.*?</h3><canvas [^>]*data-ticks="([^"]+)" data-unit="(\w+)"', dom)
plants = re.findall(r'<div data-key="[^"]*" data-plant="([^"]+)" data-headroom-kw="(-?\d*)" data-tripped="[^"]*"><h3>.*?</h3><canvas [^>]*data-points="(\d+)"', dom)
print("halls:", cards, "plants:", plants)
ok = sorted(c[0] for c in cards) == sorted(x["name"] for x in h["halls"])
for name, room, ticks, unit in cards:
    lim = next(x["limit_kw"] for x in h["halls"] if x["name"] == name)
    top = float(ticks.split(",")[-1]) * (1000 if unit == "MW" else 1)
    ok &= lim <= top <= 2 * lim   # its own scale: the limit fills half its axis or more
ok &= sorted(p[0] for p in plants) == sorted(x["name"] for x in h["plants"]) and all(int(p[2]) > 0 for p in plants)
ok &= all(len(x["heat_kw"]) == len(h["t"]) and "reserve" in x and x["chw_supply_c"] > 0 for x in h["plants"])
ok &= any(v is not None for v in h["wetbulb_c"]) and 'id="c-wx"' in dom
sys.exit(not ok)
PY
	check "every axis has round ticks (1, 2 or 5 x 10^k in the unit shown), PUE spans 0.1 or more, every line inside its axes" \
		/usr/bin/python3 - "$TMP/dom.html" <<'PY'
import math, re, sys
dom = re.sub(r"<script>.*?</script>", "", open(sys.argv[1]).read(), flags=re.S)
bad = []
axes = 0
for k, attrs in enumerate(re.findall(r'<canvas([^>]*)>', dom)):
    cid = (re.findall(r'id="([^"]+)"', attrs) or ["canvas %d" % k])[0]
    a = dict(re.findall(r'data-([a-z]+)="([^"]*)"', attrs))
    if "ticks" not in a:
        if cid != "heat": bad.append(cid + ": no data-ticks")
        continue
    axes += 1
    t = [float(x) for x in a["ticks"].split(",")]
    step = t[1] - t[0] if len(t) > 1 else 0
    m = step / 10 ** math.floor(math.log10(step)) if step > 0 else 0
    if len(t) < 2 or not any(abs(m - k) < 1e-6 for k in (1, 2, 5)):
        bad.append("%s: step %g of %s" % (cid, step, a["ticks"]))
    elif any(abs(b - a_ - step) > 1e-6 * step or abs(v / step - round(v / step)) > 1e-6 for a_, b, v in zip(t, t[1:], t[1:])):
        bad.append("%s: ticks %s not whole steps" % (cid, a["ticks"]))
    if a.get("unit") not in ("kW", "MW", "PUE", "C"): bad.append("%s: unit %s" % (cid, a.get("unit")))
    if a.get("unit") == "PUE" and t[-1] - t[0] < 0.1 - 1e-9: bad.append("%s: PUE spans %g" % (cid, t[-1] - t[0]))
    if a.get("outside") != "0": bad.append("%s: %s points outside the axes" % (cid, a.get("outside")))
    print("%s: %s %s, times %s" % (cid, a.get("ticks"), a.get("unit"), a.get("tticks")))
print("\n".join(bad))
sys.exit(bool(bad) or axes < 6)
PY
	# Screenshots at a desktop's and a narrow window's width, kept for a person.
	for wh in 1600,1500 800,2600; do
		w=${wh%,*}
		$CHR ${CF/--window-size=1400,1100/--window-size=$wh} --user-data-dir="$TMP/chr-$w" \
			--screenshot="$ART/dashboard-$w.png" "$U/" > /dev/null 2>&1
		check "a screenshot $w px wide is kept ($ART/dashboard-$w.png)" /usr/bin/python3 - "$ART/dashboard-$w.png" "$w" <<'PY'
import struct, sys
b = open(sys.argv[1], "rb").read(32)
sys.exit(not (b[:8] == b"\x89PNG\r\n\x1a\n" and struct.unpack(">I", b[16:20])[0] == int(sys.argv[2])))
PY
	done
	# shellcheck disable=SC2086
	$CHR ${CF/--window-size=1400,1100/--window-size=800,2600} --user-data-dir="$TMP/chr-n" --dump-dom "$U/" \
		> "$TMP/dom800.html" 2> /dev/null
	check "at 800 px every chart fits the window (one column, nothing wider than the page)" \
		/usr/bin/python3 - "$TMP/dom800.html" <<'PY'
import re, sys
dom = re.sub(r"<script>.*?</script>", "", open(sys.argv[1]).read(), flags=re.S)
ws = [int(w) for w in re.findall(r'<canvas [^>]*width="(\d+)"', dom)]
print("canvas widths at 800 px:", ws)
sys.exit(not (ws and max(ws) <= 800 and 'data-updates="' in dom))
PY
fi
kill -INT "$RPID" 2>/dev/null
wait "$RPID" 2>/dev/null
check "an interrupted run stops cleanly (no sanitizer report)" sh -c "! grep -q 'Sanitizer' $TMP/live"

# --- 3. into a real influxd ----------------------------------------------
iport=$(free_port)
if start_influx "$TMP/influx" "$iport"; then
	curl -sf "http://127.0.0.1:$iport/query" --data-urlencode "q=CREATE DATABASE powerpark" > /dev/null
	$PP run "$TMP/tiny.yaml" --fast --quiet --no-baseline --duration 1 --listen 127.0.0.1:0 \
		--influx "http://127.0.0.1:$iport/write?db=powerpark" > "$TMP/inf" 2>&1
	check "run --influx exits 0" [ $? -eq 0 ]
	check "influxd holds the hour's 60 site samples" sh -c "curl -sf http://127.0.0.1:$iport/query \
		--data-urlencode db=powerpark --data-urlencode 'q=SELECT count(grid_kw) FROM site' |
		grep -q '\"count\"\\],\"values\":\\[\\[\"[^\"]*\",60\\]'"
	check "every Grafana panel query returns the series it expects" \
		/usr/bin/python3 tests/grafana_check.py --influx "http://127.0.0.1:$iport" --db powerpark \
		--start "$START" dashboards
else
	not_ok "influxd started"
fi

# --- 4. bad input ----------------------------------------------------------
sed 's/hall: c, racks: 3/hall: zz, racks: 3/' "$TMP/tiny.yaml" > "$TMP/bad1.yaml"
$PP run "$TMP/bad1.yaml" --fast > "$TMP/b1" 2>&1
check "an unknown hall is named with file:line:column" \
	sh -c "[ $? -eq 1 ] && grep -qE 'bad1.yaml:[0-9]+:[0-9]+: job pretrain: no hall named .zz.' $TMP/b1"
sed 's/at: "01:20"/at: "25:99"/' "$TMP/tiny.yaml" > "$TMP/bad2.yaml"
$PP run "$TMP/bad2.yaml" --fast > "$TMP/b2" 2>&1
check "a bad time of day is named with what was expected" \
	grep -qE 'bad2.yaml:[0-9]+:[0-9]+: .at.: expected a time of day like "14:30"' "$TMP/b2"
$PP run conf/examples/small.yaml --fast > "$TMP/b3" 2>&1
check "a config without a scenario is refused with a reason" grep -q "has no 'scenario' section" "$TMP/b3"
$PP run --speed fast > "$TMP/b4" 2>&1
check "a bad --speed is refused (exit 2)" sh -c "[ $? -eq 2 ] && grep -q 'expected a number' $TMP/b4"
done_tests it_run
