#!/usr/bin/env bash
# Peak memory of reading a large CSV (docs/reliability.md): generates a CSV of ROWS rows x COLS
# numeric columns plus a 0/1 target in a temporary folder, reads it with read_csv alone
# (tapegrad_big_csv read) under /usr/bin/time -v, and prints the file size, the numeric data size
# (rows x columns x 8 bytes, target included), the peak resident memory and their ratio, which
# must be at most 2 (exit status 1 otherwise). The same program reading a 10-row file gives the
# process's baseline, printed apart; nothing is subtracted from the ratio. Not part of CI or ctest.
#
#   bench/big_csv.sh                       3,000,000 rows x 20 columns (about 590 MB of CSV)
#   bench/big_csv.sh --rows 500000         a smaller run
#   bench/big_csv.sh --tool --rows 1000000 the tool on the same file: peak memory of `tapegrad
#                                          eval` and `predict -o` (a logreg model trained on a
#                                          2,000-row file of the same kind), of `train --epochs
#                                          3` (logreg), of `train --task regression --epochs 3`
#                                          (linear), of `train --early-stopping --epochs 3`
#                                          (logreg), and of `train --epochs 3` on the same file
#                                          with its target replaced by 3 classes ((x1 > 0) + (x2
#                                          > 0)) and by 10 classes (how many of x1..x9 are > 0),
#                                          softmax; and of an MLP (one hidden layer of 16, tanh:
#                                          full batch, 3 epochs, and batches of 64, 1 epoch);
#                                          each over the numbers' size (no limit checked)
#
# Options: --rows N, --cols N, --seed N, --tool, --no-build. Environment: BUILD_DIR (default
# build-big-csv), TMPDIR (where the CSV goes; removed at exit).
set -euo pipefail
cd "$(dirname "$0")/.."
rows=3000000
cols=20
seed=1
build_it=1
tool=0
while (($#)); do
  case $1 in
    --rows) rows=$2; shift ;;
    --cols) cols=$2; shift ;;
    --seed) seed=$2; shift ;;
    --no-build) build_it=0 ;;
    --tool) tool=1 ;;
    -h | --help) sed -n '2,24p' "$0"; exit 0 ;;
    *) echo "big_csv.sh: unknown option $1" >&2; exit 2 ;;
  esac
  shift
done

build=${BUILD_DIR:-build-big-csv}
if ((build_it)); then
  cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=Release -DTAPEGRAD_BUILD_BENCH=ON \
    -DTAPEGRAD_BUILD_TESTS=OFF -DTAPEGRAD_BUILD_TOOLS=$((tool ? 1 : 0)) -DTAPEGRAD_INSTALL=OFF \
    >/dev/null
  cmake --build "$build" --target tapegrad_big_csv $( ((tool)) && echo tapegrad-cli) -j2 >/dev/null
fi
bin=$build/bench/tapegrad_big_csv

tmp=$(mktemp -d "${TMPDIR:-/tmp}/tapegrad-big-csv.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
trap 'exit 130' INT TERM

# measure FILE: runs `read FILE y` under /usr/bin/time -v; sets peak_kib, seconds and the
# program's own output in $tmp/out. measure_command CMD...: the same for any command.
measure() { measure_command "$bin" read "$1" y; }
measure_command() {
  /usr/bin/time -v "$@" >"$tmp/out" 2>"$tmp/time" </dev/null || {
    cat "$tmp/time" >&2
    exit 1
  }
  peak_kib=$(awk -F: '/Maximum resident set size/ {gsub(/ /, "", $2); print $2}' "$tmp/time")
  seconds=$(awk '/Elapsed \(wall clock\)/ {n = split($NF, t, ":"); s = 0;
                 for (i = 1; i <= n; ++i) s = s * 60 + t[i]; print s}' "$tmp/time")
}

echo "generating $rows rows x $cols columns + target in $tmp ..." >&2
"$bin" generate "$tmp/small.csv" 10 "$cols" "$seed"
"$bin" generate "$tmp/big.csv" "$rows" "$cols" "$seed"
file_bytes=$(stat -c %s "$tmp/big.csv")

if ((tool)); then
  cli=$build/tools/tapegrad
  numeric_bytes=$((rows * (cols + 1) * 8))
  "$bin" generate "$tmp/train.csv" 2000 "$cols" "$((seed + 1))"
  "$cli" train "$tmp/train.csv" --target y --epochs 20 --save "$tmp/model.json" >/dev/null 2>&1
  # The same numbers with class labels as the target (the last column; same file size).
  awk -F, 'BEGIN { OFS = "," } NR == 1 { print; next } { $NF = ($1 > 0) + ($2 > 0); print }' \
    "$tmp/big.csv" >"$tmp/classes3.csv"
  awk -F, 'BEGIN { OFS = "," } NR == 1 { print; next }
           { c = 0; for (i = 1; i <= 9; ++i) c += ($i > 0); $NF = c; print }' \
    "$tmp/big.csv" >"$tmp/classes10.csv"
  printf "file size           %d bytes; numbers %d bytes (%d x %d x 8)\n" "$file_bytes" \
    "$numeric_bytes" "$rows" "$((cols + 1))"
  for run in "eval $tmp/model.json $tmp/big.csv" "predict $tmp/model.json $tmp/big.csv -o $tmp/p.csv" \
    "train $tmp/big.csv --target y --epochs 3" \
    "train $tmp/big.csv --target y --task regression --epochs 3" \
    "train $tmp/big.csv --target y --early-stopping --epochs 3" \
    "train $tmp/classes3.csv --target y --epochs 3" \
    "train $tmp/classes10.csv --target y --epochs 3" \
    "train $tmp/big.csv --target y --model mlp --epochs 3" \
    "train $tmp/big.csv --target y --model mlp --batch 64 --epochs 1"; do
    # shellcheck disable=SC2086
    measure_command "$cli" $run
    what=${run%% *}
    [[ $run == *"--task regression"* ]] && what="$what (linear)"
    [[ $run == *"--early-stopping"* ]] && what="$what (logreg, early stop)"
    [[ $run == *classes3.csv* ]] && what="$what (softmax, 3)"
    [[ $run == *classes10.csv* ]] && what="$what (softmax, 10)"
    [[ $run == *"--model mlp --epochs"* ]] && what="$what (mlp 16, full batch)"
    [[ $run == *"--batch 64"* ]] && what="$what (mlp 16, batch 64)"
    [[ $what == train ]] && what="train (logreg)"
    awk -v what="$what" -v peak="$peak_kib" -v num="$numeric_bytes" -v secs="$seconds" \
      'BEGIN { printf "%-28s peak RSS %8d KiB (%.1f MiB)  peak / numbers %.3f  %.1f s\n", what,
               peak, peak / 1024, peak * 1024 / num, secs }'
  done
  exit 0
fi

measure "$tmp/small.csv"
baseline_kib=$peak_kib
measure "$tmp/big.csv"
read_rows=$(awk '/^rows/ {print $2}' "$tmp/out")
read_cols=$(awk '/^columns/ {print $2}' "$tmp/out")
numeric_bytes=$(awk '/^numeric_bytes/ {print $2}' "$tmp/out")

awk -v file="$file_bytes" -v rows="$read_rows" -v cols="$read_cols" -v num="$numeric_bytes" \
  -v peak="$peak_kib" -v base="$baseline_kib" -v secs="$seconds" 'BEGIN {
  mib = 1024 * 1024
  ratio = peak * 1024 / num
  printf "file size           %d bytes (%.1f MiB)\n", file, file / mib
  printf "rows x columns      %d x %d (target included)\n", rows, cols
  printf "numeric data        %d bytes (%.1f MiB)\n", num, num / mib
  printf "peak RSS            %d KiB (%.1f MiB)\n", peak, peak / 1024
  printf "baseline RSS        %d KiB (%.1f MiB; the same program reading a 10-row file)\n", base,
         base / 1024
  printf "read time           %.2f s (%.0f MiB/s of CSV)\n", secs, (secs > 0 ? file / mib / secs : 0)
  printf "peak RSS / numeric  %.3f (limit 2): %s\n", ratio, (ratio <= 2 ? "PASS" : "FAIL")
  exit (ratio <= 2 ? 0 : 1)
}'
