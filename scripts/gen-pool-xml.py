#!/usr/bin/env python3
"""Writes thin_dump XML for a pool of DEVICES devices holding MAPPINGS mappings in total.

Each device maps its thin blocks 0..n-1 in runs of 1..32 blocks; the runs are given data
blocks in a shuffled order, so the data side is fragmented as in a pool written at random.
Usage: gen-pool-xml.py MAPPINGS DEVICES SEED > pool.xml
"""
import random
import sys


def main():
    total, devices, seed = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
    rnd = random.Random(seed)
    per = total // devices
    out = sys.stdout
    out.write('<superblock uuid="" time="1" transaction="%d" flags="0" version="2" '
              'data_block_size="128" nr_data_blocks="%d">\n' % (devices + 1, total + 1024))
    next_data = 0
    for dev in range(1, devices + 1):
        runs = []
        b = 0
        while b < per:
            n = min(rnd.randint(1, 32), per - b)
            runs.append((b, n))
            b += n
        order = list(range(len(runs)))
        rnd.shuffle(order)
        data = [0] * len(runs)
        for i in order:
            data[i] = next_data
            next_data += runs[i][1]
        out.write('  <device dev_id="%d" mapped_blocks="%d" transaction="%d" '
                  'creation_time="0" snap_time="0">\n' % (dev, per, dev))
        lines = []
        for (t, n), d in zip(runs, data):
            if n == 1:
                lines.append('    <single_mapping origin_block="%d" data_block="%d" time="%d"/>\n'
                             % (t, d, rnd.randint(0, 1)))
            else:
                lines.append('    <range_mapping origin_begin="%d" data_begin="%d" length="%d" '
                             'time="%d"/>\n' % (t, d, n, rnd.randint(0, 1)))
            if len(lines) >= 10000:
                out.write(''.join(lines))
                lines = []
        out.write(''.join(lines))
        out.write('  </device>\n')
    out.write('</superblock>\n')


if __name__ == '__main__':
    main()
