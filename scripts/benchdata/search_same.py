#!/usr/bin/env python3
"""Checks that two `casebook search` binaries give the same results.

    scripts/benchdata/search_same.py BIN_A SITE_A BIN_B SITE_B

Runs each query of queries.txt (beside this script) as `casebook search
--json`, plain, with `--limit 3 --offset 2` and with `--sort date`, with
each binary on its own site (two builds of the same archive, e.g. when the
index format differs), and compares the output byte for byte. Prints the
differing runs and a count; exits 1 when any differ.
"""
import os, subprocess, sys

bin_a, site_a, bin_b, site_b = sys.argv[1:5]
here = os.path.dirname(os.path.abspath(__file__))
qs = [l.strip() for l in open(os.path.join(here, 'queries.txt'))
      if l.strip() and not l.startswith('#')]
variants = [[], ['--limit', '3', '--offset', '2'], ['--sort', 'date']]
runs = differ = 0
for q in qs:
    for v in variants:
        a = subprocess.run([bin_a, 'search', '--json'] + v + ['--', q], cwd=site_a,
                           capture_output=True)
        b = subprocess.run([bin_b, 'search', '--json'] + v + ['--', q], cwd=site_b,
                           capture_output=True)
        runs += 1
        if (a.stdout, a.returncode) != (b.stdout, b.returncode):
            differ += 1
            print('DIFFER:', v, repr(q))
print(f'{runs} runs, {differ} differ')
sys.exit(1 if differ else 0)
