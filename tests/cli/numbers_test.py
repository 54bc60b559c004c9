#!/usr/bin/env python3
"""Numbers at the edges of 64 bits (issue 23, section 4).

- Sums of memsize never wrap: two objects of 2^63 bytes and one of 100 make
  2^64 + 100 bytes in every command and format (text, JSON, CSV), and a
  `--fail-if-new-bytes` gate sees that sum;
- "line": 2^64 - 1 is a line, not a missing one;
- generation 2^64 - 1 can be selected (`read FILE 18446744073709551615`);
- `diff` tells generations 4294967294 and 4294967295 at one address apart;
- `retained` and `path` sum retained and target bytes past 2^64 exactly,
  with the right percentages.

Expected values are computed here (Python integers do not wrap).
Usage: python3 tests/cli/numbers_test.py HEAPDUMP   (from the repository root)
Prints one line per check and ends with "N passed, M failed".
"""
import csv
import io
import json
import os
import shutil
import subprocess
import sys
import tempfile

from cli_util import Tally, heapdump_binary

HD = heapdump_binary()
U64 = 2**64 - 1


TALLY = Tally(show_passes=True)
check = TALLY.check


def run(args):
    p = subprocess.run(["timeout", "60", HD] + args, capture_output=True)
    return p.returncode, p.stdout.decode(errors="replace"), p.stderr.decode(errors="replace")


def kb(b):
    """heapy's kb with one decimal: floor((10 b + 512) / 1024) tenths."""
    t = (10 * b + 512) // 1024
    return f"{t // 10}.{t % 10}"


def table(doc, name):
    return next(t for t in doc["tables"] if t["name"] == name)


tmp = tempfile.mkdtemp(prefix="heapdump-numbers-")
try:
    big = os.path.join(tmp, "big.json")
    empty = os.path.join(tmp, "empty.json")
    open(empty, "w").close()
    with open(big, "w") as f:
        for i, m in enumerate([2**63, 2**63, 100]):
            f.write('{"address":"0x%x", "type":"STRING", "generation":1, "file":"a.rb", "line":1, '
                    '"memsize":%d, "value":"v"}\n' % (0x1000 + 40 * i, m))
    total = 2**64 + 100

    code, out, err = run(["read", big])
    check("read: Memory is the exact sum, in kb", code == 0 and f"Memory: {kb(total)} kb" in out
          and f"mem: {kb(total)} kb" in out, out + err)
    code, out, _ = run(["read", big, "--format", "json"])
    doc = json.loads(out) if code == 0 else None
    check("read --format json: totals.bytes and the row", doc is not None
          and table(doc, "generations")["totals"]["bytes"] == total
          and table(doc, "generations")["rows"] == [[1, 3, total]], out[:500])
    code, out, _ = run(["read", big, "--format", "csv"])
    rows = list(csv.reader(io.StringIO(out)))
    check("read --format csv: the exact sum", code == 0 and str(total) in sum(rows, []), out[:500])

    code, out, _ = run(["read", big, "all"])
    check("read all: allocated by memory, total and row",
          code == 0 and f"allocated by memory ({total}) (in bytes)" in out
          and f"  {total}  a.rb:1" in out, out[:500])
    code, out, _ = run(["read", big, "--by", "file", "--format", "json"])
    doc = json.loads(out) if code == 0 else None
    check("read --by file: the exact sum", doc is not None
          and table(doc, "by_file")["rows"] == [["a.rb", total, 3]]
          and table(doc, "by_file")["totals"]["bytes"] == total, out[:500])
    code, out, _ = run(["read", big, "--by", "file"])
    check("read --by file (text): the exact sum", code == 0 and f"({total} bytes, 3 objects)" in out, out[:500])
    code, out, _ = run(["read", big, "all", "--strings", "--format", "json"])
    doc = json.loads(out) if code == 0 else None
    check("read all --strings: the exact sum", doc is not None
          and table(doc, "strings_by_memory")["totals"]["bytes"] == total
          and table(doc, "strings_by_memory")["rows"][0][1] == total, out[:500])

    code, out, _ = run(["diff", empty, big, "--format", "json"])
    doc = json.loads(out) if code == 0 else None
    check("diff: the exact sum", doc is not None and table(doc, "diff")["totals"]["bytes"] == total
          and table(doc, "diff")["rows"][0][2] == total, out[:500])
    code, out, _ = run(["diff", empty, big])
    check("diff (text): the exact sum", code == 0 and f"3 objects of size {total}/{total} (in bytes)" in out, out)
    # A gate needs a BEFORE with objects (an empty one is not judged, exit 5):
    # one object at an address big.json does not have.
    base = os.path.join(tmp, "base.json")
    with open(base, "w") as f:
        f.write('{"address":"0x10", "type":"STRING", "memsize":40, "value":"b"}\n')
    code, out, err = run(["diff", base, big, "--fail-if-new-bytes", str(U64)])
    check("diff --fail-if-new-bytes 2^64-1: trips, over by 101",
          code == 4 and f"{total} new bytes in total, limit {U64} (over by 101)" in err, f"exit {code}: {err}")
    code, out, _ = run(["compare", empty, big, "--by", "file", "--format", "json"])
    doc = json.loads(out) if code == 0 else None
    check("compare: the exact sum and delta", doc is not None
          and doc["tables"][0]["rows"][0][4:7] == [total, 3, total]
          and doc["tables"][0]["totals"]["bytes_b"] == total, out[:500])
    code, out, _ = run(["compare", big, empty, "--by", "file"])
    check("compare (text): the exact negative delta", code == 0 and f"-{total}" in out, out[:800])

    # "line": 2^64 - 1 is a line.
    lines = os.path.join(tmp, "lines.json")
    with open(lines, "w") as f:
        f.write('{"address":"0x1000", "type":"STRING", "generation":%d, "file":"a.rb", "line":%d, '
                '"memsize":40, "value":"x"}\n' % (U64, U64))
        f.write('{"address":"0x1028", "type":"STRING", "generation":%d, "file":"a.rb", '
                '"memsize":30, "value":"x"}\n' % U64)
    code, out, _ = run(["read", lines, "all"])
    check("read all: line 2^64-1 is shown, apart from no line",
          code == 0 and f"  40  a.rb:{U64}\n" in out and "  30  a.rb:\n" in out, out)
    code, out, _ = run(["read", lines, "--by", "location", "--format", "json"])
    doc = json.loads(out) if code == 0 else None
    check("read --by location: line 2^64-1", doc is not None
          and table(doc, "by_location")["rows"] == [[f"a.rb:{U64}", 40, 1], ["a.rb:", 30, 1]], out[:500])
    code, out, _ = run(["read", lines, "all", "--strings", "--format", "json"])
    doc = json.loads(out) if code == 0 else None
    check("read --strings: line 2^64-1", doc is not None
          and [r[3] for r in table(doc, "strings_by_memory")["rows"]] == [f"a.rb:{U64}", "a.rb:"], out[:500])
    code, out, _ = run(["diff", empty, lines, "--format", "json"])
    doc = json.loads(out) if code == 0 else None
    check("diff: line 2^64-1 is a line, the other none", doc is not None
          and [r[4] for r in table(doc, "diff")["rows"]] == [U64, None], out[:500])

    # Generation 2^64 - 1 can be selected.
    code, out, err = run(["read", lines, str(U64)])
    check("read FILE 18446744073709551615 selects that generation",
          code == 0 and "object count (2)" in out and f"Generation: {U64}" in out, f"exit {code}: {out}{err}")
    code, out, err = run(["read", lines, f"0..{U64}", "--by", "file"])
    check("read FILE 0..18446744073709551615", code == 0 and "(70 bytes, 2 objects)" in out, f"exit {code}: {out}{err}")
    code, _, err = run(["read", lines, str(2**64)])
    check("read FILE 18446744073709551616 is a usage error", code == 2 and "GEN must be" in err, f"exit {code}: {err}")

    # diff: generations 4294967294 and 4294967295 at one address are two objects.
    before = os.path.join(tmp, "before.json")
    after = os.path.join(tmp, "after.json")
    with open(before, "w") as f:
        f.write('{"address":"0x1000", "type":"STRING", "generation":4294967294, "memsize":40}\n')
        f.write('{"address":"0x2000", "type":"STRING", "generation":%d, "memsize":40}\n' % U64)
    with open(after, "w") as f:
        f.write('{"address":"0x1000", "type":"STRING", "generation":4294967295, "memsize":40}\n')
        f.write('{"address":"0x2000", "type":"STRING", "generation":%d, "memsize":40}\n' % U64)
    code, out, err = run(["diff", before, after, "--format", "json"])
    doc = json.loads(out) if code == 0 else None
    check("diff: generation 4294967295 is new after 4294967294, 2^64-1 is the same object",
          doc is not None and table(doc, "diff")["totals"]["objects"] == 1, out + err)

    # retained: ROOT -> A [2^63] -> B [2^63], ROOT -> C [100]. By hand: the
    # heap and the reachable bytes are 2^64 + 100; A retains A and B, 2^64;
    # B retains 2^63 (50.0% of the heap) and is the one leak suspect (A
    # retains more, but B below it is big too); C retains 100. By location
    # (one object each) as by object; the one gem "app" holds all 2^64 + 100.
    graph = os.path.join(tmp, "graph.json")
    with open(graph, "w") as f:
        f.write('{"type":"ROOT", "root":"vm", "references":["0x1000", "0x3000"]}\n')
        f.write('{"address":"0x1000", "type":"ARRAY", "file":"a.rb", "line":1, "memsize":%d, '
                '"references":["0x2000"]}\n' % 2**63)
        f.write('{"address":"0x2000", "type":"STRING", "file":"b.rb", "line":2, "memsize":%d, '
                '"value":"b"}\n' % 2**63)
        f.write('{"address":"0x3000", "type":"STRING", "file":"c.rb", "line":3, "memsize":100, '
                '"value":"c"}\n')
    retains = {"0x1000": 2**64, "0x2000": 2**63, "0x3000": 100}
    shallow = {"0x1000": 2**63, "0x2000": 2**63, "0x3000": 100}
    by_location = {"a.rb:1": 2**64, "b.rb:2": 2**63, "c.rb:3": 100}
    code, out, err = run(["retained", graph, "--format", "json"])
    doc = json.loads(out) if code == 0 else None
    gt = table(doc, "graph")["totals"] if doc else {}
    check("retained --format json: heap and reachable bytes are 2^64 + 100",
          gt.get("bytes") == total and gt.get("reachable_bytes") == total
          and gt.get("unreachable_bytes") == 0, out[:800] + err)
    top = {r[0]: (r[5], r[6]) for r in table(doc, "top_retainers")["rows"]} if doc else {}
    check("retained --format json: shallow and retained per object",
          top == {a: (shallow[a], retains[a]) for a in retains}, str(top))
    loc = {r[0]: (r[2], r[3]) for r in table(doc, "retained_by_location")["rows"]} if doc else {}
    check("retained --format json: retained by location",
          loc == {l: (by_location[l] if l != "a.rb:1" else 2**63, by_location[l]) for l in by_location},
          str(loc))
    gem = table(doc, "retained_by_gem")["rows"] if doc else []
    check("retained --format json: the gem sums to 2^64 + 100", gem == [["app", 3, total, total]], str(gem))
    sus = table(doc, "leak_suspects")["rows"] if doc else []
    check("retained --format json: the one suspect is B, 2^63",
          [(r[3], r[5], r[10]) for r in sus] == [("0x2000", 2**63, 2**63)], str(sus))

    code, out, err = run(["retained", graph])
    check("retained (text): heap, reachable share", code == 0
          and f"heap {total} bytes; reachable from roots {total} (100.0%) in 3 objects; "
              f"unreachable 0 (0.0%) in 0 objects" in out, out[:800] + err)
    check("retained (text): the suspect's share is 50.0%",
          f"0x2000 retains {2**63} (50.0%)" in out, out[:1500])
    check("retained (text): top retainers",
          # (the number columns are aligned over the rows: at least 12 and 10 wide)
          all(f"  {retains[a]:>{max(12, max(len(str(v)) for v in retains.values()))}} "
              f"{shallow[a]:>{max(10, max(len(str(v)) for v in shallow.values()))}}  {a}  " in out
              for a in retains), out)
    check("retained (text): the gem's sum",
          f"  {total:>12} {total:>10} {3:>9}  app" in out, out)

    code, out, err = run(["retained", graph, "--format", "csv"])
    rows = list(csv.DictReader(io.StringIO(out)))
    g = next((r for r in rows if r["table"] == "graph.totals"), {})
    check("retained --format csv: totals", code == 0 and g.get("bytes") == str(total)
          and g.get("reachable_bytes") == str(total), out[:800] + err)
    got = {r["address"]: r["retained"] for r in rows if r["table"] == "top_retainers"}
    check("retained --format csv: retained per object",
          got == {a: str(b) for a, b in retains.items()}, str(got))
    got = [r["retained"] for r in rows if r["table"] == "retained_by_gem"]
    check("retained --format csv: the gem's sum", got == [str(total)], str(got))

    # path: ROOT -> H [40] -> three objects of x.rb:7 with 2^63, 2^63 and 100
    # bytes. By hand: the targets hold 2^64 + 100 bytes; H is their
    # accumulation point (all 3 below it); every merged level carries all.
    paths = os.path.join(tmp, "paths.json")
    with open(paths, "w") as f:
        f.write('{"type":"ROOT", "root":"vm", "references":["0x1000"]}\n')
        f.write('{"address":"0x1000", "type":"ARRAY", "memsize":40, '
                '"references":["0x2000", "0x3000", "0x4000"]}\n')
        for a, m in [(0x2000, 2**63), (0x3000, 2**63), (0x4000, 100)]:
            f.write('{"address":"0x%x", "type":"STRING", "file":"x.rb", "line":7, "memsize":%d, '
                    '"value":"v"}\n' % (a, m))
    code, out, err = run(["path", paths, "--location", "x.rb:7", "--format", "json"])
    doc = json.loads(out) if code == 0 else None
    check("path --format json: target_bytes is 2^64 + 100",
          doc is not None and table(doc, "paths")["totals"]["target_bytes"] == total, out[:800] + err)
    acc = table(doc, "accumulation_point")["rows"] if doc else []
    check("path --format json: accumulation point H with 3 targets, 2^64 + 100 bytes",
          [(r[0], r[7], r[8]) for r in acc] == [("0x1000", 3, total)], str(acc))
    merged = table(doc, "merged_paths")["rows"] if doc else []
    check("path --format json: merged levels carry 2^64 + 100",
          [(r[0], r[4], r[5]) for r in merged] == [(0, 3, total), (1, 3, total), (2, 3, total)],
          str(merged))
    code, out, err = run(["path", paths, "--location", "x.rb:7"])
    check("path (text): targets and accumulation point", code == 0
          and f"targets: 3 objects, {total} bytes;" in out
          and f"on the paths of 3 of 3 reachable targets ({total} bytes)" in out, out[:1500] + err)
    code, out, err = run(["path", paths, "--location", "x.rb:7", "--format", "csv"])
    rows = list(csv.DictReader(io.StringIO(out)))
    got = [r["target_bytes"] for r in rows if r["table"] in
           ("paths.totals", "accumulation_point", "merged_paths")]
    check("path --format csv: target bytes", got == [str(total)] * 5, str(got) + err)
finally:
    shutil.rmtree(tmp)

TALLY.finish()
