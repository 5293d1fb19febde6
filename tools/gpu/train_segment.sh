#!/usr/bin/env bash
# One training segment on the GPU machine: builds adit if needed, continues (--resume) the run in
# RUN_DIR for STEPS more steps (a fresh run when RUN_DIR has no checkpoint yet), then copies the
# checkpoint and the log into $OUT (the device tool brings $OUT back).
#   tools/gpu/train_segment.sh vae|dit CONFIG RUN_DIR STEPS [adit train options, e.g. --vae VAE.pt --precision bf16]
# Training resumes exactly across calls: bring RUN_DIR/<kind>.pt back into the tree (or carry it)
# for the next segment.
set -o pipefail
kind="$1" config="$2" run_dir="$3" steps="$4"
shift 4 || { echo "usage: $0 vae|dit CONFIG RUN_DIR STEPS [options]" >&2; exit 2; }
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
build="${ADIT_BUILD_DIR:-$here/build-cuda}"
if [ ! -x "$build/adit" ]; then
  source "$here/tools/gpu/build.sh" adit || exit 1
else
  source "$here/.device/device/deps.sh" "$here/.device/debs" > /dev/null || exit 1
fi
out="${OUT:-$run_dir/out}"
mkdir -p "$out" "$run_dir"
ckpt="$run_dir/$kind.pt" resume=() done_steps=0
if [ -f "$ckpt" ]; then
  done_steps="$("$build/adit" info "$ckpt" --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["step"])')" || exit 1
  resume=(--resume)
fi
target=$((done_steps + steps))
echo "segment: $kind from step $done_steps to $target ($(date -u +%FT%TZ))" | tee -a "$out/train_$kind.log"
start=$(date +%s)
"$build/adit" --device "${ADIT_DEVICE:-cuda}" train "$kind" --config "$config" --out "$run_dir" --steps "$target" \
  "${resume[@]}" "$@" 2>&1 | tee -a "$out/train_$kind.log"
rc=$?
echo "segment: rc=$rc, $(( $(date +%s) - start )) s wall ($(date -u +%FT%TZ))" | tee -a "$out/train_$kind.log"
[ -f "$ckpt" ] && cp "$ckpt" "$out/"
exit $rc
