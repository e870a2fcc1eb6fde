#!/usr/bin/env bash
# Measures thin_restore of a 10-million-mapping XML (issue 4, acceptance point 6): ours
# (JAVA_OPTS=-Xmx512m) against the 0.9.0 reference /usr/sbin/thin_restore, alternately in the
# same run, on the same input and fresh same-size sparse outputs. Then checks that 0.9.0
# thin_check passes our image and that our thin_dump gives the same XML for both images.
#
# usage: bench/restore-10m.sh [MODE]
#   MODE bigpool (default): the XML of bench/dump-10m.sh (BigPoolXml: 8 devices in
#                           origin/snapshot pairs, runs of 2..64 blocks among single blocks)
#        mixed:  gen-mappings.py, one device, runs of 1..32 at random data blocks
#        single: gen-mappings.py, one device, every mapping a <single_mapping> (760 MB of XML:
#                the worst case for parsing)
# env:   MAPPINGS (10000000), REPEAT (2), BENCH_DIR (/tmp/thinmeta-bench), KEEP=1 keeps the
#        outputs, VERIFY=0 skips the checks.
# Exits 1 if ours is not at least 10 times faster (best run against best run).
set -euo pipefail
cd "$(dirname "$0")/.."
mode=${1:-bigpool}
mappings=${MAPPINGS:-10000000}
repeat=${REPEAT:-2}
work=${BENCH_DIR:-/tmp/thinmeta-bench}
ref=/usr/sbin/thin_restore
[ -x "$ref" ] || { echo "needs the 0.9.0 reference: apt-get install thin-provisioning-tools" >&2; exit 2; }
if [ ! -f cli/target/thinmeta.jar ] || [ ! -f src/test/target/test-classes/org/thinmeta/e2e/BigPoolXml.class ]; then
  mvn -B -q -ntp -DskipTests package
fi
mkdir -p "$work"
case $mode in
  bigpool) xml=$work/pool-$mappings.xml ;;
  mixed | single) xml=$work/pool-$mappings-$mode.xml ;;
  *) echo "unknown mode $mode" >&2; exit 2 ;;
esac
if [ ! -s "$xml" ]; then
  echo "writing $xml"
  if [ "$mode" = bigpool ]; then
    java -cp src/test/target/test-classes org.thinmeta.e2e.BigPoolXml "$xml" "$mappings" 8 >/dev/null
  else
    python3 bench/gen-mappings.py "$xml.tmp" "$mappings" "$mode" && mv "$xml.tmp" "$xml"
  fi
fi
cat "$xml" > /dev/null # same page-cache state for both tools
size=$((2 * 1024 * 1024 * 1024))
ours=$work/restored-ours.bin refout=$work/restored-ref.bin
echo "input: $xml, $(du -h "$xml" | cut -f1), $(grep -c '_mapping' "$xml") mapping lines, $mappings mappings"
echo "outputs: fresh 2 GiB sparse files; load average before: $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) cores"

# Ours forces its output to stable storage before and after writing the superblock (crash
# safety) and that is in its time; the reference's unflushed page cache is written back outside
# its time (each run starts after a sync).
timeit() { # label, output, command...: prints and returns wall seconds
  local label=$1 out=$2
  shift 2
  rm -f "$out"
  truncate -s $size "$out"
  sync
  /usr/bin/time -f "%e %U %M" -o "$work/time.txt" "$@" > /dev/null
  read -r secs user kb < "$work/time.txt"
  printf '  %-34s %6.2f s wall  %6.2f s user  peak RSS %4d MiB\n' "$label" "$secs" "$user" $((kb / 1024)) >&2
  echo "$secs"
}
ours_times="" ref_times=""
for i in $(seq 1 "$repeat"); do
  ours_times="$ours_times,$(JAVA_OPTS=-Xmx512m timeit "bin/thin_restore (run $i)" "$ours" bin/thin_restore -i "$xml" -o "$ours")"
  ref_times="$ref_times,$(timeit "0.9.0 thin_restore (run $i)" "$refout" "$ref" -i "$xml" -o "$refout")"
done
best_ours=$(python3 -c "print(min([${ours_times#,}]))")
best_ref=$(python3 -c "print(min([${ref_times#,}]))")
ratio=$(python3 -c "print(round($best_ref / $best_ours, 2))")
echo "best: ours ${best_ours} s, reference ${best_ref} s: ours is ${ratio}x faster (target: at least 10x)"

if [ "${VERIFY:-1}" = 1 ]; then
  /usr/sbin/thin_check -q "$ours" && echo "0.9.0 thin_check passes our image"
  if cmp -s <(bin/thin_dump "$ours") <(bin/thin_dump "$refout" | sed '1s/version="[0-9]*"/version="2"/'); then
    echo "our thin_dump of both images is identical"
  else
    echo "DUMPS DIFFER" >&2
    exit 1
  fi
fi
[ "${KEEP:-0}" = 1 ] || rm -f "$ours" "$refout"
python3 -c "import sys; sys.exit(0 if $ratio >= 10 else 1)"
