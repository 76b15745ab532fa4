#!/usr/bin/python3
"""profile_check.py snmp PROFILE.yaml RECORDING.snmprec LP DEVICE
   profile_check.py modbus PROFILE.yaml EXPECT.json LP DEVICE

Checks what `powerpark collect` wrote (the line protocol in LP) for DEVICE
against what the peer holds, for every field PROFILE declares:

  snmp    the values are computed here from the snmpsim recording, as the
          MIB and the profile say they are read: the field's OID (a scalar)
          or every row under it (a table: the index is the OID's rest, with
          index_suffix the rows of that last part only, tagged without it),
          digits_oid's value at the same row (raw / 10^digits), then scale,
          offset and the [min, max] range (outside: not written). Rows go to
          MEASUREMENT_<index_tag> tagged index_tag=ROW; as_tag columns tag
          their rows.
  modbus  EXPECT.json holds the engineering values the pymodbus map serves,
          by field name (tests/pymodbus_profiles.py).

Every declared field must have a value in the fixture (else the fixture is
too thin to test it), every expected value must be written with the exact
value (float32 sources at float32 precision) and its tags, nothing else may
be written, and values out of range must not be. Prints what it compared;
exits 1 on the first kind of mismatch it reports."""
import json
import math
import os
import sys

import yaml

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from lp_get import parse  # noqa: E402 (the tests' line-protocol reader)

NUMERIC = {2, 65, 66, 67, 70}  # Integer32, Counter32, Gauge32, TimeTicks, Counter64


def oid(s):
    return tuple(int(x) for x in s.strip(".").split("."))


def load_recording(path):
    rec = {}
    for line in open(path, encoding="utf-8"):
        o, t, v = line.rstrip("\n").split("|", 2)
        t = int(t)
        rec[oid(o)] = (t, int(v) if t in NUMERIC else v)
    return rec


def num(f, k, d):
    return float(f.get(k, d))  # YAML 1.1 reads 1.0e12 as text


def scaled(f, raw):
    v = raw * num(f, "scale", 1) + num(f, "offset", 0)
    return v if num(f, "min", -math.inf) <= v <= num(f, "max", math.inf) else None


def digits_of(rec, f, full_index):
    """raw / 10^d with d at the same row of digits_oid, or None when absent."""
    d = rec.get(oid(f["digits_oid"]) + full_index)
    return None if d is None or d[0] not in NUMERIC else d[1]


def expect_snmp(prof, rec):
    """{(measurement, index_tag or None, row or None): {field: value}}, and
    {key: {tag: value}} for as_tag columns; a value None: must be absent."""
    meas = prof["measurement"]
    want, tags, covered = {}, {}, set()
    for f in prof["fields"]:
        base = oid(f["oid"])
        if not f.get("table"):
            rows = [((), rec[base])] if base in rec else []
        else:
            rows = [(o[len(base):], v) for o, v in rec.items()
                    if len(o) > len(base) and o[:len(base)] == base]
        for full, (t, raw) in rows:
            idx = full
            if f.get("index_suffix") is not None:
                if len(full) < 2 or full[-1] != f["index_suffix"]:
                    continue
                idx = full[:-1]
            key = (meas, None, None)
            if f.get("table"):
                it = f.get("index_tag", "index")
                key = ("%s_%s" % (meas, it), it, ".".join(map(str, idx)))
            if f.get("as_tag"):
                tags.setdefault(key, {})[f["name"]] = raw
                covered.add(f["name"])
                continue
            if t not in NUMERIC:
                continue
            if f.get("digits_oid"):
                d = digits_of(rec, f, full)
                if d is None:
                    want.setdefault(key, {})[f["name"]] = None
                    continue
                raw = raw / 10 ** d
            v = scaled(f, raw)
            want.setdefault(key, {})[f["name"]] = v
            if v is not None:
                covered.add(f["name"])
    return want, tags, covered


def expect_modbus(prof, values):
    want, covered = {}, set()
    for f in prof["fields"]:
        if f["name"] in values:
            v = scaled(dict(f, scale=1, offset=0), values[f["name"]])
            want.setdefault((prof["measurement"], None, None), {})[f["name"]] = v
            if v is not None:
                covered.add(f["name"])
    return want, {}, covered


def written(lp, device, prof):
    """{key: (tags, fields)} of DEVICE's samples of the profile's measurements."""
    got = {}
    meas = prof["measurement"]
    for line in open(lp, encoding="utf-8"):
        if not line.strip():
            continue
        m, t, fl = parse(line)
        if t.get("device") != device or not (m == meas or m.startswith(meas + "_")):
            continue
        it = m[len(meas) + 1:] if m != meas else None
        key = (m, it, t.get(it) if it else None)
        tags, fields = got.setdefault(key, ({}, {}))
        tags.update(t)
        for k, v in fl.items():
            if not k.endswith("_per_s"):
                fields[k] = float(v.rstrip("iu"))
    return got


# What a reading of each unit can physically be on this gear, whatever the
# profile says: a scale wrong by 10x (a MIB's 0.1 V read as 0.01, a 0.1 Hz
# as 1 Hz) computes the same wrong value here as in the collector, so it is
# caught by the value leaving its unit's range, not by the comparison.
# Power and current may be negative (a meter's export).
PLAUSIBLE = {"V": (5, 1000),  # a battery's; mains: see implausible()
             "Hz": (40, 70), "C": (-40, 120), "%": (0, 150),
             "A": (-6000, 6000), "W": (-5e6, 5e6), "kW": (-5e4, 5e4), "VA": (0, 5e6),
             "kVA": (0, 5e4), "L/s": (0, 1e4), "s": (0, 1e10), "min": (0, 1e6)}


def implausible(prof, want):
    units = {f["name"]: f.get("unit") for f in prof["fields"]}
    out = []
    for key, fields in want.items():
        for name, v in fields.items():
            u = units.get(name)
            # mains (phase or line voltage, 100-690 V) unless a battery's DC
            lo, hi = (90, 700) if u == "V" and "batt" not in name else \
                PLAUSIBLE.get(u, (-math.inf, math.inf))
            if v is not None and not lo <= v <= hi:
                out.append("%s %s: %r %s is not a plausible reading (outside %g..%g): "
                           "is its scale right?" % (key, name, v, units[name], lo, hi))
    return out


def same(got, want, f32):
    tol = 1.2e-7 if f32 else 1e-12
    return abs(got - want) <= tol * max(1.0, abs(want))


def main():
    kind, prof_path, src, lp, device = sys.argv[1:6]
    prof = yaml.safe_load(open(prof_path))
    if kind == "snmp":
        want, want_tags, covered = expect_snmp(prof, load_recording(src))
    else:
        want, want_tags, covered = expect_modbus(prof, json.load(open(src))[prof["profile"]])
    f32 = {f["name"] for f in prof["fields"] if f.get("type") == "float32"}
    got = written(lp, device, prof)
    bad, nvals, nrows = [], 0, 0
    missing = [f["name"] for f in prof["fields"] if f["name"] not in covered]
    if missing:
        bad.append("the fixture has no value for %s" % ", ".join(missing))
    bad += implausible(prof, want)
    for key, fields in sorted(want.items(), key=lambda kv: str(kv[0])):
        g = got.get(key, ({}, {}))[1]
        nrows += 1
        for name, v in fields.items():
            if v is None:
                if name in g:
                    bad.append("%s %s: %s written, but it is out of range or unscalable" % (key, name, g[name]))
                continue
            nvals += 1
            if name not in g:
                bad.append("%s %s: not written (want %r)" % (key, name, v))
            elif not same(g[name], v, name in f32):
                bad.append("%s %s: written %r, the peer holds %r" % (key, name, g[name], v))
    for key, tv in want_tags.items():
        gt = got.get(key, ({}, {}))[0]
        for name, v in tv.items():
            v = v or None  # an empty name: no tag (line protocol has no empty tag values)
            if key in want and any(x is not None for x in want[key].values()) and gt.get(name) != v:
                bad.append("%s tag %s: %r, want %r" % (key, name, gt.get(name), v))
    for key, (tags, fields) in got.items():
        extra = set(fields) - {n for n, v in want.get(key, {}).items() if v is not None}
        if extra:
            bad.append("%s: written but not in the peer: %s" % (key, ", ".join(sorted(extra))))
        if key[1] and tags.get(key[1]) != key[2]:
            bad.append("%s: index tag %s=%r" % (key, key[1], tags.get(key[1])))
    print("%s %s: %d values in %d samples compared, %d fields declared" %
          (kind, prof["profile"], nvals, nrows, len(prof["fields"])))
    for b in bad[:20]:
        print("  " + b)
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
