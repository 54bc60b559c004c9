#!/usr/bin/env bash
# Memory is bounded, and running out of it is a clear message with exit 3,
# never an abort (README "Robustness"). Big inputs are generated here as
# streams (runs of zeros, gzip members of zeros, a sparse file), never
# stored; every run is bounded by `timeout` and by an address-space limit
# (`prlimit --as`), so a regression fails instead of eating the machine.
# Usage: memory_test.sh HEAPDUMP   (run from the repository root)
. "$(dirname "$0")/cli_util.sh"
hd=$1

# AddressSanitizer reserves terabytes of address space for its shadow
# memory before main() runs, so under a sanitizer build (tests/CMakeLists.txt
# sets HEAPDUMP_SANITIZED) no address-space limit can be set: runs are then
# bounded by time only, and the out-of-memory checks (section 5) are skipped.
sanitized=${HEAPDUMP_SANITIZED:-}

# run LIMIT SECONDS ARGS... : heapdump under an address-space limit, with
# this function's stdin; the exit status goes to $tmp/code (run may be the
# end of a pipeline, a subshell).
run() {
  local limit=$1 secs=$2
  shift 2
  if [ -n "$sanitized" ]; then
    timeout "$secs" "$hd" "$@" >"$tmp/out" 2>"$tmp/err"
  else
    timeout "$secs" prlimit --as="$(numfmt --from=iec "$limit")" "$hd" "$@" >"$tmp/out" 2>"$tmp/err"
  fi
  echo $? >"$tmp/code"
}
# check NAME EXPECTED_CODE EXPECTED_STDERR
check() {
  checks=$((checks + 1))
  local code
  code=$(cat "$tmp/code")
  if [ "$code" != "$2" ]; then
    fail "$1: exit $code, expected $2"; sed 's/^/  stderr: /' "$tmp/err" | head -5; return
  fi
  if [ "$(cat "$tmp/err")" != "$3" ]; then
    fail "$1: stderr was:"; cat "$tmp/err"; echo "expected:"; echo "$3"
  fi
}
# check_out NAME EXPECTED_STDOUT_LINE : a line stdout must have
check_out() {
  checks=$((checks + 1))
  grep -qxF -- "$2" "$tmp/out" || { fail "$1: no line '$2' in stdout"; head -5 "$tmp/out"; }
}

A='{"address":"0x1","type":"STRING","memsize":40}'
B='{"address":"0x2","type":"ARRAY","memsize":60}'
zero_reason="not a JSON object: a long line that starts with byte 0x00 (not '{'), skipped without keeping it in memory"
cut="last line is cut short (no newline at end of file)"
oom="heapdump: out of memory: the process was refused more memory (ulimit -v, prlimit --as, a container's limit, or the machine's); the command was stopped"

# 1. A 600 MB line of zeros between two records, on stdin and as a (sparse)
# file: skipped by its first byte without being buffered
# (it used to grow a 600 MB buffer: std::bad_alloc, SIGABRT, under 512 MB).
{ echo "$A"; head -c 600M /dev/zero; printf '\n%s\n' "$B"; } | run 512M 30 read - --threads 2
check zeros-stdin 0 "heapdump: <stdin>:2: skipped line: $zero_reason
heapdump: <stdin>: skipped 1 of 3 lines that are not valid JSON objects"
check_out zeros-stdin "Count: 2"
{ echo "$A"; } >"$tmp/sparse.json"
truncate -s +600M "$tmp/sparse.json"
printf '\n%s\n' "$B" >>"$tmp/sparse.json"
run 512M 30 read "$tmp/sparse.json" </dev/null
check zeros-file 0 "heapdump: $tmp/sparse.json:2: skipped line: $zero_reason
heapdump: $tmp/sparse.json: skipped 1 of 3 lines that are not valid JSON objects"
check_out zeros-file "Count: 2"

# 2. gzip: 60 members of 10 MB of zeros (600 MB inflated, ~3 MB on disk), as
# one 600 MB "line": not a heap dump, exit 3, in bounded memory.
head -c 10M /dev/zero | gzip -1 >"$tmp/z10.gz"
for _ in $(seq 60); do cat "$tmp/z10.gz"; done >"$tmp/zeros.gz"
run 512M 30 read "$tmp/zeros.gz" </dev/null
check zeros-gzip 3 "heapdump: $tmp/zeros.gz:1: skipped line: $cut: $zero_reason
heapdump: $tmp/zeros.gz: skipped 1 of 1 lines that are not valid JSON objects
heapdump: $tmp/zeros.gz: not a heap dump: none of its lines is a JSON object"

# 3. /dev/zero never ends: heapdump reads on in bounded memory until stopped
# (timeout's 124), instead of aborting (134) once a buffer no longer fits.
run 512M 3 read /dev/zero </dev/null
checks=$((checks + 1))
[ "$(cat "$tmp/code")" = 124 ] || fail "dev-zero: exit $(cat "$tmp/code"), expected 124 (still running)"

# 4. --max-line-bytes: a record-like 6 MB line (longer than a 4 MB chunk)
# and a short one over a 100-byte limit are skipped and reported; stdin and
# a file the same.
{
  echo "$A"
  printf '{"address":"0x9","type":"STRING","memsize":1,"value":"'
  head -c 6000000 /dev/zero | tr '\0' v
  printf '"}\n'
  printf '{"address":"0x8","type":"STRING","memsize":1,"value":"%0100d"}\n' 0
  echo "$B"
} >"$tmp/long.json"
# Line lengths counted by awk, in bytes.
read -r long_len short_len < <(LC_ALL=C awk 'NR == 2 { a = length($0) } NR == 3 { b = length($0) } END { print a, b }' "$tmp/long.json")
for how in stdin file; do
  if [ $how = stdin ]; then
    run 1G 20 read - --max-line-bytes 100 <"$tmp/long.json"; name="<stdin>"
  else
    run 1G 20 read "$tmp/long.json" --max-line-bytes 100 </dev/null
    name=$tmp/long.json
  fi
  check "max-line-bytes-$how" 0 "heapdump: $name:2: skipped line: a line of $long_len bytes, longer than --max-line-bytes (100)
heapdump: $name:3: skipped line: a line of $short_len bytes, longer than --max-line-bytes (100)
heapdump: $name: skipped 2 of 4 lines that are not valid JSON objects"
  check_out "max-line-bytes-$how" "Count: 2"
done
# Exactly at the limit is kept.
run 1G 20 read "$tmp/long.json" --max-line-bytes "$short_len" </dev/null
check max-line-bytes-at 0 "heapdump: $tmp/long.json:2: skipped line: a line of $long_len bytes, longer than --max-line-bytes ($short_len)
heapdump: $tmp/long.json: skipped 1 of 4 lines that are not valid JSON objects"
check_out max-line-bytes-at "Count: 3"
run 1G 20 read "$tmp/long.json" --max-line-bytes 0 </dev/null
check max-line-bytes-zero 2 "heapdump: --max-line-bytes: must be a whole number >= 1, not '0' (see 'heapdump read --help')"
run 1G 20 read "$tmp/long.json" </dev/null
check max-line-bytes-default 0 ""
check_out max-line-bytes-default "Count: 4"

# 5. Out of memory anywhere: a 200 MB string value is read in 1 GB, but
# `read all --strings` of it on stdin (its text is copied while the line is
# held) and `read all` of it seen twice (its text is copied at the second
# sighting) under tighter limits run out, and every command when the line
# itself does not fit: a message and exit 3, never SIGABRT (134), with one
# parsing thread and with two (where it happens in a worker thread). `read
# all` of the value seen once keeps no copy of it (issue 24), so it fits
# where the twice-seen one does not; so does `read all --strings` of it in a
# plain file, past the first line, which reads the value back from the file
# after the read instead (StringReport's read_back), with the same output.
{
  printf '{"address":"0x1","type":"STRING","file":"a.rb","line":1,"generation":1,"memsize":40,"value":"'
  head -c 200M /dev/zero | tr '\0' s
  printf '"}\n{"type":"ROOT","root":"vm","references":["0x1"]}\n'
} >"$tmp/big_string.json"
{
  head -n 1 "$tmp/big_string.json"
  sed 's/"0x1"/"0x2"/' "$tmp/big_string.json"
} >"$tmp/big_string_twice.json"
{
  printf '{"type":"ROOT","root":"vm","references":["0x1"]}\n'
  head -n 1 "$tmp/big_string.json"
} >"$tmp/big_string_late.json"
run 1G 20 read "$tmp/big_string.json" </dev/null
check big-string-read 0 ""
oom_threads="1 2"
if [ -n "$sanitized" ]; then
  echo "skip: out-of-memory checks (no address-space limit under a sanitizer)"
  oom_threads=""
fi
for threads in $oom_threads; do
  run 400M 20 read - all --strings --threads $threads <"$tmp/big_string_late.json"
  check "oom-read-strings-t$threads" 3 "$oom"
  for format in text json; do
    run 400M 20 read "$tmp/big_string_late.json" all --strings --format $format --threads $threads </dev/null
    check "read-strings-back-$format-t$threads" 0 ""
    checks=$((checks + 1))
    # The same output as read without a limit from stdin, which keeps a
    # copy instead; in JSON after the "file" parameter (the name, or "-").
    "$hd" read - all --strings --format $format --threads $threads <"$tmp/big_string_late.json" \
      >"$tmp/ref" 2>/dev/null
    skip=0:0
    if [ $format = json ]; then
      head='{"schema_version":1,"command":"read","parameters":{"file":"'
      skip=$((${#head} + ${#tmp} + 21)):$((${#head} + 1))  # + "/big_string_late.json"
    fi
    cmp -s -i "$skip" "$tmp/out" "$tmp/ref" || fail "read-strings-back-$format-t$threads: output differs from stdin's"
    rm -f "$tmp/ref"
  done
  run 400M 20 read "$tmp/big_string_twice.json" all --threads $threads </dev/null
  check "oom-read-all-t$threads" 3 "$oom"
  run 400M 20 read "$tmp/big_string.json" all --threads $threads </dev/null
  check "read-all-once-t$threads" 0 ""
  for cmd in "read" "retained" "path --class String" "compare $tmp/long.json" "diff $tmp/long.json"; do
    run 200M 20 $cmd "$tmp/big_string.json" --threads $threads </dev/null
    check "oom-${cmd%% *}-t$threads" 3 "$oom"
  done
done

# 6. Out of memory before the command runs (setting up the command line):
# also a message and exit 3. Address-space limits from 6 MB (the shared
# libraries do not load: 127) to 40 MB in 64 KB steps cross the point where
# the set-up's allocations fail. The one abort allowed is the C++ runtime's
# own, when it cannot even allocate an exception ("terminate called without
# an active exception": nothing in the program can catch that).
if [ -z "$sanitized" ]; then
  checks=$((checks + 1))
  for kb in $(seq 6144 64 40960); do
    # (in a subshell whose stderr is dropped: bash's own "Aborted" notice)
    ( timeout 10 prlimit --as=$((kb * 1024)) "$hd" read fixtures/edge_values.json \
      >/dev/null 2>"$tmp/err" </dev/null ) 2>/dev/null
    code=$?
    case $code in
      0 | 3 | 127) ;;
      *)
        if [ "$(cat "$tmp/err")" != "terminate called without an active exception" ]; then
          fail "set-up under ${kb} KB: exit $code"; sed 's/^/  stderr: /' "$tmp/err" | head -3
          break
        fi
        ;;
    esac
  done
fi

echo "$checks checks, $failures failed"
[ "$failures" = 0 ]
