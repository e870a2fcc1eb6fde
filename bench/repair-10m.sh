#!/usr/bin/env bash
# Measures thin_repair on a pool of 10 million mappings (issue 5, acceptance point 6): ours must
# take at most a tenth of the 0.9.0 reference's time, in the same run.
#
# Test code (src/test/.../BigPoolXml.java) writes the XML, the 0.9.0 reference thin_restore
# turns it into a metadata image (2 GiB, sparse), then the same run times, alternately,
#   bin/thin_repair -i IMAGE -o OURS      and      /usr/sbin/thin_repair -i IMAGE -o THEIRS
# (REPEAT times each, page cache warm, outputs zeroed before each run), and checks that
# thin_dump of both outputs equals thin_dump of the input (the pool is sound, so repair must
# not change it).
#
# Environment: MAPPINGS (10000000), DEVICES (8), REPEAT (3), BENCH_DIR (/tmp/thinmeta-bench-repair),
# JAVA_OPTS (-Xmx512m), KEEP=1 keeps the XML and images for a later run (reused if present).
set -euo pipefail
cd "$(dirname "$0")/.."
mappings=${MAPPINGS:-10000000}
devices=${DEVICES:-8}
repeat=${REPEAT:-3}
work=${BENCH_DIR:-/tmp/thinmeta-bench-repair}
ref=/usr/sbin/thin_repair
restore=/usr/sbin/thin_restore
refdump=/usr/sbin/thin_dump
if [ ! -x "$ref" ] || [ ! -x "$restore" ] || [ ! -x "$refdump" ]; then
  echo "needs the 0.9.0 reference tools: apt-get install thin-provisioning-tools" >&2
  exit 1
fi
if [ ! -f cli/target/thinmeta.jar ] || [ ! -f src/test/target/test-classes/org/thinmeta/e2e/BigPoolXml.class ]; then
  mvn -B -q -ntp -DskipTests package
fi
mkdir -p "$work"
xml=$work/pool-$mappings.xml
img=$work/pool-$mappings.bin
ours=$work/repaired-ours.bin
theirs=$work/repaired-0.9.0.bin
size=${META_SIZE:-2G}
if [ ! -f "$img" ]; then
  echo "writing $xml ($mappings mappings, $devices devices)"
  java -cp src/test/target/test-classes org.thinmeta.e2e.BigPoolXml "$xml" "$mappings" "$devices" >/dev/null
  rm -f "$img"
  truncate -s "$size" "$img"
  echo "restoring with the reference thin_restore"
  TIMEFORMAT='  thin_restore: %R s'
  time "$restore" -i "$xml" -o "$img"
fi
echo "image: $img ($(du -h --apparent-size "$img" | cut -f1) apparent, $(du -h "$img" | cut -f1) used)"
echo "load: $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) cores"

export JAVA_OPTS="${JAVA_OPTS:--Xmx512m}"
fresh() { rm -f "$1"; truncate -s "$size" "$1"; }
timeit() { # label, tag, command...: prints wall seconds, user+sys seconds and peak RSS
  local label=$1 tag=$2
  shift 2
  sync
  cat "$img" > /dev/null # the input in the page cache for both tools
  /usr/bin/time -f "%e %U %S %M" -o "$work/time.txt" "$@" > /dev/null 2> "$work/err.txt" \
    || { cat "$work/err.txt" >&2; exit 1; }
  read -r secs user sys kb < "$work/time.txt"
  printf '  %-28s %6.2f s wall  %6.2f s cpu  peak RSS %4d MiB\n' "$label" "$secs" \
    "$(echo "$user + $sys" | bc)" $((kb / 1024))
  echo "$secs" >> "$work/$tag.times"
}
rm -f "$work"/*.times
echo "wall times (JAVA_OPTS=$JAVA_OPTS):"
for i in $(seq 1 "$repeat"); do
  fresh "$ours"
  timeit "bin/thin_repair (run $i)" ours bin/thin_repair -i "$img" -o "$ours"
  fresh "$theirs"
  timeit "0.9.0 thin_repair (run $i)" theirs "$ref" -i "$img" -o "$theirs"
done
best() { sort -n "$1" | head -1; }
b_ours=$(best "$work/ours.times")
b_theirs=$(best "$work/theirs.times")
echo "best of $repeat: ours $b_ours s, 0.9.0 $b_theirs s, ratio $(echo "scale=3; $b_ours / $b_theirs" | bc)"

in_dump=$(bin/thin_dump "$img" | sha256sum | cut -d' ' -f1)
ours_dump=$(bin/thin_dump "$ours" | sha256sum | cut -d' ' -f1)
theirs_dump=$("$refdump" "$theirs" | sha256sum | cut -d' ' -f1)
echo "thin_dump sha256: input $in_dump, ours $ours_dump, 0.9.0 $theirs_dump"
status=0
if [ "$in_dump" != "$ours_dump" ]; then
  echo "OUR REPAIR CHANGED THE POOL" >&2
  status=1
fi
if [ "$(echo "$b_ours * 10 <= $b_theirs" | bc)" != 1 ]; then
  echo "ours is slower than a tenth of 0.9.0" >&2
  status=1
fi
rm -f "$ours" "$theirs" "$work"/*.times "$work/time.txt" "$work/err.txt"
if [ "${KEEP:-0}" != 1 ]; then
  rm -f "$xml" "$img"
  rmdir "$work" 2>/dev/null || true
fi
exit $status
