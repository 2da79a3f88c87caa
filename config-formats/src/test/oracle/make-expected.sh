#!/bin/bash
# Asks uWSGI 2.0.21 (Debian's uwsgi-core: apt-get install -y uwsgi-core) what it makes of
# every case in the corpus, and stores its answer beside the case as CASE.expected, for
# CorpusTest to compare with our loader's output. CI never runs this: it has no uwsgi.
#
#   config-formats/src/test/oracle/make-expected.sh [CASE...]     (default: every case)
#
# A case is any .ini/.yaml/.yml/.json/.js/.xml file under corpus/ that is not inside a
# folder whose name starts with "_" (those hold included files and data). CASE.section,
# if present, names the section: uwsgi then gets FILE:SECTION.
#
# How the answer is obtained: `uwsgi --<format> FILE --show-config` prints the expanded
# option list to stderr and then keeps starting (binding sockets, forking workers, where a
# SIGTERM to its master means "reload"). A leading `--chroot /nonexistent-...` makes it
# stop right after printing: the chroot() is the first thing it does after --show-config,
# and it fails. `timeout -s INT 5` is only a safety net. We keep the lines between
# ";uWSGI instance configuration / [uwsgi]" and ";end of configuration", minus uwsgi's
# bookkeeping: the first two lines (`chroot = ...` and `ini = FILE`, the options our
# command line gave it) and our `show-config = true` (the last line, except that files named
# by `inherit` are appended after it).
# When no such block is printed, uwsgi refused the file: the answer is "!error".
#
# Determinism: the corpus is copied to the fixed folder /tmp/emperor-corpus and uwsgi runs
# in the case's own folder (what the Emperor does for a vassal) with a fixed environment;
# that folder's path is written as @ROOT@ in the answers. Cases must not use what differs
# between machines: %h %t %T %k %u %U %g %G %i %j %b %V, %0..%9, if-hostname.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
corpus=$(cd "$here/../resources/corpus" && pwd)
root=/tmp/emperor-corpus
command -v uwsgi >/dev/null || { echo "uwsgi not found: apt-get install -y uwsgi-core" >&2; exit 2; }

rm -rf "$root"
cp -a "$corpus" "$root"

if [ $# -eq 0 ]; then
  mapfile -t cases < <(cd "$root" && find . -type f \( -name '*.ini' -o -name '*.yaml' -o -name '*.yml' \
      -o -name '*.json' -o -name '*.js' -o -name '*.xml' \) -not -path '*/_*' | sed 's|^\./||' | sort)
else
  cases=()
  for c in "$@"; do cases+=("$(realpath --relative-to="$corpus" "$c")"); done
fi

for case in "${cases[@]}"; do
  file="$root/$case"
  dir=$(dirname "$file")
  name=$(basename "$file")
  case "$name" in
    *.ini) flag=--ini ;;
    *.yaml|*.yml) flag=--yaml ;;
    *.json|*.js) flag=--json ;;
    *.xml) flag=--xml ;;
  esac
  arg="$name"
  if [ -f "$file.section" ]; then arg="$name:$(cat "$file.section")"; fi
  out=$(cd "$dir" && env -i HOME=/home/tester APP_PORT=8080 EMPTY= PATH=/usr/bin:/bin \
        TRICK_PH='%(port)' TRICK_ENV='$(HOME)/deeper' \
        timeout -s INT -k 2 5 uwsgi --chroot /nonexistent-emperor-oracle "$flag" "$arg" --show-config \
        </dev/null 2>&1 || true)
  printf '%s\n' "$out" | ROOT="$root/" python3 -c '
import os, sys
text = sys.stdin.read()
lines = text.split("\n")
try:
    start = lines.index(";uWSGI instance configuration")
    end = lines.index(";end of configuration", start)
except ValueError:
    sys.stdout.write("!error\n")
    sys.exit(0)
body = lines[start + 2:end]       # after the "[uwsgi]" header
body = body[2:]                   # "chroot = ..." and "ini = FILE": our own command line
if "show-config = true" in body:
    body.remove("show-config = true")  # our --show-config: last, unless inherit appended files after it
out = "\n".join(body) + ("\n" if body else "")
sys.stdout.write(out.replace(os.environ["ROOT"].rstrip("/"), "@ROOT@"))
' > "$corpus/$case.expected"
  echo "$case: $(head -c 60 "$corpus/$case.expected" | head -1)"
done
