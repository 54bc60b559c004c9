#!/usr/bin/env python3
"""Crafted dumps that made heapdump quadratic (issue 23, section 3).

Each dump is written at run time and each command runs under `timeout 60`:
far above what these inputs take now (about a second each), far below what
the quadratic versions took (minutes; see bench/RESULTS.md, "Crafted
input"). The checks themselves are about correctness: the expected values
come from counting here, not from heapdump.

- 200,000 distinct 16-byte strings that all had one hash under the string
  hash heapdump used before it was keyed (OLD_HASH below is a copy of that
  function, kept only to craft them), as string values (`read all`), as
  file and method names (`read --by file --by method`, `compare`);
- 200,000 distinct ROOT names (`retained`, `path`);
- 200,000 distinct type names (`retained`, `path`), and 300 objects whose
  type changes between two dumps (`diff`: type ids must not saturate);
- the output does not depend on the per-run hash key: every command on the
  fixtures prints the same bytes with HEAPDUMP_HASH_KEY=1, =2 and unset.

Usage: python3 tests/cli/crafted_input_test.py HEAPDUMP   (from the repository root)
Prints one line per check and ends with "N passed, M failed".
"""
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile

from cli_util import Tally, heapdump_binary

HD = heapdump_binary()
N = 200_000
TIMEOUT = 60


TALLY = Tally(show_passes=True)
check = TALLY.check


def run(args, env=None):
    """heapdump ARGS under `timeout`: (exit status, stdout bytes, stderr)."""
    try:
        p = subprocess.run(["timeout", str(TIMEOUT), HD] + args, capture_output=True, env=env)
    except OSError as e:
        return 127, b"", str(e)
    return p.returncode, p.stdout, p.stderr.decode(errors="replace")


def run_json(label, args):
    code, out, err = run(args + ["--format", "json"])
    if code == 124:
        check(label, False, f"did not finish within {TIMEOUT} s")
        return None
    if code != 0:
        check(label, False, f"exit {code}: {err[:500]}")
        return None
    return json.loads(out)


def table(doc, name):
    for t in doc["tables"]:
        if t["name"] == name:
            return t
    raise KeyError(name)


# --- Strings that collided under the old, unkeyed string hash -------------
#
# OLD_HASH is a copy of heapdump's hash_bytes() before it was keyed (FNV-1a
# over 8-byte words, then splitmix64's finalizer), here only to craft
# colliding strings and to check that they do collide. For a 16-byte string
# of words w0, w1 it is mix64(((h1 ^ w1) * P) * P) with h1 = (B ^ w0) * P,
# so every string whose w1 equals its h1 hashes like the others. We pick w0
# from printable ASCII and keep those whose h1 has no byte above 0x7f, so the
# strings are ASCII (control characters are written as \u00XX escapes).
M = (1 << 64) - 1
P = 0x100000001B3
B = 0xCBF29CE484222325 ^ 16


def mix64(x):
    x ^= x >> 30
    x = (x * 0xBF58476D1CE4E5B9) & M
    x ^= x >> 27
    x = (x * 0x94D049BB133111EB) & M
    return x ^ (x >> 31)


def old_hash16(s):
    w0 = int.from_bytes(s[:8], "little")
    w1 = int.from_bytes(s[8:], "little")
    h = ((B ^ w0) * P) & M
    h = ((h ^ w1) * P) & M
    h = (h * P) & M  # the empty tail
    return mix64(h)


def colliding_strings(n):
    printable = [c for c in range(0x21, 0x7F) if c not in (0x22, 0x5C)]
    rng = random.Random(23)
    out = []
    while len(out) < n:
        # Bits 0-47 of h1 depend only on bytes 0-5 of w0: find such a prefix
        # first, then try every pair of bytes 6-7.
        low = int.from_bytes(bytes(rng.choice(printable) for _ in range(6)), "little")
        if (((B ^ low) * P) & ((1 << 48) - 1)) & 0x808080808080:
            continue
        for b6 in printable:
            for b7 in printable:
                w0 = low | (b6 << 48) | (b7 << 56)
                h1 = ((B ^ w0) * P) & M
                if h1 & 0x8080808080808080 == 0:
                    out.append(w0.to_bytes(8, "little") + h1.to_bytes(8, "little"))
                    if len(out) == n:
                        return out
    return out


tmp = tempfile.mkdtemp(prefix="heapdump-crafted-")
try:
    strings = colliding_strings(N)
    check("crafted strings: distinct, 16 bytes, one old hash",
          len(set(strings)) == N and all(len(s) == 16 for s in strings)
          and len({old_hash16(s) for s in strings}) == 1)
    texts = [s.decode("ascii") for s in strings]

    # Values: every string once, the first three a second time.
    values = os.path.join(tmp, "values.json")
    with open(values, "w") as f:
        for i, t in enumerate(texts + texts[:3]):
            f.write('{"address":"0x%x", "type":"STRING", "generation":1, "file":"a.rb", "line":1, '
                    '"memsize":40, "value":%s}\n' % (0x100000 + 40 * i, json.dumps(t)))
    doc = run_json("read all: colliding values", [
        "read", values, "all", "--lines", "5"])
    if doc:
        dup = table(doc, "duplicate_strings")
        check("read all: colliding values: the three repeated values, in order",
              [r[:2] for r in dup["rows"]] == [[t, 2] for t in texts[:3]], dup["rows"])
        check("read all: colliding values: object count",
              table(doc, "objects_by_location")["totals"]["objects"] == N + 3)

    # File and method names: object i at file i, method i, memsize i + 1;
    # one more object at file 0 with memsize N + 1.
    files = os.path.join(tmp, "files.json")
    with open(files, "w") as f:
        for i, t in enumerate(texts):
            f.write('{"address":"0x%x", "type":"OBJECT", "generation":1, "file":%s, "line":1, '
                    '"method":%s, "memsize":%d}\n' % (0x100000 + 40 * i, json.dumps(t), json.dumps(t), i + 1))
        f.write('{"address":"0x%x", "type":"OBJECT", "generation":1, "file":%s, "line":1, '
                '"method":"m", "memsize":%d}\n' % (0x100000 + 40 * N, json.dumps(texts[0]), N + 1))
    total = N * (N + 1) // 2 + N + 1
    doc = run_json("read --by file --by method: colliding names", [
        "read", files, "--by", "file", "--by", "method", "--lines", "3"])
    if doc:
        by_file = table(doc, "by_file")
        check("read --by file: colliding names: top rows and totals",
              by_file["rows"] == [[texts[0], N + 2, 2], [texts[N - 1], N, 1], [texts[N - 2], N - 1, 1]]
              and by_file["totals"] == {"bytes": total, "objects": N + 1}, by_file)
        by_method = table(doc, "by_method")
        check("read --by method: colliding names: top rows",
              by_method["rows"] == [["m", N + 1, 1], [texts[N - 1], N, 1], [texts[N - 2], N - 1, 1]],
              by_method["rows"])
    doc = run_json("compare --by file: colliding names", [
        "compare", files, values, "--by", "file", "--lines", "2"])
    if doc:
        t = doc["tables"][0]
        # B (values) has one file, a.rb: every file of A is GONE, a.rb NEW.
        # The smallest loss is file 1's (file 0 holds N + 2 bytes).
        check("compare --by file: colliding names: rows and totals",
              t["rows"] == [["a.rb", 0, 0, N + 3, 40 * (N + 3), N + 3, 40 * (N + 3), "NEW"],
                            [texts[1], 1, 2, 0, 0, -1, -2, "GONE"]]
              and t["totals"] == {"objects_a": N + 1, "bytes_a": total, "objects_b": N + 3, "bytes_b": 40 * (N + 3),
                                  # no allocation tracer in these dumps
                                  "allocation_tracer_bytes_a": 0, "allocation_tracer_bytes_b": 0},
              (t["rows"], t["totals"]))

    # ROOT names: root i references object i; object i has memsize i + 1.
    roots = os.path.join(tmp, "roots.json")
    with open(roots, "w") as f:
        for i in range(N):
            f.write('{"type":"ROOT", "root":"root%d", "references":["0x%x"]}\n' % (i, 0x100000 + 40 * i))
        for i in range(N):
            f.write('{"address":"0x%x", "type":"OBJECT", "memsize":%d}\n' % (0x100000 + 40 * i, i + 1))
    doc = run_json("retained: distinct ROOT names", ["retained", roots, "--lines", "2"])
    if doc:
        g = table(doc, "graph")["totals"]
        check("retained: distinct ROOT names: all reachable",
              g["objects"] == N and g["reachable_objects"] == N and g["root_references"] == N, g)
    code, out, err = run(["path", roots, "0x%x" % (0x100000 + 40 * 150_000)])
    check("path: distinct ROOT names: the root kind of object 150000 (no 16-bit wrap)",
          code == 0 and b"root150000" in out, f"exit {code}: {out[:300]!r} {err[:300]}")

    # Type names: object i has type T<i> and memsize i + 1; the last one is
    # referenced by a ROOT.
    types = os.path.join(tmp, "types.json")
    with open(types, "w") as f:
        f.write('{"type":"ROOT", "root":"vm", "references":["0x%x"]}\n' % (0x100000 + 40 * (N - 1)))
        for i in range(N):
            f.write('{"address":"0x%x", "type":"T%d", "memsize":%d}\n' % (0x100000 + 40 * i, i, i + 1))
    doc = run_json("retained: distinct type names", ["retained", types, "--lines", "3"])
    if doc:
        un = table(doc, "unreachable")
        # Unreachable: objects 0 .. N-2, largest memsize first.
        check("retained: distinct type names: each object keeps its own type (no T255)",
              [r[1] for r in un["rows"]] == ["T%d" % (N - 2), "T%d" % (N - 3), "T%d" % (N - 4)], un["rows"])
        top = table(doc, "top_retainers")
        check("retained: distinct type names: the root object's type",
              top["rows"][0][1] == "T%d" % (N - 1), top["rows"][:1])

    # diff: 300 objects whose type changes are 300 new objects.
    before = os.path.join(tmp, "before.json")
    after = os.path.join(tmp, "after.json")
    with open(before, "w") as fb, open(after, "w") as fa:
        for i in range(300):
            fb.write('{"address":"0x%x", "type":"T%d", "memsize":8}\n' % (0x100000 + 40 * i, i))
            fa.write('{"address":"0x%x", "type":"U%d", "memsize":8}\n' % (0x100000 + 40 * i, i))
    doc = run_json("diff: 300 changed type names", ["diff", before, after])
    if doc:
        t = table(doc, "diff")
        check("diff: 300 changed type names: every changed object reported, each with its type",
              t["totals"]["objects"] == 300 and sorted(r[0] for r in t["rows"]) == sorted("U%d" % i for i in range(300)),
              t["totals"])

    # The output does not depend on the hash key.
    fx = "fixtures/"
    commands = [
        ["read", fx + "leak_plain.2.json", "all", "--lines", "200"],
        ["read", fx + "leak_plain.2.json", "--by", "location,file,gem,class,type,method", "--lines", "200"],
        ["read", fx + "leak_plain.2.json", "all", "--strings", "--lines", "200"],
        ["compare", fx + "leak_plain.0.json", fx + "leak_plain.2.json", "--by", "class,location,method", "--lines", "200"],
        ["diff", fx + "leak_plain.0.json", fx + "leak_plain.1.json", fx + "leak_plain.2.json"],
        ["retained", fx + "leak_plain.2.json", "--lines", "200"],
        ["path", fx + "leak_plain.2.json", "--location", "gen/leak_sequence.rb:74", "--lines", "200"],
        ["read", values, "all", "--lines", "100"],
    ]
    for args in commands:
        outputs = []
        for key in ("1", "2", None):
            env = dict(os.environ)
            env.pop("HEAPDUMP_HASH_KEY", None)
            if key is not None:
                env["HEAPDUMP_HASH_KEY"] = key
            for threads in ("1", "2"):
                outputs.append(run(args + ["--threads", threads], env=env)[:2])
        check("same output for hash keys 1, 2, random: " + " ".join(a.replace(fx, "") for a in args[:3]),
              all(o == outputs[0] for o in outputs) and outputs[0][0] == 0 and outputs[0][1])
finally:
    shutil.rmtree(tmp)

TALLY.finish()
