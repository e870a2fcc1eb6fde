#!/bin/sh
# Installs thinmeta from an unpacked distribution: install.sh [PREFIX]   (default /usr/local)
#   PREFIX/lib/thinmeta/            launcher, jar, class-data archive
#   PREFIX/sbin/thinmeta, thin_*    links to the launcher (each dispatches on its own name)
#   PREFIX/share/man/man8/          man pages
#   PREFIX/share/bash-completion/completions/, PREFIX/share/zsh/site-functions/  completion
set -eu
prefix=${1:-/usr/local}
here=$(cd "$(dirname "$0")" && pwd)
if ! command -v java >/dev/null 2>&1 && [ -z "${JAVA_HOME:-}" ]; then
  echo "install.sh: warning: no Java found; thinmeta needs Java 17 or newer (JAVA_HOME or PATH)" >&2
fi
home="$prefix/lib/thinmeta"
mkdir -p "$home/bin" "$home/lib" "$prefix/sbin" "$prefix/share/man/man8" \
  "$prefix/share/bash-completion/completions" "$prefix/share/zsh/site-functions"
cp "$here/bin/thinmeta" "$home/bin/thinmeta"
chmod 755 "$home/bin/thinmeta"
cp "$here"/lib/* "$home/lib/"
for link in "$here"/bin/thin_* ; do
  name=$(basename "$link")
  ln -sf "$home/bin/thinmeta" "$prefix/sbin/$name"
done
ln -sf "$home/bin/thinmeta" "$prefix/sbin/thinmeta"
for page in "$here"/man/*.8; do
  [ -f "$page" ] && cp "$page" "$prefix/share/man/man8/"
done
cp "$here/completion/thinmeta.bash" "$prefix/share/bash-completion/completions/thinmeta"
for link in "$here"/bin/thin_*; do
  ln -sf thinmeta "$prefix/share/bash-completion/completions/$(basename "$link")"
done
cp "$here/completion/_thinmeta" "$prefix/share/zsh/site-functions/_thinmeta"
# Class-data sharing archive for fast start (the JVM checks the jar's path, so it is made here).
rm -f "$home/lib/thinmeta.jsa"
java_cmd=java
if [ -n "${JAVA_HOME:-}" ] && [ -x "$JAVA_HOME/bin/java" ]; then java_cmd="$JAVA_HOME/bin/java"; fi
"$java_cmd" -XX:ArchiveClassesAtExit="$home/lib/thinmeta.jsa" -Xshare:auto -XX:+UseSerialGC \
  -jar "$home/lib/thinmeta.jar" --cds-training >/dev/null 2>&1 || rm -f "$home/lib/thinmeta.jsa"
echo "thinmeta installed under $prefix (tools in $prefix/sbin)"
