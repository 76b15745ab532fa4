#!/usr/bin/python3
"""psychro_ref.py FILE.epw: an independent psychrometric summary of an EPW
file, written apart from models/ (Python, bisection instead of GSL's Brent,
the saturation pressure straight from the ASHRAE formula, missing values
skipped rather than filled). Prints JSON: dry-bulb min/mean/max, hours with
wet-bulb <= 10, 15, 20 C, the 0.4 % wet-bulb."""
import json
import math
import sys


def pws(t):
    T = t + 273.15
    if t < 0:
        c = (-5.6745359e3, 6.3925247, -9.677843e-3, 6.2215701e-7, 2.0747825e-9,
             -9.484024e-13, 4.1635019)
        return math.exp(c[0] / T + c[1] + c[2] * T + c[3] * T**2 + c[4] * T**3 +
                        c[5] * T**4 + c[6] * math.log(T))
    c = (-5.8002206e3, 1.3914993, -4.8640239e-2, 4.1764768e-5, -1.4452093e-8, 6.5459673)
    return math.exp(c[0] / T + c[1] + c[2] * T + c[3] * T**2 + c[4] * T**3 + c[5] * math.log(T))


def w_sat(t, p):
    pw = pws(t)
    return 0.621945 * pw / (p - pw)


def wet_bulb(db, dp, p):
    dp = min(dp, db)
    w = w_sat(dp, p)
    lo, hi = dp - 1, db
    for _ in range(80):
        ts = (lo + hi) / 2
        ws = w_sat(ts, p)
        if ts >= 0:
            wt = ((2501 - 2.326 * ts) * ws - 1.006 * (db - ts)) / (2501 + 1.86 * db - 4.186 * ts)
        else:
            wt = ((2830 - 0.24 * ts) * ws - 1.006 * (db - ts)) / (2830 + 1.86 * db - 2.1 * ts)
        if wt > w:
            hi = ts
        else:
            lo = ts
    return (lo + hi) / 2


def main():
    rows = open(sys.argv[1], newline="").read().splitlines()
    elev = float(rows[0].split(",")[9])
    p0 = 101325 * (1 - 2.25577e-5 * elev) ** 5.2559
    dbs, wbs = [], []
    for r in rows[8:]:
        f = r.split(",")
        if len(f) < 10:
            continue
        db, dp, p = float(f[6]), float(f[7]), float(f[9])
        if db >= 99.9 or dp >= 99.9:
            continue
        if p >= 999999:
            p = p0
        dbs.append(db)
        wbs.append(wet_bulb(db, dp, p))
    s = sorted(wbs, reverse=True)
    print(json.dumps({"hours": len(dbs), "db_min": min(dbs), "db_max": max(dbs),
                      "db_mean": sum(dbs) / len(dbs),
                      "wb_le": {k: sum(1 for x in wbs if x <= k) for k in (10, 15, 20)},
                      "wb_04": s[int(0.004 * len(s))]}))


if __name__ == "__main__":
    main()
