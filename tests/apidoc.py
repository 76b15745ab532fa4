#!/usr/bin/python3
"""apidoc.py - runs the examples of docs/api.md against a live optimizer.

Each ```request block (method and path, headers, a blank line, a body) is
sent as written, with $WRITE_TOKEN, $LEASE_TOKEN and $READ_TOKEN replaced;
the ```response STATUS block after it gives the status the answer must have
and, when it holds a JSON object, the keys the answer must have at least.
Prints one ok/not ok line per example and exits 1 if any failed.

usage: apidoc.py DOC BASE_URL WRITE_TOKEN LEASE_TOKEN READ_TOKEN
"""
import json
import re
import sys
import urllib.error
import urllib.request


def blocks(text):
    for m in re.finditer(r"```request\n(.*?)```\s*```response (\d+)\n(.*?)```", text, re.S):
        yield m.group(1), int(m.group(2)), m.group(3).strip()


def send(base, req, tokens):
    for k, v in tokens.items():
        req = req.replace("$" + k, v)
    head, _, body = req.partition("\n\n")
    lines = head.strip().split("\n")
    method, path = lines[0].split(" ", 1)
    r = urllib.request.Request(base + path, method=method,
                               data=body.encode() if body.strip() else None)
    for h in lines[1:]:
        k, v = h.split(":", 1)
        r.add_header(k.strip(), v.strip())
    try:
        with urllib.request.urlopen(r, timeout=10) as a:
            return a.status, a.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode()


def main():
    doc, base, wt, lt, rt = sys.argv[1:6]
    tokens = {"WRITE_TOKEN": wt, "LEASE_TOKEN": lt, "READ_TOKEN": rt}
    bad = n = 0
    for req, status, resp in blocks(open(doc).read()):
        n += 1
        got, body = send(base, req, tokens)
        why = ""
        if got != status:
            why = "status %d, documented %d (%s)" % (got, status, body.strip()[:120])
        elif resp.startswith("{"):
            want = json.loads(resp)
            have = json.loads(body)
            missing = [k for k in want if k not in have]
            if missing:
                why = "keys missing: %s" % missing
        name = req.strip().split("\n")[0]
        if why:
            bad += 1
            print("not ok - docs/api.md: %s: %s" % (name, why))
        else:
            print("ok - docs/api.md: %s answers %d as documented" % (name, status))
    if n < 10:
        print("not ok - docs/api.md has only %d examples" % n)
        bad += 1
    sys.exit(1 if bad else 0)


main()
