#!/usr/bin/env bash
# Compressed input end to end (README "Input"): every fixture, compressed
# with gzip and with zstd, read from the file and from standard input with
# --threads 1, 2 and 8, gives stdout byte-identical to the plain file's and
# the same stderr (file name aside), and through a pipe with --threads 2; concatenated gzip members and zstd
# frames read as the concatenated plain files; truncated and corrupt
# streams; --version names both decompressors.
# Usage: compressed_test.sh HEAPDUMP   (run from the repository root; needs
# gzip and zstd)
. "$(dirname "$0")/cli_util.sh"
hd=$1
check() { checks=$((checks + 1)); }

for tool in gzip zstd; do
  command -v $tool >/dev/null || { echo "FAIL: $tool is not installed"; exit 1; }
done

# The plain fixtures (the .json.gz ones decompressed first).
mkdir -p "$tmp/plain"
for f in fixtures/*.json fixtures/eras/*.json; do
  cp "$f" "$tmp/plain/$(echo "${f#fixtures/}" | tr / _)"
done
for f in fixtures/*.json.gz; do
  gzip -dc "$f" >"$tmp/plain/$(basename "$f" .gz)"
done

# run OUT ARGS... : stdout to OUT.out, stderr (the file name replaced by F)
# to OUT.err, exit status to OUT.code.
run() {
  local out=$1 name=$2
  shift 2
  "$hd" "$@" >"$out.out" 2>"$out.raw"
  echo $? >"$out.code"
  # The name as it appears on stderr; sed needs no pattern characters in it.
  local n=${name//\//\\/}
  n=${n//./\\.}
  sed "s/$n/F/g" "$out.raw" >"$out.err"
}

same() {  # same REF GOT WHAT
  check
  if ! cmp -s "$1.out" "$2.out"; then fail "$3: stdout differs from the plain file's"; return; fi
  if ! cmp -s "$1.code" "$2.code"; then fail "$3: exit $(cat "$2.code"), plain $(cat "$1.code")"; return; fi
  if ! cmp -s "$1.err" "$2.err"; then
    fail "$3: stderr differs:"; diff "$1.err" "$2.err" | head -5
  fi
}

files=0
for p in "$tmp"/plain/*.json; do
  b=$(basename "$p" .json)
  gzip -6 -c "$p" >"$tmp/$b.gz"
  zstd -q -3 -c "$p" >"$tmp/$b.zst"
  files=$((files + 1))
  for cmd in summary all; do
    args=()
    [ $cmd = all ] && args=(all --lines 100000)
    for t in 1 2 8; do
      run "$tmp/ref" "$p" read "$p" "${args[@]}" --threads $t
      [ "$(cat "$tmp/ref.code")" -le 1 ] || fail "$b: plain read exits $(cat "$tmp/ref.code")"
      # Standard input is named <stdin>: compared with the plain stdin run.
      run "$tmp/refin" "<stdin>" read - "${args[@]}" --threads $t <"$p"
      for z in gz zst; do
        run "$tmp/got" "$tmp/$b.$z" read "$tmp/$b.$z" "${args[@]}" --threads $t
        same "$tmp/ref" "$tmp/got" "$b.$z $cmd --threads $t (file)"
        run "$tmp/got" "<stdin>" read - "${args[@]}" --threads $t <"$tmp/$b.$z"
        same "$tmp/refin" "$tmp/got" "$b.$z $cmd --threads $t (stdin)"
        # Through a pipe (no size known, short reads); once per command.
        if [ $t = 2 ]; then
          cat "$tmp/$b.$z" | run "$tmp/got" "<stdin>" read - "${args[@]}" --threads $t
          same "$tmp/refin" "$tmp/got" "$b.$z $cmd --threads $t (pipe)"
        fi
      done
    done
  done
done
check
[ $files -ge 15 ] || fail "only $files fixtures found"

L="$tmp/plain/leak_plain.1.json"
M="$tmp/plain/leak_plain.2.json"
cat "$L" "$M" >"$tmp/lm.json"
run "$tmp/ref" "$tmp/lm.json" read "$tmp/lm.json" all

# Concatenated gzip members and zstd frames (one written by the zstd tool,
# the other at level 19), a skippable frame first and between them.
{ gzip -c "$L"; gzip -1 -c "$M"; } >"$tmp/lm.gz"
run "$tmp/got" "$tmp/lm.gz" read "$tmp/lm.gz" all
same "$tmp/ref" "$tmp/got" "concatenated gzip members"
{ zstd -q -c "$L"; zstd -q -19 -c "$M"; } >"$tmp/lm.zst"
run "$tmp/got" "$tmp/lm.zst" read "$tmp/lm.zst" all
same "$tmp/ref" "$tmp/got" "concatenated zstd frames"
skippable() { printf '\x50\x2a\x4d\x18\x03\x00\x00\x00abc'; }
{ skippable; zstd -q -c "$L"; skippable; zstd -q -c "$M"; skippable; } >"$tmp/lms.zst"
run "$tmp/got" "$tmp/lms.zst" read "$tmp/lms.zst" all
same "$tmp/ref" "$tmp/got" "zstd with skippable frames"
check
zstd -dc "$tmp/lms.zst" | cmp -s - "$tmp/lm.json" || fail "the zstd tool reads lms.zst differently"

# A file called .json that holds zstd data is recognised by its magic bytes.
cp "$tmp/lm.zst" "$tmp/lm-zstd.json"
run "$tmp/got" "$tmp/lm-zstd.json" read "$tmp/lm-zstd.json" all
same "$tmp/ref" "$tmp/got" "zstd named .json"

# expect NAME CODE STDERR -- ARGS...
expect() {
  local name=$1 code=$2 err=$3
  shift 4
  check
  "$hd" "$@" >"$tmp/out" 2>"$tmp/err"
  local got=$?
  if [ "$got" != "$code" ]; then fail "$name: exit $got, expected $code; stderr: $(cat "$tmp/err")"; return; fi
  if [ "$(cat "$tmp/err")" != "$err" ]; then
    fail "$name: stderr was:"; cat "$tmp/err"; echo "expected:"; echo "$err"
  fi
}

# Truncated: a warning, and what was decompressed is analysed (exit 0). A
# dump big enough for several zstd blocks: the plain fixtures, 40 times.
for i in $(seq 40); do cat "$tmp"/plain/leak_plain.*.json; done >"$tmp/big.json"
zstd -q -c "$tmp/big.json" >"$tmp/big.zst"
gzip -c "$tmp/big.json" >"$tmp/big.gz"
for z in zst gz; do
  size=$(stat -c %s "$tmp/big.$z")
  head -c $((size / 2)) "$tmp/big.$z" >"$tmp/cut.$z"
  fmt=zstd; [ $z = gz ] && fmt=gzip
  "$hd" read "$tmp/cut.$z" all >"$tmp/cut.out" 2>"$tmp/cut.err"
  code=$?
  check
  [ $code = 0 ] || fail "truncated $fmt: exit $code"
  check
  grep -qx "heapdump: $tmp/cut.$z: $fmt data ends early (the file is truncated); what was decompressed so far is analysed" "$tmp/cut.err" ||
    { fail "truncated $fmt: no warning:"; cat "$tmp/cut.err"; }
  # What was analysed is a prefix of the plain file: as many objects as the
  # decompressor's own output of the cut file holds (counted by grep).
  $fmt -dc "$tmp/cut.$z" 2>/dev/null >"$tmp/cut.json"
  lines=$(grep -c '^{.*}$' "$tmp/cut.json")
  check
  [ "$lines" -gt 100 ] || fail "truncated $fmt: the tool gives only $lines lines"
  "$hd" read "$tmp/cut.json" all >"$tmp/cutplain.out" 2>/dev/null
  check
  cmp -s "$tmp/cut.out" "$tmp/cutplain.out" || fail "truncated $fmt: output differs from the tool's decompressed prefix"
  cat "$tmp/cut.$z" | "$hd" read - >/dev/null 2>"$tmp/cut.err"
  check
  grep -qx "heapdump: <stdin>: $fmt data ends early (the file is truncated); what was decompressed so far is analysed" "$tmp/cut.err" ||
    { fail "truncated $fmt on stdin: no warning:"; cat "$tmp/cut.err"; }
done

# Corrupt: exit 3, the file named.
python3 - "$tmp/big.zst" "$tmp/bad.zst" <<'PY'
import sys
d = bytearray(open(sys.argv[1], "rb").read())
for i in range(len(d) // 2, len(d) // 2 + 64):
    d[i] ^= 0x55
open(sys.argv[2], "wb").write(d)
PY
"$hd" read "$tmp/bad.zst" >/dev/null 2>"$tmp/err"
code=$?
check
[ $code = 3 ] || fail "corrupt zstd: exit $code"
check
grep -q "^heapdump: $tmp/bad.zst: corrupt zstd data (" "$tmp/err" || { fail "corrupt zstd message:"; cat "$tmp/err"; }
{ zstd -q -c "$L"; echo "not zstd"; } >"$tmp/trailing.zst"
"$hd" read "$tmp/trailing.zst" >/dev/null 2>"$tmp/err"
code=$?
check
[ $code = 3 ] && grep -q "^heapdump: $tmp/trailing.zst: corrupt zstd data (" "$tmp/err" ||
  fail "text after the last zstd frame: exit $code, $(cat "$tmp/err")"

# --version names the decompressors.
"$hd" --version >"$tmp/v"
check
grep -Eqx "gzip: (isal [0-9.]+|zlib [0-9.]+)" "$tmp/v" || { fail "--version has no gzip line:"; cat "$tmp/v"; }
check
grep -Eqx "zstd: libzstd [0-9.]+" "$tmp/v" || { fail "--version has no zstd line:"; cat "$tmp/v"; }

finish "($files fixtures)"
