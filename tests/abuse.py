#!/usr/bin/python3
"""abuse.py - the hostile clients of tests/it_abuse.sh, on real sockets to a
`powerpark optimize` on 127.0.0.1. Each phase prints "ok - ..." or
"not ok - ..." lines (counted by the script) and the figures it measured.

  proto PORT LEASE_TOKEN          auth scheme case, NUL in the path, HEAD,
                                  405 with Allow, duplicate JSON keys
  upload PORT PID WRITE_TOKEN     32 unauthenticated 31 MiB uploads: 401 on
                                  the headers, resident memory; the body
                                  budget across authenticated uploads
  flood PORT LEASE_TOKEN idle|trickle SECONDS
                                  2,000 idle (or trickling: a header byte
                                  every 20 s) connections from 191 127.x
                                  addresses while a reader and an agent
                                  measure their answers
"""
import errno
import json
import resource
import selectors
import socket
import sys
import threading
import time

MIB = 1 << 20
FAILED = []


def report(ok, what):
    print(("ok - " if ok else "not ok - ") + what, flush=True)
    if not ok:
        FAILED.append(what)


def parse(data):
    """(status, headers with lower-case names, body) of a raw answer."""
    head, _, body = data.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    try:
        status = int(lines[0].split()[1])
    except (IndexError, ValueError):
        return 0, {}, body
    hdrs = {}
    for l in lines[1:]:
        k, _, v = l.partition(":")
        hdrs[k.strip().lower()] = v.strip()
    return status, hdrs, body


def request(port, raw, timeout=5.0, src=None):
    """raw sent on a new connection (which the request asks to close);
    (status, headers, body, seconds), status 0 on a failure."""
    t0 = time.monotonic()
    s = socket.socket()
    s.settimeout(timeout)
    data = b""
    try:
        if src:
            s.bind((src, 0))
        s.connect(("127.0.0.1", port))
        s.sendall(raw)
        while True:
            c = s.recv(65536)
            if not c:
                break
            data += c
    except OSError:
        data = data if data.startswith(b"HTTP/") and b"\r\n\r\n" in data else b""
    finally:
        s.close()
    st, h, b = parse(data) if data else (0, {}, b"")
    return st, h, b, time.monotonic() - t0


def http(port, method, path, token=None, body=None, auth=None, src=None, timeout=5.0):
    hdr = "%s %s HTTP/1.1\r\nHost: t\r\nConnection: close\r\n" % (method, path)
    if auth or token:
        hdr += "Authorization: %s\r\n" % (auth or "Bearer " + token)
    b = body.encode() if isinstance(body, str) else (body or b"")
    if body is not None:
        hdr += "Content-Type: application/json\r\nContent-Length: %d\r\n" % len(b)
    return request(port, hdr.encode() + b"\r\n" + b, timeout, src)


def pct(xs, p):
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(len(xs) * p / 100.0))] if xs else float("nan")


# --- item 7: what a request says ---------------------------------------------

def phase_proto(port, lt):
    caps = "/v1/caps?node=n1"
    for auth in ("bearer " + lt, "BEARER " + lt, "Bearer  " + lt, "token " + lt):
        st = http(port, "GET", caps, auth=auth)[0]
        report(st == 200, "the auth scheme without regard to case: %r gets %d" % (auth.split()[0], st))
    st = http(port, "GET", caps, auth="Bearer" + lt)[0]
    report(st == 401, "no space after the scheme is no token (%d)" % st)
    st = http(port, "GET", "/v1/budget%00.json")[0]
    report(st == 404, "/v1/budget%%00.json is no endpoint: %d" % st)
    st = request(port, b"GET /v1/budget\x00.json HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n")[0]
    report(st in (400, 404), "a raw NUL byte in the path is no endpoint either: %d" % st)
    st = request(port, b"GET /v1/budget?x=\x00 HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n")[0]
    report(st in (400, 404), "a raw NUL byte in the query: %d" % st)
    st, _, b, _ = http(port, "GET", "/v1/caps?node=n1%00x", token=lt)
    report(st == 404, "node=n1%%00x leases no rack (not n1): %d %s" % (st, b[:80]))
    gst, gh, gb, _ = http(port, "GET", "/v1/budget")
    st, h, b, _ = http(port, "HEAD", "/v1/budget")
    report(st == 200 and b == b"" and int(h.get("content-length", "0")) > 0 and
           h.get("content-type") == gh.get("content-type"),
           "HEAD /v1/budget: 200, the headers of GET (Content-Length %s, GET's body %d bytes), no body (%d bytes)"
           % (h.get("content-length"), len(gb), len(b)))
    st, h, b, _ = http(port, "HEAD", "/healthz")
    report(st == 200 and b == b"", "HEAD /healthz: %d, no body" % st)
    st = http(port, "HEAD", caps)[0]
    report(st == 401, "HEAD /v1/caps without a token: %d (the scope holds for HEAD)" % st)
    st, h, _, _ = http(port, "DELETE", "/v1/budget")
    report(st == 405 and h.get("allow") == "GET, HEAD",
           "DELETE /v1/budget: %d with Allow: %s" % (st, h.get("allow")))
    st, h, _, _ = http(port, "GET", "/v1/admit")
    report(st == 405 and h.get("allow") == "POST", "GET /v1/admit: %d with Allow: %s" % (st, h.get("allow")))
    st, _, b, _ = http(port, "POST", "/v1/admit", token=lt, body='{"gpus": 8, "gpus": 1000000}')
    report(st == 400 and b"duplicate" in b, "a key twice in /v1/admit is refused: %d %s" % (st, b[:90]))
    st, _, b, _ = http(port, "POST", "/v1/admit", token=lt, body='{"gpus": 8}')
    report(st == 200, "the same without the duplicate is answered: %d" % st)


# --- item 4: bodies ------------------------------------------------------------

def status_kib(pid, key):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith(key + ":"):
                return int(line.split()[1])
    return 0


def connect(port):
    s = socket.create_connection(("127.0.0.1", port), timeout=5)
    return s


def answers_within(socks, secs):
    """The status each socket got within secs (0: none)."""
    got = {s: b"" for s in socks}
    sel = selectors.DefaultSelector()
    for s in socks:
        s.setblocking(False)
        sel.register(s, selectors.EVENT_READ)
    end = time.monotonic() + secs
    done = set()
    while len(done) < len(socks) and time.monotonic() < end:
        for key, _ in sel.select(max(0.0, end - time.monotonic())):
            s = key.fileobj
            try:
                c = s.recv(65536)
            except OSError:
                c = b""
            if c:
                got[s] += c
            if not c or b"\r\n\r\n" in got[s]:
                sel.unregister(s)
                done.add(s)
    sel.close()
    return [parse(got[s])[0] if got[s] else 0 for s in socks]


def upload_hdr(size, token=None):
    h = "POST /write HTTP/1.1\r\nHost: t\r\nContent-Type: text/plain\r\nContent-Length: %d\r\n" % size
    if token:
        h += "Authorization: Bearer %s\r\n" % token
    return (h + "\r\n").encode()


def blast(port, n, hdr, size, pid, secs):
    """n connections send hdr and a body of size bytes at once, without
    waiting for an answer; (bytes sent, peak RSS KiB seen, answers)."""
    chunk = b"x" * (256 << 10)
    sel = selectors.DefaultSelector()
    left = {}
    for _ in range(n):
        s = connect(port)
        s.setblocking(False)
        left[s] = [hdr, size]
        sel.register(s, selectors.EVENT_WRITE | selectors.EVENT_READ)
    sent, peak, answers, last = 0, 0, [], 0.0
    end = time.monotonic() + secs
    while left and time.monotonic() < end:
        for key, ev in sel.select(0.05):
            s = key.fileobj
            st = left[s]
            fin = False
            try:
                if ev & selectors.EVENT_READ:
                    c = s.recv(65536)
                    if c.startswith(b"HTTP/"):
                        answers.append(parse(c)[0])
                    fin = True
                elif st[0]:
                    k = s.send(st[0])
                    st[0] = st[0][k:]
                elif st[1] > 0:
                    k = s.send(chunk[:min(len(chunk), st[1])])
                    st[1] -= k
                    sent += k
                else:
                    sel.modify(s, selectors.EVENT_READ)
            except BlockingIOError:
                pass
            except OSError:
                fin = True
            if fin:
                sel.unregister(s)
                s.close()
                del left[s]
        now = time.monotonic()
        if now - last > 0.02:
            peak = max(peak, status_kib(pid, "VmRSS"))
            last = now
    for s in left:
        s.close()
    sel.close()
    return sent, peak, answers


def metric(port, name):
    st, _, b, _ = http(port, "GET", "/metrics")
    for line in b.decode(errors="replace").splitlines():
        if line.startswith(name + " "):
            return float(line.split()[1])
    return None


def phase_upload(port, pid, wt):
    n, size = 32, 31 * MIB
    socks = [connect(port) for _ in range(n)]
    for s in socks:
        s.sendall(upload_hdr(size))
    sts = answers_within(socks, 3.0)
    for s in socks:
        s.close()
    n401 = sum(1 for x in sts if x == 401)
    report(n401 == n, "%d of %d unauthenticated 31 MiB uploads got 401 on their headers, "
           "before a byte of their bodies was sent (others: %s)" % (n401, n, sorted(set(sts))))

    def growth(what, n, hdr):
        rss0, hwm0 = status_kib(pid, "VmRSS"), status_kib(pid, "VmHWM")
        t0 = time.monotonic()
        sent, peak, answers = blast(port, n, hdr, size, pid, 60.0)
        hwm1 = status_kib(pid, "VmHWM")
        peak = max(peak, hwm1 if hwm1 > hwm0 else 0)
        grow = (peak - rss0) / 1024.0
        print("# %s sent at once: %.0f MiB sent in %.1f s, %d answers (%s); RSS %.1f MiB "
              "before, peak %.1f MiB: growth %.1f MiB"
              % (what, sent / MIB, time.monotonic() - t0, len(answers), sorted(set(answers)),
                 rss0 / 1024.0, peak / 1024.0, grow), flush=True)
        return grow, sent

    grow, _ = growth("32 unauthenticated uploads", n, upload_hdr(size))
    report(grow < 64, "32 unauthenticated 31 MiB uploads grow resident memory by %.1f MiB (< 64)" % grow)
    hdr = b"GET /v1/budget HTTP/1.1\r\nHost: t\r\nContent-Length: %d\r\n\r\n" % size
    grow, sent = growth("8 GET /v1/budget with 31 MiB bodies", 8, hdr)
    report(grow < 64 and sent > 4 * size,
           "a body sent where none is read is not kept: %.0f MiB of it sent, resident memory "
           "grows by %.1f MiB (< 64)" % (sent / MIB, grow))

    # The body budget: 128 MiB across requests, so 4 authenticated 31 MiB
    # uploads fit and the 5th and 6th are refused on their headers.
    socks = [connect(port) for _ in range(6)]
    for s in socks:
        s.sendall(upload_hdr(size, wt))
    sts = answers_within(socks, 3.0)
    n503 = sts.count(503)
    report(n503 == 2 and sts.count(0) == 4,
           "6 authenticated 31 MiB uploads at once: 4 taken (within the 128 MiB body budget), "
           "2 refused with 503 on their headers (%s)" % sts)
    for s in socks:
        s.close()
    held = None
    end = time.monotonic() + 10
    while time.monotonic() < end:
        held = metric(port, "powerpark_api_body_bytes")
        if held == 0:
            break
        time.sleep(0.1)
    refused = metric(port, "powerpark_api_body_refused_total")
    report(held == 0 and refused is not None and refused >= 2,
           "/metrics counts the refusals (powerpark_api_body_refused_total %s) and the budget "
           "comes back when the uploads end (powerpark_api_body_bytes %s)" % (refused, held))


# --- item 5: idle and trickling connections ------------------------------------

class Flood:
    """Keeps connections open to the API, one per source address in srcs,
    idle or (trickle) sending one header byte every 20 s; one the server
    closes is opened again a second later, as an attacker would."""

    LINE = b"GET /v1/budget HTTP/1.1\r\nHost: t\r\n"

    def __init__(self, port, srcs, trickle):
        self.port, self.srcs, self.trickle = port, srcs, trickle
        self.sel = selectors.DefaultSelector()
        self.stop = False
        self.opened = self.closed = self.up = self.peak_up = 0
        self.pending = [(0.0, i) for i in range(len(srcs))]
        self.conns = {}
        self.scan_at = 0.0

    def open(self, i, now):
        s = socket.socket()
        s.setblocking(False)
        try:
            s.bind((self.srcs[i], 0))
            e = s.connect_ex(("127.0.0.1", self.port))
        except OSError:
            s.close()
            self.pending.append((now + 1.0, i))
            return
        if e not in (0, errno.EINPROGRESS):
            s.close()
            self.pending.append((now + 1.0, i))
            return
        self.opened += 1
        # [index, connected, next byte at, bytes of LINE sent]
        self.conns[s] = [i, False, now, 0]
        self.sel.register(s, selectors.EVENT_WRITE)

    def drop(self, s, now):
        st = self.conns.pop(s)
        if st[1]:
            self.up -= 1
        self.closed += 1
        self.sel.unregister(s)
        s.close()
        self.pending.append((now + 1.0, st[0]))

    def run(self):
        while not self.stop:
            now = time.monotonic()
            keep = []
            for at, i in self.pending:
                if at <= now:
                    self.open(i, now)
                else:
                    keep.append((at, i))
            self.pending = keep
            for key, ev in self.sel.select(0.05):
                s = key.fileobj
                st = self.conns.get(s)
                if st is None:
                    continue
                if not st[1]:
                    if s.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR):
                        self.drop(s, now)
                        continue
                    st[1] = True
                    self.up += 1
                    self.peak_up = max(self.peak_up, self.up)
                    self.sel.modify(s, selectors.EVENT_READ)
                    continue
                try:
                    c = s.recv(4096)
                except OSError:
                    c = b""
                if not c:
                    self.drop(s, now)
            if now < self.scan_at:
                continue
            self.scan_at = now + 0.5
            for s, st in list(self.conns.items()):
                if self.trickle and st[1] and st[2] <= now and st[3] < len(self.LINE):
                    try:
                        s.send(self.LINE[st[3]:st[3] + 1])
                        st[3] += 1
                        st[2] = now + 20.0
                    except OSError:
                        self.drop(s, now)
        for s in list(self.conns):
            s.close()


def flood_sources():
    """1,900 connections from 190 addresses (10 each, under the limit per
    address) and 100 from one address (over it)."""
    srcs = []
    for a in range(190):
        srcs += ["127.1.%d.%d" % (a // 200, a % 200 + 1)] * 10
    srcs += ["127.3.0.1"] * 100
    return srcs


def phase_flood(port, lt, kind, secs):
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    if hard < 2300:
        report(False, "this test needs 2,300 descriptors (the hard limit is %d)" % hard)
        return
    fl = Flood(port, flood_sources(), kind == "trickle")
    th = threading.Thread(target=fl.run, daemon=True)
    th.start()
    end = time.monotonic() + 10
    while fl.opened < 2000 and time.monotonic() < end:
        time.sleep(0.05)
    time.sleep(1.0)  # the first idle second of the flood's connections
    lat = {"budget": [], "caps": [], "write": [], "anon": []}
    fails = {k: 0 for k in lat}
    lease_gaps = []
    server = {}
    stop = time.monotonic() + secs

    def reader():
        while time.monotonic() < stop:
            st, _, _, t = http(port, "GET", "/v1/budget")
            (lat["budget"].append(t) if st == 200 else fails.__setitem__("budget", fails["budget"] + 1))
            time.sleep(0.1)

    def agent():
        until = None
        while time.monotonic() < stop:
            st, _, b, t = http(port, "GET", "/v1/caps?node=n1", token=lt)
            now = time.time()
            if st == 200:
                lat["caps"].append(t)
                if until is not None and now > until:
                    lease_gaps.append(now - until)
                until = json.loads(b)["lease_expires"]
            else:
                fails["caps"] += 1
            line = "rack,site=t,rack=n1 power_w=1000"
            st, _, _, t = http(port, "POST", "/write", token=lt, body=line)
            (lat["write"].append(t) if st == 204 else fails.__setitem__("write", fails["write"] + 1))
            time.sleep(0.25)

    def anon():
        # An address that never showed a token: it competes with the flood.
        while time.monotonic() < stop:
            st, _, _, t = http(port, "GET", "/v1/budget", src="127.0.0.9", timeout=2.0)
            (lat["anon"].append(t) if st == 200 else fails.__setitem__("anon", fails["anon"] + 1))
            time.sleep(0.5)

    ths = [threading.Thread(target=f) for f in (reader, agent, anon)]
    for t in ths:
        t.start()
    time.sleep(secs / 2)
    for k in ("powerpark_api_connections", "powerpark_api_connections_refused_total"):
        server[k] = metric(port, k)
    up_mid = fl.up
    for t in ths:
        t.join()
    fl.stop = True
    th.join()
    print("# %s flood: %d connections opened by the attackers, %d closed by the server, %d open at "
          "once at most (%d at mid-test); the server counted %s open and %s refused"
          % (kind, fl.opened, fl.closed, fl.peak_up, up_mid, server.get("powerpark_api_connections"),
             server.get("powerpark_api_connections_refused_total")), flush=True)
    for k in ("budget", "caps", "write", "anon"):
        xs = lat[k]
        print("# %s %-6s %4d answered, %3d failed; p50 %.1f ms, p99 %.1f ms, max %.1f ms"
              % (kind, k, len(xs), fails[k], pct(xs, 50) * 1e3, pct(xs, 99) * 1e3,
                 max(xs) * 1e3 if xs else float("nan")), flush=True)
    report(up_mid >= 600, "the %s flood held %d connections open in the middle of the test (>= 600)" % (kind, up_mid))
    bound = 0.100
    for k, what in (("budget", "GET /v1/budget"), ("caps", "GET /v1/caps with the lease token"),
                    ("write", "POST /write with the agent's token")):
        xs = lat[k]
        report(fails[k] == 0 and len(xs) > 20 and pct(xs, 99) < bound,
               "under 2,000 %s connections %s answered %d times, %d failed, "
               "p99 %.1f ms (< 100)" % (kind, what, len(xs), fails[k], pct(xs, 99) * 1e3))
    report(not lease_gaps and len(lat["caps"]) > 20,
           "under the %s flood the agent renewed its lease before it ran out every time "
           "(%d renewals, gaps %s)" % (kind, len(lat["caps"]), ["%.1f s" % g for g in lease_gaps[:5]]))


def main():
    ph = sys.argv[1]
    port = int(sys.argv[2])
    if ph == "proto":
        phase_proto(port, sys.argv[3])
    elif ph == "upload":
        phase_upload(port, int(sys.argv[3]), sys.argv[4])
    elif ph == "flood":
        phase_flood(port, sys.argv[3], sys.argv[4], float(sys.argv[5]))
    else:
        sys.exit("abuse.py: no phase %s" % ph)


if __name__ == "__main__":
    main()
