#!/usr/bin/env bash
# Odd arguments and odd dumps that used to be taken silently (issue 23, §6):
# `compare - -`, empty arguments, numbers past 2^64-1, zero padding after a
# gzip member, records that repeat an address, ROOT records that reference
# nothing.
# Usage: arguments_test.sh HEAPDUMP   (run from the repository root)
. "$(dirname "$0")/cli_util.sh"
hd=$1

# expect NAME EXPECTED_CODE EXPECTED_STDERR(exact) -- ARGS...
expect() {
  local name=$1 code=$2 err=$3
  shift 4
  checks=$((checks + 1))
  timeout 60 "$hd" "$@" >"$tmp/out" 2>"$tmp/err" </dev/null
  local got=$?
  if [ "$got" != "$code" ]; then
    fail "$name: exit $got, expected $code"; cat "$tmp/err"; return
  fi
  if [ "$(cat "$tmp/err")" != "$err" ]; then
    fail "$name: stderr was:"; cat "$tmp/err"; echo "expected:"; echo "$err"
  fi
}

F=fixtures
L0=$F/leak_plain.0.json
L1=$F/leak_plain.1.json

# --- compare - - would read standard input twice ------------------------------
checks=$((checks + 1))
timeout 60 "$hd" compare - - <$L0 >"$tmp/out" 2>"$tmp/err"
code=$?
[ $code = 2 ] || fail "compare-stdin-twice: exit $code, expected 2"
[ "$(cat "$tmp/err")" = "heapdump: A and B are both '-'; standard input can be read only once (see 'heapdump compare --help')" ] ||
  { fail "compare-stdin-twice: stderr"; cat "$tmp/err"; }
[ -s "$tmp/out" ] && fail "compare-stdin-twice: stdout not empty"

# --- Empty arguments, for every command ---------------------------------------
empty_msg() { echo "heapdump: argument $1 is an empty string: file names, numbers and other values cannot be empty (see 'heapdump $2 --help')"; }
expect empty-read-gen 2 "$(empty_msg 3 read)" -- read $L0 ""
expect empty-read-file 2 "$(empty_msg 2 read)" -- read ""
expect empty-diff-retained 2 "$(empty_msg 4 diff)" -- diff $L0 $L1 ""
expect empty-compare 2 "$(empty_msg 3 compare)" -- compare $L0 ""
expect empty-path-target 2 "$(empty_msg 3 path)" -- path $L0 ""
expect empty-retained 2 "$(empty_msg 3 retained)" -- retained $L0 ""
expect empty-option-value 2 "heapdump: argument 4 (after '--class') is an empty string: file names, numbers and other values cannot be empty (see 'heapdump path --help')" -- path $L0 --class ""
# The option named in the message is escaped like any user text.
expect empty-after-control 2 "heapdump: argument 4 (after '--x\\e]0;X\\a') is an empty string: file names, numbers and other values cannot be empty (see 'heapdump path --help')" -- path $L0 $'--x\e]0;X\a' ""
expect empty-option-equals 2 "heapdump: --location needs a value: file names, numbers and other values cannot be empty (see 'heapdump path --help')" -- path $L0 --location=
# record: its own arguments are checked up to the program's name; the
# program's arguments are the program's, and "" is a valid one.
expect empty-record-dir 2 "heapdump: argument 4 (after '-o') is an empty string: file names, numbers and other values cannot be empty (see 'heapdump record --help')" -- record --at-exit -o "" ruby -e 1
expect empty-record-program 2 "$(empty_msg 5 record)" -- record --at-exit -o "$tmp" ""
if command -v ruby >/dev/null; then
  mkdir "$tmp/rec"
  checks=$((checks + 1))
  timeout 60 "$hd" record --at-exit -o "$tmp/rec" ruby -e 'exit(ARGV == ["", "x"] ? 0 : 5)' "" x >/dev/null 2>"$tmp/err"
  code=$?
  [ $code = 0 ] || { fail "record-empty-program-argument: exit $code, expected 0"; cat "$tmp/err"; }
  rm -rf "$tmp/rec"
fi

# --- Numbers past 2^64-1 (CLI11 would make them 2^64-1) -----------------------
big=99999999999999999999
max=18446744073709551615
too_large() { echo "heapdump: $1: Value $2 is too large (at most $max) (see 'heapdump $3 --help')"; }
expect lines-huge 2 "$(too_large --lines $big read)" -- read $L0 all --lines $big
expect lines-2^64 2 "$(too_large --lines 18446744073709551616 read)" -- read $L0 all --lines 18446744073709551616
expect max-warnings-huge 2 "$(too_large --max-warnings $big read)" -- read $L0 --max-warnings $big
expect max-line-bytes-huge 2 "$(too_large --max-line-bytes $big read)" -- read $L0 --max-line-bytes $big
expect threads-huge 2 "$(too_large --threads $big read)" -- read $L0 --threads $big
expect gate-objects-huge 2 "$(too_large --fail-if-new-objects $big diff)" -- diff $L0 $L1 --fail-if-new-objects $big
expect gate-bytes-huge 2 "$(too_large --fail-if-new-bytes $big diff)" -- diff $L0 $L1 --fail-if-new-bytes $big
expect compare-lines-huge 2 "$(too_large --lines $big compare)" -- compare $L0 $L1 --lines $big
expect path-paths-huge 2 "$(too_large --paths $big path)" -- path $L0 --class String --paths $big
expect retained-threshold-huge 2 "$(too_large --threshold $big retained)" -- retained $L0 --threshold $big
# 2^64-1 itself is a number like any other.
expect lines-max 0 "" -- read $L0 all --lines $max

# --- Zero padding after a gzip member (gzip -t accepts it) --------------------
gzip -c $F/leak_plain.2.json >"$tmp/padded.json.gz"
head -c 10000 /dev/zero >>"$tmp/padded.json.gz"
{ gzip -c $F/leak_plain.0.json; gzip -c $F/leak_plain.1.json; head -c 512 /dev/zero; } >"$tmp/two.json.gz"
checks=$((checks + 1))
{ gzip -t "$tmp/padded.json.gz" && gzip -t "$tmp/two.json.gz"; } || fail "gzip -t does not accept the padded files"
"$hd" read $F/leak_plain.2.json all >"$tmp/plain.txt" 2>/dev/null
expect gzip-zero-padding 0 "" -- read "$tmp/padded.json.gz" all
checks=$((checks + 1))
cmp -s "$tmp/plain.txt" "$tmp/out" || fail "gzip-zero-padding: output differs from the plain file's"
cat $L0 $L1 >"$tmp/two.json"
"$hd" read "$tmp/two.json" >"$tmp/plain.txt" 2>/dev/null
expect gzip-two-members-padding 0 "" -- read "$tmp/two.json.gz"
checks=$((checks + 1))
cmp -s "$tmp/plain.txt" "$tmp/out" || fail "gzip-two-members-padding: output differs from the plain file's"
# Anything but zeros after the padding is still an error.
cp "$tmp/padded.json.gz" "$tmp/garbage.json.gz"
printf 'x' >>"$tmp/garbage.json.gz"
expect gzip-garbage 3 "heapdump: $tmp/garbage.json.gz: corrupt gzip data (bytes other than zeros after the zero padding that follows the last member)" -- read "$tmp/garbage.json.gz" -q

# --- Records that repeat an address -------------------------------------------
# Three records at address 16, written three ways: two of them repeat it.
cat >"$tmp/dup.json" <<'EOF'
{"type":"ROOT", "root":"vm", "references":["0x10"]}
{"address":"0x10", "type":"ARRAY", "length":3, "references":["0x20", "0x30", "0x40"], "memsize":40}
{"address":"0x00010", "type":"STRING", "bytesize":1, "value":"a", "memsize":40}
{"address":"0X10", "type":"STRING", "bytesize":1, "value":"b", "memsize":40}
{"address":"0x20", "type":"STRING", "bytesize":1, "value":"c", "memsize":40}
{"address":"0x30", "type":"STRING", "bytesize":1, "value":"d", "memsize":40}
{"address":"0x40", "type":"STRING", "bytesize":1, "value":"e", "memsize":40}
EOF
D=$tmp/dup.json
graph_dup="heapdump: $D: 2 records repeat an address already seen (not a sound dump); the object graph keeps one record per address and leaves the others out"
expect dup-retained 0 "$graph_dup" -- retained "$D" -q
expect dup-path 0 "$graph_dup" -- path "$D" 0x20 -q
expect dup-diff-before 0 "heapdump: $D: 2 records repeat an address already seen (not a sound dump); diff keeps each as an object of its own, so an AFTER object that matches any of them is not new" -- diff "$D" $L0 -q
printf '{"address":"0x10", "type":"STRING", "memsize":40}\n{"address":"0x10", "type":"STRING", "memsize":40}\n' >"$tmp/dup1.json"
expect dup-diff-retained 0 "heapdump: $tmp/dup1.json: 1 record repeats an address already seen (not a sound dump); diff keeps each as an object of its own, so an AFTER object that matches any of them is not new" -- diff $L0 $L1 "$tmp/dup1.json" -q
# Generations past 32 bits are kept apart in the identity set: their
# repeats count too (0x10 twice, 0x20 twice: 2).
printf '%s\n' '{"address":"0x10", "type":"STRING", "generation":18446744073709551615, "memsize":40}' \
  '{"address":"0x10", "type":"STRING", "generation":5, "memsize":40}' \
  '{"address":"0x20", "type":"STRING", "generation":18446744073709551615, "memsize":40}' \
  '{"address":"0x20", "type":"STRING", "generation":18446744073709551614, "memsize":40}' >"$tmp/wide.json"
# (BEFORE's highest generation, 2^64-1, is above AFTER's: the swap warning too.)
expect dup-diff-wide 0 "heapdump: $tmp/wide.json: 2 records repeat an address already seen (not a sound dump); diff keeps each as an object of its own, so an AFTER object that matches any of them is not new
heapdump: AFTER looks older than BEFORE: the highest generation of $L0 is 2, of $tmp/wide.json 18446744073709551615; were the two swapped? (diff BEFORE AFTER)" -- diff "$tmp/wide.json" $L0 -q
# A sound dump gets no such note.
expect no-dup-path 0 "" -- path $L0 0x7f739d20c020 -q

# --- ROOT records that reference nothing ----------------------------------------
printf '%s\n' '{"type":"ROOT", "root":"vm", "references":[]}' '{"type":"ROOT", "root":"machine_context", "references":[]}' \
  '{"address":"0x20", "type":"STRING", "bytesize":1, "value":"c", "memsize":40}' >"$tmp/emptyroots.json"
expect empty-roots 0 "heapdump: $tmp/emptyroots.json: 2 ROOT records, but all their references are empty: no object is reachable from a GC root" -- retained "$tmp/emptyroots.json" -q
printf '%s\n' '{"type":"ROOT", "root":"vm", "references":["0x99"]}' \
  '{"address":"0x20", "type":"STRING", "bytesize":1, "value":"c", "memsize":40}' >"$tmp/danglingroot.json"
expect dangling-roots 0 "heapdump: $tmp/danglingroot.json: 1 references to objects that are not in the dump (a partial dump?); they are left out
heapdump: $tmp/danglingroot.json: 1 ROOT record, but it references only objects that are not in the dump: no object is reachable from a GC root" -- retained "$tmp/danglingroot.json" -q
printf '%s\n' '{"address":"0x20", "type":"STRING", "bytesize":1, "value":"c", "memsize":40}' >"$tmp/noroots.json"
expect no-roots 0 "heapdump: $tmp/noroots.json: no ROOT records (a partial dump, dump_all(since:)?): no object is reachable from a GC root" -- retained "$tmp/noroots.json" -q

finish
