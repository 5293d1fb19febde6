#!/usr/bin/env bash
# Moves files larger than the device tool's limits between this machine and the GPU machine
# (docs/gpu.md): a call returns at most 8 files of at most 16 MiB, 64 MiB together, and carries at
# most 64 MiB. A full training checkpoint (weights, EMA, AdamW moments: ~146 MB for the 12-layer
# DiT-XS) therefore goes in 15 MiB pieces over several calls, each piece checked on arrival.
#   tools/gpu/pieces.sh split FILE DIR [NAME]  DIR/NAME.part-aa, -ab, ... and DIR/NAME.sha256
#                                           (NAME: FILE's own name unless given)
#   tools/gpu/pieces.sh join DIR NAME DEST  DIR/NAME.part-* -> DEST, checked against DIR/NAME.sha256
#   tools/gpu/pieces.sh send [DIR]          moves the waiting files of DIR (default $ADIT_STAGE/back,
#                                           i.e. /tmp/w/back) into $OUT while they fit this call's
#                                           return; prints how many wait for the next call
set -o pipefail
piece_mib=${ADIT_PIECE_MIB:-15}  # smaller only to try the scripts on small files
max_files=8
max_bytes=$(( 64 * 1024 * 1024 - 256 * 1024 ))  # room for a log written after the send

die() { echo "pieces: $*" >&2; exit 1; }

split_file() {
  local file="$1" dir="$2" name="${3:-$(basename "$1")}"
  [ -f "$file" ] || die "$file does not exist"
  mkdir -p "$dir" || exit 1
  rm -f "$dir/$name".part-* "$dir/$name.sha256" "$dir/sent/$name".*  # an earlier version's pieces
  split -b "${piece_mib}M" "$file" "$dir/$name.part-" || die "split $file failed"
  echo "$(sha256sum < "$file" | cut -d' ' -f1)  $name" > "$dir/$name.sha256" || exit 1
  echo "pieces: $file -> $(ls "$dir/$name".part-* | wc -l) pieces in $dir"
}

join_file() {
  local dir="$1" name="$2" dest="$3" want got
  ls "$dir/$name".part-* > /dev/null 2>&1 || die "no pieces $dir/$name.part-*"
  [ -f "$dir/$name.sha256" ] || die "$dir/$name.sha256 is missing: cannot check the pieces"
  want="$(cut -d' ' -f1 "$dir/$name.sha256")"
  mkdir -p "$(dirname "$dest")" || exit 1
  cat "$dir/$name".part-* > "$dest.joining" || die "joining $dir/$name.part-* failed"
  got="$(sha256sum "$dest.joining" | cut -d' ' -f1)"
  if [ "$got" != "$want" ]; then
    rm -f "$dest.joining"
    die "$dir/$name.part-*: SHA-256 $got, expected $want (a piece is missing or damaged)"
  fi
  mv "$dest.joining" "$dest" && echo "pieces: $dest joined from $(ls "$dir/$name".part-* | wc -l) pieces, SHA-256 ok"
}

# Sent files move to DIR/sent (not deleted): if a call's return fails, move them back and send again.
send_waiting() {
  local dir="$1" out="${OUT:?pieces send runs on the device, where \$OUT is set}" used files f size
  mkdir -p "$dir/sent" || exit 1
  used=$(find "$out" -type f -printf '%s\n' | awk '{s += $1} END {print s + 0}')
  files=$(find "$out" -type f | wc -l)
  for f in $(find "$dir" -maxdepth 1 -type f | sort); do
    size=$(stat -c %s "$f")
    [ "$files" -lt $max_files ] || break
    [ $(( used + size )) -le $max_bytes ] || continue  # a smaller file (the .sha256) may still fit
    cp "$f" "$out/" && mv "$f" "$dir/sent/" || exit 1
    used=$(( used + size )); files=$(( files + 1 ))
  done
  echo "pieces: $out holds $files files ($(( used / 1048576 )) MiB); $(find "$dir" -maxdepth 1 -type f | wc -l) wait in $dir"
}

case "$1" in
  split) [ $# -eq 3 ] || [ $# -eq 4 ] || die "usage: $0 split FILE DIR [NAME]"; split_file "$2" "$3" "$4" ;;
  join) [ $# -eq 4 ] || die "usage: $0 join DIR NAME DEST"; join_file "$2" "$3" "$4" ;;
  send) send_waiting "${2:-${ADIT_STAGE:-/tmp/w}/back}" ;;
  *) die "usage: $0 split FILE DIR [NAME] | join DIR NAME DEST | send [DIR]" ;;
esac
