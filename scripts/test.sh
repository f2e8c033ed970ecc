#!/usr/bin/env bash
# README command 2 (CI runs it too): install what only the tests need (Debian 12, as root:
# scripts/test-packages.txt, the browser that checks the walkthrough page), then run every test
# of the build that README command 1 made.
#   ./scripts/test.sh
# Environment: BUILD_DIR (default build).
set -euo pipefail
cd "$(dirname "$0")/.."
build_dir=${BUILD_DIR:-build}
if [[ ! -f "$build_dir/CTestTestfile.cmake" ]]; then
  echo "test: no build in $build_dir; run ./scripts/bootstrap.sh first" >&2
  exit 2
fi
scripts/install-packages.sh scripts/test-packages.txt test
exec ctest --test-dir "$build_dir" --output-on-failure -j2
