#!/usr/bin/env bash
# Measures thin_dump on a pool of 10 million mappings (issue 2, acceptance point 5).
#
# Test code (src/test/.../BigPoolXml.java) writes the XML, the 0.9.0 reference thin_restore
# turns it into a metadata image, then the same run times
#   JAVA_OPTS=-Xmx256m bin/thin_dump IMAGE > /dev/null     and     /usr/sbin/thin_dump IMAGE > /dev/null
# (REPEAT times each, alternating, page cache warm) and checks that both outputs, and the XML
# itself, are byte-identical.
#
# Environment: MAPPINGS (10000000), DEVICES (8), REPEAT (3), BENCH_DIR (/tmp/thinmeta-bench),
# KEEP=1 keeps the XML and image for a later run (they are reused if present).
set -euo pipefail
cd "$(dirname "$0")/.."
mappings=${MAPPINGS:-10000000}
devices=${DEVICES:-8}
repeat=${REPEAT:-3}
work=${BENCH_DIR:-/tmp/thinmeta-bench}
ref=/usr/sbin/thin_dump
restore=/usr/sbin/thin_restore
if [ ! -x "$ref" ] || [ ! -x "$restore" ]; then
  echo "needs the 0.9.0 reference tools: apt-get install thin-provisioning-tools" >&2
  exit 1
fi
if [ ! -f cli/target/thinmeta.jar ] || [ ! -f src/test/target/test-classes/org/thinmeta/e2e/BigPoolXml.class ]; then
  mvn -B -q -ntp -DskipTests package
fi
mkdir -p "$work"
xml=$work/pool-$mappings.xml
img=$work/pool-$mappings.bin
if [ ! -f "$img" ]; then
  echo "writing $xml ($mappings mappings, $devices devices)"
  java -cp src/test/target/test-classes org.thinmeta.e2e.BigPoolXml "$xml" "$mappings" "$devices" >/dev/null
  rm -f "$img"
  truncate -s "${META_SIZE:-2G}" "$img"
  echo "restoring with the reference thin_restore"
  TIMEFORMAT='  thin_restore: %R s'
  time "$restore" -i "$xml" -o "$img"
fi
echo "image: $img ($(du -h --apparent-size "$img" | cut -f1) apparent, $(du -h "$img" | cut -f1) used), XML $(du -h "$xml" | cut -f1), $(grep -c '_mapping' "$xml") mapping lines"
cat "$img" > /dev/null # warm the page cache for both tools

export JAVA_OPTS="${JAVA_OPTS:--Xmx256m}"
timeit() { # label, command...: prints wall seconds and peak RSS
  local label=$1
  shift
  /usr/bin/time -f "%e %M" -o "$work/time.txt" "$@" > /dev/null
  read -r secs kb < "$work/time.txt"
  printf '  %-28s %6.2f s  peak RSS %4d MiB\n' "$label" "$secs" $((kb / 1024))
}
echo "wall times (JAVA_OPTS=$JAVA_OPTS):"
for i in $(seq 1 "$repeat"); do
  timeit "bin/thin_dump (run $i)" bin/thin_dump "$img"
  timeit "0.9.0 thin_dump (run $i)" "$ref" "$img"
done

ours=$(bin/thin_dump "$img" | sha256sum | cut -d' ' -f1)
theirs=$("$ref" "$img" | sha256sum | cut -d' ' -f1)
source=$(sha256sum < "$xml" | cut -d' ' -f1)
echo "sha256: ours $ours, 0.9.0 $theirs, XML $source"
status=0
if [ "$ours" = "$theirs" ] && [ "$ours" = "$source" ]; then
  echo "outputs are byte-identical"
else
  echo "OUTPUTS DIFFER" >&2
  status=1
fi
if [ "${KEEP:-0}" != 1 ]; then
  rm -f "$xml" "$img" "$work/time.txt"
  rmdir "$work" 2>/dev/null || true
fi
exit $status
