#!/usr/bin/python3
"""cd_compare.py MANIFEST LP CSVDIR: compares, value by value, what powerpark
wrote (line protocol) with what collectd wrote (its csv plugin) for every
device and field of the manifest from park_gen.py. Prints each difference
and a closing count; exits 1 on any difference, on a field one side lacks,
or when nothing was compared."""
import glob
import json
import os
import re
import sys

sys.path.insert(0, os.path.dirname(__file__))
from lp_get import parse  # noqa: E402


def last_value(path):
    with open(path) as f:
        rows = [r for r in f.read().splitlines()[1:] if r]
    return float(rows[-1].split(",")[1]) if rows else None


def main():
    man = json.load(open(sys.argv[1]))
    lines = []
    for line in open(sys.argv[2]):
        if line.strip() and not line.startswith("#"):
            lines.append(parse(line)[:3])

    def pp_rows(dev, f):  # index (None for a scalar) -> that field's last value
        out = {}
        for meas, tags, fields in lines:
            if meas == f["meas"] and tags.get("device") == dev and f["name"] in fields:
                out[tags.get(f["index_tag"]) if f["index_tag"] else None] = \
                    float(fields[f["name"]].rstrip("iu"))
        return out

    compared = bad = 0
    for d in man["devices"]:
        for f in d["fields"]:
            base = os.path.join(sys.argv[3], d["dir"])
            if f["index_tag"]:
                files = glob.glob(os.path.join(base, f"gauge-{f['name']}-*-????-??-??"))
                rows = {re.match(rf"gauge-{f['name']}-(.+)-\d{{4}}-\d\d-\d\d$",
                                 os.path.basename(p)).group(1): p for p in files}
                ppidx = set(pp_rows(d["name"], f))
                if set(rows) != ppidx or not rows:
                    print(f"DIFF {d['name']} {f['name']}: rows collectd {sorted(rows)} "
                          f"powerpark {sorted(ppidx)}")
                    bad += 1
                    continue
            else:
                files = glob.glob(os.path.join(base, f"gauge-{f['name']}-????-??-??"))
                rows = {None: files[0]} if files else {}
                if not rows:
                    print(f"DIFF {d['name']} {f['name']}: collectd wrote nothing")
                    bad += 1
                    continue
            for idx, path in rows.items():
                want = last_value(path)
                got = pp_rows(d["name"], f).get(idx)
                compared += 1
                # collectd's csv prints 6 decimals: allow that rounding.
                if got is None or want is None or \
                        abs(float(got) - want) > 1e-6 * max(1.0, abs(want)) + 5e-7:
                    print(f"DIFF {d['name']} {f['name']} {idx or ''}: powerpark {got} "
                          f"collectd {want}")
                    bad += 1
    print(f"compared {compared} values of {len(man['devices'])} devices: {bad} differences"
          f" (collectd cannot read: {', '.join(sorted(set(man['skipped']))) or 'nothing'})")
    sys.exit(0 if compared and not bad else 1)


if __name__ == "__main__":
    main()
