#!/usr/bin/env bash
# Runs a command on a busy machine: one CPU burner per core (plus one) alongside it, stopped when it ends.
# How the README's "make test on a busy machine" times were taken: scripts/busy.sh make test
set -uo pipefail
n=$(( $(nproc) + 1 ))
pids=()
for _ in $(seq "$n"); do
  ( while :; do :; done ) &
  pids+=($!)
done
trap 'kill "${pids[@]}" 2>/dev/null' EXIT
"$@"
