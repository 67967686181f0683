#!/usr/bin/env bash
# The image's runtime layer, made from this machine (no base image is pulled): a jlink'd Java runtime from the JDK that
# builds, the few glibc files it links against, a passwd entry for the non-root user 'sluice' (10001), the default
# container config and the writable directories. Jib adds it on top of 'scratch'.
#   rootfs.sh <jdk home> <output dir> <container config>
set -euo pipefail
JDK="$1" OUT="$2" CONFIG="$3"
# What the gateway, the CLI and their libraries use (java.sql: JDBC, java.naming/java.management: Hikari, Flyway and
# Micrometer, jdk.unsupported: Netty and Caffeine, java.net.http: the CLI's admin client, java.xml: logback).
MODULES=java.base,java.sql,java.naming,java.management,java.net.http,java.logging,java.xml,jdk.unsupported,jdk.crypto.ec,jdk.zipfs

# Unchanged inputs, unchanged files: the same file times let Jib reuse its cached layer instead of re-compressing it.
key="$(readlink -f "$JDK") $(md5sum "$0" "$CONFIG" | awk '{print $1}' | tr '\n' ' ')"
if [ -f "$OUT.key" ] && [ "$(cat "$OUT.key")" = "$key" ] && [ -x "$OUT/opt/java/bin/java" ]; then
  exit 0
fi
rm -rf "$OUT" "$OUT.key"
mkdir -p "$OUT/opt" "$OUT/etc/sluice" "$OUT/var/lib/sluice" "$OUT/tmp"
"$JDK/bin/jlink" --add-modules "$MODULES" --strip-debug --no-man-pages --no-header-files \
  --output "$OUT/opt/java"

# Every shared library the runtime's binaries need, at the path the host's loader resolved it to, plus libgcc_s,
# which glibc opens at thread exit.
libs=$(find "$OUT/opt/java" -type f \( -name '*.so' -o -path '*/bin/*' -o -name jspawnhelper \) -exec ldd {} \; 2>/dev/null \
  | awk '$2 == "=>" && $3 ~ /^\// {print $3} $1 ~ /^\// {print $1}' | grep -v "^$OUT" | sort -u)
gcc_s=$(ldconfig -p 2>/dev/null | awk '/libgcc_s.so.1 .*x86-64|libgcc_s.so.1 .*AArch64|libgcc_s.so.1 \(libc6\)/ {print $NF; exit}')
for lib in $libs $gcc_s; do
  mkdir -p "$OUT$(dirname "$lib")"
  cp -L "$lib" "$OUT$lib"
done

cat > "$OUT/etc/passwd" <<'PASSWD'
root:x:0:0:root:/root:/sbin/nologin
sluice:x:10001:10001:sluice:/var/lib/sluice:/sbin/nologin
PASSWD
cat > "$OUT/etc/group" <<'GROUP'
root:x:0:
sluice:x:10001:
GROUP
# /etc/hosts before DNS for name lookups through glibc (JDBC, the JDK's HTTP client); the runtime mounts both files.
echo "hosts: files dns" > "$OUT/etc/nsswitch.conf"
cp "$CONFIG" "$OUT/etc/sluice/sluice.yaml"
echo "$key" > "$OUT.key"
