#!/usr/bin/env bash
# `heapdump record` end to end, with a real Ruby (tests/cli/record_leak.rb):
# timed, signalled and at-exit dumps, what heapdump read and diff make of
# them, RUBYOPT kept, exit statuses and signals passed through, forked
# children, --gzip and --max-dumps, and the errors caught before anything
# runs. Every wait is bounded: by timeout(1) in the foreground, by the
# script's own 20 s limit in the background, and by CTest's TIMEOUT.
# Usage: record_test.sh HEAPDUMP   (run from the repository root)
. "$(dirname "$0")/cli_util.sh"
set -m  # background jobs get their own process group and keep SIGINT
hd=$1
script=tests/cli/record_leak.rb
check() { checks=$((checks + 1)); }

if ! command -v ruby >/dev/null; then
  echo "FAIL: ruby is not installed (bash .ci/setup test installs it)"
  exit 1
fi

# wait_for FILE: until FILE exists, at most 20 s.
wait_for() {
  local i
  for i in $(seq 200); do
    [ -e "$1" ] && return 0
    sleep 0.1
  done
  return 1
}

# dumps DIR [PID]: the dump files in DIR (of PID), by N.
dumps() {
  ls "$1" | grep -E "^heap-${2:-[0-9]+}-[0-9]+\.json(\.gz)?$" | sort -t- -k3 -n
}

# Each dump reads with no skipped line and holds objects.
read_clean() {
  local f
  for f in "$@"; do
    check
    "$hd" read "$f" >"$tmp/read.out" 2>"$tmp/read.err"
    local got=$?
    if [ "$got" != 0 ] || [ -s "$tmp/read.err" ] || ! grep -q "^Count: [1-9]" "$tmp/read.out"; then
      fail "read $f: exit $got, stderr: $(cat "$tmp/read.err")"
    fi
  done
}

# --- leak: --every 0.3 --at-exit ---------------------------------------------
mkdir "$tmp/a"
timeout 60 "$hd" record -o "$tmp/a" --every 0.3 --at-exit -- ruby "$script" leak "$tmp" 2>"$tmp/a.err"
got=$?
check
[ "$got" = 0 ] || fail "leak: exit $got; stderr: $(cat "$tmp/a.err")"
pid=$(sed -n 's/^heapdump: recording ruby (PID \([0-9]*\)) into .*/\1/p' "$tmp/a.err")
mapfile -t files < <(dumps "$tmp/a" "$pid")
check
[ "${#files[@]}" -ge 3 ] || fail "leak: ${#files[@]} dumps of PID '$pid', expected at least 3: $(ls "$tmp/a")"
check
[ "$(ls -A "$tmp/a" | wc -l)" = "${#files[@]}" ] || fail "leak: other files left: $(ls -A "$tmp/a")"
for i in "${!files[@]}"; do
  check
  [ "${files[$i]}" = "heap-$pid-$((i + 1)).json" ] || fail "leak: dump $((i + 1)) is ${files[$i]}"
done
[ "${#files[@]}" = 0 ] || read_clean "${files[@]/#/$tmp/a/}"
# heapdump diff of the first three: the leaking line (found in the script
# by its comment, not taken from any output) is the top group.
leak_line=$(grep -n "# the leak$" "$script" | cut -d: -f1)
if [ "${#files[@]}" -ge 3 ]; then
  "$hd" diff "$tmp/a/${files[0]}" "$tmp/a/${files[1]}" "$tmp/a/${files[2]}" >"$tmp/a.diff" 2>&1
  check
  head -1 "$tmp/a.diff" | grep -qE "^Retained STRING [0-9]+ objects .* at: $script:$leak_line$" ||
    fail "leak: top of diff is not $script:$leak_line: $(head -3 "$tmp/a.diff")"
  # The listing names every dump, and the next command is that diff.
  check
  for f in "${files[@]}"; do
    grep -qx "  $tmp/a/$f" "$tmp/a.err" || fail "leak: $f not listed: $(cat "$tmp/a.err")"
  done
  check
  grep -qx "heapdump: next: heapdump diff $tmp/a/${files[0]} $tmp/a/${files[1]} $tmp/a/${files[2]}" "$tmp/a.err" ||
    fail "leak: no next command: $(cat "$tmp/a.err")"
fi
check
grep -qx "heapdump: ruby exited with status 0; ${#files[@]} dumps in $tmp/a:" "$tmp/a.err" ||
  fail "leak: summary line: $(cat "$tmp/a.err")"

# --- --on-signal USR2: two signals, exactly two dumps --------------------------
mkdir "$tmp/b" "$tmp/sb"
"$hd" record -o "$tmp/b" --on-signal USR2 -- ruby "$script" wait "$tmp/sb" 2>"$tmp/b.err" &
job=$!
child=
if wait_for "$tmp/sb/pid"; then
  child=$(cat "$tmp/sb/pid")
  kill -USR2 "$child"
  wait_for "$tmp/b/heap-$child-1.json" || fail "signal: no first dump"
  kill -USR2 "$child"
  wait_for "$tmp/b/heap-$child-2.json" || fail "signal: no second dump"
  sleep 0.5  # time for a third dump, which must not come
fi
touch "$tmp/sb/stop"
wait "$job"
got=$?
check
[ "$got" = 0 ] || fail "signal: exit $got; stderr: $(cat "$tmp/b.err")"
check
[ "$(dumps "$tmp/b" | tr '\n' ' ')" = "heap-$child-1.json heap-$child-2.json " ] ||
  fail "signal: dumps are $(ls -A "$tmp/b")"
read_clean "$tmp/b/heap-$child-1.json" "$tmp/b/heap-$child-2.json"

# --- RUBYOPT kept, exit status 7 passed through -------------------------------
mkdir "$tmp/c" "$tmp/sc"
RUBYOPT=-W0 timeout 60 "$hd" record -o "$tmp/c" --at-exit -- ruby "$script" env "$tmp/sc" 2>"$tmp/c.err"
got=$?
check
[ "$got" = 7 ] || fail "status: exit $got, expected 7; stderr: $(cat "$tmp/c.err")"
check
[ "$(sed -n 1p "$tmp/sc/env")" = "-W0 -r$(dirname "$(readlink -f "$hd")")/share/heapdump/record.rb" ] ||
  fail "rubyopt: RUBYOPT was '$(sed -n 1p "$tmp/sc/env")'"
check
[ "$(sed -n 2p "$tmp/sc/env")" = "nil" ] || fail "rubyopt: -W0 lost, \$VERBOSE was $(sed -n 2p "$tmp/sc/env")"
check
[ "$(dumps "$tmp/c" | wc -l)" = 1 ] || fail "rubyopt: at-exit dump missing: $(ls -A "$tmp/c")"
check
grep -qx "heapdump: ruby exited with status 7; 1 dump in $tmp/c:" "$tmp/c.err" || fail "status: $(cat "$tmp/c.err")"

# --- SIGINT and SIGTERM to heapdump end both, 128 + signal ---------------------
for sig in INT TERM; do
  mkdir "$tmp/d$sig" "$tmp/sd$sig"
  "$hd" record -o "$tmp/d$sig" --at-exit -- ruby "$script" wait "$tmp/sd$sig" 2>"$tmp/d$sig.err" &
  job=$!
  child=
  if wait_for "$tmp/sd$sig/pid"; then
    child=$(cat "$tmp/sd$sig/pid")
    kill -"$sig" "$job"
  fi
  wait "$job"
  got=$?
  expected=$((128 + $(kill -l "$sig")))
  check
  [ "$got" = "$expected" ] || fail "SIG$sig: exit $got, expected $expected; stderr: $(cat "$tmp/d$sig.err")"
  check
  [ -n "$child" ] && ! kill -0 "$child" 2>/dev/null || fail "SIG$sig: child $child still runs"
  # Ruby runs at_exit on SIGINT and SIGTERM: the at-exit dump is complete.
  check
  [ "$(dumps "$tmp/d$sig" | wc -l)" = 1 ] || fail "SIG$sig: at-exit dump: $(ls -A "$tmp/d$sig")"
  [ -z "$child" ] || read_clean "$tmp/d$sig/heap-$child-1.json"
  check
  grep -q "^heapdump: ruby was ended by SIG$sig; 1 dump in " "$tmp/d$sig.err" ||
    fail "SIG$sig: $(cat "$tmp/d$sig.err")"
done

# --- a forked child writes its own dumps ---------------------------------------
mkdir "$tmp/e" "$tmp/se"
timeout 60 "$hd" record -o "$tmp/e" --every 0.2 -- ruby "$script" fork "$tmp/se" 2>"$tmp/e.err"
got=$?
check
[ "$got" = 0 ] || fail "fork: exit $got; stderr: $(cat "$tmp/e.err")"
pid=$(sed -n 's/^heapdump: recording ruby (PID \([0-9]*\)) into .*/\1/p' "$tmp/e.err")
child=$(cat "$tmp/se/child" 2>/dev/null)
check
[ -n "$child" ] && [ "$child" != "$pid" ] && [ -e "$tmp/e/heap-$child-1.json" ] && [ -e "$tmp/e/heap-$pid-1.json" ] ||
  fail "fork: dumps of parent $pid and child $child: $(ls -A "$tmp/e")"
check
grep -qx "  $tmp/e/heap-$child-1.json" "$tmp/e.err" || fail "fork: child's dump not listed: $(cat "$tmp/e.err")"
read_clean "$tmp/e/heap-$child-1.json"

# --- --gzip and --max-dumps 2 ----------------------------------------------------
mkdir "$tmp/f" "$tmp/sf"
echo 2 >"$tmp/sf/count"
timeout 60 "$hd" record -o "$tmp/f" --every 0.1 --at-exit --gzip --max-dumps 2 -- ruby "$script" dumps "$tmp/sf" 2>"$tmp/f.err"
got=$?
check
[ "$got" = 0 ] || fail "gzip: exit $got; stderr: $(cat "$tmp/f.err")"
mapfile -t files < <(dumps "$tmp/f")
check
[ "${#files[@]}" = 2 ] && [ "$(ls -A "$tmp/f" | wc -l)" = 2 ] || fail "max-dumps: $(ls -A "$tmp/f")"
for f in "${files[@]}"; do
  check
  case "$f" in *.json.gz) ;; *) fail "gzip: $f is not .json.gz" ;; esac
  check
  [ "$(head -c2 "$tmp/f/$f" | od -An -tx1 | tr -d ' ')" = 1f8b ] || fail "gzip: $f is not gzip data"
done
[ "${#files[@]}" = 0 ] || read_clean "${files[@]/#/$tmp/f/}"

# --- a hostile DIR name: no raw terminal control on stderr, and the printed
# names are shell words that bash reads back as the real path ---------------
hostile="$tmp/h d"$'\e]0;x\a\n\xe2\x80\xae\xc2\x9b'"'q"
mkdir "$hostile"
timeout 60 "$hd" record -o "$hostile" --at-exit -- ruby -e 1 2>"$tmp/h.err"
got=$?
check
[ "$got" = 0 ] || fail "hostile: exit $got"
check
if LC_ALL=C grep -qP '[\x00-\x09\x0b-\x1f\x7f]|\xc2[\x80-\x9f]|\xe2\x80[\xaa-\xae]|\xe2\x81[\xa6-\xa9]' "$tmp/h.err"; then
  fail "hostile: a raw control on stderr: $(od -c "$tmp/h.err" | head -5)"
fi
check
[ "$(grep -c '' "$tmp/h.err")" = 4 ] || fail "hostile: stderr is not 4 lines: $(cat -v "$tmp/h.err")"
next=$(sed -n 's/^heapdump: next: heapdump read \(.*\) all$/\1/p' "$tmp/h.err")
eval "set -- $next"
check
[ "$#" = 1 ] && [ "$(dirname "$1")" = "$hostile" ] && [ -f "$1" ] || fail "hostile: next command names '$next'"
expect_err() {
  check
  timeout 60 "$hd" "$@" >/dev/null 2>"$tmp/err"
  if LC_ALL=C grep -qP '[\x00-\x09\x0b-\x1f\x7f]|\xc2[\x80-\x9f]|\xe2\x80[\xaa-\xae]' "$tmp/err" ||
    [ "$(grep -c '' "$tmp/err")" != 1 ]; then
    fail "hostile error: $(cat -v "$tmp/err")"
  fi
}
expect_err record -o "$hostile/none" -- ruby -e 1
expect_err record -o "$tmp" --at-exit -- "$hostile/none"

# --- errors, before anything runs ------------------------------------------------
# expect NAME CODE STDERR -- ARGS...: heapdump's exit status and whole stderr,
# and no file appears in $tmp/g.
mkdir "$tmp/g"
expect() {
  local name=$1 code=$2 err=$3
  shift 4
  check
  timeout 60 "$hd" "$@" >"$tmp/out" 2>"$tmp/err"
  local got=$?
  if [ "$got" != "$code" ] || [ "$(cat "$tmp/err")" != "$err" ] || [ -s "$tmp/out" ]; then
    fail "$name: exit $got (expected $code), stderr: $(cat "$tmp/err"), expected: $err"
  fi
  check
  [ -z "$(ls -A "$tmp/g")" ] || fail "$name: files written: $(ls -A "$tmp/g")"
}
touch "$tmp/file"
expect no-command 2 "heapdump: COMMAND is required (see 'heapdump record --help')" -- record -o "$tmp/g"
expect missing-dir 3 "heapdump: $tmp/none: No such file or directory" -- record -o "$tmp/none" -- ruby -e 1
expect dir-is-file 3 "heapdump: $tmp/file: Not a directory" -- record -o "$tmp/file" -- ruby -e 1
expect not-found 127 "heapdump: no-such-command-x: command not found" -- record -o "$tmp/g" --at-exit -- no-such-command-x
expect not-executable 126 "heapdump: $tmp/file: Permission denied" -- record -o "$tmp/g" --at-exit -- "$tmp/file"
expect directory-command 126 "heapdump: $tmp: Is a directory" -- record -o "$tmp/g" --at-exit -- "$tmp"
expect every-zero 2 "heapdump: --every: Value 0 is not a number of seconds > 0 (such as 30 or 0.5) (see 'heapdump record --help')" -- record -o "$tmp/g" --every 0 -- ruby -e 1
expect every-text 2 "heapdump: --every: Value 1e3 is not a number of seconds > 0 (such as 30 or 0.5) (see 'heapdump record --help')" -- record -o "$tmp/g" --every 1e3 -- ruby -e 1
expect bad-signal 2 "heapdump: --on-signal: Value KILL is not one of USR1, USR2, HUP, QUIT, ALRM, WINCH, TTIN, TTOU (with or without SIG) or none (see 'heapdump record --help')" -- record -o "$tmp/g" --on-signal KILL -- ruby -e 1
expect max-dumps-zero 2 "heapdump: --max-dumps: must be a whole number >= 1, not '0' (see 'heapdump record --help')" -- record -o "$tmp/g" --max-dumps 0 -- ruby -e 1
expect no-trigger 2 "heapdump: record: nothing would write a dump: give --every, --at-exit or a signal (see 'heapdump record --help')" -- record -o "$tmp/g" --on-signal none -- ruby -e 1
# An unwritable DIR. Root writes anywhere, so as root drop to nobody.
U=$(mktemp -d)
chmod 755 "$U"
mkdir "$U/ro"
chmod 555 "$U/ro"
cp "$hd" "$U/heapdump"
if [ "$(id -u)" != 0 ]; then
  expect unwritable 3 "heapdump: $U/ro: Permission denied" -- record -o "$U/ro" --at-exit -- ruby -e 1
elif command -v setpriv >/dev/null && setpriv --reuid=65534 --regid=65534 --clear-groups true 2>/dev/null; then
  check
  setpriv --reuid=65534 --regid=65534 --clear-groups "$U/heapdump" record -o "$U/ro" --at-exit -- ruby -e 1 >"$tmp/out" 2>"$tmp/err"
  got=$?
  [ "$got" = 3 ] && [ "$(cat "$tmp/err")" = "heapdump: $U/ro: Permission denied" ] ||
    fail "unwritable: exit $got, stderr: $(cat "$tmp/err")"
else
  echo "SKIP unwritable: running as root and setpriv cannot drop to uid 65534"
fi
rm -rf "$U"

finish
