#!/usr/bin/env bash
# Installs the Debian packages listed in a file (one per line, # comments) that are missing.
#   scripts/install-packages.sh LIST WHO
# WHO names the caller in messages. Installing needs root; without it the missing packages are
# named with the command to install them, and the exit status is 2.
set -euo pipefail
list=$1
who=$2
mapfile -t wanted < <(grep -v -e '^#' -e '^$' "$list")
missing=()
for pkg in "${wanted[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
((${#missing[@]})) || exit 0
echo "$who: installing ${missing[*]}"
if [[ $(id -u) -ne 0 ]]; then
  echo "$who: these Debian packages are missing and installing them needs root:" >&2
  echo "  apt-get install ${missing[*]}" >&2
  exit 2
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update
apt-get install -y --no-install-recommends "${missing[@]}"
