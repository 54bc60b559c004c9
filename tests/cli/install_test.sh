#!/usr/bin/env bash
# `cmake --install` puts the binary, the man page and `heapdump record`'s
# preload in place, the installed binary finds its preload, and the man page
# is well-formed roff.
# Usage: install_test.sh BUILD_DIR   (from the repository root)
. "$(dirname "$0")/cli_util.sh"
build=$1
prefix=$tmp

cmake --install "$build" --prefix "$prefix" >/dev/null || fail "cmake --install"
checks=$((checks + 1))
[ -x "$prefix/bin/heapdump" ] || fail "no bin/heapdump"
checks=$((checks + 1))
[ -f "$prefix/share/man/man1/heapdump.1" ] || fail "no share/man/man1/heapdump.1"
checks=$((checks + 1))
"$prefix/bin/heapdump" --version | grep -qx "[0-9.]*" || fail "installed binary --version"
checks=$((checks + 1))
[ -f "$prefix/share/heapdump/record.rb" ] || fail "no share/heapdump/record.rb"
if command -v ruby >/dev/null; then
  # The installed binary preloads the installed record.rb (not the build
  # tree's): RUBYOPT names it, and its at-exit dump is written.
  checks=$((checks + 1))
  mkdir "$prefix/dumps"
  env -u RUBYOPT timeout 60 "$prefix/bin/heapdump" record -o "$prefix/dumps" --at-exit -- \
    ruby -e 'File.write(ARGV[0], ENV["RUBYOPT"])' "$prefix/rubyopt" 2>"$prefix/record.err"
  [ "$(cat "$prefix/rubyopt" 2>/dev/null)" = "-r$(readlink -f "$prefix")/share/heapdump/record.rb" ] &&
    [ "$(ls "$prefix/dumps" | grep -cE '^heap-[0-9]+-1\.json$')" = 1 ] ||
    fail "installed record: RUBYOPT $(cat "$prefix/rubyopt" 2>/dev/null), dumps $(ls "$prefix/dumps"), stderr $(cat "$prefix/record.err")"
fi
if command -v groff >/dev/null; then
  checks=$((checks + 1))
  out=$(groff -man -ww -z "$prefix/share/man/man1/heapdump.1" 2>&1)
  [ -z "$out" ] || fail "groff warnings: $out"
  checks=$((checks + 1))
  groff -man -Tutf8 -P-cbou "$prefix/share/man/man1/heapdump.1" 2>/dev/null | grep -q "EXIT STATUS" ||
    fail "man page does not render"
fi
finish
