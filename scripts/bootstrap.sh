#!/usr/bin/env bash
# README command 1: install what building and running need (Debian 12, as root), build, run the
# main job.
#   ./scripts/bootstrap.sh
# Environment: BUILD_DIR (default build), TAPEGRAD_CMAKE_ARGS (extra cmake arguments),
# JOBS (default: number of cores).
set -euo pipefail
cd "$(dirname "$0")/.."
build_dir=${BUILD_DIR:-build}
jobs=${JOBS:-$(nproc)}

scripts/install-packages.sh scripts/packages.txt bootstrap

# shellcheck disable=SC2086 # TAPEGRAD_CMAKE_ARGS is a list of arguments
cmake -S . -B "$build_dir" -DCMAKE_BUILD_TYPE=Release ${TAPEGRAD_CMAKE_ARGS:-}
cmake --build "$build_dir" -j "$jobs"

echo
exec "$build_dir/tools/tapegrad" demo
