#!/usr/bin/env bash
# Installs adit's dependencies (Debian 12 packages) and builds build/adit in Release.
#   ./tools/setup.sh            install + configure + build
#   ADIT_SKIP_APT=1 ./tools/setup.sh   build only (dependencies already present)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

PACKAGES=(
  build-essential cmake pkg-config zlib1g-dev
  libtorch-dev libopenblas0-pthread libgloo-dev
  librdkit-dev libboost-dev
  libopenbabel-dev openbabel
  libsymspg-dev
  libhdf5-dev libssl-dev
  catch2 libcli11-dev nlohmann-json3-dev libtomlplusplus-dev
  libfmt-dev libspdlog-dev libeigen3-dev
)

if [ "${ADIT_SKIP_APT:-0}" != 1 ]; then
  SUDO=""
  [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  export DEBIAN_FRONTEND=noninteractive
  missing=()
  for p in "${PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  if [ ${#missing[@]} -gt 0 ]; then
    echo "setup: installing ${missing[*]}" >&2
    $SUDO apt-get update -qq
    $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
  fi
fi

jobs="${ADIT_JOBS:-$(nproc)}"
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release
cmake --build build -j"$jobs"
echo "setup: built $(pwd)/build/adit" >&2
