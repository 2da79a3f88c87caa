#!/usr/bin/env bash
# The partial-line attack of issue 15 (fault 3) against one emperor build, as root:
# starts the emperor with bin/emperor's JVM options, runs partial_lines.py as `nobody`
# (N connections, each holding an incomplete line of up to 64 KiB, reopened when closed),
# prints the emperor's RSS before, during and after, and its log line count, then stops it.
# usage: bench/partial-lines/run.sh JAR LABEL [N=1000] [SECONDS=30]
# Compare a build before and after: run.sh old.jar before; run.sh emperor/target/emperor.jar after
set -u
jar=$1; label=$2; n=${3:-1000}; secs=${4:-30}
here="$(cd "$(dirname "$0")" && pwd)"
java="${JAVA:-$(ls -d /usr/lib/jvm/*25*/bin/java /usr/lib/jvm/*21*/bin/java 2>/dev/null | head -n 1)}"
[ -x "$java" ] || { echo "set JAVA to a JDK 21+ java" >&2; exit 2; }
base="/tmp/emperor-partial-lines-$label"
rm -rf "$base"; mkdir -p "$base/vassals"; chmod 755 "$base"
printf '[vassal]\ncommand = sleep 100000\n' > "$base/vassals/app.ini"
"$java" --enable-native-access=ALL-UNNAMED -XX:+UseSerialGC -XX:TieredStopAtLevel=1 -Xms16m -Xmn8m \
  -XX:TrimNativeHeapInterval=5000 ${EXTRA_OPTS:-} -jar "$jar" run --run-dir "$base/run" "$base/vassals" \
  > "$base/emperor.log" 2>&1 &
epid=$!
for _ in $(seq 100); do [ -S "$base/run/agent.sock" ] && break; sleep 0.1; done
sleep 2 # let start-up settle before the idle reading
echo "emperor pid $epid; idle rss $(awk '/VmRSS/{print $2/1024 " MB"}' /proc/$epid/status)"
cp "$here/partial_lines.py" "$base/"; chmod 644 "$base/partial_lines.py"
su nobody -s /bin/sh -c "ulimit -n 4096; python3 $base/partial_lines.py $base/run/agent.sock $epid $n $secs"
sleep 5
echo "rss 5 s after the attack: $(awk '/VmRSS/{print $2/1024 " MB"}' /proc/$epid/status)"
echo "log lines: $(wc -l < "$base/emperor.log")"
kill -TERM "$epid"; wait "$epid"; echo "emperor exit $?"
