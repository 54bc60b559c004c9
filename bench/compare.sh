#!/usr/bin/env bash
# bench/compare.sh -- A/B timing of a few commands on a noisy machine.
#
#   bench/compare.sh ROUNDS LABEL 'COMMAND' [LABEL 'COMMAND' ...]
#
# Runs every command once per round, in turn (A B C A B C ...), so that a
# slow spell of the host hits all of them alike, with stdout and stderr to
# /dev/null. Prints, per label, the minimum and median wall time and CPU
# time (user + sys) over the rounds, to the millisecond (bash's `time`).
# Warm the page cache first (cat FILE >/dev/null) when the commands read
# big files.
#
# Example (two builds, 8 rounds):
#   bench/compare.sh 8 old "/tmp/old/heapdump read dump.json --threads 1" \
#                      new "build/heapdump read dump.json --threads 1"
set -euo pipefail
if [ $# -lt 3 ] || [ $(( ($# - 1) % 2 )) -ne 0 ]; then
  sed -n '2,14p' "$0" >&2
  exit 2
fi
rounds=$1
shift
case "$rounds" in ''|*[!0-9]*) echo "ROUNDS must be a whole number" >&2; exit 2 ;; esac
labels=()
commands=()
while [ $# -gt 0 ]; do
  labels+=("$1")
  commands+=("$2")
  shift 2
done
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# bash's own `time`, to the millisecond (GNU time prints wall time to the
# hundredth of a second only), around the command run by this shell.
TIMEFORMAT='%3R %3U %3S'
for ((r = 0; r < rounds; r++)); do
  for k in "${!labels[@]}"; do
    status=0
    { time eval "${commands[$k]}" >/dev/null 2>&1; } 2>>"$tmp/$k" || status=$?
    if [ "$status" -ne 0 ]; then echo "Command exited with non-zero status $status" >>"$tmp/$k"; fi
  done
done
for k in "${!labels[@]}"; do
  failed=$(grep -c '^Command exited' "$tmp/$k" || true)
  if [ "$failed" -gt 0 ]; then
    echo "${labels[$k]}: $failed of $rounds runs failed (exit status not 0); not timed" >&2
    continue
  fi
  grep -E '^[0-9.]+ [0-9.]+ [0-9.]+$' "$tmp/$k" | sort -n | awk -v label="${labels[$k]}" '
    { wall[NR] = $1; cpu[NR] = $2 + $3 }
    END {
      if (NR == 0) { printf "%-16s no successful runs\n", label; exit }
      n = NR
      # medians: wall is sorted; sort cpu with a simple insertion sort
      for (i = 2; i <= n; i++) { v = cpu[i]; j = i - 1; while (j > 0 && cpu[j] > v) { cpu[j + 1] = cpu[j]; j-- } cpu[j + 1] = v }
      mw = (n % 2) ? wall[(n + 1) / 2] : (wall[n / 2] + wall[n / 2 + 1]) / 2
      mc = (n % 2) ? cpu[(n + 1) / 2] : (cpu[n / 2] + cpu[n / 2 + 1]) / 2
      printf "%-16s wall min %.3f median %.3f   cpu min %.3f median %.3f   (%d runs)\n", label, wall[1], mw, cpu[1], mc, n
    }'
done
