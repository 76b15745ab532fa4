#!/usr/bin/env python3
"""grafana_check.py - checks the Grafana dashboards in DIR.

Structure (always): unique panel ids; grid positions inside Grafana's 24
columns, sizes >= 1, no two panels overlapping; every $variable a query or
title uses is defined (or one of Grafana's own); every panel has a unit and
the provisioned data source; the time range is set.

Queries (with --influx URL --db DB --start UNIX_S): every template variable's
query and every panel target runs against a real influxd over the 3 hours
from START, with $timeFilter, $__interval and the variables filled in (each
variable with its first value), and must return at least one series with a
non-null value, holding each column its query names with AS.
Prints one line per check and "grafana_check: N passed, N failed"."""
import argparse, json, os, re, sys, urllib.parse, urllib.request

BUILTIN = {"timeFilter", "__interval", "__interval_ms", "__timeFilter", "__from", "__to",
           "__range", "__rate_interval", "__dashboard", "__name"}
passed = failed = 0


def check(ok, what):
    global passed, failed
    if ok:
        passed += 1
        print("ok - " + what)
    else:
        failed += 1
        print("not ok - " + what, file=sys.stderr)


def query(a, q):
    url = a.influx + "/query?" + urllib.parse.urlencode({"db": a.db, "q": q, "epoch": "s"})
    with urllib.request.urlopen(url, timeout=30) as r:
        return json.load(r)["results"][0]


def fill(q, a, values):
    q = q.replace("$timeFilter", f"time >= {a.start}s AND time <= {a.start + 3 * 3600}s")
    q = q.replace("$__interval", "5m")
    for k, v in values.items():
        q = q.replace("$" + k, re.escape(v))
    return q


def used_vars(text):
    return set(re.findall(r"\$\{?([A-Za-z_][A-Za-z0-9_]*)", text))


def structure(path, d):
    name = os.path.basename(path)
    panels = d.get("panels", [])
    ids = [p.get("id") for p in panels]
    check(len(panels) > 0 and len(ids) == len(set(ids)), f"{name}: {len(panels)} panels, unique ids")
    boxes, good = [], True
    for p in panels:
        g = p.get("gridPos", {})
        x, y, w, h = (g.get(k) for k in ("x", "y", "w", "h"))
        if not all(isinstance(v, int) for v in (x, y, w, h)) or x < 0 or y < 0 or w < 1 or h < 1 or x + w > 24:
            good = False
            continue
        for (bx, by, bw, bh) in boxes:
            if x < bx + bw and bx < x + w and y < by + bh and by < y + h:
                good = False
        boxes.append((x, y, w, h))
    check(good, f"{name}: grid positions valid and not overlapping")
    defined = {v["name"] for v in d.get("templating", {}).get("list", [])}
    texts = [p.get("title", "") for p in panels] + [t.get("query", "") for p in panels for t in p.get("targets", [])]
    texts += [v.get("query", "") for v in d.get("templating", {}).get("list", [])]
    undefined = set().union(*(used_vars(t) for t in texts)) - defined - BUILTIN
    check(not undefined, f"{name}: every variable used is defined" + (f" (missing: {sorted(undefined)})" if undefined else ""))
    check(all(p.get("fieldConfig", {}).get("defaults", {}).get("unit") for p in panels), f"{name}: every panel has a unit")
    check(all(p.get("datasource", {}).get("uid") == "powerpark-influx" and
              all(t.get("datasource", {}).get("uid") == "powerpark-influx" for t in p.get("targets", []))
              for p in panels), f"{name}: every panel uses the provisioned data source")
    check(bool(d.get("time", {}).get("from")) and bool(d.get("uid")), f"{name}: has a uid and a time range")


def queries(path, d, a):
    name = os.path.basename(path)
    values = {}
    for v in d.get("templating", {}).get("list", []):
        q = fill(v["query"], a, values)
        r = query(a, q)
        vals = [row[1] for s in r.get("series", []) for row in s.get("values", [])]
        check(bool(vals), f"{name}: variable ${v['name']} has values ({', '.join(vals[:4])})")
        values[v["name"]] = vals[0] if vals else "none"
    for p in d.get("panels", []):
        for t in p.get("targets", []):
            q = fill(t["query"], a, values)
            r = query(a, q)
            series = r.get("series", [])
            vals = [x for s in series for row in s.get("values", []) for x in row[1:] if x is not None]
            want = re.findall(r'AS "([^"]+)"', t["query"])
            cols = {c for s in series for c in s.get("columns", [])}
            missing = [w for w in want if w not in cols and not t["query"].startswith("SELECT count")]
            check("error" not in r and vals and not missing,
                  f"{name}: '{p['title']}' {t['refId']} returns {len(series)} series" +
                  (f" (error: {r['error']})" if "error" in r else "") +
                  (f" (missing columns {missing})" if missing else ""))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("dir")
    ap.add_argument("--influx")
    ap.add_argument("--db", default="powerpark")
    ap.add_argument("--start", type=int)
    a = ap.parse_args()
    files = sorted(f for f in os.listdir(a.dir) if f.endswith(".json"))
    check(len(files) >= 5, f"{len(files)} dashboards in {a.dir}")
    for f in files:
        path = os.path.join(a.dir, f)
        d = json.load(open(path))
        structure(path, d)
        if a.influx:
            queries(path, d, a)
    for prov in ("provisioning/datasources/powerpark.yaml", "provisioning/dashboards/powerpark.yaml"):
        check(os.path.exists(os.path.join(a.dir, prov)), f"{prov} exists")
    print(f"grafana_check: {passed} passed, {failed} failed")
    return 1 if failed else 0


sys.exit(main())
