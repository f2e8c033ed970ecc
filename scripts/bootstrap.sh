#!/usr/bin/env bash
# README command 1: install what is missing (Debian 12, as root), build, run the main job.
#   ./scripts/bootstrap.sh
# Environment: BUILD_DIR (default build), TAPEGRAD_CMAKE_ARGS (extra cmake arguments),
# JOBS (default: number of cores).
set -euo pipefail
cd "$(dirname "$0")/.."
build_dir=${BUILD_DIR:-build}
jobs=${JOBS:-$(nproc)}

mapfile -t wanted < <(grep -v -e '^#' -e '^$' scripts/packages.txt)
missing=()
for pkg in "${wanted[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
if ((${#missing[@]})); then
  echo "bootstrap: installing ${missing[*]}"
  if [[ $(id -u) -ne 0 ]]; then
    echo "bootstrap: these Debian packages are missing and installing them needs root:" >&2
    echo "  apt-get install ${missing[*]}" >&2
    exit 2
  fi
  export DEBIAN_FRONTEND=noninteractive
  apt-get update
  apt-get install -y --no-install-recommends "${missing[@]}"
fi

# shellcheck disable=SC2086 # TAPEGRAD_CMAKE_ARGS is a list of arguments
cmake -S . -B "$build_dir" -DCMAKE_BUILD_TYPE=Release ${TAPEGRAD_CMAKE_ARGS:-}
cmake --build "$build_dir" -j "$jobs"

echo
exec "$build_dir/tools/tapegrad" demo
