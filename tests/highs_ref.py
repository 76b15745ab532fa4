#!/usr/bin/python3
"""highs_ref.py - the second exact reference for `powerpark solve`: the
MILP of an instance (the same JSON the command reads) solved by HiGHS
through SciPy (Debian's python3-scipy, scipy.optimize.milp). Written apart
from optimizer/ and from tests/glpk_ref.h: its own curves and limit sets.

The model: y_j in {0, 1} runs flexible job j (1 for every other job); its
per-GPU power is lo_j y_j plus its segments x_js in [0, len_s] (x_js <= len_s
y_j for a flexible job), lo = min(p_min, demand), hi = min(p_max, demand);
when shedding, y_j is also binary for every job under a limit that the
floors of the jobs that are not flexible exceed (the jobs pausing may stop,
issue 22: the best set to pause, not a fixed order);
the objective is the sum of weight x GPUs x curve; every node, plant and the
grid keeps its limit less the margin and the base loads under it.

usage: highs_ref.py INSTANCE.json [--all-run] [--time-limit S]
prints one JSON line: {"status", "objective", "mip_gap", "seconds"}
(status: "optimal", "time_limit" with the best found, or "infeasible").
As a module: highs_opt(instance_dict, all_run=False, time_limit=None).
"""
import json
import sys
import time

import numpy as np
from scipy.optimize import Bounds, LinearConstraint, milp
from scipy.sparse import coo_matrix


def curve_at(c, e):
    """The curve: linear between points, flat past the last, linear before
    the first, never below 0."""
    if e >= c[-1][0]:
        return c[-1][1]
    i = 1
    while i < len(c) - 1 and e > c[i][0]:
        i += 1
    (x0, y0), (x1, y1) = c[i - 1], c[i]
    v = y0 + (y1 - y0) * (e - x0) / (x1 - x0)
    return max(v, 0.0)


def limit_sets(d):
    """For each limit (nodes, then plants, then the grid): the set of
    nodes under it (itself included), and its GPU watts allowed."""
    nodes = d["nodes"]
    idx = {n["id"]: i for i, n in enumerate(nodes)}
    par = [idx[n["parent"]] if n["parent"] is not None else -1 for n in nodes]
    anc = []
    for i in range(len(nodes)):
        a, n = set(), i
        while n >= 0:
            a.add(n)
            n = par[n]
        anc.append(a)
    m1 = 1 - d.get("margin", 0.02)
    sets, allowed = [], []
    for k in range(len(nodes)):
        under = {i for i in range(len(nodes)) if k in anc[i]}
        sets.append(under)
        allowed.append((nodes[k]["limit_kw"] * m1 - sum(nodes[i].get("base_kw", 0) for i in under)) * 1000)
    for p in d.get("plants", []):
        roots = {idx[x] for x in p["nodes"]}
        under = {i for i in range(len(nodes)) if anc[i] & roots}
        sets.append(under)
        allowed.append((p["capacity_kw"] * m1 - sum(nodes[i].get("base_kw", 0) for i in under)) * 1000)
    g = d.get("grid", {})
    lim = g.get("limit_kw", float("inf"))
    cool = g.get("cooling_kw_per_kw", 0)
    sets.append(set(range(len(nodes))))
    allowed.append(((lim * m1 - g.get("other_kw", 0)) / (1 + cool) -
                    sum(n.get("base_kw", 0) for n in nodes)) * 1000)
    return idx, sets, allowed


def pausable(d, sets, allowed, gks, los):
    """The jobs shedding may pause: not flexible, under a limit that the
    floors of the jobs that are not flexible exceed."""
    floor = [0.0] * len(sets)
    for j, gk, lo in zip(d["jobs"], gks, los):
        if not j.get("flexible", False):
            for k, g in gk:
                floor[k] += g * lo
    over = {k for k in range(len(sets)) if floor[k] > allowed[k] + 1e-9 * abs(allowed[k]) + 1e-9}
    return [not j.get("flexible", False) and lo > 0 and any(k in over for k, _ in gk)
            for j, gk, lo in zip(d["jobs"], gks, los)]


def highs_opt(d, all_run=False, time_limit=None):
    idx, sets, allowed = limit_sets(d)
    rows, cols, vals = [], [], []
    cost, lb, ub, integ = [], [], [], []
    extra = []  # (x column, y column, len): x <= len y
    gks, los = [], []
    for j in d["jobs"]:
        gk = []
        for k, s in enumerate(sets):
            g = sum(p["gpus"] for p in j["placement"] if idx[p["node"]] in s)
            if g > 0:
                gk.append((k, g))
        gks.append(gk)
        los.append(min(j["p_min_w"], j.get("demand_w", j["p_max_w"])))
    pause = pausable(d, sets, allowed, gks, los)
    for j, gk, lo, may_pause in zip(d["jobs"], gks, los, pause):
        G = sum(p["gpus"] for p in j["placement"])
        hi = min(j["p_max_w"], j.get("demand_w", j["p_max_w"]))
        c, w = j["curve"], j.get("weight", 1.0)
        flex = (j.get("flexible", False) or may_pause) and not all_run
        y = len(cost)
        cost.append(-w * G * curve_at(c, lo))
        lb.append(0 if flex else 1)
        ub.append(1)
        integ.append(1 if flex else 0)
        for k, g in gk:
            rows.append(k), cols.append(y), vals.append(g * lo)
        bp = [lo] + [p for p, _ in c if lo < p < hi] + [hi]
        for a, b in zip(bp, bp[1:]):
            if b <= a:
                continue
            x = len(cost)
            cost.append(-w * G * (curve_at(c, b) - curve_at(c, a)) / (b - a))
            lb.append(0)
            ub.append(b - a)
            integ.append(0)
            for k, g in gk:
                rows.append(k), cols.append(x), vals.append(g)
            if flex:
                extra.append((x, y, b - a))
    nk = len(sets)
    for r, (x, y, ln) in enumerate(extra):
        rows += [nk + r, nk + r]
        cols += [x, y]
        vals += [1.0, -ln]
    A = coo_matrix((vals, (rows, cols)), shape=(nk + len(extra), len(cost))).tocsr()
    upper = np.array(allowed + [0.0] * len(extra))
    cons = LinearConstraint(A, -np.inf, upper)
    opts = {"mip_rel_gap": 1e-9}
    if time_limit:
        opts["time_limit"] = time_limit
    t0 = time.perf_counter()
    args = dict(constraints=cons, integrality=np.array(integ),
                bounds=Bounds(np.array(lb, float), np.array(ub, float)))
    res = milp(np.array(cost), options=opts, **args)
    if res.status == 2:
        # SciPy 1.10's HiGHS presolve calls some shedding parks infeasible
        # that have an answer (every job that may be off, off; seen on
        # solve_gen.py --gpus 2000 --seed 13 --tight --shed 0.1 --flex 0.3);
        # without presolve it solves them. A real infeasibility stays one.
        res = milp(np.array(cost), options=dict(opts, presolve=False), **args)
    secs = time.perf_counter() - t0
    if res.x is None:
        return {"status": "infeasible", "objective": None, "mip_gap": None, "seconds": secs}
    st = "optimal" if res.status == 0 else "time_limit"
    gap = getattr(res, "mip_gap", None)
    return {"status": st, "objective": -res.fun, "mip_gap": gap, "seconds": secs}


def main():
    a = sys.argv[1:]
    if not a:
        print(__doc__, file=sys.stderr)
        return 2
    tl = float(a[a.index("--time-limit") + 1]) if "--time-limit" in a else None
    with open(a[0]) as fh:
        d = json.load(fh)
    print(json.dumps(highs_opt(d, "--all-run" in a, tl)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
