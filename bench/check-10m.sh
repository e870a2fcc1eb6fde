#!/bin/sh
# Times thin_check (thinmeta, JAVA_OPTS=-Xmx512m) against the 0.9.0 reference on a pool with a
# 10-million-mapping origin and six snapshots sharing its subtrees. Not part of `mvn verify`.
# The image (256 MiB) is written to repair/target/bench-10m.bin and kept for later runs;
# results go to repair/target/bench-result.txt.
#   bench/check-10m.sh [extra maven -D options: -Dthinmeta.bench.rounds=5,
#     -Dthinmeta.bench.extraOpts="-XX:TieredStopAtLevel=1" to also time other JVM flags]
set -e
cd "$(dirname "$0")/.."
mvn -B -q -ntp -o -DskipTests package
mvn -B -q -ntp -o -pl repair -am -Dthinmeta.bench=1 -Dtest=CheckBenchmarkTest \
  -Dsurefire.failIfNoSpecifiedTests=false -DtrimStackTrace=false test "$@"
cat repair/target/bench-result.txt
