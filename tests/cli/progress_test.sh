#!/usr/bin/env bash
# The progress line: shown on a terminal and erased at the end, never when
# stderr is not a terminal, and not with --quiet.
# Runs heapdump under a real pseudo-terminal with `script` (util-linux).
# Usage: progress_test.sh HEAPDUMP   (from the repository root)
. "$(dirname "$0")/cli_util.sh"
hd=$1

if ! command -v script >/dev/null; then
  echo "script(1) is missing (Debian package bsdutils)"; exit 1
fi
dump=fixtures/leak_plain.2.json
export HEAPDUMP_PROGRESS_MIN_BYTES=0  # the fixtures are small; show it anyway

# 1. On a terminal: drawn, then erased; stdout unchanged.
checks=$((checks + 1))
script -qec "'$hd' read $dump --threads 1 >'$tmp/out1'" "$tmp/tty1" >/dev/null
if ! grep -aq "heapdump: $dump  100%" "$tmp/tty1"; then fail "no progress line on a terminal"; fi
checks=$((checks + 1))
# The last thing written to the terminal is "erase line": \r ESC [ K.
last=$(tr -d '\n' <"$tmp/tty1" | sed 's/Script done.*//' | tail -c 4 | od -An -c | tr -s ' ')
case "$last" in *'\r 033 [ K'*) ;; *) fail "progress line not erased (ends with: $last)" ;; esac
"$hd" read $dump >"$tmp/plain" 2>/dev/null
checks=$((checks + 1))
cmp -s "$tmp/out1" "$tmp/plain" || fail "stdout differs under a terminal"

# 2. --quiet on a terminal: nothing.
checks=$((checks + 1))
script -qec "'$hd' read $dump --quiet >/dev/null" "$tmp/tty2" >/dev/null
if grep -aq "MB/s" "$tmp/tty2"; then fail "--quiet still shows progress"; fi

# 3. stderr not a terminal: nothing.
checks=$((checks + 1))
"$hd" read $dump >/dev/null 2>"$tmp/err3"
if [ -s "$tmp/err3" ]; then fail "progress written to a non-terminal: $(head -c 200 "$tmp/err3")"; fi

# 4. Without the override, a small input on a terminal shows nothing.
checks=$((checks + 1))
env -u HEAPDUMP_PROGRESS_MIN_BYTES script -qec "'$hd' read $dump >/dev/null" "$tmp/tty4" >/dev/null
if grep -aq "MB/s" "$tmp/tty4"; then fail "progress shown for a small input"; fi

finish
