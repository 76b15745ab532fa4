#!/usr/bin/python3
"""solve_gen.py - random parks for `powerpark solve`, with what issue 22
found that the project's own parks lack: jobs of 4 to 1,024 GPUs whose
placement spans several racks and rows (one cap per job over all of them);
limits at 0.8-1.0 of demand at every level at once ("tight") or above it
("loose"); 4 to 20 halls under plants that each cool several halls; a share
of jobs that want less than their maximum; flexible shares of 0 and 0.3;
priority weights from 1 to 10; concave curves of 3 to 6 points.

usage: solve_gen.py --gpus N --seed S [--tight] [--flex 0.3] [--max-job 1024]
                    [--shed 0.1] [--one-rack] [--out FILE]

--one-rack keeps every job inside one rack (a job no larger than what is
left of its rack: the limits are then laminar). --shed F sets that share of the racks, rows and halls below what their
jobs' floors draw (0.5-0.95 of it), so that work must be paused there.

Written apart from optimizer/ (the same JSON the command reads, nothing of
its code), seeded, so a park can be made again from its parameters.
"""
import argparse
import json
import math
import random
import sys

GPU_MODELS = [(200, 700), (200, 1000), (100, 400)]  # H100/H200, B200, A100 cap ranges


def curve(r, lo, hi):
    """A concave increasing curve of 3 to 6 points from lo to hi, thr(hi) = 1."""
    n = r.randint(3, 6)
    xs = [lo]
    for x in sorted(round(r.uniform(lo, hi), 1) for _ in range(n - 2)):
        if x - xs[-1] >= 10 and hi - x >= 10:  # points at least 10 W apart
            xs.append(x)
    xs.append(hi)
    # Slopes that only fall: a first throughput, then shrinking increments.
    t0 = r.uniform(0.35, 0.75)
    w = sorted((r.uniform(0.2, 1.0) for _ in range(len(xs) - 1)), reverse=True)
    inc = [wi * (xs[i + 1] - xs[i]) for i, wi in enumerate(w)]
    # Falling slopes: each increment's slope at most the one before.
    for i in range(1, len(inc)):
        d0 = xs[i] - xs[i - 1]
        d1 = xs[i + 1] - xs[i]
        inc[i] = min(inc[i], inc[i - 1] / d0 * d1 * 0.999)
    total = sum(inc)
    pts, t = [[xs[0], round(t0, 9)]], t0
    for i, v in enumerate(inc):
        t += (1 - t0) * v / total
        pts.append([xs[i + 1], round(t, 9)])
    pts[-1][1] = 1.0
    return pts


def kw_under(nodes, parent, jobs, watts):
    """Per node, the kW of the jobs' GPUs under it at watts(job) each."""
    kw = {n["id"]: 0.0 for n in nodes}
    for j in jobs:
        for p in j["placement"]:
            n = p["node"]
            while n is not None:
                kw[n] += p["gpus"] * watts(j) / 1000
                n = parent[n]
    return kw


def park(gpus, seed, tight, flex, max_job=1024, shed=0.0, one_rack=False):
    r = random.Random(seed * 7919 + gpus)
    halls = max(4, min(20, gpus // 10000 + r.randint(3, 6)))
    per_rack = r.choice([32, 64, 72])
    racks_total = max(halls, math.ceil(gpus / per_rack))
    rows_per_hall = max(1, r.randint(2, 6))
    racks_per_row = max(1, math.ceil(racks_total / (halls * rows_per_hall)))
    nodes = [{"id": "site", "parent": None, "limit_kw": 1.0, "base_kw": round(r.uniform(0, 50), 3)}]
    leaves = []  # (rack id, hall index, GPUs free)
    for h in range(halls):
        nodes.append({"id": f"h{h}", "parent": "site", "limit_kw": 1.0,
                      "base_kw": round(r.uniform(0, 30), 3)})
        for w in range(rows_per_hall):
            nodes.append({"id": f"h{h}-w{w}", "parent": f"h{h}", "limit_kw": 1.0, "base_kw": 0})
            for k in range(racks_per_row):
                rid = f"h{h}-w{w}-r{k}"
                nodes.append({"id": rid, "parent": f"h{h}-w{w}", "limit_kw": 1.0,
                              "base_kw": round(r.uniform(1, 8), 3)})
                leaves.append([rid, h, per_rack])
    jobs = []
    li = 0
    hall_models = [r.choice(GPU_MODELS) for _ in range(halls)]
    while li < len(leaves):
        # Log-uniform job sizes from 4 to max_job GPUs, placed on the next
        # racks in order, so a large job spans racks and rows of its hall.
        size = int(round(math.exp(r.uniform(math.log(4), math.log(max_job)))))
        if one_rack:
            size = min(size, leaves[li][2])
        hall = leaves[li][1]
        place = []
        while size > 0 and li < len(leaves) and leaves[li][1] == hall:
            take = min(size, leaves[li][2])
            place.append({"node": leaves[li][0], "gpus": take})
            leaves[li][2] -= take
            size -= take
            if leaves[li][2] == 0:
                li += 1
        if not place:
            continue
        lo, hi = hall_models[hall]
        demand = hi if r.random() < 0.65 else round(r.uniform(0.5, 0.95) * hi, 1)
        jobs.append({"id": f"j{len(jobs)}", "weight": round(r.uniform(1, 10), 3),
                     "p_min_w": lo, "p_max_w": hi, "demand_w": demand, "placement": place,
                     "curve": curve(r, lo, hi), "flexible": r.random() < flex})
    # Limits from what each node's jobs want: 0.8-1.0 of it when tight,
    # 1.0-1.4 when loose; every level at once.
    parent = {n["id"]: n["parent"] for n in nodes}
    want = kw_under(nodes, parent, jobs, lambda j: min(j["demand_w"], j["p_max_w"]))
    base = {n["id"]: 0.0 for n in nodes}
    for n in nodes:
        m = n["id"]
        while m is not None:
            base[m] += n["base_kw"]
            m = parent[m]
    f = (lambda: r.uniform(0.8, 1.0)) if tight else (lambda: r.uniform(1.0, 1.4))
    for n in nodes:
        n["limit_kw"] = round((base[n["id"]] + max(want[n["id"]], 1.0) * f()) / 0.98, 3)
    if shed > 0:
        floor = kw_under(nodes, parent, jobs, lambda j: min(j["demand_w"], j["p_min_w"]))
        for n in nodes:
            if n["parent"] is not None and floor[n["id"]] > 0 and r.random() < shed:
                n["limit_kw"] = round((base[n["id"]] + floor[n["id"]] * r.uniform(0.5, 0.95)) / 0.98, 3)
    # Plants: each cools 1 to 4 neighbouring halls.
    plants, h = [], 0
    while h < halls:
        k = min(halls - h, r.randint(1, 4))
        served = [f"h{x}" for x in range(h, h + k)]
        heat = sum(base[s] + want[s] for s in served)
        plants.append({"id": f"p{len(plants)}", "nodes": served,
                       "capacity_kw": round(heat * f() / 0.98, 3)})
        h += k
    cool = round(r.uniform(0.1, 0.35), 3)
    other = round(r.uniform(0, 500), 3)
    grid = ((base["site"] + want["site"] * f()) * (1 + cool) + other) / 0.98
    return {"margin": 0.02,
            "grid": {"limit_kw": round(grid, 3), "other_kw": other, "cooling_kw_per_kw": cool},
            "nodes": nodes, "plants": plants, "jobs": jobs}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--gpus", type=int, required=True)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--tight", action="store_true")
    ap.add_argument("--flex", type=float, default=0.0)
    ap.add_argument("--max-job", type=int, default=1024, help="largest job, GPUs (>= 4)")
    ap.add_argument("--shed", type=float, default=0.0,
                    help="share of racks, rows and halls limited below their floors")
    ap.add_argument("--one-rack", action="store_true", help="no job spans racks")
    ap.add_argument("--out")
    a = ap.parse_args()
    d = park(a.gpus, a.seed, a.tight, a.flex, max(4, a.max_job), a.shed, a.one_rack)
    if a.out:
        with open(a.out, "w") as fh:
            json.dump(d, fh)
    else:
        json.dump(d, sys.stdout)


if __name__ == "__main__":
    main()
