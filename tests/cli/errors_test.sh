#!/usr/bin/env bash
# End-to-end checks of messages and exit codes (see README "Exit codes").
# Usage: errors_test.sh HEAPDUMP   (run from the repository root)
. "$(dirname "$0")/cli_util.sh"
hd=$1

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
expect unknown-command 2 "heapdump: unknown command 'bogus'; the commands are read, diff, compare, path, retained, report, record (see 'heapdump --help')" -- bogus
expect read-no-file 2 "heapdump: FILE is required (see 'heapdump read --help')" -- read
expect read-extra 2 "heapdump: The following argument was not expected: z (see 'heapdump read --help')" -- read a b z
expect read-bad-flag 2 "heapdump: The following argument was not expected: --bogus (see 'heapdump read --help')" -- read --bogus $F/leak_plain.0.json
expect lines-zero 2 "heapdump: --lines: must be a whole number >= 1, not '0' (see 'heapdump read --help')" -- read $F/leak_plain.0.json all --lines 0
expect lines-text 2 "heapdump: --lines: must be a whole number >= 1, not 'x' (see 'heapdump read --help')" -- read $F/leak_plain.0.json all --lines x
expect lines-negative 2 "heapdump: --lines: must be a whole number >= 1, not '-1' (see 'heapdump read --help')" -- read $F/leak_plain.0.json all --lines -1
expect threads-zero 2 "heapdump: --threads: must be a whole number from 1 to 256, not '0' (see 'heapdump read --help')" -- read $F/leak_plain.0.json --threads 0
expect bad-format 2 "heapdump: --format: xml not in {text,json,csv} (see 'heapdump read --help')" -- read $F/leak_plain.0.json --format xml
expect bad-gen 2 "heapdump: GEN must be a generation number, a range A..B or 'all', not 'abc' (see 'heapdump read --help')" -- read $F/leak_plain.0.json abc
expect hex-gen 2 "heapdump: GEN must be a generation number, a range A..B or 'all', not '0x10' (see 'heapdump read --help')" -- read $F/leak_plain.0.json 0x10
expect missing-file 3 "heapdump: /nonexistent/dump.json: No such file or directory" -- read /nonexistent/dump.json
expect directory 3 "heapdump: fixtures: Is a directory" -- read fixtures
chmod 000 "$tmp" 2>/dev/null
if [ "$(id -u)" != 0 ]; then
  expect unreadable 3 "heapdump: $tmp/x: Permission denied" -- read "$tmp/x"
fi
chmod 700 "$tmp"
expect no-such-gen 1 "heapdump: $F/leak_plain.1.json: no objects of generation 7 with allocation info (file/line); its objects with allocation info are of generations 0..3" -- read $F/leak_plain.1.json 7
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
expect diff-note 0 "Writing heap dump diff to $tmp/d.json
920 objects, 62072 bytes new" -- diff $F/leak_plain.0.json $F/leak_plain.1.json --output-diff "$tmp/d.json"

# Leak gates, just at and just over each limit. The totals of the 0 -> 1 diff
# (920 objects, 62,072 bytes; 676 STRING objects; 378 objects at line 79)
# come from tests/golden/cases/diff_leak_plain_0_1, checked against heapy.
L0=$F/leak_plain.0.json
L1=$F/leak_plain.1.json
# Text output ends stderr with the total line (README "diff"), before a gate message.
T="920 objects, 62072 bytes new"
expect gate-objects-at 0 "$T" -- diff $L0 $L1 --fail-if-new-objects 920
expect gate-objects-over 4 "$T
heapdump: leak gate tripped: 920 new objects in total, limit 919 (over by 1)" -- diff $L0 $L1 --fail-if-new-objects 919
checks=$((checks + 1))
cmp -s "$tmp/out" tests/golden/cases/diff_leak_plain_0_1/expected.stdout || { echo "FAIL gate: stdout not printed in full"; failures=$((failures + 1)); }
expect gate-bytes-at 0 "$T" -- diff $L0 $L1 --fail-if-new-bytes 62072
expect gate-bytes-over 4 "$T
heapdump: leak gate tripped: 62072 new bytes in total, limit 62071 (over by 1)" -- diff $L0 $L1 --fail-if-new-bytes 62071
expect gate-type-at 0 "$T" -- diff $L0 $L1 --fail-if-new-objects 676 --by type
expect gate-type-over 4 "$T
heapdump: leak gate tripped: 676 new objects of type STRING, limit 675 (over by 1)" -- diff $L0 $L1 --fail-if-new-objects 675 --by type
expect gate-location-at 0 "$T" -- diff $L0 $L1 --fail-if-new-objects 378 --by location
expect gate-location-over 4 "$T
heapdump: leak gate tripped: 378 new objects at gen/leak_sequence.rb:79 (360 STRING, 18 ARRAY), limit 377 (over by 1)" -- diff $L0 $L1 --fail-if-new-objects 377 --by location
expect gate-both 4 "$T
heapdump: leak gate tripped: 920 new objects in total, limit 0 (over by 920); 62072 new bytes in total, limit 0 (over by 62072)" -- diff $L0 $L1 --fail-if-new-objects 0 --fail-if-new-bytes 0
expect gate-bad-by 2 "heapdump: --by: bogus not in {total,type,location} (see 'heapdump diff --help')" -- diff $L0 $L1 --by bogus
expect gate-bad-limit 2 "heapdump: --fail-if-new-objects: must be a whole number >= 0, not '-1' (see 'heapdump diff --help')" -- diff $L0 $L1 --fail-if-new-objects -1

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

# --- Hostile files and conditions (README "Robustness") --------------------
# Each case asserts the exact stderr and exit status. Inputs are made here.
H=$tmp/hostile
mkdir -p "$H"
head -n 60 $F/leak_plain.1.json >"$H/lf.json"
"$hd" read "$H/lf.json" >"$H/lf.summary"
"$hd" read "$H/lf.json" all >"$H/lf.all"

# A 0-byte file and a file of only newlines are valid, empty dumps.
: >"$H/empty.json"
expect hostile-0-byte 0 "" -- read "$H/empty.json"
cp "$tmp/out" "$H/empty.summary"
printf '\n\n\n\n' >"$H/newlines.json"
expect hostile-only-newlines 0 "" -- read "$H/newlines.json"
same_stdout "$H/empty.summary" "$tmp/out" hostile-only-newlines-stdout
expect hostile-only-newlines-all 1 "heapdump: $H/newlines.json: the file has no objects" -- read "$H/newlines.json" all

# A binary file (a real 1x1 PNG): every line is skipped, then it is rejected
# as not a heap dump (exit 3, nothing on stdout) rather than analysed as an
# empty dump, which would pass a leak gate.
printf '\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89\x00\x00\x00\nIDATx\x9cc\x00\x01\x00\x00\x05\x00\x01\r\n-\xb4\x00\x00\x00\x00IEND\xaeB`\x82' >"$H/image.png"
png_err="heapdump: $H/image.png:1: skipped line: invalid UTF-8
heapdump: $H/image.png:2: skipped line: invalid JSON structure (a missing or extra comma, brace, bracket or quote)
heapdump: $H/image.png:3: skipped line: invalid JSON structure (a missing or extra comma, brace, bracket or quote)
heapdump: $H/image.png:4: skipped line: invalid UTF-8
heapdump: $H/image.png:5: skipped line: last line is cut short (no newline at end of file): invalid UTF-8
heapdump: $H/image.png: skipped 5 of 5 lines that are not valid JSON objects
heapdump: $H/image.png: not a heap dump: none of its lines is a JSON object"
expect hostile-png 3 "$png_err" -- read "$H/image.png"
checks=$((checks + 1))
[ -s "$tmp/out" ] && { echo "FAIL hostile-png: stdout not empty"; failures=$((failures + 1)); }
expect hostile-png-all 3 "$png_err" -- read "$H/image.png" all
expect hostile-png-diff-gate 3 "$png_err" -- diff $F/leak_plain.0.json "$H/image.png" --fail-if-new-objects 0
expect hostile-png-stdin 3 "heapdump: <stdin>:1: skipped line: invalid UTF-8
heapdump: <stdin>: skipped 5 of 5 lines that are not valid JSON objects (4 not shown; --max-warnings 0 shows all)
heapdump: <stdin>: not a heap dump: none of its lines is a JSON object" -- read - --max-warnings 1 <"$H/image.png"

# CRLF line ends and a UTF-8 byte order mark change nothing.
sed 's/$/\r/' "$H/lf.json" >"$H/crlf.json"
expect hostile-crlf 0 "" -- read "$H/crlf.json"
same_stdout "$H/lf.summary" "$tmp/out" hostile-crlf-stdout
expect hostile-crlf-all 0 "" -- read "$H/crlf.json" all
same_stdout "$H/lf.all" "$tmp/out" hostile-crlf-all-stdout
{ printf '\xef\xbb\xbf'; cat "$H/lf.json"; } >"$H/bom.json"
expect hostile-bom 0 "" -- read "$H/bom.json"
same_stdout "$H/lf.summary" "$tmp/out" hostile-bom-stdout
{ printf '\xef\xbb\xbf'; cat "$H/crlf.json"; } >"$H/bomcrlf.json"
expect hostile-bom-crlf 0 "" -- read "$H/bomcrlf.json" all
same_stdout "$H/lf.all" "$tmp/out" hostile-bom-crlf-stdout
# A BOM anywhere but at the start of the file is not whitespace.
{ head -n 1 "$H/lf.json"; printf '\xef\xbb\xbf'; tail -n +2 "$H/lf.json"; } >"$H/bom2.json"
expect hostile-bom-line-2 0 "heapdump: $H/bom2.json:2: skipped line: invalid JSON structure (a missing or extra comma, brace, bracket or quote)
heapdump: $H/bom2.json: skipped 1 of 60 lines that are not valid JSON objects" -- read "$H/bom2.json"

# NUL bytes inside a line: in a string, between fields, after the object.
printf '{"address":"0x1", "type":"STRING", "value":"a\0b", "memsize":40}\n{"address":"0x2", "type":"STRING",\0 "memsize":40}\n{"address":"0x3", "type":"STRING", "memsize":40}\0\n{"address":"0x4", "type":"STRING", "memsize":40}\n' >"$H/nul.json"
expect hostile-nul 0 "heapdump: $H/nul.json:1: skipped line: unescaped control character inside a string
heapdump: $H/nul.json:2: skipped line: invalid JSON structure (a missing or extra comma, brace, bracket or quote)
heapdump: $H/nul.json:3: skipped line: unexpected text after the JSON object
heapdump: $H/nul.json: skipped 3 of 4 lines that are not valid JSON objects" -- read "$H/nul.json"
checks=$((checks + 1))
grep -q "^Count: 1$" "$tmp/out" || { echo "FAIL hostile-nul: expected 1 object"; failures=$((failures + 1)); }

# Duplicate keys: valid JSON; the last value of a key wins, silently.
printf '{"address":"0x1", "type":"STRING", "memsize":40, "memsize":100, "generation":1, "generation":2, "file":"a.rb", "line":1, "line":2}\n{"address":"0x2", "address":"0x3", "type":"ARRAY", "type":"HASH", "memsize":8}\n' >"$H/dup.json"
expect hostile-duplicate-keys 0 "" -- read "$H/dup.json" --format csv
checks=$((checks + 1))
printf 'table,generation,objects,bytes,generations\r\ngenerations,,1,8,\r\ngenerations,2,1,100,\r\ngenerations.totals,,2,108,2\r\n' >"$H/dup.expected"
cmp -s "$H/dup.expected" "$tmp/out" || { echo "FAIL hostile-duplicate-keys: stdout was:"; cat "$tmp/out"; failures=$((failures + 1)); }
printf '{"address":"0x3", "type":"HASH", "memsize":8}\n' >"$H/dup.before.json"
expect hostile-duplicate-keys-diff 0 "1 object, 100 bytes new" -- diff "$H/dup.before.json" "$H/dup.json"
checks=$((checks + 1))
[ "$(cat "$tmp/out")" = "Allocated STRING 1 objects of size 100/100 (in bytes) at: a.rb:2" ] ||
  { echo "FAIL hostile-duplicate-keys-diff: stdout was:"; cat "$tmp/out"; failures=$((failures + 1)); }

# Control characters from the dump never reach stderr raw: a hostile string
# cannot forge a message line or send terminal escapes.
printf '{"address":"0x1\\nheapdump: fake line\\u001b[31mRED", "type":"STRING"}\n{"address":"0x2", "type":"STRING"}\n' >"$H/inject.json"
expect hostile-control-chars 0 "heapdump: $H/inject.json:1: skipped line: \"address\" is not a hex address: \"0x1\\nheapdump: fake line\\u001b[31mRED\"
heapdump: $H/inject.json: skipped 1 of 2 lines that are not valid JSON objects" -- read "$H/inject.json"

# A FIFO (with a writer) reads like the file; /dev/null is an empty dump.
mkfifo "$H/fifo"
cat "$H/lf.json" >"$H/fifo" &
expect hostile-fifo 0 "" -- read "$H/fifo"
wait
same_stdout "$H/lf.summary" "$tmp/out" hostile-fifo-stdout
expect hostile-dev-null 0 "" -- read /dev/null
same_stdout "$H/empty.summary" "$tmp/out" hostile-dev-null-stdout
expect hostile-dev-null-diff 5 "heapdump: leak gate not judged: /dev/null: it has no objects; exit status 5" -- diff /dev/null "$H/lf.json" --fail-if-new-objects 60 -q
expect hostile-directory-diff 3 "heapdump: $H: Is a directory" -- diff "$H" "$H/lf.json"

# An unreadable file. Root reads anything, so as root drop to nobody.
U=$(mktemp -d)
chmod 755 "$U"
cp "$H/lf.json" "$U/secret.json"
chmod 000 "$U/secret.json"
cp "$hd" "$U/heapdump"
chmod 755 "$U/heapdump"
if [ "$(id -u)" != 0 ]; then
  expect hostile-unreadable 3 "heapdump: $U/secret.json: Permission denied" -- read "$U/secret.json"
elif command -v setpriv >/dev/null && setpriv --reuid=65534 --regid=65534 --clear-groups true 2>/dev/null; then
  checks=$((checks + 1))
  setpriv --reuid=65534 --regid=65534 --clear-groups "$U/heapdump" read "$U/secret.json" >"$tmp/out" 2>"$tmp/err"
  got=$?
  if [ "$got" != 3 ] || [ "$(cat "$tmp/err")" != "heapdump: $U/secret.json: Permission denied" ] || [ -s "$tmp/out" ]; then
    echo "FAIL hostile-unreadable: exit $got, stderr: $(cat "$tmp/err")"; failures=$((failures + 1))
  fi
else
  echo "SKIP hostile-unreadable: running as root and setpriv cannot drop to uid 65534"
fi
rm -rf "$U"

# A full disk: --output-diff and stdout.
expect hostile-full-output-diff 3 "heapdump: /dev/full: No space left on device" -- diff $F/leak_plain.0.json $F/leak_plain.2.json --output-diff /dev/full --format json
checks=$((checks + 1))
"$hd" read $F/leak_plain.0.json all >/dev/full 2>"$tmp/err"
got=$?
if [ "$got" != 3 ] || [ "$(cat "$tmp/err")" != "heapdump: standard output: No space left on device" ]; then
  echo "FAIL hostile-full-stdout: exit $got, stderr: $(cat "$tmp/err")"; failures=$((failures + 1))
fi
# ---------------------------------------------------------------------------

finish
