#!/usr/bin/python3
"""layout_check.py - checks the structure docs/architecture.md promises.

usage: layout_check.py [--build DIR] [--quiet]

Reads the sources and the objects of a build (BUILD/obj, from `make`) and
reports, one line each, and exits 1 when anything is found:
  - an upward dependency: a file that includes a header of, or calls a
    function defined in, a room above its own (ROOMS below, bottom first);
  - a dependency cycle between files (from the objects: file A uses a symbol
    file B defines), also inside one room;
  - jansson outside the files allowed to speak JSON (JSON_OK);
  - a .c or .h file over 800 lines, a function over 120 lines;
  - a public header that declares a function not named pp_<header>_<verb>
    (or pp_<header> itself), or a header without a room.
The last line says what was checked: "layout: N files, M edges, K problems".
"""
import argparse
import collections
import glob
import os
import re
import subprocess
import sys

# Rooms, bottom layer first. A file may depend on its own room and on rooms
# of a lower layer; rooms of one layer do not depend on each other, except a
# sub-room on its parent room (planner/report -> planner). The planner has
# three: the year engine and the search (planner), the report of what they
# found (planner/report), and the study that runs both (planner/study).
ROOMS = [
    ("core", 0), ("config", 1), ("models", 2),
    ("collector/drivers", 3), ("collector", 4),
    ("optimizer/solver", 5), ("optimizer/control", 6), ("optimizer/ha", 6),
    ("optimizer/api", 7),
    ("planner", 8), ("planner/report", 9), ("planner/study", 10),
    ("sim", 8), ("scenario", 8), ("agent", 8), ("sched", 8), ("fleet", 8),
    ("cmd", 11),
]
LAYER = dict(ROOMS)

# The public headers, by room (include/powerpark/NAME.h).
HEADERS = {
    "core": ["err", "buf", "log", "clock", "fd", "net", "httpc", "json", "diag", "metric",
             "units", "hostlist"],
    "config": ["config", "plan"],
    "models": ["chiller", "gpu", "curve", "heatrej", "osc", "plant", "psychro", "thermal",
               "weather", "catalog"],
    "collector/drivers": ["modbus", "snmp", "redfish"],
    "collector": ["lineproto", "output", "collect"],
    "optimizer/solver": ["inst", "solve"],
    "optimizer/control": ["ctl"],
    "optimizer/ha": ["ha"],
    "optimizer/api": ["api"],
    "planner": ["year", "search"],
    "planner/report": ["report"],
    "planner/study": ["planner"],
    "sim": ["sim"], "scenario": ["day"], "agent": ["agent"], "sched": ["slurm"],
    "fleet": ["fleet"],
}
HEADER_ROOM = {h: r for r, hs in HEADERS.items() for h in hs}

# Where JSON (jansson) may appear: the API, the instance reader and writer
# of `powerpark solve`, the HTTP clients of the API (the Slurm adapter's and
# the node agent's lease, the election's etcd client), and the tests.
JSON_OK = [r"^optimizer/api/", r"^optimizer/solver/inst_json\.c$", r"^sched/adapter_http\.c$",
           r"^agent/lease_json\.c$", r"^optimizer/ha/etcd\.c$", r"^tests/", r"^bench/",
           # the Redfish client's reader of a BMC's or PDU's resources (structs out)
           r"^collector/drivers/redfish_json\.c$"]

MAX_FILE = 800
MAX_FUNC = 120


def room_of(path):
    best = None
    for r, _ in ROOMS:
        if path.startswith(r + "/") and (best is None or len(r) > len(best)):
            best = r
    return best


def may_depend(a, b):
    """Whether room a may depend on room b."""
    if a == b:
        return True
    if LAYER[b] < LAYER[a]:
        return True
    return False


def sources():
    out = subprocess.run(["git", "ls-files", "--cached", "--others", "--exclude-standard",
                          "*.c", "*.h"], capture_output=True, text=True, check=True).stdout
    return sorted(p for p in out.split() if os.path.exists(p))


def file_room(path):
    """The room of a source file, or of a public header (by HEADERS)."""
    m = re.match(r"include/powerpark/(\w+)\.h$", path)
    return HEADER_ROOM.get(m.group(1)) if m else room_of(path)


def check_includes(files, problems):
    for f in files:
        src = file_room(f)
        if src is None:
            continue
        for n, line in enumerate(open(f, errors="replace"), 1):
            m = re.match(r'\s*#\s*include\s+"powerpark/(\w+)\.h"', line)
            if m:
                h = m.group(1)
                dst = HEADER_ROOM.get(h)
                if dst is None:
                    problems.append(f"{f}:{n}: includes powerpark/{h}.h, a header without a room")
                elif not may_depend(src, dst):
                    problems.append(f"{f}:{n}: upward include: {src} -> powerpark/{h}.h ({dst})")
            m = re.match(r'\s*#\s*include\s+"(\.\./)+([\w/]+\.h)"', line)
            if m:
                dst = room_of(os.path.normpath(os.path.join(os.path.dirname(f), m.group(0).split('"')[1])))
                if dst and not may_depend(src, dst):
                    problems.append(f"{f}:{n}: upward include of a private header ({dst})")
            if re.match(r"\s*#\s*include\s+<jansson\.h>", line) and \
                    not any(re.search(p, f) for p in JSON_OK):
                problems.append(f"{f}:{n}: jansson outside the JSON edge")


def objects(build):
    objs = {}
    for o in glob.glob(os.path.join(build, "obj", "**", "*.o"), recursive=True):
        rel = os.path.relpath(o, os.path.join(build, "obj"))[:-2] + ".c"
        if rel.startswith(("gen/", "bench/")) or not os.path.exists(rel):
            continue
        objs[rel] = o
    return objs


def symbol_graph(objs):
    defs, uses = {}, collections.defaultdict(set)
    for src, o in objs.items():
        out = subprocess.run(["nm", o], capture_output=True, text=True, check=True).stdout
        for line in out.splitlines():
            p = line.split()
            if len(p) == 3 and p[1] in "TDBRC":
                defs[p[2]] = src
            elif len(p) == 2 and p[0] == "U":
                uses[src].add(p[1])
    g = collections.defaultdict(set)
    jansson = collections.defaultdict(set)
    for s, us in uses.items():
        for u in us:
            if u in defs and defs[u] != s:
                g[s].add(defs[u])
            if u.startswith("json_"):
                jansson[s].add(u)
    return g, jansson


def sccs(g, nodes):
    """Tarjan's strongly connected components (iterative)."""
    index, low, on, stack, out = {}, {}, set(), [], []
    counter = [0]
    for root in nodes:
        if root in index:
            continue
        work = [(root, iter(sorted(g.get(root, ()))))]
        index[root] = low[root] = counter[0]
        counter[0] += 1
        stack.append(root)
        on.add(root)
        while work:
            v, it = work[-1]
            nxt = next(it, None)
            if nxt is not None:
                if nxt not in index:
                    index[nxt] = low[nxt] = counter[0]
                    counter[0] += 1
                    stack.append(nxt)
                    on.add(nxt)
                    work.append((nxt, iter(sorted(g.get(nxt, ())))))
                elif nxt in on:
                    low[v] = min(low[v], index[nxt])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[v])
            if low[v] == index[v]:
                comp = []
                while True:
                    w = stack.pop()
                    on.discard(w)
                    comp.append(w)
                    if w == v:
                        break
                if len(comp) > 1:
                    out.append(sorted(comp))
    return out


def check_graph(g, jansson, problems):
    nedges = 0
    for a in sorted(g):
        for b in sorted(g[a]):
            nedges += 1
            ra, rb = room_of(a), room_of(b)
            if ra and rb and not may_depend(ra, rb):
                problems.append(f"{a}: upward call: {ra} -> {b} ({rb})")
    nodes = sorted(set(g) | {b for v in g.values() for b in v})
    for comp in sccs(g, nodes):
        problems.append("dependency cycle: " + " <-> ".join(comp))
    for f in sorted(jansson):
        if not any(re.search(p, f) for p in JSON_OK):
            problems.append(f"{f}: calls jansson ({', '.join(sorted(jansson[f])[:3])}) "
                            "outside the JSON edge")
    return nedges


def functions(path):
    """(name, first line, lines) of each function defined at column 0."""
    lines = open(path, errors="replace").read().split("\n")
    i = 0
    while i < len(lines):
        if lines[i].startswith("{"):
            j = i - 1
            while j > 0 and lines[j][:1] in ("\t", " "):
                j -= 1
            m = re.search(r"(\w+)\s*\(", lines[j])
            k = i + 1
            while k < len(lines) and not lines[k].startswith("}"):
                k += 1
            if m:
                yield m.group(1), j + 1, k - j + 1
            i = k
        i += 1


def check_sizes(files, problems):
    for f in files:
        n = sum(1 for _ in open(f, errors="replace"))
        if n > MAX_FILE:
            problems.append(f"{f}: {n} lines (at most {MAX_FILE})")
        if f.endswith(".c"):
            for name, at, ln in functions(f):
                if ln > MAX_FUNC:
                    problems.append(f"{f}:{at}: {name}() is {ln} lines (at most {MAX_FUNC})")


def check_names(problems):
    for h in sorted(glob.glob("include/powerpark/*.h")):
        name = os.path.basename(h)[:-2]
        if name not in HEADER_ROOM:
            problems.append(f"{h}: a public header without a room (scripts/layout_check.py)")
        text = open(h).read()
        text = re.sub(r"/\*.*?\*/", "", text, flags=re.S)
        for m in re.finditer(r"^[^#\s].*?\b(pp_\w+)\s*\(", text, flags=re.M):
            fn = m.group(1)
            line = m.group(0)
            if "typedef" in line or "(*" in line:
                continue
            if fn != "pp_" + name and not fn.startswith("pp_" + name + "_"):
                problems.append(f"{h}: {fn}() is not named pp_{name}_<verb>")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", default=os.environ.get("BUILD", "build"))
    ap.add_argument("--quiet", action="store_true")
    a = ap.parse_args()
    problems = []
    files = sources()
    check_includes(files, problems)
    objs = objects(a.build)
    if not objs:
        print(f"layout: no objects under {a.build}/obj (run make first)", file=sys.stderr)
        return 2
    g, jansson = symbol_graph(objs)
    nedges = check_graph(g, jansson, problems)
    check_sizes(files, problems)
    check_names(problems)
    for p in problems:
        print(p)
    print(f"layout: {len(files)} files, {nedges} edges, {len(problems)} problems")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
