#!/usr/bin/python3
"""bench_highs.py - the optimizer on issue 22's parks (tests/solve_gen.py)
next to HiGHS (tests/highs_ref.py, SciPy) and GLPK (bench_solve --glpk) in
the same run, one core each: 10,000, 100,000 and 260,000 GPUs, loose and
tight, flexible shares 0 and 0.3, jobs of 4 to 1,024 GPUs; and 100,000 and
260,000 GPUs of jobs of 4 to 64 GPUs, spanning racks or each in one rack
(laminar limits: the greedy pass). powerpark cold: the median of 5 solves'
own time (solve_us), or of fewer where one takes over 10 s, each stopped
after 300 s; warm: bench_solve --warm (the median of 9 solves, each after
one rack's reading changed, from the last solve's warm state); HiGHS the
median of 3; GLPK once (120 s limit).

usage: bench_highs.py BUILD ROWS.md [laminar|heldout|shed]   (appends Markdown table rows;
       laminar: only the parks of one rack per job; heldout: tight parks of
       jobs across racks from seeds 2-4, which the solver was not tuned on;
       shed: 100,000-GPU parks of seeds 1-4 with 2 % of racks, rows and halls
       below their floors, so some jobs must pause: the choice of which)
"""
import json
import os
import statistics
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
TESTS = os.path.join(HERE, "..", "tests")
sys.path.insert(0, TESTS)
import highs_ref  # noqa: E402
import solve_gen  # noqa: E402

PP_TIMEOUT_S = 300


def pp_solve(pp, path):
    """(median ms of its own solve time, the last answer) or (None, reason)."""
    times, ans = [], None
    for _ in range(5):
        try:
            out = subprocess.run(["taskset", "-c", "0", pp, "solve", path], capture_output=True,
                                 text=True, timeout=PP_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            return None, f"no answer in {PP_TIMEOUT_S} s"
        if out.returncode:
            return None, out.stderr.strip()[:80]
        ans = json.loads(out.stdout)
        times.append(ans["solve_us"] / 1000)
        if times[-1] > 10000:
            break
    return statistics.median(times), ans


def warm(bench, path):
    """bench_solve --warm: one leaf's base load changed 9 times, each solve
    from the last one's warm state and again cold, in one process: a dict
    of its fields (warm_ms, cold_ms, warm_short, unproven_warm), or None."""
    try:
        out = subprocess.run(["taskset", "-c", "0", bench, "--warm", path], capture_output=True,
                             text=True, timeout=4 * PP_TIMEOUT_S)
        w = out.stdout.split()
        return {w[i]: float(w[i + 1]) for i in range(0, len(w) - 1, 2)}
    except (subprocess.TimeoutExpired, IndexError, ValueError):
        return None


def glpk(bench, path):
    try:
        out = subprocess.run(["taskset", "-c", "0", bench, "--glpk", path], capture_output=True,
                             text=True, timeout=200)
        w = out.stdout.split()
        return float(w[1]), float(w[3])
    except (subprocess.TimeoutExpired, IndexError, ValueError):
        return None, None


def main():
    build, rows_path = sys.argv[1], sys.argv[2]
    pp = os.path.join(build, "powerpark")
    bench = os.path.join(build, "bench", "bench_solve")
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        cases = [(g, t, f, 1024, False) for g in (10000, 100000, 260000) for t in (False, True)
                 for f in (0.0, 0.3)]
        # and parks of many small jobs (4 to 64 GPUs: ~4,700 jobs at 100,000)
        cases += [(g, t, f, 64, False) for g in (100000, 260000) for t in (False, True)
                  for f in (0.0, 0.3)]
        # and the same with no job across racks: laminar limits, the greedy pass
        cases += [(g, t, f, 64, True) for g in (100000, 260000) for t in (False, True)
                  for f in (0.0, 0.3)]
        seeds, shed = {}, 0.0
        if sys.argv[3:] == ["laminar"]:
            cases = [c for c in cases if c[4]]
        elif sys.argv[3:] == ["heldout"]:
            # parks the solver was never tuned on: other seeds, jobs across
            # racks, every level tight
            cases = [(g, True, f, mj, False) for g in (100000, 260000) for mj in (1024, 64)
                     for f in (0.0, 0.3)]
            seeds = {c: 2 + i % 3 for i, c in enumerate(cases)}
        elif sys.argv[3:] == ["shed"]:
            cases = [(100000, t, f, mj, False) for t in (False, True) for mj in (1024, 64)
                     for f in (0.0, 0.3)]
            seeds = {c: 1 + i % 4 for i, c in enumerate(cases)}
            shed = 0.02
        for gpus, tight, flex, max_job, one_rack in cases:
            seed = seeds.get((gpus, tight, flex, max_job, one_rack), 1)
            d = solve_gen.park(gpus, seed, tight, flex, max_job, shed, one_rack)
            path = os.path.join(tmp, "park.json")
            with open(path, "w") as fh:
                json.dump(d, fh)
            G = sum(p["gpus"] for j in d["jobs"] for p in j["placement"])
            nflex = sum(j["flexible"] for j in d["jobs"])
            ms, ans = pp_solve(pp, path)
            hs = [highs_ref.highs_opt(d) for _ in range(3)]
            h_ms = statistics.median(x["seconds"] for x in hs) * 1000
            h_obj = hs[0]["objective"]
            g_s, g_obj = glpk(bench, path)
            what = (f"optimizer, solve_gen park (seed {seed}): {G:,} GPUs, {len(d['jobs']):,} jobs, "
                    f"{nflex:,} flexible, {'tight' if tight else 'loose'}"
                    f"{', 2 % of limits below their floors' if shed else ''}"
                    f"{', one rack each (laminar)' if one_rack else ''}, one core")
            if ms is None:
                mine = ans
                ratio = "-"
            else:
                mine = (f"{ms:.1f} ms (median), {ans['status']}"
                        + (f" gap {ans['gap']:.2g}" if ans.get('gap') else ""))
                wm = warm(bench, path) if ms < 10000 else None
                if wm is not None:
                    mine += (f"; warm (one rack's reading changed) {wm['warm_ms']:.2f} ms, cold "
                             f"in the same process {wm['cold_ms']:.1f} ms, warm short of cold "
                             f"by {max(0.0, wm['warm_short']):.1g}, unproven where cold proven "
                             f"{int(wm['unproven_warm'])}")
                rel = ans["objective"] / h_obj if h_obj else float("nan")
                ratio = (f"powerpark / HiGHS time {ms / h_ms:.2g}; objective / optimum "
                         f"{rel:.7f}")
            h_txt = f"objective {h_obj:.6g}" if h_obj is not None else "infeasible (shedding)"
            ref = (f"HiGHS (SciPy 1.10): {h_ms:.1f} ms, {h_txt}; GLPK 5.0: "
                   + (f"{g_s * 1000:.1f} ms" if g_s is not None else "no answer in 120 s"))
            goal = "< 20 ms at 100k, < 50 ms at 260k, >= 10x faster than HiGHS"
            rows.append(f"| {what} | {mine} | {ref} | {ratio} | {goal} |")
            print(rows[-1], flush=True)
    with open(rows_path, "a") as fh:
        fh.write("\n".join(rows) + "\n")


if __name__ == "__main__":
    main()
