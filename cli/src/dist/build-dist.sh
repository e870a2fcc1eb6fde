#!/bin/sh
# Called by Maven at `package`: stages the distribution and packs thinmeta-VERSION.tar.gz.
#   build-dist.sh REPO_ROOT JAR VERSION TARGET_DIR
set -eu
repo=$1 jar=$2 version=$3 target=$4
java=${JAVA_HOME:+$JAVA_HOME/bin/}java
stage="$target/dist/thinmeta-$version"
rm -rf "$target/dist"
mkdir -p "$stage/bin" "$stage/lib" "$stage/man" "$stage/completion"
cp "$jar" "$stage/lib/thinmeta.jar"
cp "$repo/bin/thinmeta" "$stage/bin/thinmeta"
chmod 755 "$stage/bin/thinmeta"
for link in "$repo"/bin/thin_*; do
  ln -s thinmeta "$stage/bin/$(basename "$link")"
done
for page in "$repo"/man/*.8; do
  [ -f "$page" ] && cp "$page" "$stage/man/"
done
cp "$repo/install.sh" "$stage/install.sh"
chmod 755 "$stage/install.sh"
cp "$repo/README.md" "$stage/README.md" 2>/dev/null || true
"$java" -cp "$jar" org.thinmeta.cli.Completions "$stage/completion"
# Class-data sharing archive for bin/thinmeta in the work tree: a training run that loads the
# classes every tool needs at start, so a check at pool activation does not pay for class
# loading. The JVM ties the archive to the jar's path, so install.sh makes the installed one.
rm -f "${jar%.jar}.jsa"
"$java" -XX:ArchiveClassesAtExit="${jar%.jar}.jsa" -Xshare:auto -XX:+UseSerialGC \
  -jar "$jar" --cds-training >/dev/null 2>&1 || rm -f "${jar%.jar}.jsa"
tar -C "$target/dist" -czf "$target/thinmeta-$version.tar.gz" "thinmeta-$version"
echo "built $target/thinmeta-$version.tar.gz"
