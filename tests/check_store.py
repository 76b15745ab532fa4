#!/usr/bin/python3
"""Reads every point of measurement m back from a store and compares it with
what gen_points.py wrote: exactly N points, each value right, none twice.
Usage: check_store.py influx|victoria URL BASE_MS N"""
import json, sys, urllib.parse, urllib.request

kind, url, base, n = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
got = {}  # ts_ms -> (series, v, f)
dups = 0

def add(ts_ms, series, v, f):
    global dups
    if not base <= ts_ms < base + n:
        return  # another run's points
    if ts_ms in got:
        dups += 1
    got[ts_ms] = (series, v, f)

if kind == "influx":
    q = urllib.parse.urlencode({"db": "pp", "q": 'SELECT "v","f","s" FROM "m"', "epoch": "ms",
                                "chunked": "true", "chunk_size": "10000"})
    with urllib.request.urlopen(f"{url}/query?{q}") as r:
        for line in r:
            if not line.strip():
                continue
            for res in json.loads(line).get("results", []):
                for ser in res.get("series", []):
                    cols = ser["columns"]
                    for row in ser["values"]:
                        d = dict(zip(cols, row))
                        add(d["time"], d["s"], int(d["v"]), float(d["f"]))
else:
    urllib.request.urlopen(f"{url}/internal/force_flush").read()
    q = urllib.parse.urlencode({"match[]": '{__name__=~"m_(v|f)",site="it"}'})
    vals = {}
    with urllib.request.urlopen(f"{url}/api/v1/export?{q}") as r:
        for line in r:
            o = json.loads(line)
            name, s = o["metric"]["__name__"], o["metric"]["s"]
            for ts, v in zip(o["timestamps"], o["values"]):
                vals.setdefault(ts, {"s": s})
                if name in vals[ts]:
                    dups += 1
                vals[ts][name] = v
    for ts, d in vals.items():
        add(ts, d["s"], int(d.get("m_v", -1)), float(d.get("m_f", -1)))

bad = 0
for i in range(n):
    want = (f"s{i % 100:02d}", i, i / 8)
    if got.get(base + i) != want:
        if bad < 5:
            print(f"point {i}: got {got.get(base + i)} want {want}", file=sys.stderr)
        bad += 1
extra = len(got) - n
print(f"{kind}: {len(got)} points read, {bad} wrong or missing, {max(extra, 0)} extra, {dups} duplicates")
sys.exit(0 if bad == 0 and extra == 0 and dups == 0 else 1)
