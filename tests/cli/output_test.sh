#!/usr/bin/env bash
# `diff --output-diff FILE` never loses a file: an input as the output is a
# usage error (2) before anything is written, and the target keeps its old
# content unless the diff completes (failed runs, SIGINT, SIGTERM).
# Usage: output_test.sh HEAPDUMP   (run from the repository root)
. "$(dirname "$0")/cli_util.sh"
hd=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
repo=$PWD

F=$repo/fixtures
# The reported AFTER lines of 0 -> 1 -> 2 and the report, checked against heapy.
G=$repo/tests/golden/cases/diff_leak_plain_0_1_2_output_diff
cd "$tmp" || exit 1

# run NAME EXPECTED_CODE ARGS...: runs in $tmp, stdout in out, stderr in err
run() {
  local name=$1 code=$2
  shift 2
  checks=$((checks + 1))
  timeout 60 "$hd" "$@" >out 2>err
  local got=$?
  [ "$got" = "$code" ] || { fail "$name: exit $got, expected $code"; cat err; }
}
# unchanged NAME FILE ORIGINAL: FILE still has the bytes of ORIGINAL
unchanged() {
  checks=$((checks + 1))
  cmp -s "$2" "$3" || fail "$1: $2 was changed (now $(wc -c <"$2") bytes)"
}
# no_leftovers NAME: no temporary file left in $tmp
no_leftovers() {
  checks=$((checks + 1))
  local left
  left=$(find . -maxdepth 1 -name '.*.heapdump-*' | head -n 3)
  [ -z "$left" ] || { fail "$1: temporary files left behind: $left"; rm -f ./.*.heapdump-*; }
}
fresh() {
  cp "$F/leak_plain.0.json" a.json
  cp "$F/leak_plain.1.json" b.json
  cp "$F/leak_plain.2.json" c.json
  printf 'precious\n' >keep.txt
  cp keep.txt keep.orig
}

# --- An input as the output: usage error, input untouched -------------------
fresh
ln -s b.json soft.json
ln b.json hard.json
# same_msg OUTPUT INPUT_NAME (quoted as heapdump quotes it)
same_msg() { echo "heapdump: --output-diff: the output file '$1' is the same file as $2, which is read; writing it would destroy it (see 'heapdump diff --help')"; }
for target in b.json soft.json hard.json ./b.json "$tmp/b.json"; do
  run "after-as-output($target)" 2 diff a.json b.json --output-diff "$target" --fail-if-new-objects 0
  unchanged "after-as-output($target)" b.json "$F/leak_plain.1.json"
  checks=$((checks + 1))
  [ "$(cat err)" = "$(same_msg "$target" "'b.json'")" ] || { fail "after-as-output($target): stderr"; cat err; }
done
run before-as-output 2 diff a.json b.json --output-diff a.json
unchanged before-as-output a.json "$F/leak_plain.0.json"
run retained-as-output 2 diff a.json b.json c.json --output-diff c.json
unchanged retained-as-output c.json "$F/leak_plain.2.json"
run retained-as-output-link 2 diff a.json b.json c.json --output_diff "$tmp/./c.json"
unchanged retained-as-output-link c.json "$F/leak_plain.2.json"
# Standard input counts too: here it is AFTER.
checks=$((checks + 1))
timeout 60 "$hd" diff a.json - --output-diff b.json <b.json >out 2>err
[ $? = 2 ] || fail "stdin-as-output: exit not 2"
[ "$(cat err)" = "$(same_msg b.json 'standard input')" ] || { fail "stdin-as-output: stderr"; cat err; }
unchanged stdin-as-output b.json "$F/leak_plain.1.json"
no_leftovers same-file

# --- A failing run keeps the old content ------------------------------------
fresh
printf '\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89\x00\x00\x00\nIDATx\x9cc\x00\x01\x00\x00\x05\x00\x01\r\n-\xb4\x00\x00\x00\x00IEND\xaeB`\x82' >image.png
run missing-before 3 diff missing.json b.json --output-diff keep.txt
unchanged missing-before keep.txt keep.orig
run missing-after 3 diff a.json missing.json --output-diff keep.txt
unchanged missing-after keep.txt keep.orig
run missing-retained 3 diff a.json b.json missing.json --output-diff keep.txt
unchanged missing-retained keep.txt keep.orig
run png-after 3 diff a.json image.png --output-diff keep.txt
unchanged png-after keep.txt keep.orig
run full-disk 3 diff a.json b.json --output-diff /dev/full
no_leftovers failing-runs

# --- A completed run replaces the old content (also when a gate trips) -------
fresh
run replaces 0 diff a.json b.json c.json --output-diff keep.txt
checks=$((checks + 1))
cmp -s keep.txt "$G/expected.output-diff" || fail "replaces: keep.txt is not the expected diff"
checks=$((checks + 1))
cmp -s out "$G/expected.stdout" || fail "replaces: stdout is not the expected report"
fresh
chmod 640 keep.txt
run gate-tripped 4 diff a.json b.json c.json --output-diff keep.txt --fail-if-new-objects 0
checks=$((checks + 1))
cmp -s keep.txt "$G/expected.output-diff" || fail "gate-tripped: keep.txt is not the expected diff"
checks=$((checks + 1))
[ "$(stat -c %a keep.txt)" = 640 ] || fail "gate-tripped: mode $(stat -c %a keep.txt), expected 640"
# Through a symbolic link: the file it points to gets the diff, the link stays.
fresh
ln -s keep.txt link.txt
run through-link 0 diff a.json b.json c.json --output-diff link.txt
checks=$((checks + 1))
{ [ -L link.txt ] && cmp -s keep.txt "$G/expected.output-diff"; } || fail "through-link"
no_leftovers completed-runs

# --- "-" is standard output; "" is a usage error -----------------------------
fresh
run stdout 0 diff a.json b.json c.json --output-diff -
checks=$((checks + 1))
cat "$G/expected.output-diff" "$G/expected.stdout" >expected.both
cmp -s out expected.both || fail "stdout: not the diff lines and then the report"
checks=$((checks + 1))
[ ! -e ./- ] || fail "stdout: a file named '-' was created"
run empty-name 2 diff a.json b.json --output-diff ""
checks=$((checks + 1))
[ "$(cat err)" = "heapdump: argument 5 (after '--output-diff') is an empty string: file names, numbers and other values cannot be empty (see 'heapdump diff --help')" ] || { fail "empty-name: stderr"; cat err; }
run empty-name-equals 2 diff a.json b.json --output-diff=
no_leftovers stdout

# --- SIGINT / SIGTERM while AFTER is read (from a FIFO, so the run waits) -----
set -m  # background jobs get the default SIGINT action, as in a terminal
for sig in INT TERM; do
  fresh
  rm -f fifo
  mkfifo fifo
  timeout 60 "$hd" diff a.json fifo --output-diff keep.txt -q >out 2>err &
  pid=$!
  exec 3>fifo
  head -n 300 b.json >&3  # part of AFTER: the diff is under way
  # Wait until the temporary file exists (the old binary never makes one).
  for _ in $(seq 50); do
    [ -n "$(find . -maxdepth 1 -name '.keep.txt.heapdump-*')" ] && break
    sleep 0.1
  done
  # `timeout` forwards the signal to heapdump.
  kill -s "$sig" "$pid"
  wait "$pid"
  code=$?
  exec 3>&-
  checks=$((checks + 1))
  # timeout reports a child killed by a signal as 128 + the signal number.
  [ "$code" -ge 128 ] || fail "sig$sig: exit $code, expected death by the signal"
  unchanged "sig$sig" keep.txt keep.orig
  no_leftovers "sig$sig"
done
set +m

finish
