#!/usr/bin/env bash
# The staged recipe's first device call (docs/gpu.md): build adit once and put what later calls
# need in $ADIT_STAGE (default /tmp/w), outside the tree that every call re-syncs (a later call
# removes what an earlier one wrote in the tree and any carried path it does not name again):
#   the binary (adit), the library environment (env.sh), configs/, and the FILES given (into data/).
#   tools/gpu/stage.sh [FILE...]              build + stage (call 1: carry .device and FILE...)
#   tools/gpu/stage.sh --files-only FILE...   stage more files (a later call's carried data) and
#                                             the tree's configs again
# Then tools/gpu/staged_train.sh runs training segments from the stage. A build also sends the
# binary home through $OUT (adit.part-*, adit.sha256: `tools/gpu/pieces.sh join DIR adit
# .gpubin/adit`), so that a later session on the same machine image can skip the ~300 s build:
# ADIT_BIN=.gpubin/adit stages that binary instead, with .device's libraries, and builds only if
# it does not start there. (ADIT_BIN=build/adit tries the recipe with a CPU build.)
set -o pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
stage="${ADIT_STAGE:-/tmp/w}"
build=1
[ "$1" = "--files-only" ] && { build=0; shift; }
mkdir -p "$stage/data" "$stage/configs" "$stage/runs" || exit 1
if [ $build = 1 ]; then
  need_build=0
  if [ -n "$ADIT_BIN" ]; then
    cp "$ADIT_BIN" "$stage/adit" && chmod +x "$stage/adit" || exit 1  # pieces joined by cat lose +x
    if [ "${ADIT_DEVICE:-cuda}" != cpu ] && [ -f "$here/.device/device/deps.sh" ]; then
      source "$here/.device/device/deps.sh" "$here/.device/debs" > /dev/null || exit 1
    fi
    if ! "$stage/adit" --version > /dev/null 2> "$stage/prebuilt.log"; then
      echo "stage: $ADIT_BIN does not start here ($(head -c 300 "$stage/prebuilt.log")); building instead"
      need_build=1
    fi
  else
    need_build=1
  fi
  if [ $need_build = 1 ]; then
    start=$(date +%s)
    source "$here/tools/gpu/build.sh" adit > "$stage/build.log" 2>&1 || { tail -30 "$stage/build.log"; exit 1; }
    echo "stage: built adit in $(( $(date +%s) - start )) s"
    cp "${ADIT_BUILD_DIR:-$here/build-cuda}/adit" "$stage/adit" || exit 1
    [ -n "$OUT" ] && { "$here/tools/gpu/pieces.sh" split "$stage/adit" "$OUT" || exit 1; }
  fi
  # deps.sh's variables (empty on a CPU build): the stage's programs find the carried libraries.
  { declare -p LD_LIBRARY_PATH BABEL_LIBDIR BABEL_DATADIR 2>/dev/null; true; } > "$stage/env.sh"
fi
# Every call refreshes the configs: one written between calls (e.g. an anneal decided from the
# budget left) reaches the next segment.
cp "$here"/configs/*.toml "$stage/configs/" || exit 1
[ $# -gt 0 ] && { cp "$@" "$stage/data/" || exit 1; }
echo "stage: $stage holds $(ls "$stage/data" | wc -l) data files: $(ls "$stage/data" | tr '\n' ' ')"
