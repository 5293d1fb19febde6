#!/usr/bin/env bash
# Builds the CUDA flavour of adit on the GPU machine (Ubuntu, PyTorch's LibTorch 2.x) into
# build-cuda/, with the Debian libraries carried in .device/ (see docs/gpu.md).
#   source tools/gpu/build.sh [TARGETS...]
set -e
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
source "$here/.device/device/deps.sh" "$here/.device/debs"
cmake -S "$here" -B "$here/build-cuda" -DCMAKE_BUILD_TYPE=Release -DADIT_BUILD_TESTS=ON > "$here/build-cuda.configure.log" 2>&1 \
  || { tail -40 "$here/build-cuda.configure.log"; return 1 2>/dev/null || exit 1; }
if [ $# -gt 0 ]; then
  cmake --build "$here/build-cuda" -j"$(nproc)" --target "$@"
else
  cmake --build "$here/build-cuda" -j"$(nproc)"
fi
set +e
