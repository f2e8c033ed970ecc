#!/usr/bin/env bash
# Data-parallel training under mpirun (docs/performance.md, "Data-parallel training"): the time of
# one epoch of `tapegrad train` at 1 process (no mpirun) and at 2 processes (mpirun -np 2), and
# the bytes all-reduced per step. Generates a CSV of ROWS rows x COLS numeric features plus a
# 0/1 target in a temporary folder, trains logistic regression with full-batch gd for E1 and E2
# epochs (--threads 1 per process) and takes (time(E2) - time(E1)) / (E2 - E1) as one epoch's
# time, so that start-up, reading and evaluation cancel out; each run is timed REPEAT times and
# the fastest kept. A step all-reduces (parameters + 3) doubles (m_r g, m_r J, m_r, correct:
# FitOptions::reduce), (COLS + 1 + 3) x 8 bytes for logistic regression. Prints `uptime` first:
# on a shared machine the load is part of the numbers. Not part of CI or ctest.
#
#   bench/mpi_epoch.sh                     200,000 rows x 20 features
#   bench/mpi_epoch.sh --rows 50000        a smaller run
#
# Options: --rows N, --cols N, --e1 N, --e2 N, --repeat N. Environment: TOOL (default
# build/tools/tapegrad, built with TAPEGRAD_MPI=ON), MPIRUN (default mpirun), TMPDIR.
set -euo pipefail
cd "$(dirname "$0")/.."
rows=200000
cols=20
e1=1
e2=21
repeat=3
while (($#)); do
  case $1 in
    --rows) rows=$2; shift ;;
    --cols) cols=$2; shift ;;
    --e1) e1=$2; shift ;;
    --e2) e2=$2; shift ;;
    --repeat) repeat=$2; shift ;;
    -h | --help) sed -n '2,17p' "$0"; exit 0 ;;
    *) echo "mpi_epoch.sh: unknown option $1" >&2; exit 2 ;;
  esac
  shift
done
tool=${TOOL:-build/tools/tapegrad}
mpirun=${MPIRUN:-mpirun}
tmp=$(mktemp -d "${TMPDIR:-/tmp}/tapegrad-mpi-epoch.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

# Features uniform in [-1, 1) from a fixed linear congruential generator, the target 1 when
# their weighted sum (weights 1, -1, 1, ...) is positive.
awk -v rows="$rows" -v cols="$cols" 'BEGIN {
  s = 12345; m = 2147483648
  for (j = 1; j <= cols; ++j) printf "x%d,", j
  print "y"
  for (i = 0; i < rows; ++i) {
    z = 0
    for (j = 1; j <= cols; ++j) {
      s = (1103515245 * s + 12345) % m
      v = 2 * s / m - 1
      z += (j % 2 ? v : -v)
      printf "%.6f,", v
    }
    print (z > 0 ? 1 : 0)
  }
}' >"$tmp/data.csv"

# seconds LAUNCHER... EPOCHS: the fastest of `repeat` runs.
seconds() {
  local epochs=${*: -1} best=
  for ((k = 0; k < repeat; ++k)); do
    local start end t
    start=$(date +%s.%N)
    "${@:1:$#-1}" train "$tmp/data.csv" --target y --optimizer gd --epochs "$epochs" \
      --threads 1 --test-fraction 0 >/dev/null 2>&1
    end=$(date +%s.%N)
    t=$(awk -v a="$start" -v b="$end" 'BEGIN { print b - a }')
    if [[ -z $best ]] || awk -v t="$t" -v b="$best" 'BEGIN { exit !(t < b) }'; then best=$t; fi
  done
  echo "$best"
}

echo "machine: $(nproc) cores; uptime: $(uptime)"
echo "data: $rows rows x $cols features ($(du -h "$tmp/data.csv" | cut -f1) of CSV)"
echo "bytes all-reduced per step (logreg): $(((cols + 1 + 3) * 8)) ($((cols + 1 + 3)) doubles)"
for procs in 1 2; do
  if ((procs == 1)); then launcher=("$tool"); else
    launcher=("$mpirun" --oversubscribe --allow-run-as-root -np "$procs" "$tool")
  fi
  t1=$(seconds "${launcher[@]}" "$e1")
  t2=$(seconds "${launcher[@]}" "$e2")
  epoch=$(awk -v a="$t1" -v b="$t2" -v n=$((e2 - e1)) 'BEGIN { print (b - a) / n }')
  printf "%d process(es): %d epochs %.3f s, %d epochs %.3f s, one epoch %.4f s\n" "$procs" "$e1" \
    "$t1" "$e2" "$t2" "$epoch"
done
echo "uptime after: $(uptime)"
