#!/usr/bin/python3
"""redfish_check.py LPFILE TREE.json DEVICE: checks that the line protocol
powerpark collect wrote for the Redfish device DEVICE holds every reading
the service serves (TREE: the test server's /_test/tree), each equal to the
served number. The expectations are computed here from the served JSON by
the Redfish schemas' property names, not from powerpark's tables. Prints
each mismatch and 'checked N readings'; exits 1 on any mismatch or when
fewer than 50 were checked."""
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from lp_get import parse  # noqa: E402


def reading(o, *path):
    for p in path:
        if not isinstance(o, dict) or p not in o:
            return None
        o = o[p]
    return o if isinstance(o, (int, float)) and not isinstance(o, bool) else None


def members(t, uri):
    return [m["@odata.id"] for m in t.get(uri, {}).get("Members", [])]


def main():
    lp, tree, dev = sys.argv[1:4]
    t = json.load(open(tree))
    want = []  # (measurement, tags, field, value)

    def put(meas, tags, o, table):
        for field, path in table:
            v = reading(o, *path)
            if v is not None:
                want.append((meas, tags, field, v))

    for c in members(t, "/redfish/v1/Chassis"):
        ch = t[c]
        tg = {"chassis": ch["Id"]}
        em = t.get(ch.get("EnvironmentMetrics", {}).get("@odata.id"), {})
        put("redfish_chassis", tg, em, [("power_w", ("PowerWatts", "Reading")),
                                        ("energy_kwh", ("EnergykWh", "Reading")),
                                        ("temp_c", ("TemperatureCelsius", "Reading")),
                                        ("power_limit_w", ("PowerLimitWatts", "SetPoint"))])
        ps = t.get(ch.get("PowerSubsystem", {}).get("@odata.id"), {})
        put("redfish_power_subsystem", tg, ps, [("capacity_w", ("CapacityWatts",)),
                                                ("allocated_w", ("Allocation", "AllocatedWatts"))])
        for b in members(t, ps.get("PowerSupplies", {}).get("@odata.id")):
            m = t[t[b]["Metrics"]["@odata.id"]]
            put("redfish_psu", dict(tg, psu=t[b]["Id"]), m,
                [(f, (k, "Reading")) for f, k in [
                    ("input_voltage_v", "InputVoltage"), ("input_current_a", "InputCurrentAmps"),
                    ("input_power_w", "InputPowerWatts"), ("output_power_w", "OutputPowerWatts"),
                    ("energy_kwh", "EnergykWh"), ("frequency_hz", "FrequencyHz"),
                    ("temp_c", "TemperatureCelsius")]])
        pw = t.get(ch.get("Power", {}).get("@odata.id"), {})
        for pc in pw.get("PowerControl", []):
            put("redfish_power_control", dict(tg, sensor=pc["Name"]), pc,
                [("power_w", ("PowerConsumedWatts",)), ("capacity_w", ("PowerCapacityWatts",)),
                 ("limit_w", ("PowerLimit", "LimitInWatts")),
                 ("power_avg_w", ("PowerMetrics", "AverageConsumedWatts"))])
        for v in pw.get("Voltages", []):
            put("redfish_voltage", dict(tg, sensor=v["Name"]), v, [("voltage_v", ("ReadingVolts",))])
        for p in pw.get("PowerSupplies", []):
            put("redfish_psu", dict(tg, psu=p["Name"]), p,
                [("input_power_w", ("PowerInputWatts",)), ("output_power_w", ("LastPowerOutputWatts",)),
                 ("input_voltage_v", ("LineInputVoltage",))])
        th = t.get(ch.get("Thermal", {}).get("@odata.id"), {})
        for s in th.get("Temperatures", []):
            put("redfish_temp", dict(tg, sensor=s["Name"]), s, [("temp_c", ("ReadingCelsius",))])
        for f in th.get("Fans", []):
            unit = "fan_pct" if f.get("ReadingUnits") == "Percent" else "fan_rpm"
            put("redfish_fan", dict(tg, sensor=f["Name"]), f, [(unit, ("Reading",))])
    pe = t.get("/redfish/v1/PowerEquipment", {})
    for p in members(t, pe.get("RackPDUs", {}).get("@odata.id")):
        pdu = t[p]
        tg = {"pdu": pdu["Id"]}
        put("redfish_pdu", tg, t[pdu["Metrics"]["@odata.id"]],
            [("power_w", ("PowerWatts", "Reading")), ("energy_kwh", ("EnergykWh", "Reading")),
             ("temp_c", ("TemperatureCelsius", "Reading")),
             ("humidity_pct", ("HumidityPercent", "Reading")),
             ("power_factor", ("PowerWatts", "PowerFactor"))])
        for kind, key in (("mains", "Mains"), ("branch", "Branches")):
            for u in members(t, pdu[key]["@odata.id"]):
                c = t[u]
                table = [("power_w", ("PowerWatts", "Reading")), ("energy_kwh", ("EnergykWh", "Reading")),
                         ("voltage_v", ("Voltage", "Reading")), ("current_a", ("CurrentAmps", "Reading"))]
                table += [("current_l%d_a" % i, ("PolyPhaseCurrentAmps", "Line%d" % i, "Reading"))
                          for i in (1, 2, 3)]
                table += [("voltage_l%dn_v" % i, ("PolyPhaseVoltage", "Line%dToNeutral" % i, "Reading"))
                          for i in (1, 2, 3)]
                put("redfish_pdu_circuit", dict(tg, circuit=c["Id"], circuit_type=kind), c, table)
        for u in members(t, pdu["Outlets"]["@odata.id"]):
            o = t[u]
            put("redfish_outlet", dict(tg, outlet=o["Id"]), o,
                [("power_w", ("PowerWatts", "Reading")), ("energy_kwh", ("EnergykWh", "Reading")),
                 ("voltage_v", ("Voltage", "Reading")), ("current_a", ("CurrentAmps", "Reading")),
                 ("frequency_hz", ("FrequencyHz", "Reading"))])
    got = []
    for line in open(lp, encoding="utf-8"):
        if line.strip():
            m, tags, fields = parse(line)
            if tags.get("device") == dev:
                got.append((m, tags, fields))
    bad = 0
    for meas, tags, field, v in want:
        rows = [f for m, tg, f in got if m == meas and all(tg.get(k) == x for k, x in tags.items())]
        vals = {float(f[field]) for f in rows if field in f}
        if vals != {float(v)}:
            bad += 1
            print("mismatch: %s %s %s: served %r, written %r" % (meas, tags, field, v, sorted(vals)))
    # A reading served as null is not written.
    nulls = [f for m, tg, f in got if m == "redfish_voltage" and tg.get("sensor") == "VRM3 Voltage"]
    if nulls:
        bad += 1
        print("a null reading was written: %r" % nulls)
    print("checked %d readings, %d mismatches" % (len(want), bad))
    sys.exit(1 if bad or len(want) < 50 else 0)


if __name__ == "__main__":
    main()
