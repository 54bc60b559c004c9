#!/usr/bin/env bash
# bench/more.sh -- times the commands beyond heapy's (retained, path,
# read --by gem, compare) against `heapdump read FILE all` in one session.
# usage: bench/more.sh [HEAPDUMP] [DUMP_A] [DUMP_B] [RUNS]
# Defaults: ./build/heapdump and the 1 GB pair made by bench/run.sh --diff.
# Prints a Markdown table: median wall time of RUNS (default 3) runs, peak
# RSS, and each command's time relative to `read FILE all`.
set -u -o pipefail
export LC_ALL=C
HD=${1:-./build/heapdump}
A=${2:-/tmp/heapdump-bench/dump-1GB-s1.json}
B=${3:-/tmp/heapdump-bench/dump-1GB-s1.b.json}
RUNS=${4:-3}
[ -x "$HD" ] || { echo "more.sh: no heapdump at $HD" >&2; exit 2; }
[ -f "$A" ] && [ -f "$B" ] || { echo "more.sh: make the dumps with bench/run.sh --diff first" >&2; exit 2; }
[ -x /usr/bin/time ] || { echo "more.sh: needs GNU time (apt-get install time)" >&2; exit 2; }

declare -a NAMES CMDS
add() { NAMES+=("$1"); shift; CMDS+=("$*"); }
add "read FILE all" "$HD" read "$A" all -q
add "read FILE --by gem" "$HD" read "$A" --by gem -q
add "read FILE all --by gem" "$HD" read "$A" all --by gem -q
add "compare A B --by class" "$HD" compare "$A" "$B" --by class -q
add "compare A B --by gem" "$HD" compare "$A" "$B" --by gem -q
add "retained FILE" "$HD" retained "$A" -q
add "path FILE --class Hash" "$HD" path "$A" --class Hash -q

median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
echo "# heapdump: commands beyond heapy"
echo
echo "- command: \`$0 $*\`"
echo "- date: $(date -u '+%Y-%m-%d %H:%M:%S UTC'); machine: $(nproc) CPUs ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')); heapdump $("$HD" --version)"
echo "- A: \`$A\` ($(stat -c %s "$A") bytes); B: \`$B\` ($(stat -c %s "$B") bytes)"
echo "- $RUNS runs each, page cache warmed with cat before each; default threads (one per core); stdout to /dev/null"
echo
echo "| command | median (s) | peak RSS (MB) | vs read FILE all |"
echo "|---|---:|---:|---:|"
base=""
tfile=$(mktemp)
trap 'rm -f "$tfile"' EXIT
for i in "${!NAMES[@]}"; do
  times=() rss=0
  for ((r = 0; r < RUNS; r++)); do
    cat "$A" "$B" >/dev/null
    # shellcheck disable=SC2086
    if ! /usr/bin/time -o "$tfile" -f '%e %M' ${CMDS[$i]} >/dev/null 2>/dev/null; then
      echo "more.sh: '${CMDS[$i]}' failed" >&2
      exit 1
    fi
    out=$(tail -n 1 "$tfile")
    times+=("${out% *}")
    m=${out#* }
    [ "$m" -gt "$rss" ] && rss=$m
  done
  med=$(printf '%s\n' "${times[@]}" | median)
  [ -z "$base" ] && base=$med
  ratio=$(awk -v a="$med" -v b="$base" 'BEGIN {printf "%.2fx", a / b}')
  echo "| \`${NAMES[$i]}\` | $med | $((rss / 1024)) | $ratio |"
done
