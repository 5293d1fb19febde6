#!/usr/bin/env bash
# Builds the CUDA flavour of adit on the GPU machine (Ubuntu, PyTorch's LibTorch 2.x) into
# build-cuda/ (or $ADIT_BUILD_DIR), with the Debian libraries carried in .device/ (docs/gpu.md).
#   source tools/gpu/build.sh [-DCMAKE_OPTION=...] [TARGETS...]
# Arguments starting with -D go to the CMake configure step, the rest are build targets (none:
# everything). adit's CUDA kernels are on (-DADIT_CUDA_KERNELS=OFF to leave them out), with the
# machine's nvcc when CUDACXX is unset. Sourcing keeps deps.sh's environment (LD_LIBRARY_PATH,
# BABEL_*) for the programs; it returns non-zero on failure instead of exiting the caller's shell.
_adit_build() {
  local here cmake_args=(-DADIT_CUDA_KERNELS=ON) targets=() a
  here="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
  for a in "$@"; do
    case "$a" in -D*) cmake_args+=("$a") ;; *) targets+=("$a") ;; esac  # a later -D wins
  done
  [ -z "$CUDACXX" ] && [ -x /usr/local/cuda/bin/nvcc ] && export CUDACXX=/usr/local/cuda/bin/nvcc
  source "$here/.device/device/deps.sh" "$here/.device/debs" || return 1
  local dir="${ADIT_BUILD_DIR:-$here/build-cuda}"
  cmake -S "$here" -B "$dir" -DCMAKE_BUILD_TYPE=Release -DADIT_BUILD_TESTS=ON "${cmake_args[@]}" \
    > "$dir.configure.log" 2>&1 || { tail -40 "$dir.configure.log"; return 1; }
  if [ ${#targets[@]} -gt 0 ]; then
    cmake --build "$dir" -j"$(nproc)" --target "${targets[@]}"
  else
    cmake --build "$dir" -j"$(nproc)"
  fi
}
_adit_build "$@"
