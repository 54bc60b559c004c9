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

# The class link is an edge: in this dump, taken right after GC.start, every
# object is reachable, and so is ARGF's class (which only ARGF points to).
python3 - "$tmp/rj" <<'PY' || fail=1
import json, sys
g = json.load(open(sys.argv[1]))["tables"][0]["totals"]
assert g["unreachable_objects"] == 0 and g["reachable_objects"] == 9650, g
print("ok   retained-all-reachable")
PY
"$HD" path $F/leak_plain.2.json 0x7f739d1cfad0 > "$tmp/argf" 2>&1; code path-argf-class 0 $?
check path-argf-hop0 "0  0x7f739d1cf0f8  DATA   ARGF.class" "$tmp/argf"
check path-argf-hop1 "1  0x7f739d1cfad0  CLASS  Class ARGF.class" "$tmp/argf"

# Totals and retained sizes equal an independent model (json.loads, the class
# link with the GC's exceptions, iterative dominators) on every fixture.
for f in $F/*.json $F/*.json.gz $F/eras/*.json; do
  "$HD" retained "$f" --format json --lines 100000 > "$tmp/m.json" 2>/dev/null
  if out=$(python3 "$(dirname "$0")/graph_model.py" "$f" "$tmp/m.json" 2>&1); then
    echo "ok   model $f: $out"
  else
    echo "FAIL model $f: $out"; fail=1
  fi
done

# A single address; a missing one; a bad one; no target.
"$HD" path $F/leak_plain.2.json 0x7f739d1fc490 > "$tmp/pa" 2>&1; code path-address 0 $?
check path-address-root "  ROOT vm" "$tmp/pa"
"$HD" path $F/leak_plain.2.json 0x1 > /dev/null 2>&1; code path-missing 1 $?
"$HD" path $F/leak_plain.2.json nothex > /dev/null 2>&1; code path-bad 2 $?
"$HD" path $F/leak_plain.2.json > /dev/null 2>&1; code path-none 2 $?
"$HD" path $F/leak_plain.2.json 0x1 --class Hash > /dev/null 2>&1; code path-two 2 $?
"$HD" path $F/no-such-file.json 0x1 > /dev/null 2>&1; code path-io 3 $?
"$HD" retained $F/no-such-file.json > /dev/null 2>&1; code retained-io 3 $?
for cmd in "path $F/leak_plain.2.json --class Hash" "retained $F/leak_plain.2.json" \
           "retained $F/boot_sinatra.json.gz --lines 50"; do
  for fmt in text json csv; do
    for t in 1 2 8; do "$HD" $cmd --threads $t --format $fmt > "$tmp/t$t" 2>&1; done
    if cmp -s "$tmp/t1" "$tmp/t2" && cmp -s "$tmp/t1" "$tmp/t8"; then
      echo "ok   threads 1/2/8: $cmd --format $fmt"
    else
      echo "FAIL threads 1/2/8: $cmd --format $fmt"; fail=1
    fi
  done
done

# Partial dump: no roots, dangling references reported, not fatal.
"$HD" retained $F/edge_since.json > "$tmp/since" 2>"$tmp/since.err"; code partial 0 $?
check partial-note "no ROOT records" "$tmp/since.err"

# Ruby's allocation tracer: named "(allocation tracer)", never a leak suspect
# unless --include-tracer, its retained size in a note and a total.
# heap = 40+5000+100+100+2000+500+500 = 8240; 10 % = 824.
cat > "$tmp/tracer.json" <<'EOF'
{"type":"ROOT", "root":"vm", "references":["0x400", "0x200", "0x900", "0x910"]}
{"address":"0x400", "type":"HASH", "references":["0x100"], "memsize":40}
{"address":"0x100", "type":"DATA", "class":"0x900", "struct":"ObjectTracing/allocation_info_tracer", "references":["0x110"], "memsize":5000}
{"address":"0x110", "type":"STRING", "class":"0x910", "memsize":100}
{"address":"0x200", "type":"ARRAY", "references":["0x500"], "memsize":100}
{"address":"0x500", "type":"OBJECT", "class":"0x900", "memsize":2000}
{"address":"0x900", "type":"CLASS", "name":"Object", "memsize":500}
{"address":"0x910", "type":"CLASS", "name":"String", "memsize":500}
EOF
"$HD" retained "$tmp/tracer.json" --format json > "$tmp/tr.json"; code tracer-retained 0 $?
"$HD" retained "$tmp/tracer.json" --format json --include-tracer > "$tmp/tri.json"; code tracer-include 0 $?
python3 - "$tmp/tr.json" "$tmp/tri.json" <<'PY' || fail=1
import json, sys
def tables(p):
    return {t["name"]: t for t in json.load(open(p))["tables"]}
d, i = tables(sys.argv[1]), tables(sys.argv[2])
sus = [(r[2], r[3]) for r in d["leak_suspects"]["rows"]]
assert all(r[0] != "(allocation tracer)" and r[1] != "0x100" for r in sus), sus
assert [r for r in sus if r[1]] == [("Object", "0x500")], sus
sus = [(r[2], r[3]) for r in i["leak_suspects"]["rows"] if r[1] == "object"]
assert sus == [("(allocation tracer)", "0x100"), ("Object", "0x500")], sus
assert d["graph"]["totals"]["allocation_tracer_bytes"] == 5100, d["graph"]["totals"]
top = {r[0]: r[2] for r in d["top_retainers"]["rows"]}
assert top["0x100"] == "(allocation tracer)" and top["0x500"] == "Object", top
print("ok   tracer-suspects")
PY
"$HD" retained "$tmp/tracer.json" > "$tmp/tr.txt"
check tracer-note "allocation tracing itself holds 5100 bytes (61.9%)" "$tmp/tr.txt"
"$HD" path "$tmp/tracer.json" --class "(allocation tracer)" --format csv > "$tmp/tp.csv"; code tracer-path 0 $?
check tracer-path-hop "0x100" "$tmp/tp.csv"
"$HD" path "$tmp/tracer.json" --class Object --format csv > "$tmp/to.csv"; code tracer-path-object 0 $?
if grep -q "0x100" "$tmp/to.csv"; then echo "FAIL tracer-path-object: the tracer is not an Object target"; fail=1; else echo "ok   tracer-path-object"; fi

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

# A suspect's path of ~500,000 hops: the text shows its first and last 10
# hops around one line "… N hops …" (it printed every hop, 500,000 lines);
# JSON keeps every hop. The expected hops come from the JSON: the path's
# rows are hops 0..R-1 (checked), so the text leaves out R - 20.
"$HD" retained "$tmp/chain.json" --lines 2 --format json > "$tmp/crj" 2>&1; code chain-retained-json 0 $?
"$HD" retained "$tmp/chain.json" --lines 2 > "$tmp/crt" 2>&1; code chain-retained-text 0 $?
python3 - "$tmp/crj" "$tmp/crt" <<'PY' || fail=1
import json, re, sys
doc = json.load(open(sys.argv[1]))
t = next(t for t in doc["tables"] if t["name"] == "suspect_paths")
cols = [c["name"] for c in t["columns"]]
hops = [r[cols.index("hop")] for r in t["rows"] if r[cols.index("suspect")] == 1]
assert hops == list(range(len(hops))) and len(hops) > 400000, len(hops)
text = open(sys.argv[2], encoding="utf-8").read()
section = text.split("shortest path from a GC root:\n", 1)[1].split("\n\n", 1)[0].splitlines()
shown = [int(l.split()[0]) for l in section if re.match(r"^ +\d+  0x", l)]
want = list(range(10)) + list(range(len(hops) - 10, len(hops)))
assert shown == want, ("hops shown", len(shown), shown[:12])
gap = "\u2026 {:,} hops \u2026".format(len(hops) - 20)
assert [l.strip() for l in section if "\u2026" in l] == [gap], section
assert len(text.splitlines()) < 100, len(text.splitlines())
print("ok   chain-retained-path-ends (%s)" % gap)
PY
# ...and none of the three formats holds the path's 500,000 hops as cells or
# its JSON/CSV as one string: each fits a 256 MB address space (they took
# 315-395 MB of resident memory when they did; the graph itself is ~60 MB).
# (Not under a sanitizer, whose shadow memory cannot fit an address-space
# limit: see tests/cli/memory_test.sh.)
limited_formats="text json csv"
[ -n "${HEAPDUMP_SANITIZED:-}" ] && { echo "skip: chain-retained-256MB (sanitizer build)"; limited_formats=""; }
for f in $limited_formats; do
  prlimit --as=$((256 << 20)) "$HD" retained "$tmp/chain.json" --lines 2 --format $f > "$tmp/crl" 2>&1
  code "chain-retained-256MB-$f" 0 $?
done

exit $fail
