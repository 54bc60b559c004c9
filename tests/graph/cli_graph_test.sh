#!/usr/bin/env bash
# End-to-end checks of `heapdump path` and `heapdump retained`.
# Usage: bash tests/graph/cli_graph_test.sh HEAPDUMP   (from the repository root)
set -u
HD=$1
F=fixtures
fail=0
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
ulimit -s 8192  # the default stack size: traversals must not recurse

check() {  # NAME EXPECTED-SUBSTRING FILE
  if grep -qF -- "$2" "$3"; then echo "ok   $1"; else echo "FAIL $1: no '$2' in output:"; head -40 "$3"; fail=1; fi
}
code() {  # NAME EXPECTED ACTUAL
  if [ "$2" = "$3" ]; then echo "ok   $1 (exit $3)"; else echo "FAIL $1: exit $3, expected $2"; fail=1; fi
}

# Leak sequence: the cache Hash (line 59) and listener Array (line 63) are the accumulation points.
"$HD" path $F/leak_plain.2.json --location gen/leak_sequence.rb:74 > "$tmp/p74" 2>&1; code path74 0 $?
check path74-acc "0x7f739d1fc490 HASH Hash at gen/leak_sequence.rb:59 (depth 2): on the paths of 108 of 110" "$tmp/p74"
check path74-merged "Module RequestMemo 0x7f739d1fc4e0" "$tmp/p74"
"$HD" path $F/leak_plain.2.json --location gen/leak_sequence.rb:78 > "$tmp/p78" 2>&1; code path78 0 $?
check path78-acc "0x7f739d1fc418 ARRAY Array at gen/leak_sequence.rb:63 (depth 2)" "$tmp/p78"
"$HD" retained $F/leak_plain.2.json --threshold 1 > "$tmp/r" 2>&1; code retained 0 $?
check retained-list "accumulation point: Array ARRAY 0x7f739d1fc418 at gen/leak_sequence.rb:63" "$tmp/r"
check retained-cache "accumulation point: Hash HASH 0x7f739d1fc490 at gen/leak_sequence.rb:59" "$tmp/r"
"$HD" retained $F/leak_plain.2.json --format json > "$tmp/rj"; code retained-json 0 $?
python3 - "$tmp/rj" <<'PY' || fail=1
import json, sys
d = json.load(open(sys.argv[1]))
names = [t["name"] for t in d["tables"]]
assert names == ["graph", "top_retainers", "retained_by_class", "retained_by_location",
                 "retained_by_gem", "leak_suspects", "suspect_paths", "unreachable"], names
g = d["tables"][0]["totals"]
assert g["objects"] == 9650 and g["reachable_objects"] + g["unreachable_objects"] == 9650, g
print("ok   retained-json")
PY
"$HD" retained $F/leak_plain.2.json --format csv > /dev/null; code retained-csv 0 $?

# A single address; a missing one; a bad one; no target.
"$HD" path $F/leak_plain.2.json 0x7f739d1fc490 > "$tmp/pa" 2>&1; code path-address 0 $?
check path-address-root "  ROOT vm" "$tmp/pa"
"$HD" path $F/leak_plain.2.json 0x1 > /dev/null 2>&1; code path-missing 1 $?
"$HD" path $F/leak_plain.2.json nothex > /dev/null 2>&1; code path-bad 2 $?
"$HD" path $F/leak_plain.2.json > /dev/null 2>&1; code path-none 2 $?
"$HD" path $F/leak_plain.2.json 0x1 --class Hash > /dev/null 2>&1; code path-two 2 $?
"$HD" path $F/no-such-file.json 0x1 > /dev/null 2>&1; code path-io 3 $?
"$HD" retained $F/no-such-file.json > /dev/null 2>&1; code retained-io 3 $?
"$HD" path $F/leak_plain.2.json --class Hash --threads 1 --format json > "$tmp/t1"
"$HD" path $F/leak_plain.2.json --class Hash --threads 2 --format json > "$tmp/t2"
cmp -s "$tmp/t1" "$tmp/t2" && echo "ok   threads" || { echo "FAIL threads"; fail=1; }

# Partial dump: no roots, dangling references reported, not fatal.
"$HD" retained $F/edge_since.json > "$tmp/since" 2>"$tmp/since.err"; code partial 0 $?
check partial-note "no ROOT records" "$tmp/since.err"

# The 500,000-deep chain.
python3 - "$tmp/chain.json" <<'PY'
import sys
n = 500000
with open(sys.argv[1], "w") as f:
    f.write('{"type":"ROOT", "root":"vm", "references":["0x100000"]}\n')
    for i in range(n):
        a = 0x100000 + 0x28 * i
        refs = ', "references":["0x%x"]' % (a + 0x28) if i + 1 < n else ""
        f.write('{"address":"0x%x", "type":"ARRAY"%s, "file":"chain.rb", "line":1, "memsize":40}\n' % (a, refs))
PY
"$HD" retained "$tmp/chain.json" --lines 3 > "$tmp/cr" 2>&1; code chain-retained 0 $?
check chain-retained-head "20000000 (100.0%)" "$tmp/cr"
last=$(printf '0x%x' $((0x100000 + 0x28 * 499999)))
"$HD" path "$tmp/chain.json" "$last" --format json > "$tmp/cp" 2>&1; code chain-path 0 $?
python3 -c "import json,sys; t=json.load(open(sys.argv[1]))['tables'][0]; assert len(t['rows'])==500000, len(t['rows']); print('ok   chain-path-length')" "$tmp/cp" || fail=1
"$HD" path "$tmp/chain.json" --location chain.rb:1 --lines 5 > "$tmp/cl" 2>&1; code chain-group 0 $?

exit $fail
