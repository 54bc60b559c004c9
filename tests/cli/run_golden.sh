#!/usr/bin/env bash
# Runs one golden case: tests/golden/cases/NAME/{cmd,expected.stdout,expected.code}
# and, when present, expected.output-diff (the file written by --output-diff).
# Each case runs with --threads 1, 2 and 8: the output must not depend on it.
# Usage: run_golden.sh HEAPDUMP CASE_DIR   (from the repository root)
set -u
heapdump=$1
case_dir=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

cmd=$(sed "s#@TMP@#$tmp#g" "$case_dir/cmd")
expected_code=$(cat "$case_dir/expected.code")
status=0
for threads in 1 2 8; do
  rm -f "$tmp/out.json"
  # shellcheck disable=SC2086  # cmd is a list of arguments without spaces
  "$heapdump" $cmd --threads $threads >"$tmp/stdout" 2>"$tmp/stderr"
  code=$?
  failed=0
  if [ "$code" != "$expected_code" ]; then
    echo "exit status $code, expected $expected_code"
    failed=1
  fi
  if ! diff -u "$case_dir/expected.stdout" "$tmp/stdout" >"$tmp/diff"; then
    echo "stdout differs from $case_dir/expected.stdout:"
    head -n 60 "$tmp/diff"
    failed=1
  fi
  if [ -f "$case_dir/expected.output-diff" ]; then
    if ! cmp -s "$case_dir/expected.output-diff" "$tmp/out.json"; then
      echo "--output-diff file differs from $case_dir/expected.output-diff"
      failed=1
    fi
  fi
  if [ $failed -ne 0 ]; then
    echo "--- command: heapdump $cmd --threads $threads"
    echo "--- stderr:"
    head -n 20 "$tmp/stderr"
    status=1
  fi
done
exit $status
