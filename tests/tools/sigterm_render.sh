#!/bin/sh
# SIGTERM while the tool waits for Graphviz: its temporary files are removed and it ends by the
# signal. Deterministic: a stand-in `dot` on PATH says that it started (a file), then blocks on a
# FIFO; the test sends SIGTERM only once the tool is surely inside render_dot, then releases the
# stand-in. Usage: sigterm_render.sh TOOL WORKDIR
set -eu
tool=$1
work=$2
rm -rf "$work"
mkdir -p "$work/bin" "$work/tmp"
mkfifo "$work/release"
cat > "$work/bin/dot" <<SCRIPT
#!/bin/sh
touch "$work/started"
cat "$work/release" > /dev/null
SCRIPT
chmod +x "$work/bin/dot"

PATH="$work/bin:$PATH" TMPDIR="$work/tmp" "$tool" graph chain -o "$work/g.dot" --svg \
  > /dev/null 2>&1 &
pid=$!
while [ ! -e "$work/started" ]; do sleep 0.05; done  # waits for the tool to be in render_dot
kill -TERM "$pid"
status=0
wait "$pid" || status=$?
echo release > "$work/release"  # let the stand-in dot end
fail=""
[ "$status" -eq 143 ] || fail="$fail exit status $status, expected 143 (SIGTERM);"
leftovers=$(find "$work/tmp" "$work" -maxdepth 1 -name '.tapegrad-*' | tr '\n' ' ')
[ -z "$leftovers" ] || fail="$fail temporary files left: $leftovers;"
[ -e "$work/g.dot" ] || fail="$fail g.dot (written before the picture) is missing;"
[ ! -e "$work/g.svg" ] || fail="$fail g.svg exists;"
if [ -n "$fail" ]; then
  echo "FAILED:$fail"
  exit 1
fi
echo "SIGTERM during rendering: temporary files removed, exit status 143"
