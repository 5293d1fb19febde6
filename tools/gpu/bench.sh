#!/usr/bin/env bash
# The GPU speed bench (docs/BENCHMARKS.md, ## GPU): builds bench_gpu, then runs adit's bench and
# the PyTorch reference (eval/bench/torch_reference.py) one after the other in the same call, so
# the ratio is measured side by side. Logs go to $OUT (or bench-out/).
#   tools/gpu/bench.sh [bench_gpu options, e.g. --only vae,dit-s --steps 30]
set -o pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
source "$here/tools/gpu/build.sh" bench_gpu || exit 1
out="${OUT:-$here/bench-out}"
mkdir -p "$out"
nvidia-smi --query-gpu=name,driver_version,clocks.max.sm --format=csv | tee "$out/gpu.txt"
"${ADIT_BUILD_DIR:-$here/build-cuda}/bench_gpu" --device cuda --out /tmp/adit-bench "$@" 2>&1 | tee "$out/bench_adit.log"
PYTHONUNBUFFERED=1 python3 "$here/eval/bench/torch_reference.py" --device cuda --out /tmp/torch-bench "$@" 2>&1 | tee "$out/bench_torch.log"
