#!/usr/bin/env bash
# Backup create / verify / restore timings on a demo clinic of a given size (BENCHMARKS.md, issues 7 and 16).
#   scripts/bench-backup.sh PATIENTS DOCTORS [WORK_DIR]
#   e.g. scripts/bench-backup.sh 200000 40    (1×)   and   scripts/bench-backup.sh 2000000 400    (10×)
# Needs a release clinicctl (`cargo build --release -p clinicctl`). Makes two embedded clusters under WORK_DIR
# (default /var/tmp/clinicdesk-bench-backup), prints the timings, then stops and removes them.
set -euo pipefail
patients=${1:?patients}
doctors=${2:?doctors}
work=${3:-/var/tmp/clinicdesk-bench-backup}
ctl=${CLINICCTL:-${CARGO_TARGET_DIR:-$HOME/.cache/clinicdesk/target}/release/clinicctl}
src=$work/clinic
dst=$work/restored

cleanup() {
    for d in "$src" "$dst"; do
        [ -d "$d" ] && "$ctl" --data-dir "$d" db stop >/dev/null 2>&1 || true
    done
    rm -rf "$work"
}
trap cleanup EXIT
cleanup
mkdir -p "$work"

timed() { # label command...: runs the command, prints its wall-clock seconds
    local label=$1 start
    shift
    start=$(date +%s.%N)
    "$@" >/dev/null
    printf '%-8s %6.1f s\n' "$label" "$(echo "$(date +%s.%N) - $start" | bc)"
}

"$ctl" --data-dir "$src" db init >/dev/null
echo 'Bench-Password-2026!x' | "$ctl" --data-dir "$src" setup --clinic-name "Bench Clinic" \
    --time-zone Europe/London --admin-username admin --password-stdin >/dev/null
"$ctl" --data-dir "$src" demo-data --patients "$patients" --doctors "$doctors" --days 365 | head -1
echo "data dir: $(du -sh "$src" | cut -f1)"
timed create "$ctl" --data-dir "$src" backup create --out "$work/clinic.dump"
echo "backup file: $(($(stat -c %s "$work/clinic.dump") / 1000000)) MB"
timed verify "$ctl" --data-dir "$src" backup verify "$work/clinic.dump"
"$ctl" --data-dir "$src" db stop >/dev/null
timed restore "$ctl" --data-dir "$dst" backup restore "$work/clinic.dump"
