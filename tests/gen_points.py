#!/usr/bin/python3
"""Deterministic test points: line i of N is series s<i%100>, integer v=i and
float f=i/8 (exact in binary), 1 ms apart ending an hour ago (inside any
store's retention). Usage: gen_points.py BASE_MS FIRST LAST  (LAST exclusive)."""
import sys

base, first, last = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
out = sys.stdout
for i in range(first, last):
    out.write(f"m,site=it,s=s{i % 100:02d} v={i}i,f={i / 8!r} {(base + i) * 1000000}\n")
