#!/usr/bin/env bash
# A leak gate never passes on a dump it could not read (issue 22 §1): with a
# --fail-if-new-* limit, an input that ended early (cut gzip), had skipped
# lines (a cut last line) or has no objects gives exit status 5 and one
# "leak gate not judged" line naming the file; --allow-skipped-lines N
# accepts up to N; without a limit nothing changes (exit 0).
# Usage: gate_test.sh HEAPDUMP   (run from the repository root)
. "$(dirname "$0")/cli_util.sh"
hd=$1
F=fixtures

# expect NAME CODE STDERR_PATTERN(grep -E, "" = no "not judged" line) -- ARGS...
expect() {
  local name=$1 code=$2 pattern=$3
  shift 4
  checks=$((checks + 1))
  "$hd" "$@" >"$tmp/out" 2>"$tmp/err"
  local got=$?
  local judged
  judged=$(grep -c "leak gate not judged" "$tmp/err")
  if [ "$got" != "$code" ]; then
    echo "FAIL $name: exit $got, expected $code"; cat "$tmp/err"; failures=$((failures + 1)); return
  fi
  if [ -z "$pattern" ]; then
    if [ "$judged" != 0 ]; then echo "FAIL $name: unexpected"; cat "$tmp/err"; failures=$((failures + 1)); fi
  elif [ "$judged" != 1 ] || ! grep -qE "$pattern" "$tmp/err"; then
    echo "FAIL $name: stderr was:"; cat "$tmp/err"; echo "expected one line matching: $pattern"
    failures=$((failures + 1))
  fi
}

gzip -c $F/leak_plain.1.json | head -c 30 >"$tmp/cut.json.gz"
gzip -c $F/leak_plain.1.json | head -c 4000 >"$tmp/cut2.json.gz"
: >"$tmp/empty.json"
head -c -200 $F/leak_plain.1.json >"$tmp/cutline.json"   # last line cut short
B=$F/leak_plain.0.json

expect cut-gzip-30 5 "^heapdump: leak gate not judged: $tmp/cut.json.gz: it ended early" -- diff $B "$tmp/cut.json.gz" --fail-if-new-objects 0
expect cut-gzip-4000 5 "^heapdump: leak gate not judged: $tmp/cut2.json.gz: it ended early" -- diff $B "$tmp/cut2.json.gz" --fail-if-new-bytes 1000000000
expect empty-after 5 "^heapdump: leak gate not judged: $tmp/empty.json: it has no objects" -- diff $B "$tmp/empty.json" --fail-if-new-objects 0
expect empty-before 5 "^heapdump: leak gate not judged: $tmp/empty.json: it has no objects" -- diff "$tmp/empty.json" $F/leak_plain.1.json --fail-if-new-objects 1000000000
expect cut-line 5 "^heapdump: leak gate not judged: $tmp/cutline.json: 1 line was skipped \(--allow-skipped-lines 1" -- diff $B "$tmp/cutline.json" --fail-if-new-objects 1000000000
expect cut-line-allowed 0 "" -- diff $B "$tmp/cutline.json" --fail-if-new-objects 1000000000 --allow-skipped-lines 1
expect cut-line-by-type 5 "not judged: $tmp/cutline.json" -- diff $B "$tmp/cutline.json" --fail-if-new-objects 1000000000 --by type
expect stdin-empty 5 "not judged: <stdin>: it has no objects" -- diff $B - --fail-if-new-objects 0 </dev/null
# Without a limit, a diff of such files reports and exits 0 as before.
expect no-gate-cut 0 "" -- diff $B "$tmp/cut.json.gz"
expect no-gate-empty 0 "" -- diff $B "$tmp/empty.json"
# A sound pair still gates as before: 4 over the limit, 0 within.
expect sound-over 4 "" -- diff $B $F/leak_plain.1.json --fail-if-new-objects 0
expect sound-within 0 "" -- diff $B $F/leak_plain.1.json --fail-if-new-objects 1000000000

finish
