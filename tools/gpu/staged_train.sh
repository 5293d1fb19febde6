#!/usr/bin/env bash
# One training segment run from the stage that tools/gpu/stage.sh set up ($ADIT_STAGE, default
# /tmp/w; paths in the arguments are relative to it: data/..., configs/...):
#   tools/gpu/staged_train.sh NAME SECONDS vae|dit [adit train options, --out excepted]
# trains into runs/NAME for at most SECONDS (then SIGINT: the checkpoint is written), continuing
# with --resume when runs/NAME already holds a checkpoint (an --init among the options is then
# dropped), exports the release (options in $ADIT_EXPORT, default --sampling-only for a DiT; e.g.
# ADIT_EXPORT="--vae-file data/vae-joint-small.pt") and puts it into $OUT in 15 MiB pieces (files
# over 16 MiB do not come back) with its SHA-256 (tools/gpu/pieces.sh split), and the log. ADIT_THREADS sets adit's --threads
# (8 each for two jobs on the 16-core machine). Start several with & and wait:
# jobs side by side share the GPU. Rejoin at home: tools/gpu/pieces.sh join DIR NAME-release.pt DEST
#
# Across sessions (the machine keeps nothing): the full checkpoint (optimiser state included) is
# split into 15 MiB pieces waiting in back/ (NAME-KIND.pt.part-*, NAME-KIND.pt.sha256); bring them
# home with `tools/gpu/pieces.sh send` at the end of this call and of the next calls. A later
# session stages them again (`stage.sh --files-only` puts them in data/) and this script joins
# and checks them into runs/NAME/KIND.pt before the segment, which then resumes exactly.
set -o pipefail
name="$1" seconds="$2" kind="$3"
shift 3 || { echo "usage: $0 NAME SECONDS vae|dit [adit train options]" >&2; exit 2; }
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
stage="${ADIT_STAGE:-/tmp/w}"
out="${OUT:-$stage/out}"
mkdir -p "$out" && out="$(cd "$out" && pwd)" || exit 1  # a relative $OUT still names the caller's folder
cd "$stage" || exit 1
source ./env.sh
mkdir -p runs
full="$name-$kind.pt"  # the full checkpoint's name in data/ (carried pieces) and back/ (pieces to send)
if [ ! -f "runs/$name/$kind.pt" ] && ls "data/$full".part-* > /dev/null 2>&1; then
  "$here/tools/gpu/pieces.sh" join data "$full" "runs/$name/$kind.pt" || exit 1
  rm -f "data/$full".part-*
fi
args=()
if [ -f "runs/$name/$kind.pt" ]; then
  while [ $# -gt 0 ]; do
    if [ "$1" = "--init" ]; then shift 2; continue; fi
    args+=("$1"); shift
  done
  args+=(--resume)
else
  args=("$@")
fi
log="runs/$name.log"
echo "segment $name: ${seconds} s from $(date -u +%FT%TZ): adit train $kind ${args[*]}" >> "$log"
timeout -k 60 -s INT "$seconds" ./adit ${ADIT_THREADS:+--threads $ADIT_THREADS} --device "${ADIT_DEVICE:-cuda}" train "$kind" --out "runs/$name" "${args[@]}" \
  >> "$log" 2>&1
rc=$?  # 124: the time was up and SIGINT wrote the checkpoint
echo "segment $name: rc=$rc at $(date -u +%FT%TZ)" >> "$log"
cp "$log" "$out/"
[ -f "runs/$name/$kind.pt" ] || { tail -20 "$log"; exit 1; }
export_args=(${ADIT_EXPORT-$([ "$kind" = dit ] && echo --sampling-only)})
rm -f "runs/$name-release.pt"
./adit export --model "runs/$name/$kind.pt" --out "runs/$name-release.pt" "${export_args[@]}" >> "$out/$name.log" 2>&1 || {
  tail -5 "$out/$name.log"; exit 1; }
"$here/tools/gpu/pieces.sh" split "runs/$name-release.pt" "$out" > /dev/null || exit 1
"$here/tools/gpu/pieces.sh" split "runs/$name/$kind.pt" back "$full" > /dev/null || exit 1
echo "segment $name: the full checkpoint waits in $stage/back as $(ls back/"$full".part-* | wc -l) pieces"
grep -E "wrote|interrupted|error" "$log" | tail -3
