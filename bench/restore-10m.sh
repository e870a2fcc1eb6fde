#!/usr/bin/env bash
# Measures thin_restore of a large XML: ours (JAVA_OPTS=-Xmx512m) against the 0.9.0 reference
# /usr/sbin/thin_restore, in the same run, on the same input and fresh same-size outputs.
# Not part of the test suite (it takes a few minutes and ~1 GB of /tmp).
#
# usage: bench/restore-10m.sh [MAPPINGS] [MODE] [DEVICES]
#   MAPPINGS default 10000000; MODE mixed (default) | single; DEVICES default 1
# env:   WORK (default /tmp/thinmeta-bench), KEEP=1 keeps the files, VERIFY=0 skips the checks
# Prints both wall-clock times and the ratio; exits 1 if ours is not at most 1/10 of the
# reference's time.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
REPO=$(dirname "$HERE")
N=${1:-10000000} MODE=${2:-mixed} DEVS=${3:-1}
WORK=${WORK:-/tmp/thinmeta-bench}
REF=/usr/sbin/thin_restore
[ -x "$REF" ] || { echo "no reference $REF (apt-get install thin-provisioning-tools)" >&2; exit 2; }
[ -f "$REPO/cli/target/thinmeta.jar" ] || (cd "$REPO" && mvn -B -q -ntp -DskipTests package)
mkdir -p "$WORK"
XML=$WORK/pool-$N-$MODE-$DEVS.xml
if [ ! -s "$XML" ]; then
  echo "generating $XML"
  python3 "$HERE/gen-mappings.py" "$XML.tmp" "$N" "$MODE" "$DEVS"
  mv "$XML.tmp" "$XML"
fi
cat "$XML" > /dev/null   # same page-cache state for both runs
sync                     # no write-back of earlier files during the timed runs
SIZE=$((2 * 1024 * 1024 * 1024))
now() { date +%s.%N; }

OURS=$WORK/ours.bin REFOUT=$WORK/ref.bin
rm -f "$OURS" "$REFOUT"; truncate -s $SIZE "$OURS"; truncate -s $SIZE "$REFOUT"
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) cores"
echo "input: $(wc -c < "$XML") bytes, $N mappings ($MODE, $DEVS device(s)); outputs: $SIZE-byte sparse files"

# Ours forces its output to disk before and after the superblock (crash safety); the time
# includes that. The reference's unflushed page cache is written back outside its time.
sync; t0=$(now)
JAVA_OPTS=-Xmx512m "$REPO/bin/thin_restore" -i "$XML" -o "$OURS"
t1=$(now)
sync; t1b=$(now)
"$REF" -i "$XML" -o "$REFOUT" > /dev/null
t2=$(now)
ours=$(echo "$t1 - $t0" | bc) ref=$(echo "$t2 - $t1b" | bc)
ratio=$(echo "scale=2; $ref / $ours" | bc)
echo "ours:      ${ours}s  (bin/thin_restore, JAVA_OPTS=-Xmx512m)"
echo "reference: ${ref}s  ($REF, $($REF -V))"
echo "ours is ${ratio}x faster (target: at least 10x)"

if [ "${VERIFY:-1}" = 1 ]; then
  /usr/sbin/thin_check -q "$OURS" && echo "0.9.0 thin_check: our image passes"
  if cmp -s <("$REPO/bin/thin_dump" "$OURS") <("$REPO/bin/thin_dump" "$REFOUT"); then
    echo "dumps of both images are identical"
  else
    echo "DUMPS DIFFER" >&2; exit 1
  fi
fi
[ "${KEEP:-0}" = 1 ] || rm -f "$OURS" "$REFOUT"
echo "$ratio >= 10" | bc | grep -q 1
