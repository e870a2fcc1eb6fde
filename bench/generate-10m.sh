#!/usr/bin/env bash
# Measures thin_generate_metadata building a pool of about 10 million mappings through the
# transactional engine (issue 4): an origin of 3.4 million mappings (half in runs, half at every
# other block so that they do not merge), two snapshots sharing its subtrees, 100,000 blocks
# written in each device after the snapshots (copy-on-write), one commit per step. Then the
# reference thin_check (0.9.0, if installed) checks the image and bin/thin_dump counts mappings.
#
# Environment: BENCH_DIR (/tmp/thinmeta-bench), KEEP=1 keeps the image.
set -euo pipefail
cd "$(dirname "$0")/.."
work=${BENCH_DIR:-/tmp/thinmeta-bench}
[ -f cli/target/thinmeta.jar ] || mvn -B -q -ntp -DskipTests package
mkdir -p "$work"
img=$work/generated-10m.bin
script=$work/generated-10m.txt
cat > "$script" <<'OPS'
create_thin 0
provision 0 0 1700000
provision 0 1700000 1700000 2
commit
create_snap 1 0
write 0 0 100000
commit
create_snap 2 0
write 1 1000000 100000
write 2 2000000 100000 3
commit
OPS
rm -f "$img"
start=$(date +%s.%N)
/usr/bin/time -f "peak RSS %M KiB" bin/thin_generate_metadata -o "$img" --format \
  --metadata-blocks 262144 --data-blocks 4194304 --script "$script"
end=$(date +%s.%N)
printf 'thin_generate_metadata: %.2f s\n' "$(echo "$end - $start" | bc)"
if [ -x /usr/sbin/thin_check ]; then
  /usr/sbin/thin_check -q "$img" && echo "reference thin_check: ok"
fi
lines=$(bin/thin_dump "$img" | grep -c mapping)
echo "thin_dump: $lines mapping lines"
[ "${KEEP:-0}" = 1 ] || rm -f "$img" "$script"
