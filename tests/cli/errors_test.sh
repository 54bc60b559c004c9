#!/usr/bin/env bash
# End-to-end checks of messages and exit codes (see README "Exit codes").
# Usage: errors_test.sh HEAPDUMP   (run from the repository root)
set -u
hd=$1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
failures=0
checks=0

# expect NAME EXPECTED_CODE EXPECTED_STDERR(exact, "" for none) -- ARGS...
expect() {
  local name=$1 code=$2 err=$3
  shift 4
  checks=$((checks + 1))
  "$hd" "$@" >"$tmp/out" 2>"$tmp/err"
  local got=$?
  if [ "$got" != "$code" ]; then
    echo "FAIL $name: exit $got, expected $code"; failures=$((failures + 1)); return
  fi
  if [ "$(cat "$tmp/err")" != "$err" ]; then
    echo "FAIL $name: stderr was:"; cat "$tmp/err"; echo "expected:"; echo "$err"
    failures=$((failures + 1))
  fi
}

# expect_same NAME CMD1 -- CMD2 : both give the same stdout
same_stdout() {
  checks=$((checks + 1))
  if ! cmp -s "$1" "$2"; then echo "FAIL $3: outputs differ"; failures=$((failures + 1)); fi
}

F=fixtures
expect no-args 2 "heapdump: A subcommand is required (see 'heapdump --help')" --
expect unknown-command 2 "heapdump: unknown command 'bogus'; the commands are read and diff (see 'heapdump --help')" -- bogus
expect read-no-file 2 "heapdump: FILE is required (see 'heapdump read --help')" -- read
expect read-extra 2 "heapdump: The following argument was not expected: z (see 'heapdump read --help')" -- read a b z
expect read-bad-flag 2 "heapdump: The following argument was not expected: --bogus (see 'heapdump read --help')" -- read --bogus $F/leak_plain.0.json
expect lines-zero 2 "heapdump: --lines: Value 0 not in range 1 to 18446744073709551615 (see 'heapdump read --help')" -- read $F/leak_plain.0.json all --lines 0
expect lines-text 2 "heapdump: --lines: Value x is not a whole number >= 0 (see 'heapdump read --help')" -- read $F/leak_plain.0.json all --lines x
expect lines-negative 2 "heapdump: --lines: Value -1 is not a whole number >= 0 (see 'heapdump read --help')" -- read $F/leak_plain.0.json all --lines -1
expect threads-zero 2 "heapdump: --threads: Value 0 not in range 1 to 256 (see 'heapdump read --help')" -- read $F/leak_plain.0.json --threads 0
expect bad-format 2 "heapdump: --format: xml not in {text,json,csv} (see 'heapdump read --help')" -- read $F/leak_plain.0.json --format xml
expect bad-gen 2 "heapdump: GEN must be a generation number or 'all', not 'abc' (see 'heapdump read --help')" -- read $F/leak_plain.0.json abc
expect hex-gen 2 "heapdump: GEN must be a generation number or 'all', not '0x10' (see 'heapdump read --help')" -- read $F/leak_plain.0.json 0x10
expect missing-file 3 "heapdump: /nonexistent/dump.json: No such file or directory" -- read /nonexistent/dump.json
expect directory 3 "heapdump: fixtures: Is a directory" -- read fixtures
chmod 000 "$tmp" 2>/dev/null
if [ "$(id -u)" != 0 ]; then
  expect unreadable 3 "heapdump: $tmp/x: Permission denied" -- read "$tmp/x"
fi
chmod 700 "$tmp"
expect no-such-gen 1 "heapdump: $F/leak_plain.1.json: no objects of generation 7 with allocation info (file/line)" -- read $F/leak_plain.1.json 7
expect notrace-all 1 "heapdump: $F/edge_values_notrace.json.gz: no objects with allocation info (file/line); the dump has no allocation info at all: call ObjectSpace.trace_object_allocations_start before the code you want to inspect" -- read $F/edge_values_notrace.json.gz all
expect empty-summary 0 "" -- read $F/edge_empty.json
expect truncated 0 "heapdump: $F/edge_truncated.json:2176: skipped line: last line is cut short (no newline at end of file): JSON ends in the middle of an object or array
heapdump: $F/edge_truncated.json: skipped 1 of 2176 lines that are not valid JSON objects" -- read $F/edge_truncated.json
expect badjson-count 0 "heapdump: $F/edge_badjson_path.json:22: skipped line: invalid JSON structure (a missing or extra comma, brace, bracket or quote)
heapdump: $F/edge_badjson_path.json: skipped 32 of 102 lines that are not valid JSON objects (31 not shown; --max-warnings 0 shows all)" -- read $F/edge_badjson_path.json --max-warnings 1
"$hd" read $F/edge_badjson_path.json --max-warnings 0 2>"$tmp/err" >/dev/null
checks=$((checks + 1))
if [ "$(grep -c 'skipped line' "$tmp/err")" != 32 ]; then echo "FAIL max-warnings 0 shows all 32"; failures=$((failures + 1)); fi

expect diff-same-path 2 "heapdump: '$F/leak_plain.0.json' and '$F/leak_plain.0.json' are the same file; diff needs different dumps (see 'heapdump diff --help')" -- diff $F/leak_plain.0.json $F/leak_plain.0.json
ln -s "$PWD/$F/leak_plain.0.json" "$tmp/link.json"
expect diff-same-file 2 "heapdump: '$F/leak_plain.0.json' and '$tmp/link.json' are the same file; diff needs different dumps (see 'heapdump diff --help')" -- diff $F/leak_plain.0.json "$tmp/link.json"
expect diff-missing 3 "heapdump: /nonexistent/b.json: No such file or directory" -- diff $F/leak_plain.0.json /nonexistent/b.json
expect diff-one-arg 2 "heapdump: AFTER is required (see 'heapdump diff --help')" -- diff $F/leak_plain.0.json
expect diff-full-disk 3 "heapdump: /dev/full: No space left on device" -- diff $F/leak_plain.0.json $F/leak_plain.1.json --output-diff /dev/full
expect diff-bad-output 3 "heapdump: /nonexistent/out.json: No such file or directory" -- diff $F/leak_plain.0.json $F/leak_plain.1.json --output-diff /nonexistent/out.json
expect diff-note 0 "Writing heap dump diff to $tmp/d.json" -- diff $F/leak_plain.0.json $F/leak_plain.1.json --output-diff "$tmp/d.json"

# Leak gates, just at and just over each limit. The totals of the 0 -> 1 diff
# (920 objects, 62,072 bytes; 676 STRING objects; 378 objects at line 79)
# come from tests/golden/cases/diff_leak_plain_0_1, checked against heapy.
L0=$F/leak_plain.0.json
L1=$F/leak_plain.1.json
expect gate-objects-at 0 "" -- diff $L0 $L1 --fail-if-new-objects 920
expect gate-objects-over 4 "heapdump: leak gate tripped: 920 new objects in total, limit 919 (over by 1)" -- diff $L0 $L1 --fail-if-new-objects 919
checks=$((checks + 1))
cmp -s "$tmp/out" tests/golden/cases/diff_leak_plain_0_1/expected.stdout || { echo "FAIL gate: stdout not printed in full"; failures=$((failures + 1)); }
expect gate-bytes-at 0 "" -- diff $L0 $L1 --fail-if-new-bytes 62072
expect gate-bytes-over 4 "heapdump: leak gate tripped: 62072 new bytes in total, limit 62071 (over by 1)" -- diff $L0 $L1 --fail-if-new-bytes 62071
expect gate-type-at 0 "" -- diff $L0 $L1 --fail-if-new-objects 676 --by type
expect gate-type-over 4 "heapdump: leak gate tripped: 676 new objects of type STRING, limit 675 (over by 1)" -- diff $L0 $L1 --fail-if-new-objects 675 --by type
expect gate-location-at 0 "" -- diff $L0 $L1 --fail-if-new-objects 378 --by location
expect gate-location-over 4 "heapdump: leak gate tripped: 378 new objects at gen/leak_sequence.rb:79, limit 377 (over by 1)" -- diff $L0 $L1 --fail-if-new-objects 377 --by location
expect gate-both 4 "heapdump: leak gate tripped: 920 new objects in total, limit 0 (over by 920); 62072 new bytes in total, limit 0 (over by 62072)" -- diff $L0 $L1 --fail-if-new-objects 0 --fail-if-new-bytes 0
expect gate-bad-by 2 "heapdump: --by: bogus not in {total,type,location} (see 'heapdump diff --help')" -- diff $L0 $L1 --by bogus
expect gate-bad-limit 2 "heapdump: --fail-if-new-objects: Value -1 is not a whole number >= 0 (see 'heapdump diff --help')" -- diff $L0 $L1 --fail-if-new-objects -1

# stdin and gzip give the same output as the plain file
"$hd" read $F/leak_plain.2.json all >"$tmp/plain.txt"
"$hd" read - all <$F/leak_plain.2.json >"$tmp/stdin.txt"
gzip -c $F/leak_plain.2.json >"$tmp/l2.gz"
"$hd" read "$tmp/l2.gz" all >"$tmp/gz.txt"
gzip -c $F/leak_plain.2.json | "$hd" read - all >"$tmp/gzpipe.txt"
same_stdout "$tmp/plain.txt" "$tmp/stdin.txt" stdin
same_stdout "$tmp/plain.txt" "$tmp/gz.txt" gzip-file
same_stdout "$tmp/plain.txt" "$tmp/gzpipe.txt" gzip-stdin

# A closed pipe ends quietly with status 0.
checks=$((checks + 1))
"$hd" read $F/boot_sinatra.json.gz all --lines 100000 2>"$tmp/err" | head -n 1 >/dev/null
status=${PIPESTATUS[0]}
if [ "$status" != 0 ] || [ -s "$tmp/err" ]; then
  echo "FAIL broken-pipe: status $status, stderr: $(cat "$tmp/err")"; failures=$((failures + 1))
fi

# --help and --version
expect help 0 "" -- read --help
grep -q "Usage" "$tmp/out" || { echo "FAIL help text"; failures=$((failures + 1)); }
expect version 0 "" -- --version

echo "$((checks - failures)) passed, $failures failed"
[ "$failures" = 0 ]
