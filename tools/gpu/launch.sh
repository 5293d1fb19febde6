#!/usr/bin/env bash
# Starts N copies of a command as one data-parallel job on this host, with the variables that
# torchrun sets (RANK, LOCAL_RANK, WORLD_SIZE, LOCAL_WORLD_SIZE, MASTER_ADDR, MASTER_PORT) and
# NVLink multicast off (NCCL_NVLS_ENABLE=0). Rank r's stdout/stderr go to the terminal, prefixed
# "[r]" for r > 0. If one process fails, the others are stopped; the exit status is the first
# failure's (0 when all succeed). Ctrl-C is passed to every process (each writes a checkpoint).
#   tools/gpu/launch.sh N [--port P] -- adit train dit --config C.toml --vae V.pt --out DIR --distributed
#   tools/gpu/launch.sh 2 -- build/adit --device cuda train vae --config configs/vae-joint.toml --out runs/vae --distributed
# Environment: MASTER_ADDR (default 127.0.0.1), MASTER_PORT (default 29500, or --port), OMP_NUM_THREADS
# (default: cores / N, so N CPU processes do not oversubscribe the machine).
set -uo pipefail

usage() { sed -n '2,10p' "$0" >&2; exit 2; }
[ $# -ge 3 ] || usage
n="$1"; shift
[[ "$n" =~ ^[1-9][0-9]*$ ]] || usage
port="${MASTER_PORT:-29500}"
while [ $# -gt 0 ] && [ "$1" != "--" ]; do
  case "$1" in
    --port) port="$2"; shift 2 ;;
    *) usage ;;
  esac
done
[ "${1:-}" = "--" ] || usage
shift
[ $# -gt 0 ] || usage

export MASTER_ADDR="${MASTER_ADDR:-127.0.0.1}" MASTER_PORT="$port" WORLD_SIZE="$n" LOCAL_WORLD_SIZE="$n"
export NCCL_NVLS_ENABLE=0
if [ -z "${OMP_NUM_THREADS:-}" ]; then
  cores="$(nproc)"
  export OMP_NUM_THREADS=$(( cores / n > 0 ? cores / n : 1 ))
fi

pids=()
for ((r = 0; r < n; r++)); do
  if [ "$r" -eq 0 ]; then
    RANK=$r LOCAL_RANK=$r "$@" &
  else
    # Prefix the other ranks' lines so interleaved output stays readable.
    RANK=$r LOCAL_RANK=$r "$@" > >(sed -u "s/^/[$r] /") 2> >(sed -u "s/^/[$r] /" >&2) &
  fi
  pids+=($!)
done

forward() { for p in "${pids[@]}"; do kill -INT "$p" 2>/dev/null; done; }
trap forward INT TERM

status=0
live=("${pids[@]}")
while [ ${#live[@]} -gt 0 ]; do
  unset done_pid
  wait -n -p done_pid "${live[@]}"
  rc=$?
  [ -z "${done_pid:-}" ] && continue   # interrupted by a trapped signal: wait again
  next=()
  for p in "${live[@]}"; do [ "$p" != "$done_pid" ] && next+=("$p"); done
  live=("${next[@]}")
  if [ "$rc" -ne 0 ] && [ "$status" -eq 0 ]; then
    status=$rc
    echo "launch.sh: process $done_pid exited with status $rc; stopping the others" >&2
    for p in "${live[@]}"; do kill -TERM "$p" 2>/dev/null; done
  fi
done
exit "$status"
