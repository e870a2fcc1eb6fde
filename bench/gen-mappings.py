#!/usr/bin/env python3
"""Writes a thin_dump-style XML pool with N mappings (deterministic).

usage: gen-mappings.py OUT N MODE [DEVICES]
  MODE single: every mapping is a <single_mapping> (worst case for XML parsing)
  MODE mixed:  runs of 1..32 contiguous blocks, as a random-write workload dumps them
Data blocks are placed at random in a pool twice the mapped size (so, sorted by thin block,
they look like a random-write workload); devices get equal shares of the mappings.
"""
import random
import sys

out, n, mode = sys.argv[1], int(sys.argv[2]), sys.argv[3]
devices = int(sys.argv[4]) if len(sys.argv) > 4 else 1
rnd = random.Random(42)
nr_data = 2 * n
with open(out, "w", buffering=1 << 20) as f:
    w = f.write
    w('<superblock uuid="" time="1" transaction="1" flags="0" version="2" '
      'data_block_size="128" nr_data_blocks="%d">\n' % nr_data)
    per = n // devices
    for dev in range(devices):
        want = per if dev < devices - 1 else n - per * (devices - 1)
        w('  <device dev_id="%d" mapped_blocks="%d" transaction="0" creation_time="0" '
          'snap_time="0">\n' % (dev + 1, want))
        v = done = 0
        while done < want:
            ln = 1 if mode == "single" else rnd.choice((1, 1, 1, 2, 4, 8, 16, 32))
            ln = min(ln, want - done)
            d = rnd.randrange(nr_data - ln)
            if ln == 1:
                w('    <single_mapping origin_block="%d" data_block="%d" time="0"/>\n' % (v, d))
            else:
                w('    <range_mapping origin_begin="%d" data_begin="%d" length="%d" time="0"/>\n'
                  % (v, d, ln))
            v += ln + rnd.choice((0, 0, 0, 1, 5))
            done += ln
        w('  </device>\n')
    w('</superblock>\n')
