#!/usr/bin/env bash
# Runs one golden case: tests/golden/cases/NAME/{cmd,expected.stdout,expected.code}
# and, when present, expected.output-diff (the file written by --output-diff).
# Usage: run_golden.sh HEAPDUMP CASE_DIR   (from the repository root)
set -u
heapdump=$1
case_dir=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

cmd=$(sed "s#@TMP@#$tmp#g" "$case_dir/cmd")
# shellcheck disable=SC2086  # cmd is a list of arguments without spaces
"$heapdump" $cmd >"$tmp/stdout" 2>"$tmp/stderr"
code=$?
status=0
expected_code=$(cat "$case_dir/expected.code")
if [ "$code" != "$expected_code" ]; then
  echo "exit status $code, expected $expected_code"
  status=1
fi
if ! diff -u "$case_dir/expected.stdout" "$tmp/stdout" >"$tmp/diff"; then
  echo "stdout differs from $case_dir/expected.stdout:"
  head -n 60 "$tmp/diff"
  status=1
fi
if [ -f "$case_dir/expected.output-diff" ]; then
  if ! cmp -s "$case_dir/expected.output-diff" "$tmp/out.json"; then
    echo "--output-diff file differs from $case_dir/expected.output-diff"
    status=1
  fi
fi
if [ $status -ne 0 ]; then
  echo "--- command: heapdump $cmd"
  echo "--- stderr:"
  head -n 20 "$tmp/stderr"
fi
exit $status
