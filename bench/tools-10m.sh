#!/usr/bin/env bash
# Measures thin_ls (exclusive/shared counts), thin_rmap over the whole pool and thin_delta of an
# origin and its snapshot on a pool of 10 million mappings with snapshots (issue 6, acceptance
# point 5), against the 0.9.0 reference in the same run.
#
# Test code (src/test/.../BigPool.java) writes a valid kernel-like image directly: dev 1 maps
# MAPPINGS blocks (runs of 8 contiguous data blocks, scattered), devs 2..SNAPSHOTS+1 are snapshots
# sharing its tree except ~1% of the leaves each (copied on write, half of their mappings moved),
# with both space maps written from the reference counts. Then each tool is timed REPEAT times,
# alternating ours (bin/thin_*) and 0.9.0, page cache warm; thin_ls and thin_delta outputs must
# be byte-identical (0.9.0's thin_rmap misses devices reached through shared subtrees, so only
# sizes are shown for it).
#
# Environment: MAPPINGS (10000000), SNAPSHOTS (3), REPEAT (3), BENCH_DIR (/tmp/thinmeta-bench),
# KEEP=1 keeps the image for a later run (it is reused if present).
set -euo pipefail
cd "$(dirname "$0")/.."
mappings=${MAPPINGS:-10000000}
snapshots=${SNAPSHOTS:-3}
repeat=${REPEAT:-3}
work=${BENCH_DIR:-/tmp/thinmeta-bench}
for t in thin_ls thin_rmap thin_delta thin_check; do
  if [ ! -x /usr/sbin/$t ]; then
    echo "needs the 0.9.0 reference tools: apt-get install thin-provisioning-tools" >&2
    exit 1
  fi
done
if [ ! -f cli/target/thinmeta.jar ] || [ ! -f src/test/target/test-classes/org/thinmeta/e2e/BigPool.class ]; then
  mvn -B -q -ntp -DskipTests package
fi
cp=src/test/target/test-classes:cli/target/thinmeta.jar
mkdir -p "$work"
img=$work/tools-$mappings-$snapshots.bin
if [ ! -f "$img" ]; then
  echo "writing $img ($mappings mappings, $snapshots snapshots)"
  java -cp "$cp" org.thinmeta.e2e.BigPool "$img" "$mappings" "$snapshots"
  /usr/sbin/thin_check "$img" > /dev/null 2>&1 || { echo "0.9.0 thin_check rejects the image" >&2; exit 1; }
fi
echo "image: $img ($(du -h --apparent-size "$img" | cut -f1)), passes 0.9.0 thin_check"
cat "$img" > /dev/null # warm the page cache for both tools

timeit() { # label, output file, command...: wall and CPU seconds, peak RSS
  local label=$1 out=$2
  shift 2
  /usr/bin/time -f "%e %U %S %M" -o "$work/time.txt" "$@" > "$out"
  read -r secs user sys kb < "$work/time.txt"
  printf '  %-34s %6.2f s wall  %6.2f s cpu  peak RSS %4d MiB  output %s bytes\n' \
    "$label" "$secs" "$(echo "$user + $sys" | bc)" $((kb / 1024)) "$(stat -c %s "$out")"
  echo "$secs" >> "$work/$label.times"
}
status=0
run() { # name, args...
  local name=$1
  shift
  rm -f "$work/ours $name.times" "$work/0.9.0 $name.times"
  for i in $(seq 1 "$repeat"); do
    timeit "ours $name" "$work/ours.out" "bin/$name" "$@" "$img"
    timeit "0.9.0 $name" "$work/ref.out" "/usr/sbin/$name" "$@" "$img"
  done
  local best_ours best_ref
  best_ours=$(sort -n "$work/ours $name.times" | head -1)
  best_ref=$(sort -n "$work/0.9.0 $name.times" | head -1)
  printf '  => %s: best %.2f s vs %.2f s, ratio %.2f\n' "$name" "$best_ours" "$best_ref" \
    "$(echo "$best_ours / $best_ref" | bc -l)"
  if [ "$name" != thin_rmap ] && ! cmp -s "$work/ours.out" "$work/ref.out"; then
    echo "  OUTPUTS DIFFER for $name" >&2
    status=1
  fi
  rm -f "$work/ours $name.times" "$work/0.9.0 $name.times"
}
echo "thin_ls -o DEV,MAPPED_BLOCKS,EXCLUSIVE_BLOCKS,SHARED_BLOCKS"
run thin_ls -o DEV,MAPPED_BLOCKS,EXCLUSIVE_BLOCKS,SHARED_BLOCKS
echo "thin_rmap --region 0..$((mappings * 2))"
run thin_rmap --region "0..$((mappings * 2))"
echo "thin_delta --snap1 1 --snap2 2"
run thin_delta --snap1 1 --snap2 2
rm -f "$work/ours.out" "$work/ref.out" "$work/time.txt"
if [ "${KEEP:-0}" != 1 ]; then
  rm -f "$img"
  rmdir "$work" 2>/dev/null || true
fi
exit $status
