#!/usr/bin/env bash
# Builds (if needed) and runs one libFuzzer target, seeded from fuzz/corpus/TARGET
# and fuzz/regressions/TARGET.
# Usage (from anywhere): bash fuzz/run.sh fuzz_line|fuzz_pipeline SECONDS
# Environment:
#   HEAPDUMP_FUZZ_BUILD_DIR  build directory (default: build-fuzz in the repository;
#                            it may be the CI's build-asan, configured with clang and
#                            -DHEAPDUMP_BUILD_FUZZ=ON)
#   HEAPDUMP_FUZZ_WORK_DIR   where new corpus entries, crash artifacts and the log go
#                            (default: BUILD_DIR/fuzz-work/TARGET); committed seeds are
#                            only read
#   HEAPDUMP_FUZZ_ARGS       extra libFuzzer flags
# Exits non-zero if the target crashed, hung, leaked or a sanitizer reported.
# The last lines printed are libFuzzer's final stats.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
target=${1:-}
seconds=${2:-}
case "$target" in fuzz_line|fuzz_pipeline) ;; *)
  echo "usage: bash fuzz/run.sh fuzz_line|fuzz_pipeline SECONDS" >&2; exit 2 ;;
esac
case "$seconds" in ''|*[!0-9]*) echo "SECONDS must be a whole number" >&2; exit 2 ;; esac

build=${HEAPDUMP_FUZZ_BUILD_DIR:-$root/build-fuzz}
work=${HEAPDUMP_FUZZ_WORK_DIR:-$build/fuzz-work/$target}
if [ ! -f "$build/CMakeCache.txt" ]; then
  CC=clang CXX=clang++ cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DHEAPDUMP_BUILD_FUZZ=ON -DHEAPDUMP_BUILD_TESTS=OFF >/dev/null
fi
cmake --build "$build" --target "$target" -j"$(nproc 2>/dev/null || echo 2)" >/dev/null
bin=$build/fuzz/$target
mkdir -p "$work/corpus" "$work/artifacts"
log=$work/fuzz.log
echo "fuzz: $target for ${seconds}s, log $log"

status=0
# The first directory collects new inputs; the committed seeds are read only:
# fuzz/corpus/ (made by make_corpus.py) and fuzz/regressions/ (inputs that once
# failed, kept as found).
seeds=("$root/fuzz/corpus/$target")
[ -d "$root/fuzz/regressions/$target" ] && seeds+=("$root/fuzz/regressions/$target")
"$bin" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -max_len=32768 \
  -dict="$root/fuzz/dump.dict" -print_final_stats=1 \
  -artifact_prefix="$work/artifacts/" ${HEAPDUMP_FUZZ_ARGS:-} \
  "$work/corpus" "${seeds[@]}" >"$log" 2>&1 || status=$?

# Final stats: the last status line, "Done N runs in S second(s)" and stat::*.
grep -E '^#[0-9]+' "$log" | tail -n 1 || true
grep -E '^Done [0-9]+ runs|^stat::' "$log" || true
if [ "$status" != 0 ] || grep -qE 'ERROR: (AddressSanitizer|LeakSanitizer|libFuzzer)|runtime error:|==ERROR' "$log"; then
  echo "fuzz: $target FAILED (exit $status); see $log and $work/artifacts/" >&2
  grep -E 'ERROR|runtime error|SUMMARY|Test unit written|check failed' "$log" | head -n 20 >&2 || true
  exit 1
fi
echo "fuzz: $target OK"
