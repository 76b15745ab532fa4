#!/usr/bin/python3
"""bench_api.py - helpers of bench_api.sh.

  park OUT.yaml TOKEN      writes a 102,400-GPU site (5 halls x 20 rows x 16
                           racks of 64 H100, each rack 8 compute nodes of 8
                           GPUs: 12,800 nodes) with the bench's tokens
  nodes OUT.txt            the park's compute node names, one a line
  lines OUT.lp N           N rack readings (the racks of the park, in turn)
  latency URL TOKEN N      breach-to-cap: while every rack is read twice a
                           second (at what its cap allows), N times: write a reading that puts one
                           rack over its limit, poll /v1/caps until its cap
                           falls; prints p50 and p99 in ms
"""
import http.client
import json
import sys
import threading
import time

HALLS, ROWS, RACKS, GPUS = 5, 20, 16, 64
NODES = 8  # compute nodes a rack, GPUS / NODES GPUs each


def racks():
    for h in range(HALLS):
        for r in range(ROWS):
            for k in range(RACKS):
                yield h, r, k, "h%d-r%02d-k%02d" % (h, r, k)


def park(out, token):
    w = []
    w.append("site: {name: bench, margin: 0.02, other_kw: 500, grid: {import_limit_kw: 100000}}")
    w.append("power:\n  limit_kw: 120000\n  halls:")
    for h in range(HALLS):
        w.append("    - name: h%d\n      limit_kw: 19000\n      base_kw: 50\n      rows:" % h)
        for r in range(ROWS):
            w.append("        - name: h%d-r%02d\n          limit_kw: 900\n          racks:" % (h, r))
            for k in range(RACKS):
                w.append("            - {name: h%d-r%02d-k%02d, limit_kw: 50, base_kw: 4, gpus: %d, "
                         "nodes: \"h%d-r%02d-k%02dn[1-%d]\", gpu_model: H100-SXM}"
                         % (h, r, k, GPUS, h, r, k, NODES))
    w.append("cooling:\n  plants:")
    for p in range(2):
        serves = ", ".join("h%d" % h for h in range(HALLS) if h % 2 == p)
        w.append("    - name: p%d\n      serves: [%s]\n      reserve: 1\n      chillers:" % (p, serves))
        for c in range(6):
            w.append("        - {name: p%d-ch%d, model: doe2-centrifugal, capacity_kw: 9000}" % (p, c))
    w.append("api:\n  tokens:\n    - {name: bench, token: %s, scopes: [admin]}" % token)
    open(out, "w").write("\n".join(w) + "\n")


def reading(name, kw):
    return "rack,site=bench,rack=%s power_w=%.1f" % (name, kw * 1000)


def lines(out, n):
    names = [x[3] for x in racks()]
    with open(out, "w") as f:
        for i in range(n):
            # Under what base and GPUs at their floor draw (4 + 12.8 kW), so
            # the readings are ones a real rack could send at any cap.
            f.write(reading(names[i % len(names)], 8 + (i % 7)) + "\n")


def post(conn, token, body):
    conn.request("POST", "/write", body, {"Authorization": "Bearer " + token})
    r = conn.getresponse()
    r.read()
    return r.status


def cap(conn, token, name):
    conn.request("GET", "/v1/caps?node=" + name, headers={"Authorization": "Bearer " + token})
    r = conn.getresponse()
    return json.loads(r.read())["caps"][0]["cap_w"]


def latency(url, token, n):
    host, port = url.split("//")[1].split(":")
    names = [x[3] for x in racks()]
    stop = []

    def feed():
        # Readings a real rack would send: base plus its GPUs at the lower
        # of their cap and a demand of 450 W.
        c = http.client.HTTPConnection(host, int(port), timeout=10)
        while not stop:
            c.request("GET", "/v1/budget")
            caps = {r["name"]: r["cap_w"] for r in json.loads(c.getresponse().read())["racks"]}
            body = "\n".join(reading(x, 4 + GPUS * min(caps[x], 450) / 1000) for x in names)
            post(c, token, body)
            time.sleep(0.5)
    t = threading.Thread(target=feed, daemon=True)
    t.start()
    c = http.client.HTTPConnection(host, int(port), timeout=10)
    time.sleep(6)  # every rack fresh, caps settled once
    out = []
    for i in range(n):
        name = names[(i * 37) % len(names)]
        before = cap(c, token, name)
        t0 = time.perf_counter()
        post(c, token, reading(name, 55))  # over the rack's 50 kW
        while cap(c, token, name) >= before and time.perf_counter() - t0 < 5:
            pass
        out.append((time.perf_counter() - t0) * 1000)
        post(c, token, reading(name, 4 + GPUS * min(before, 450) / 1000))
    stop.append(1)
    out.sort()
    print("breach_to_cap_ms p50 %.2f p99 %.2f n %d" %
          (out[len(out) // 2], out[min(len(out) - 1, int(len(out) * 0.99))], len(out)))


cmd = sys.argv[1]
if cmd == "park":
    park(sys.argv[2], sys.argv[3])
elif cmd == "nodes":
    with open(sys.argv[2], "w") as f:
        for x in racks():
            for n in range(1, NODES + 1):
                f.write("%sn%d\n" % (x[3], n))
elif cmd == "lines":
    lines(sys.argv[2], int(sys.argv[3]))
elif cmd == "latency":
    latency(sys.argv[2], sys.argv[3], int(sys.argv[4]))
