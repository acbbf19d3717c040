#!/usr/bin/env python3
"""Compares `casebook search` binaries on a built site, interleaved.

    scripts/benchdata/search_ab.py BIN_A,BIN_B SITE_DIR [PASSES]
    scripts/benchdata/search_ab.py BIN_A,BIN_B SITE_A,SITE_B [PASSES]

Runs each query of queries.txt (beside this script) as a whole
`casebook search --json` process with every binary in turn, the order
alternating, PASSES times (1), so that every binary sees the same machine
load; prints wall and CPU (user + sys) p50 / p90 / p99 per binary. With
one site per binary (two builds of the same archive, when the binaries
write different index formats), each binary searches its own.
"""
import os, resource, subprocess, sys, time

bins = sys.argv[1].split(',')
sites = sys.argv[2].split(',')
site_of = dict(zip(bins, sites if len(sites) == len(bins) else sites[:1] * len(bins)))
passes = int(sys.argv[3]) if len(sys.argv) > 3 else 1
here = os.path.dirname(os.path.abspath(__file__))
qs = [l.strip() for l in open(os.path.join(here, 'queries.txt'))
      if l.strip() and not l.startswith('#')]
for q in qs[:20]:  # warm the page cache
    for b in bins:
        subprocess.run([b, 'search', '--json', '--', q], cwd=site_of[b], capture_output=True)
wall = {b: [] for b in bins}
cpu = {b: [] for b in bins}
for p in range(passes):
    for i, q in enumerate(qs):
        for b in (bins if (i + p) % 2 == 0 else bins[::-1]):
            r0 = resource.getrusage(resource.RUSAGE_CHILDREN)
            t = time.perf_counter()
            subprocess.run([b, 'search', '--json', '--', q], cwd=site_of[b], capture_output=True)
            wall[b].append(time.perf_counter() - t)
            r1 = resource.getrusage(resource.RUSAGE_CHILDREN)
            cpu[b].append(r1.ru_utime - r0.ru_utime + r1.ru_stime - r0.ru_stime)
for b in bins:
    for name, xs in (("wall", wall[b]), ("cpu", cpu[b])):
        xs = sorted(xs)
        n = len(xs)
        pct = lambda p: xs[min(n - 1, int(p * n))] * 1000
        print(f"{b} {name}: n={n} p50={pct(0.5):.1f} p90={pct(0.9):.1f} "
              f"p99={pct(0.99):.1f} max={xs[-1] * 1000:.1f} ms")
