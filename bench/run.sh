#!/usr/bin/env bash
# bench/run.sh -- one benchmark session of heapdump vs heapy vs wc -l.
# Prints a Markdown report on stdout (progress goes to stderr).
#
# usage: bench/run.sh [options]
#   --size SIZE         dump size for bench/gen_dump.rb (default 1GB)
#   --seed N            generator seed (default 1)
#   --runs N            timed runs per command (default 3)
#   --heapy-runs N      timed runs for heapy commands (default: same as --runs)
#   --heapdump PATH     heapdump binary (default ./build/heapdump)
#   --no-heapdump       skip heapdump commands
#   --no-heapy          skip heapy commands
#   --heapy PATH        heapy executable (default: heapy on PATH)
#   --diff              also benchmark `diff A B` on a generated pair
#   --threads "1 2"     run heapdump commands once per thread count, passing
#                       THREADS-FLAG N (default flag: --threads)
#   --threads-flag F    flag used for --threads; "ENV:NAME" sets env NAME=N instead
#   --dir DIR           scratch dir for dumps (default /tmp/heapdump-bench)
#   --regen             regenerate dumps even if matching ones exist
#   --timeout SEC       kill a command after SEC seconds (reported as TIMEOUT)
#   --cache MODE        reread (default): before timing, drop the dumps' pages
#                       from the page cache and read them back in, so they are
#                       cached as a file read from disk is; keep: time them
#                       cached as they are (e.g. as the generator wrote them)
#   -h, --help
set -u -o pipefail
export LC_ALL=C
[ -n "${EPOCHREALTIME:-}" ] || { echo "run.sh: needs bash >= 5 (EPOCHREALTIME)" >&2; exit 2; }

CMDLINE="$0$(printf ' %q' "$@")"
SIZE=1GB SEED=1 RUNS=3 HEAPY_RUNS= HEAPDUMP=./build/heapdump HEAPY=heapy
DO_HEAPDUMP=1 DO_HEAPY=1 DO_DIFF=0 THREADS="" THREADS_FLAG=--threads
DIR=/tmp/heapdump-bench REGEN=0 TIMEOUT="" CACHE=reread
HERE=$(cd "$(dirname "$0")" && pwd)

die() { echo "run.sh: $*" >&2; exit 2; }
usage() { sed -n '2,/^set -u/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit "${1:-0}"; }
need() { [ $# -ge 2 ] || die "$1 needs a value"; }

while [ $# -gt 0 ]; do
  case "$1" in
    --size) need "$@"; SIZE=$2; shift 2;;
    --seed) need "$@"; SEED=$2; shift 2;;
    --runs) need "$@"; RUNS=$2; shift 2;;
    --heapy-runs) need "$@"; HEAPY_RUNS=$2; shift 2;;
    --heapdump) need "$@"; HEAPDUMP=$2; shift 2;;
    --heapy) need "$@"; HEAPY=$2; shift 2;;
    --no-heapdump) DO_HEAPDUMP=0; shift;;
    --no-heapy) DO_HEAPY=0; shift;;
    --diff) DO_DIFF=1; shift;;
    --threads) need "$@"; THREADS=$2; shift 2;;
    --threads-flag) need "$@"; THREADS_FLAG=$2; shift 2;;
    --dir) need "$@"; DIR=$2; shift 2;;
    --regen) REGEN=1; shift;;
    --timeout) need "$@"; TIMEOUT=$2; shift 2;;
    --cache) need "$@"; CACHE=$2; shift 2;;
    -h|--help) usage 0;;
    *) die "unknown argument '$1' (see --help)";;
  esac
done
: "${HEAPY_RUNS:=$RUNS}"
[[ $RUNS =~ ^[1-9][0-9]*$ ]] || die "--runs must be a positive integer"
[[ $HEAPY_RUNS =~ ^[1-9][0-9]*$ ]] || die "--heapy-runs must be a positive integer"
[[ -z $TIMEOUT || $TIMEOUT =~ ^[0-9]+$ ]] || die "--timeout must be whole seconds"
[[ $CACHE == reread || $CACHE == keep ]] || die "--cache must be reread or keep"

GNUTIME=/usr/bin/time
if ! "$GNUTIME" -f '%e %M' true >/dev/null 2>&1; then
  die "GNU time not found at /usr/bin/time; install it: sudo apt-get install -y time"
fi
if [ "$DO_HEAPDUMP" = 1 ]; then
  [ -x "$HEAPDUMP" ] || die "heapdump binary '$HEAPDUMP' not found or not executable (build it, pass --heapdump PATH, or use --no-heapdump)"
  HEAPDUMP=$(cd "$(dirname "$HEAPDUMP")" && pwd)/$(basename "$HEAPDUMP")
fi
if [ "$DO_HEAPY" = 1 ]; then
  command -v "$HEAPY" >/dev/null 2>&1 || die "heapy '$HEAPY' not found (apt-get install ruby-heapy, or --no-heapy)"
fi
command -v ruby >/dev/null || die "ruby not found (needed by bench/gen_dump.rb)"
mkdir -p "$DIR" || die "cannot create $DIR"

log() { echo "[run.sh] $*" >&2; }

# ---------------------------------------------------------------- dumps
A="$DIR/dump-$SIZE-s$SEED.json"
B="$DIR/dump-$SIZE-s$SEED.b.json"

# A file is reusable when its .meta (written after a successful generation)
# matches size/seed, the recorded byte count and the generator's hash.
GENHASH=$(sha256sum "$HERE/gen_dump.rb" | cut -c1-16)
meta_ok() { # file
  local f=$1 m=$1.meta
  [ -f "$f" ] && [ -f "$m" ] || return 1
  grep -qx "size=$SIZE" "$m" && grep -qx "seed=$SEED" "$m" && grep -qx "bytes=$(stat -c %s "$f")" "$m" &&
    grep -qx "gen=$GENHASH" "$m"
}
write_meta() { printf 'size=%s\nseed=%s\nbytes=%s\ngen=%s\n' "$SIZE" "$SEED" "$(stat -c %s "$1")" "$GENHASH" > "$1.meta"; }

generate() {
  local pair=()
  [ "$DO_DIFF" = 1 ] && pair=(--pair "$B")
  log "generating $SIZE dump(s) in $DIR (seed $SEED) ..."
  rm -f "$A" "$A.meta" "$B" "$B.meta"
  ruby "$HERE/gen_dump.rb" "$SIZE" "$A" --seed "$SEED" "${pair[@]}" --quiet >&2 || die "gen_dump.rb failed"
  write_meta "$A"
  [ "$DO_DIFF" = 1 ] && write_meta "$B"
  return 0
}
if [ "$REGEN" = 1 ] || ! meta_ok "$A" || { [ "$DO_DIFF" = 1 ] && ! meta_ok "$B"; }; then
  generate
else
  log "reusing $A$([ "$DO_DIFF" = 1 ] && echo " and $B")"
fi
SIZE_A=$(stat -c %s "$A")
SIZE_B=0; [ "$DO_DIFF" = 1 ] && SIZE_B=$(stat -c %s "$B")

warm() { for f in "$@"; do cat "$f" > /dev/null; done; }
# The kernel caches a file it reads from disk in bigger pieces (folios) than
# one written in small writes, and copying out of big ones is cheaper: on
# the machine of bench/RESULTS.md, wc -l reads the 1 GB dump at about 5 GB/s
# as the generator left it and at about 9 GB/s once it was read back. So
# that every session times the same thing, --cache reread (the default)
# writes the dumps back, drops their pages (posix_fadvise DONTNEED, through
# Ruby's IO#advise) and reads them in again.
reread() {
  sync "$@" || die "sync failed"
  ruby -e 'ARGV.each { |f| File.open(f) { |io| io.advise(:dontneed) } }' "$@" || die "dropping cached pages failed"
  warm "$@"
}
if [ "$CACHE" = reread ]; then
  log "dropping the dumps' cached pages and reading them back"
  if [ "$DO_DIFF" = 1 ]; then reread "$A" "$B"; else reread "$A"; fi
fi

# ---------------------------------------------------------------- timing
TMP=$(mktemp -d "${TMPDIR:-/tmp}/hdbench.XXXXXX") || die "mktemp failed"
trap 'rm -rf "$TMP"' EXIT

ROWS=()            # markdown rows
declare -A MED     # label -> median seconds (only for successful commands)
FAILED=0

# Commands are registered first (job) and then run in rounds (run_jobs):
# round r runs every command that has an r-th run, one after the other, so
# that a slow spell of a shared host hits all of them alike instead of all
# the runs of one command.
JOBS=()  # labels, in order
declare -A J_RUNS J_BYTES J_ENV J_WARM J_CMD J_TIMES J_RSS J_STATUS

# job LABEL RUNS INPUT_BYTES ENVSPEC -- CMD...
# ENVSPEC is "" or NAME=VALUE added to the command's environment. The page
# cache is warmed with the files in WARM_FILES (as set now) before each run.
job() {
  local label=$1
  J_RUNS[$label]=$2 J_BYTES[$label]=$3 J_ENV[$label]=$4
  shift 5
  J_CMD[$label]=$(printf '%q ' "$@")
  J_WARM[$label]=$(printf '%q ' "${WARM_FILES[@]}")
  J_TIMES[$label]="" J_RSS[$label]="" J_STATUS[$label]=ok
  JOBS+=("$label")
}

# One timed run of a job.
run_once() { # LABEL RUN
  local label=$1 i=$2 rc t m t0 t1 out=$TMP/time.out err=$TMP/stderr
  local tcmd=() cmd=() files=()
  [ -n "$TIMEOUT" ] && tcmd=(timeout "$TIMEOUT")
  eval "cmd=(${J_CMD[$label]})"
  eval "files=(${J_WARM[$label]})"
  warm "${files[@]}"
  # wall time from bash's clock (us resolution, no fork); GNU time gives peak RSS
  t0=$EPOCHREALTIME
  if [ -n "${J_ENV[$label]}" ]; then
    env "${J_ENV[$label]}" "$GNUTIME" -f '%e %M' -o "$out" "${tcmd[@]}" "${cmd[@]}" > /dev/null 2> "$err"; rc=$?
  else
    "$GNUTIME" -f '%e %M' -o "$out" "${tcmd[@]}" "${cmd[@]}" > /dev/null 2> "$err"; rc=$?
  fi
  t1=$EPOCHREALTIME
  if [ "$rc" -ne 0 ]; then
    if [ "$rc" -eq 124 ] && [ -n "$TIMEOUT" ]; then J_STATUS[$label]="TIMEOUT (${TIMEOUT}s)"; else J_STATUS[$label]="FAILED (exit $rc)"; fi
    log "$label: ${J_STATUS[$label]}; stderr tail:"; tail -n 5 "$err" | sed 's/^/    /' >&2
    FAILED=1
    return
  fi
  read -r t m < <(tail -n 1 "$out")
  t=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f", b - a }')
  J_TIMES[$label]+="$t " J_RSS[$label]+="$m "
  log "  $label, run $i: ${t}s, ${m} KB"
}

# Runs every job's runs in rounds; a job that fails stops there.
run_jobs() {
  local label r max=0
  for label in "${JOBS[@]}"; do [ "${J_RUNS[$label]}" -gt "$max" ] && max=${J_RUNS[$label]}; done
  for ((r = 1; r <= max; r++)); do
    log "round $r of $max"
    for label in "${JOBS[@]}"; do
      if [ "${J_STATUS[$label]}" = ok ] && [ "$r" -le "${J_RUNS[$label]}" ]; then run_once "$label" "$r"; fi
    done
  done
}

# Adds a job's table row, and its median to MED when it succeeded.
report_job() { # LABEL
  local label=$1 runs=${J_RUNS[$1]} times=() rss=()
  read -r -a times <<< "${J_TIMES[$label]}"
  read -r -a rss <<< "${J_RSS[$label]}"
  if [ "${J_STATUS[$label]}" != ok ]; then
    ROWS+=("| \`$label\` | ${#times[@]}/$runs | – | – | – | – | **${J_STATUS[$label]}** |")
    return
  fi
  local stats med min max maxrss tput
  stats=$(printf '%s\n' "${times[@]}" | sort -g | awk '{a[NR]=$1} END {
      med = (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2
      printf "%.3f %.3f %.3f", med, a[1], a[NR] }')
  read -r med min max <<< "$stats"
  maxrss=$(printf '%s\n' "${rss[@]}" | sort -g | tail -n 1)
  MED[$label]=$med
  tput=$(awk -v b="${J_BYTES[$label]}" -v t="$med" 'BEGIN { if (t > 0) printf "%.0f", b / 1e6 / t; else print "∞" }')
  ROWS+=("| \`$label\` | $runs | $med | $min–$max | $tput | $(awk -v k="$maxrss" 'BEGIN{printf "%.0f", k/1024}') | ok |")
}

# heapdump commands, once per thread count (or once without a thread flag)
hd_variants() { # prints "suffix envspec flag..." lines
  if [ -z "$THREADS" ]; then echo "|"; return; fi
  local n
  for n in $THREADS; do
    if [[ $THREADS_FLAG == ENV:* ]]; then echo " [${THREADS_FLAG#ENV:}=$n]|${THREADS_FLAG#ENV:}=$n|"
    else echo " [$THREADS_FLAG $n]||$THREADS_FLAG $n"; fi
  done
}

WARM_FILES=("$A")
log "warming page cache"
warm "$A"
job "wc -l" "$RUNS" "$SIZE_A" "" -- wc -l "$A"

HD_READ=() HD_ALL=()
if [ "$DO_HEAPDUMP" = 1 ]; then
  while IFS='|' read -r sfx envspec flag; do
    # shellcheck disable=SC2206
    fl=($flag)
    job "heapdump read$sfx" "$RUNS" "$SIZE_A" "$envspec" -- "$HEAPDUMP" read "$A" "${fl[@]}"
    HD_READ+=("heapdump read$sfx")
  done < <(hd_variants)
  while IFS='|' read -r sfx envspec flag; do
    fl=($flag)
    job "heapdump read all$sfx" "$RUNS" "$SIZE_A" "$envspec" -- "$HEAPDUMP" read "$A" all "${fl[@]}"
    HD_ALL+=("heapdump read all$sfx")
  done < <(hd_variants)
fi
if [ "$DO_HEAPY" = 1 ]; then
  job "heapy read" "$HEAPY_RUNS" "$SIZE_A" "" -- "$HEAPY" read "$A"
  job "heapy read all" "$HEAPY_RUNS" "$SIZE_A" "" -- "$HEAPY" read "$A" all
fi
HD_DIFF=()
if [ "$DO_DIFF" = 1 ]; then
  WARM_FILES=("$A" "$B")
  if [ "$DO_HEAPDUMP" = 1 ]; then
    while IFS='|' read -r sfx envspec flag; do
      fl=($flag)
      job "heapdump diff$sfx" "$RUNS" "$((SIZE_A + SIZE_B))" "$envspec" -- "$HEAPDUMP" diff "$A" "$B" "${fl[@]}"
      HD_DIFF+=("heapdump diff$sfx")
    done < <(hd_variants)
  fi
  [ "$DO_HEAPY" = 1 ] && job "heapy diff" "$HEAPY_RUNS" "$((SIZE_A + SIZE_B))" "" -- "$HEAPY" diff "$A" "$B"
fi

run_jobs
for label in "${JOBS[@]}"; do report_job "$label"; done

# ---------------------------------------------------------------- report
cpu=$(grep -m1 'model name' /proc/cpuinfo | sed 's/^[^:]*: *//')
echo "# heapdump benchmark"
echo
echo "- command: \`$CMDLINE\`"
echo "- date: $(date -u '+%Y-%m-%d %H:%M:%S UTC')"
echo "- machine: $(nproc) CPUs ($cpu), $(awk '/MemTotal/ {printf "%.0f GB RAM", $2/1048576}' /proc/meminfo), $(uname -sr)"
echo "- input: \`$A\` ($SIZE_A bytes, $(awk -v b="$SIZE_A" 'BEGIN{printf "%.1f MB", b/1e6}'), $(wc -l < "$A") lines)"
[ "$DO_DIFF" = 1 ] && echo "- diff input B: \`$B\` ($SIZE_B bytes)"
echo "- generator: \`ruby bench/gen_dump.rb $SIZE OUT --seed $SEED$([ "$DO_DIFF" = 1 ] && echo ' --pair OUT2')\`, $(ruby -v)"
[ "$DO_HEAPDUMP" = 1 ] && echo "- heapdump: \`$HEAPDUMP\`$( v=$("$HEAPDUMP" --version 2>/dev/null | head -n 1) && [ -n "$v" ] && echo " ($v)")"
[ "$DO_HEAPY" = 1 ] && echo "- heapy: \`$(command -v "$HEAPY")\` ($("$HEAPY" version 2>/dev/null | head -n 1))"
echo "- runs: $RUNS (heapy: $HEAPY_RUNS), in rounds: each round runs every command once, in the order of the table; page cache $([ "$CACHE" = reread ] && echo "dropped and read back once (\`--cache reread\`), then ")warmed with \`cat\` before every run; stdout to /dev/null"
echo "- time = wall-clock seconds, median of runs (range min–max); MB/s = input bytes / 10^6 / median; RSS = max peak RSS over runs (GNU time %M)"
echo
echo "| Command | Runs | Median (s) | Range (s) | MB/s | Peak RSS (MB) | Status |"
echo "|---|---:|---:|---:|---:|---:|---|"
printf '%s\n' "${ROWS[@]}"
echo

ratio() { # text numerator_label denominator_label
  local a=${MED[$2]:-} b=${MED[$3]:-}
  [ -n "$a" ] && [ -n "$b" ] || return 0
  awk -v a="$a" -v b="$b" -v t="$1" 'BEGIN { if (b > 0) printf "- %s: %.2fx\n", t, a / b; else printf "- %s: n/a (zero time)\n", t }'
}
RATIOS=$(
for l in "${HD_READ[@]}"; do ratio "\`$l\` / \`wc -l\`" "$l" "wc -l"; done
for l in "${HD_ALL[@]}"; do ratio "\`$l\` / \`wc -l\`" "$l" "wc -l"; done
for l in "${HD_READ[@]}"; do ratio "\`heapy read\` / \`$l\` (speedup)" "heapy read" "$l"; done
for l in "${HD_ALL[@]}"; do ratio "\`heapy read all\` / \`$l\` (speedup)" "heapy read all" "$l"; done
for l in "${HD_DIFF[@]}"; do ratio "\`heapy diff\` / \`$l\` (speedup)" "heapy diff" "$l"; done
if [ "${#HD_READ[@]}" -gt 1 ]; then
  for l in "${HD_READ[@]:1}"; do ratio "\`${HD_READ[0]}\` / \`$l\` (thread scaling)" "${HD_READ[0]}" "$l"; done
  for l in "${HD_ALL[@]:1}"; do ratio "\`${HD_ALL[0]}\` / \`$l\` (thread scaling)" "${HD_ALL[0]}" "$l"; done
fi
ratio "\`heapy read\` / \`wc -l\`" "heapy read" "wc -l"
ratio "\`heapy read all\` / \`heapy read\`" "heapy read all" "heapy read"
)
echo "Ratios (of median times):"
echo
if [ -n "$RATIOS" ]; then echo "$RATIOS"; else echo "- (none: fewer than two successful commands to compare)"; fi

if [ "$FAILED" = 1 ]; then
  echo
  echo "**Some commands failed or timed out; see the Status column.**"
  exit 1
fi
exit 0
