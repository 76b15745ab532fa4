#!/usr/bin/python3
"""lp_get.py FILE MEASUREMENT [TAG=VALUE...] FIELD: prints FIELD of the last
line of FILE with that measurement and those tags ('' if none). With FIELD
'#count' prints how many such lines there are. Handles line-protocol escapes."""
import sys


def split_esc(s, sep):
    out, cur, i, q = [], "", 0, False
    while i < len(s):
        c = s[i]
        if c == "\\" and i + 1 < len(s):
            cur += s[i + 1]
            i += 2
            continue
        if c == '"':
            q = not q
        if c == sep and not q:
            out.append(cur)
            cur = ""
        else:
            cur += c
        i += 1
    out.append(cur)
    return out


def parse(line):
    parts = split_esc(line.rstrip("\n"), " ")
    head = split_esc(parts[0], ",")
    tags = dict(t.split("=", 1) for t in head[1:])
    fields = {}
    for f in split_esc(parts[1], ","):
        k, v = f.split("=", 1)
        fields[k] = v
    return head[0], tags, fields


def main():
    path, meas, *rest = sys.argv[1:]
    field = rest[-1]
    want = dict(t.split("=", 1) for t in rest[:-1])
    val, count = "", 0
    for line in open(path, encoding="utf-8"):
        if not line.strip() or line.startswith("#"):
            continue
        try:
            m, tags, fields = parse(line)
        except (ValueError, IndexError):
            continue  # a line still being written
        if m != meas or any(tags.get(k) != v for k, v in want.items()):
            continue
        count += 1
        if field in fields:
            val = fields[field].rstrip("iu")
    print(count if field == "#count" else val)


if __name__ == "__main__":
    main()
