#!/usr/bin/env python3
"""Writes the Grafana dashboards of this folder (run: python3 gen_dashboards.py).
One function per dashboard; panels are laid out left to right on Grafana's
24-column grid. The InfluxQL queries follow docs/metrics in ARCHITECTURE §5
and the measurements `powerpark run`, `collect` and `optimize` write."""
import json, os

DS = {"type": "influxdb", "uid": "powerpark-influx"}
SITE = '"site" =~ /^$site$/'


def var(name, query, multi=False, label=None):
    return {"name": name, "label": label or name, "type": "query", "datasource": DS,
            "query": query, "definition": query, "refresh": 2, "sort": 1,
            "multi": multi, "includeAll": multi, "current": {}, "hide": 0}


def tgt(q, ref="A", fmt="time_series"):
    return {"refId": ref, "datasource": DS, "rawQuery": True, "query": q, "resultFormat": fmt}


def panel(title, kind, unit, queries, w=12, h=8, thresholds=None, desc="", minv=None,
          maxv=None, decimals=None, fmt="time_series", extra=None):
    steps = [{"color": "green", "value": None}]
    for value, color in thresholds or []:
        steps.append({"color": color, "value": value})
    d = {"unit": unit, "thresholds": {"mode": "absolute", "steps": steps}}
    if minv is not None:
        d["min"] = minv
    if maxv is not None:
        d["max"] = maxv
    if decimals is not None:
        d["decimals"] = decimals
    if kind == "timeseries" and thresholds:
        d["custom"] = {"thresholdsStyle": {"mode": "line+area"}}
    p = {"title": title, "type": kind, "datasource": DS, "description": desc,
         "fieldConfig": {"defaults": d, "overrides": []},
         "targets": [tgt(q, chr(65 + i), fmt) for i, q in enumerate(queries)],
         "_w": w, "_h": h}
    if extra:
        p.update(extra)
    return p


def layout(panels):
    x = y = rowh = 0
    for i, p in enumerate(panels):
        w, h = p.pop("_w"), p.pop("_h")
        if x + w > 24:
            x, y, rowh = 0, y + rowh, 0
        p["id"] = i + 1
        p["gridPos"] = {"x": x, "y": y, "w": w, "h": h}
        x += w
        rowh = max(rowh, h)
    return panels


def dashboard(uid, title, desc, panels, variables, time_from="now-24h", refresh="30s"):
    return {"uid": uid, "title": title, "description": desc, "tags": ["powerpark"],
            "schemaVersion": 39, "version": 1, "editable": True, "timezone": "browser",
            "time": {"from": time_from, "to": "now"}, "refresh": refresh,
            "templating": {"list": variables}, "annotations": {"list": []},
            "panels": layout(panels)}


site_var = var("site", 'SHOW TAG VALUES FROM "site" WITH KEY = "site"')
GB = "GROUP BY time($__interval) fill(null)"


def scope(key, meas, within=""):
    """A variable choosing one value of tag key (among meas's, within the
    site and what within adds), and the WHERE clause that keeps to it."""
    q = f'SHOW TAG VALUES FROM "{meas}" WITH KEY = "{key}" WHERE "site" =~ /^$site$/{within}'
    return var(key, q), f'{SITE} AND "{key}" =~ /^${key}$/'


def overview():
    tf = f"WHERE {SITE} AND $timeFilter GROUP BY time($__interval) fill(null)"
    return dashboard("powerpark-overview", "powerpark: park overview",
                     "Grid draw against the limit in force, IT and cooling, PUE, halls, binding limit.", [
        panel("Grid draw against the limit in force", "timeseries", "kwatt",
              [f'SELECT mean("grid_kw") AS "grid", mean("limit_kw") AS "limit" FROM "site" {tf}'],
              w=16, h=9, desc="The site meter and the import limit in force (contract or event)."),
        panel("Headroom now", "stat", "kwatt",
              [f'SELECT last("limit_kw") - last("grid_kw") AS "headroom" FROM "site" WHERE {SITE} AND $timeFilter'],
              w=4, h=9, thresholds=[(0, "red")], extra={"options": {"colorMode": "background"}}),
        panel("PUE now", "stat", "none",
              [f'SELECT last("pue") AS "pue" FROM "site" WHERE {SITE} AND $timeFilter'],
              w=4, h=9, thresholds=[(1.3, "orange"), (1.5, "red")], decimals=3),
        panel("IT, cooling and other loads", "timeseries", "kwatt",
              [f'SELECT mean("it_kw") AS "IT", mean("cooling_kw") AS "cooling", mean("other_kw") AS "other" FROM "site" {tf}'],
              w=12, extra={"fieldConfig": {"defaults": {"unit": "kwatt", "custom": {"stacking": {"mode": "normal"}, "fillOpacity": 30}}, "overrides": []}}),
        panel("PUE", "timeseries", "none",
              [f'SELECT mean("pue") AS "pue" FROM "site" {tf}'], w=12, decimals=3,
              thresholds=[(1.3, "orange"), (1.5, "red")]),
        panel("Hall power (last)", "bargauge", "kwatt",
              [f'SELECT last("power_kw") AS "power" FROM "hall" WHERE {SITE} AND $timeFilter GROUP BY "hall"'],
              w=8, extra={"options": {"orientation": "horizontal", "displayMode": "gradient"}}),
        panel("Binding limit", "table", "none",
              [f'SELECT last("binding") AS "binding", last("stale_racks") AS "stale racks", last("shedding") AS "shedding" FROM "decision" WHERE {SITE} AND $timeFilter'],
              w=8, fmt="table"),
        panel("Water (cooling towers)", "timeseries", "litre",
              [f'SELECT mean("water_lph") AS "water per hour" FROM "site" {tf}'], w=8),
        panel("Weather", "timeseries", "celsius",
              [f'SELECT mean("drybulb_c") AS "dry bulb", mean("wetbulb_c") AS "wet bulb" FROM "weather" {tf}'],
              w=24, h=6),
    ], [site_var])


def drilldown():
    hall_var, w = scope("hall", "hall")
    row_var = scope("row", "rack", ' AND "hall" =~ /^$hall$/')[0]
    gb = GB
    return dashboard("powerpark-halls", "powerpark: hall and rack drill-down",
                     "A hall against its limit, its headroom, and the racks of one row.", [
        panel("Hall $hall: power against its limit", "timeseries", "kwatt",
              [f'SELECT mean("power_kw") AS "power", mean("limit_kw") AS "limit" FROM "hall" WHERE {w} AND $timeFilter {gb}'],
              w=12, h=9),
        panel("Hall $hall: headroom left by the optimizer", "timeseries", "kwatt",
              [f'SELECT mean("headroom_kw") AS "headroom", mean("allocated_kw") AS "allocated" FROM "headroom" WHERE {w} AND $timeFilter {gb}'],
              w=12, h=9, thresholds=[(0, "red")]),
        panel("Row $row: rack power", "timeseries", "kwatt",
              [f'SELECT mean("power_w") / 1000 AS "power" FROM "rack" WHERE {w} AND "row" =~ /^$row$/ AND $timeFilter GROUP BY time($__interval), "rack" fill(null)'],
              w=12, h=9),
        panel("Row $row: GPU caps", "timeseries", "watt",
              [f'SELECT mean("cap_w") AS "cap" FROM "rack" WHERE {w} AND "row" =~ /^$row$/ AND $timeFilter GROUP BY time($__interval), "rack" fill(null)'],
              w=12, h=9),
        panel("Row $row: rack power / limit now", "bargauge", "percentunit",
              [f'SELECT last("power_w") / last("limit_w") AS "load" FROM "rack" WHERE {w} AND "row" =~ /^$row$/ AND $timeFilter GROUP BY "rack"'],
              w=24, h=8, thresholds=[(0.8, "orange"), (0.95, "red")], minv=0, maxv=1,
              extra={"options": {"orientation": "vertical", "displayMode": "lcd"}}),
    ], [site_var, hall_var, row_var])


def cooling():
    plant_var, w = scope("plant", "plant")
    gb = GB
    return dashboard("powerpark-cooling", "powerpark: cooling plant",
                     "Heat against capacity (N+1 kept and all chillers), chillers, towers, free cooling and water.", [
        panel("Plant $plant: heat against capacity", "timeseries", "kwatt",
              [f'SELECT mean("heat_kw") AS "heat", mean("capacity_kw") AS "capacity, N+1 kept", mean("capacity_all_kw") AS "capacity, all available" FROM "plant" WHERE {w} AND $timeFilter {gb}'],
              w=16, h=9),
        panel("Chillers tripped", "stat", "none",
              [f'SELECT last("chillers_tripped") AS "tripped" FROM "plant" WHERE {w} AND $timeFilter'],
              w=4, h=9, thresholds=[(1, "red")], extra={"options": {"colorMode": "background"}}),
        panel("Chillers running", "stat", "none",
              [f'SELECT last("chillers_on") AS "on" FROM "plant" WHERE {w} AND $timeFilter'], w=4, h=9),
        panel("Chiller load", "timeseries", "kwatt",
              [f'SELECT mean("load_kw") AS "load" FROM "chiller" WHERE {w} AND $timeFilter GROUP BY time($__interval), "chiller" fill(null)'],
              w=12),
        panel("Cooling electricity (chillers, tower fans, pumps, air)", "timeseries", "kwatt",
              [f'SELECT mean("cooling_kw") AS "cooling" FROM "plant" WHERE {w} AND $timeFilter {gb}'], w=12),
        panel("Free-cooling fraction", "timeseries", "percentunit",
              [f'SELECT mean("free_fraction") AS "free" FROM "plant" WHERE {w} AND $timeFilter {gb}'],
              w=8, minv=0, maxv=1),
        panel("Tower water", "timeseries", "litre",
              [f'SELECT mean("water_lph") AS "water per hour" FROM "plant" WHERE {w} AND $timeFilter {gb}'], w=8),
        panel("Wet bulb (towers follow it)", "timeseries", "celsius",
              [f'SELECT mean("wetbulb_c") AS "wet bulb", mean("drybulb_c") AS "dry bulb" FROM "weather" WHERE {SITE} AND $timeFilter {gb}'], w=8),
    ], [site_var, plant_var])


def decisions():
    gb = GB
    w = f"WHERE {SITE} AND $timeFilter"
    return dashboard("powerpark-decisions", "powerpark: optimizer decisions",
                     "What the optimizer decided: binding limits, solve time, caps and deferrals.", [
        panel("Binding limit over time", "table", "none",
              [f'SELECT "binding", "stale_racks", "shedding" FROM "decision" {w}'], w=12, h=9, fmt="table"),
        panel("Solve time", "timeseries", "µs",
              [f'SELECT mean("solve_us") AS "mean", max("solve_us") AS "max" FROM "decision" {w} {gb}'],
              w=12, h=9, thresholds=[(20000, "orange"), (100000, "red")]),
        panel("Caps: issued, target and demand (mean per GPU)", "timeseries", "watt",
              [f'SELECT mean("cap_w") AS "cap", mean("target_w") AS "target", mean("demand_w") AS "demand" FROM "cap" {w} {gb}'],
              w=12),
        panel("Deferred work", "timeseries", "none",
              [f'SELECT mean("held") AS "held jobs", mean("running") AS "running jobs" FROM "jobs" {w} {gb}',
               f'SELECT mean("held_gpus") AS "held GPUs" FROM "jobs" {w} {gb}'],
              w=12),
        panel("Headroom per hall", "timeseries", "kwatt",
              [f'SELECT mean("headroom_kw") AS "headroom" FROM "headroom" {w} GROUP BY time($__interval), "hall" fill(null)'],
              w=12, thresholds=[(0, "red")]),
        panel("Stale racks (planned at their worst case)", "timeseries", "none",
              [f'SELECT max("stale_racks") AS "stale" FROM "decision" {w} {gb}'], w=12,
              thresholds=[(1, "orange")]),
    ], [site_var])


def health():
    gb = "fill(null)"
    w = f"WHERE {SITE} AND $timeFilter"
    return dashboard("powerpark-health", "powerpark: collector health",
                     "Devices up, late polls, poll time, errors; output queues and the disk spool.", [
        panel("Share of device polls that succeeded", "timeseries", "percentunit",
              [f'SELECT mean("up") AS "up" FROM "device" {w} GROUP BY time($__interval), "proto" {gb}'],
              w=12, h=8, minv=0, maxv=1, thresholds=[(0.99, "green")]),
        panel("Devices down now", "stat", "none",
              [f'SELECT count("up") - sum("up") AS "down" FROM (SELECT last("up") AS "up" FROM "device" {w} GROUP BY "device")'],
              w=6, h=8, thresholds=[(1, "red")], extra={"options": {"colorMode": "background"}}),
        panel("Devices polled", "stat", "none",
              [f'SELECT count("up") AS "devices" FROM (SELECT last("up") AS "up" FROM "device" {w} GROUP BY "device")'],
              w=6, h=8),
        panel("Late polls (interval missed)", "timeseries", "none",
              [f'SELECT max("late") AS "late" FROM "device" {w} GROUP BY time($__interval), "proto" {gb}'],
              w=12, thresholds=[(1, "orange")]),
        panel("Poll time", "timeseries", "ms",
              [f'SELECT mean("poll_ms") AS "mean", max("poll_ms") AS "max" FROM "device" {w} GROUP BY time($__interval), "proto" {gb}'],
              w=12),
        panel("Output queues", "timeseries", "none",
              [f'SELECT last("queue_batches") AS "batches queued" FROM "output" {w} GROUP BY time($__interval), "output" {gb}'],
              w=8),
        panel("Disk spool", "timeseries", "bytes",
              [f'SELECT last("spool_bytes") AS "spool" FROM "output" {w} GROUP BY time($__interval), "output" {gb}'],
              w=8, thresholds=[(1, "orange")]),
        panel("Points sent and dropped", "timeseries", "none",
              [f'SELECT last("sent") AS "sent", last("dropped") AS "dropped" FROM "output" {w} GROUP BY time($__interval), "output" {gb}'],
              w=8),
    ], [site_var], time_from="now-6h")


here = os.path.dirname(os.path.abspath(__file__))
for name, d in [("overview", overview()), ("halls", drilldown()), ("cooling", cooling()),
                ("decisions", decisions()), ("health", health())]:
    with open(os.path.join(here, f"powerpark-{name}.json"), "w") as f:
        json.dump(d, f, indent=2, ensure_ascii=False)
        f.write("\n")
