# Sourced by the shell tests of tests/cli, first thing:
#   . "$(dirname "$0")/cli_util.sh"
# Unset variables are errors; $tmp is a temporary directory removed at exit;
# $checks and $failures count; `fail MESSAGE...` prints "FAIL MESSAGE" and
# counts a failure; `finish [NOTE]` prints "N passed, M failed[ NOTE]" and
# returns 0 only when nothing failed (the script's last command).
set -u
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
failures=0
checks=0
fail() { echo "FAIL $*"; failures=$((failures + 1)); }
finish() {
  echo "$((checks - failures)) passed, $failures failed${1:+ $1}"
  [ "$failures" = 0 ]
}
