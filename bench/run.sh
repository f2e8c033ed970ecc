#!/usr/bin/env bash
# Builds tapegrad_bench (Release, -march=native) and prints the table of docs/performance.md:
# per variant the median time per gradient and its ratio to the hand-written baseline of the same
# workload, measured in the same run.
#
#   bench/run.sh                       time W1-W4: Google Benchmark, 5 repetitions, CPU-time medians
#   bench/run.sh --callgrind           instructions per gradient instead (valgrind; repeatable)
#   bench/run.sh --annotate W2_tape_replay   callgrind profile of one variant (top functions)
# W1 and W2 include ADOL-C peers (W1_adolc_record, ...) when libadolc-dev is installed (this
# script installs it); W2 also runs W2_sketch_* (bench/sketch.hpp: a record-only statement
# stream, the floor of Adept's design, not tapegrad).
#
# Options: --repetitions N, --filter REGEX (e.g. 'W[12]'), --no-build.
# Environment: BUILD_DIR (default build-bench: -march=native for timing; build-bench-callgrind:
# -march=x86-64-v3 for callgrind, as valgrind cannot decode AVX-512).
set -euo pipefail
cd "$(dirname "$0")/.."
mode=time
reps=5
filter=.
build_it=1
annotate=
while (($#)); do
  case $1 in
    --callgrind) mode=callgrind ;;
    --annotate) mode=annotate; annotate=$2; shift ;;
    --repetitions) reps=$2; shift ;;
    --filter) filter=$2; shift ;;
    --no-build) build_it=0 ;;
    -h | --help) sed -n '2,15p' "$0"; exit 0 ;;
    *) echo "run.sh: unknown option $1" >&2; exit 2 ;;
  esac
  shift
done

if [[ $mode == time ]]; then
  build=${BUILD_DIR:-build-bench} march=native
else
  build=${BUILD_DIR:-build-bench-callgrind} march=x86-64-v3
fi
# The ADOL-C peers of W1 and W2 are built when ADOL-C is installed: install it (Debian
# libadolc-dev, a benchmark-only package, never part of scripts/packages.txt) unless it is.
if ((build_it)) && [[ ! -e /usr/include/adolc/adolc.h ]]; then
  echo "run.sh: installing libadolc-dev for the ADOL-C peers" >&2
  { apt-get install -y libadolc-dev || sudo apt-get install -y libadolc-dev; } >/dev/null ||
    echo "run.sh: could not install libadolc-dev; benchmarking without the ADOL-C peers" >&2
fi
if ((build_it)); then
  # -g only adds line tables (for callgrind_annotate); the code is the Release code.
  cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=Release -DTAPEGRAD_BENCH_MARCH=$march \
    -DCMAKE_CXX_FLAGS="$([[ $mode == time ]] || echo -g)" >/dev/null
  cmake --build "$build" --target tapegrad_bench -j2 >/dev/null
fi
bin=$build/bench/tapegrad_bench
out=$build/results
mkdir -p "$out"

# Steps per callgrind measurement: enough to average out, few enough for valgrind's speed.
iterations() {
  case $1 in
    W1_*) echo 10000 ;;
    W2_*) echo 3 ;;
    *) echo 1 ;;
  esac
}

# callgrind_run NAME: instructions of `iterations NAME` steps, after two warm-up steps.
callgrind_run() {
  local name=$1 iters
  iters=$(iterations "$name")
  valgrind --tool=callgrind --collect-atstart=no --callgrind-out-file="$out/$name.out" \
    "$bin" --callgrind "$name" "$iters" >/dev/null 2>"$out/$name.log" || {
    cat "$out/$name.log" >&2
    exit 1
  }
  local total
  total=$(awk '/^(summary|totals):/ {print $2}' "$out/$name.out" | tail -1)
  echo "$name $iters $total"
}

case $mode in
  time)
    "$bin" --benchmark_filter="$filter" --benchmark_repetitions="$reps" \
      --benchmark_report_aggregates_only=true --benchmark_out="$out/result.json" \
      --benchmark_out_format=json >&2
    python3 - "$out/result.json" <<'EOF'
import json, sys
data = json.load(open(sys.argv[1]))
rows = {}
extra = {}
for b in data["benchmarks"]:
    if b.get("aggregate_name") != "median":
        continue
    name = b["run_name"].split("/")[0]  # "/real_time" marks the _2t variants
    scale = {"ns": 1e-9, "us": 1e-6, "ms": 1e-3, "s": 1.0}[b["time_unit"]]
    # two-thread variants (_2t) are timed in wall-clock time, against the two-thread baseline
    rows[name] = b["real_time" if name.endswith("_2t") else "cpu_time"] * scale
    extra[name] = {k: v for k, v in b.items()
                   if k in ("bytes_per_op", "ops", "tape_bytes_over_X")}
def fmt_time(t):
    for unit, s in (("s", 1.0), ("ms", 1e-3), ("us", 1e-6)):
        if t >= s:
            return f"{t / s:.3g} {unit}"
    return f"{t / 1e-9:.3g} ns"
print(f"\nmachine: {data['context'].get('num_cpus')} cpus, "
      f"{data['context'].get('mhz_per_cpu')} MHz, load {data['context'].get('load_avg')}")
print("| variant | median time per gradient (CPU; _2t: wall) | ratio to hand-written | notes |")
print("|---|---|---|---|")
for name, t in rows.items():
    base = rows.get(name.split("_")[0] + "_hand_written" + ("_2t" if name.endswith("_2t") else ""))
    ratio = f"{t / base:.2f}x" if base else "-"
    notes = ", ".join(f"{k} {v:.4g}" for k, v in extra[name].items())
    print(f"| {name} | {fmt_time(t)} | {ratio} | {notes} |")
EOF
    ;;
  callgrind)
    : >"$out/table"
    for name in $("$bin" --list | grep -E -- "$filter"); do
      callgrind_run "$name" | tee -a "$out/table" >&2
    done
    echo "| variant | instructions per gradient | ratio to hand-written |"
    echo "|---|---|---|"
    awk '{ per = $3 / $2; split($1, p, "_"); if ($1 ~ /hand_written/) base[p[1]] = per;
           b = base[p[1]]; printf "| %s | %.4g | %s |\n", $1, per,
           (b > 0 ? sprintf("%.2fx", per / b) : "-") }' "$out/table"
    ;;
  annotate)
    callgrind_run "$annotate" >/dev/null
    callgrind_annotate --inclusive=no "$out/$annotate.out" 2>/dev/null | head -40
    ;;
esac
