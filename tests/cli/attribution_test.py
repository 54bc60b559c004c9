#!/usr/bin/env python3
"""Checks `read --by`, `read --strings` and `compare` against an independent count.

The fixtures are read here with Python's json module, grouped by each key as
README.md and docs/output-formats.md describe, and heapdump's `--format json`
output must equal that count exactly (rows, order, totals). Also: gem names on
the real gem paths of boot_sinatra.json.gz, `compare` on the leak sequence
finding the leaking classes and locations, generation ranges, the same JSON
for any --threads, CSV equal to JSON, and `--by location` with GEN equal to
the plain drill-down byte for byte.

Usage: python3 tests/cli/attribution_test.py HEAPDUMP   (from the repository root)
Prints one line per check and ends with "N passed, M failed".
"""
import csv
import gzip
import io
import json
import os
import re
import subprocess
import sys

from cli_util import Tally, heapdump_binary

HD = heapdump_binary()
FX = "fixtures/"
NOT_OBJECTS = {"ROOT", "SHAPE", "NONE", "MOVED"}
KEYS = ["location", "file", "gem", "class", "type", "method"]


TALLY = Tally(show_passes=True)
check = TALLY.check


def run(*args):
    p = subprocess.run([HD, *args, "-q"], capture_output=True)
    return p.returncode, p.stdout, p.stderr


def run_json(*args):
    code, out, err = run(*args, "--format", "json")
    if code != 0:
        raise RuntimeError(f"{args}: exit {code}: {err.decode()}")
    return json.loads(out)


# --------------------------------------------------------------------------
# The dump, read independently.

def load(path):
    raw = gzip.open(path, "rb").read() if path.endswith(".gz") else open(path, "rb").read()
    objects, names, info = [], {}, {}
    for line in raw.split(b"\n"):
        try:
            o = json.loads(line)
        except ValueError:
            continue
        if not isinstance(o, dict):
            continue
        if "address" not in o or o.get("type") in NOT_OBJECTS:
            continue
        objects.append(o)
        if o.get("type") in ("CLASS", "MODULE"):
            a = addr(o["address"])
            if isinstance(o.get("name"), str):
                names[a] = o["name"]  # the last named record wins
            info[a] = (addr(o.get("class")), o.get("singleton") is True)  # the last record wins
    return objects, Classes(names, info)


def addr(text):
    try:
        return int(text, 16) if isinstance(text, str) and text.startswith("0x") else None
    except ValueError:
        return None


class Classes:
    """Names of classes as README ("One name per class") says, written again:
    a singleton class is named after its attached object, the CLASS/MODULE
    whose class it is (the one that is not itself a singleton when several are)."""

    def __init__(self, names, info):
        self.names, self.info = names, info
        instances = {}
        for a, (c, single) in info.items():
            if c is not None and c != a and c in info and info[c][1]:
                instances.setdefault(c, []).append((a, single))
        self.attached = {}
        for s, inst in instances.items():
            plain = [a for a, single in inst if not single]
            if len(plain) == 1:
                self.attached[s] = plain[0]
            elif not plain and len(inst) == 1:
                self.attached[s] = inst[0][0]

    def of_class(self, a, depth=0):
        """(name, kind) of the class at address a; None when the dump has no CLASS/MODULE there."""
        if a not in self.info:
            return None
        if a in self.names:
            n = self.names[a]
            return (n, "anonymous" if n.startswith("#<") and ":0x" in n else "class")
        if self.info[a][1]:
            of = self.of_class(self.attached[a], depth + 1) if a in self.attached and depth < 8 else None
            if of is not None and of[1] == "class":
                return (f"#<Class:{of[0]}>", "class")
            return (f"#<Class:{a:#x}>", "singleton")
        return (f"#<Class:{a:#x}>", "anonymous")


def memsize(o):
    m = o.get("memsize")
    return m if isinstance(m, int) else 0


def file_of(o):
    f = o.get("file")
    return f if isinstance(f, str) else None


def location(o):
    f = file_of(o)
    if f is None:
        return "(no file)"
    line = o.get("line")
    return f"{f}:{line}" if isinstance(line, int) else f"{f}:"


VERSION = re.compile(r"^[0-9][0-9.+]*$")


def gem_dirname(d):
    i = d.rfind("-")
    return i > 0 and i + 1 < len(d)


def gem_of(path):
    """The documented rules (README.md, `--by gem`), written again."""
    if path.startswith("<internal:"):
        inner = path[len("<internal:"):]
        inner = inner[:-1] if inner.endswith(">") else inner
        return gem_of(inner) if inner.startswith("/") else "ruby/internal"
    if path.startswith("("):
        m = re.match(r"\([^ )]*", path)
        return m.group(0) + ")"
    parts = path.split("/")
    dirs = parts[:-1]  # components that are directories
    for i in range(len(dirs) - 1, 0, -1):
        if dirs[i - 1] == "gems" and i >= 1 and gem_dirname(dirs[i]) and (i - 1) > 0:
            return dirs[i]
    for i in range(len(dirs) - 1, -1, -1):
        if dirs[i] == "extensions":
            if i + 3 < len(dirs) and gem_dirname(dirs[i + 3]):
                return dirs[i + 3]
            break
    if len(parts) >= 2 and parts[-2] == "specifications" and len(parts) > 2 and \
            parts[-1].endswith(".gemspec") and gem_dirname(parts[-1][:-8]):
        return parts[-1][:-8]
    for i in range(1, len(dirs) - 1):
        if dirs[i] == "ruby" and "." in dirs[i + 1] and VERSION.match(dirs[i + 1]):
            return "ruby/lib"
    for lib in ("vendor_ruby", "site_ruby"):
        if lib in parts[1:-1]:
            i = len(parts) - 2 - parts[::-1][1:].index(lib)
            rest = parts[i + 1:]
            if len(rest) > 1 and "." in rest[0] and VERSION.match(rest[0]):
                rest = rest[1:]
            name = re.sub(r"\.(rb|so)$", "", rest[0]) if rest else ""
            if name:
                return f"{lib}/{name}"
    return "app"


def is_tracer(o):
    """Ruby's allocation tracer; the era fixtures write its struct without
    the "ObjectTracing/" prefix (fixtures/eras/README.md)."""
    return o.get("type") == "DATA" and o.get("struct") in (
        "ObjectTracing/allocation_info_tracer", "allocation_info_tracer")


def class_of(o, classes):
    """(name, kind) of an object's class."""
    t = o.get("type")
    if is_tracer(o):
        return ("(allocation tracer)", "tracer")
    if t == "IMEMO":
        return (f"<{o['imemo_type']}> (IMEMO)" if o.get("imemo_type") else "(IMEMO)", "none")
    found = classes.of_class(addr(o.get("class"))) if t != "ICLASS" else None
    return found if found is not None else (f"({t})", "none")


# compare sums the groups named by an address, one group per kind.
SUMMED = {"anonymous": "(anonymous classes)", "singleton": "(singleton classes of unnamed objects)"}


def key_of(key, o, names, summed=False):
    f = file_of(o)
    if key == "location":
        return location(o)
    if key == "file":
        return f if f is not None else "(no file)"
    if key == "gem":
        return gem_of(f) if f is not None else "(no file)"
    if key == "class":
        name, kind = class_of(o, names)
        return SUMMED[kind] if summed and kind in SUMMED else name
    if key == "type":
        return o.get("type")
    if key == "method":
        m = o.get("method")
        return m if isinstance(m, str) else "(no method)"


def select(objects, gen):
    """gen: None (every object), 'all', 'N' or 'A..B' (traced objects only)."""
    if gen is None:
        return objects
    out = [o for o in objects if file_of(o) is not None]
    if gen == "all":
        return out
    lo, _, hi = gen.partition("..")
    lo, hi = int(lo), int(hi or lo)
    return [o for o in out if isinstance(o.get("generation"), int) and lo <= o["generation"] <= hi]


def grouped(objects, names, key, lines, summed=False):
    groups = {}  # dicts keep first appearance
    for o in objects:
        g = groups.setdefault(key_of(key, o, names, summed), [0, 0])
        g[0] += memsize(o)
        g[1] += 1
    order = sorted(groups.items(), key=lambda kv: -kv[1][0])  # stable: ties keep first appearance
    return groups, {"name": f"by_{key}",
                    "columns": [{"name": key, "kind": "text"}, {"name": "bytes", "kind": "bytes"},
                                {"name": "objects", "kind": "count"}],
                    "rows": [[k, b, n] for k, (b, n) in order[:lines]],
                    "totals": {"bytes": sum(memsize(o) for o in objects), "objects": len(objects)}}


def strings_expected(objects, lines):
    strs = [o for o in objects if o.get("type") == "STRING" and isinstance(o.get("value"), str)]
    by_value, at = {}, {}
    for o in strs:
        v = by_value.setdefault(o["value"], [0, 0])
        v[0] += memsize(o)
        v[1] += 1
        a = at.setdefault(o["value"], {}).setdefault(location(o), [0, 0])
        a[0] += memsize(o)
        a[1] += 1
    totals = {"bytes": sum(memsize(o) for o in strs), "objects": len(strs)}
    cols = [{"name": "value", "kind": "text"}, {"name": "bytes", "kind": "bytes"},
            {"name": "objects", "kind": "count"}, {"name": "location", "kind": "text"},
            {"name": "location_bytes", "kind": "bytes"}, {"name": "location_objects", "kind": "count"}]
    tables = []
    for name, idx in (("strings_by_memory", 0), ("strings_by_copies", 1)):
        rows = []
        for value, acc in sorted(by_value.items(), key=lambda kv: -kv[1][idx])[:lines]:
            for loc, la in sorted(at[value].items(), key=lambda kv: -kv[1][idx])[:lines]:
                rows.append([value, acc[0], acc[1], loc, la[0], la[1]])
        tables.append({"name": name, "columns": cols, "rows": rows, "totals": totals})
    # (value, location) pairs with >= 2 copies, by copies; ties by first object of the pair.
    first = {}
    for i, o in enumerate(strs):
        first.setdefault((o["value"], location(o)), i)
    pairs = [(first[(v, loc)], v, loc, la) for v in at for loc, la in at[v].items() if la[1] >= 2]
    pairs.sort(key=lambda p: (-p[3][1], p[0]))
    tables.append({"name": "frozen_string_candidates",
                   "columns": [{"name": "location", "kind": "text"}, {"name": "value", "kind": "text"},
                               {"name": "objects", "kind": "count"}, {"name": "bytes", "kind": "bytes"}],
                   "rows": [[loc, v, la[1], la[0]] for _, v, loc, la in pairs[:lines]],
                   "totals": {}})
    return tables


def first_diff(a, b):
    if a == b:
        return ""
    for k in ("name", "columns", "totals"):
        if a.get(k) != b.get(k):
            return f"{k}: {a.get(k)} != {b.get(k)}"
    for i, (x, y) in enumerate(zip(a["rows"], b["rows"])):
        if x != y:
            return f"row {i}: {x} != {y}"
    return f"rows: {len(a['rows'])} != {len(b['rows'])}"


# --------------------------------------------------------------------------
# read --by KEY

DUMPS = {}
for fx in ["leak_plain.2.json", "boot_sinatra.json.gz", "edge_values.json", "eras/ruby-3.4.json",
           "edge_full.json.gz"]:
    DUMPS[fx] = load(FX + fx)

for fx, (objects, names) in DUMPS.items():
    for gen in [None, "all", "2..3"]:
        lines = 20 if gen == "2..3" else 1000000
        args = ["read", FX + fx] + ([gen] if gen else []) + ["--by", ",".join(KEYS[1:]), "--by",
                                                             "location", "--lines", str(lines)]
        sel = select(objects, gen)
        if not sel and gen:
            code, _, _ = run(*args)
            check(f"read {fx} {gen} --by ...: nothing selected, exit 1", code == 1, code)
            continue
        doc = run_json(*args)
        tables = {t["name"]: t for t in doc["tables"]}
        for key in KEYS:
            if key == "location" and gen is not None:  # the classic drill-down instead
                check(f"read {fx} {gen} --by location: the drill-down tables",
                      "memory_by_location" in tables and "by_location" not in tables)
                continue
            _, want = grouped(sel, names, key, lines)
            got = tables.get(f"by_{key}")
            check(f"read {fx} {gen or '(every object)'} --by {key}: {len(want['rows'])} groups",
                  got == want, first_diff(got or {}, want))
        check(f"read {fx} {gen}: parameters",
              doc["parameters"] == {"file": FX + fx, "generation": gen, "lines": lines,
                                    "by": "file,gem,class,type,method,location", "strings": 0},
              doc["parameters"])

# Threads: the same JSON for 1, 2 and 8 parsing threads.
for args in [["read", FX + "boot_sinatra.json.gz", "--by", "gem,class,method", "--strings"],
             ["compare", FX + "leak_plain.0.json", FX + "leak_plain.2.json", "--by",
              "class,location,gem,type,file,method"]]:
    outs = {run(*args, "--format", "json", "--threads", t)[1] for t in ("1", "2", "8")}
    check(f"{args[0]} {' '.join(args[2:])}: same JSON for --threads 1, 2, 8", len(outs) == 1)

# --by location (or none) with GEN is exactly the drill-down, text and JSON.
for fmt in ("text", "json", "csv"):
    plain = run("read", FX + "leak_plain.2.json", "all", "--format", fmt)
    by = run("read", FX + "leak_plain.2.json", "all", "--by", "location", "--format", fmt)
    check(f"read all --by location --format {fmt}: identical to read all", plain == by)
plain = run("read", FX + "leak_plain.2.json")
check("read FILE (no GEN, no --by): the summary as before",
      plain[0] == 0 and plain[1].startswith(b"\nAnalyzing Heap\n==============\nGeneration: nil"))

# --------------------------------------------------------------------------
# Gem names on the real paths of the boot fixture.

objects, names = DUMPS["boot_sinatra.json.gz"]
doc = run_json("read", FX + "boot_sinatra.json.gz", "--by", "gem", "--lines", "1000")
gems = {row[0]: row for row in doc["tables"][0]["rows"]}
for g in ["rack-2.2.22", "rack-protection-3.0.5", "sinatra-3.0.5", "mustermann-3.0.0",
          "json-2.6.3", "erubi-1.9.0", "tilt-2.0.11", "ruby/lib", "ruby/internal",
          "vendor_ruby/rubygems", "vendor_ruby/tilt", "app", "(eval)", "(no file)"]:
    check(f"boot_sinatra --by gem: group {g}", g in gems)
rack = [o for o in objects if "/gems/rack-2.2.22/" in (file_of(o) or "")
        or (file_of(o) or "").endswith("/specifications/rack-2.2.22.gemspec")]
check("boot_sinatra --by gem: rack-2.2.22 = objects under /gems/rack-2.2.22/ and its gemspec",
      gems["rack-2.2.22"][1:] == [sum(map(memsize, rack)), len(rack)], (gems["rack-2.2.22"], len(rack)))
stdlib = [o for o in objects if re.match(r"/usr/lib/(x86_64-linux-gnu/)?ruby/3\.1\.0/", file_of(o) or "")]
check("boot_sinatra --by gem: ruby/lib = /usr/lib/ruby/3.1.0 + /usr/lib/x86_64-linux-gnu/ruby/3.1.0",
      gems["ruby/lib"][2] == len(stdlib), (gems["ruby/lib"], len(stdlib)))
check("boot_sinatra --by gem: no gem name looks like a path",
      all("/" not in g or g.split("/")[0] in ("ruby", "vendor_ruby", "site_ruby") for g in gems))

# --------------------------------------------------------------------------
# read --strings

for fx, gen in [("leak_plain.2.json", "all"), ("leak_plain.2.json", None), ("edge_values.json", "all"),
                ("boot_sinatra.json.gz", "2..40")]:
    objects, names = DUMPS[fx]
    for lines in (5, 50):
        args = ["read", FX + fx] + ([gen] if gen else []) + ["--strings", "--lines", str(lines)]
        doc = run_json(*args)
        want = strings_expected(select(objects, gen), lines)
        for got, exp in zip(doc["tables"], want):
            check(f"read {fx} {gen} --strings --lines {lines}: {exp['name']}", got == exp,
                  first_diff(got, exp))

# --------------------------------------------------------------------------
# compare A B: the leak sequence.

def compare_expected(a, b, key, lines, include_tracer=False):
    """compare leaves Ruby's allocation tracer out of every group and total
    unless --include-tracer; the totals give its bytes in each dump."""
    tracer_a = sum(memsize(o) for o in a[0] if is_tracer(o))
    tracer_b = sum(memsize(o) for o in b[0] if is_tracer(o))
    if not include_tracer:
        a = ([o for o in a[0] if not is_tracer(o)], a[1])
        b = ([o for o in b[0] if not is_tracer(o)], b[1])
    ga, _ = grouped(*a, key, 10 ** 9, summed=True)
    gb, _ = grouped(*b, key, 10 ** 9, summed=True)
    rows = []
    for k, (bb, nb) in gb.items():
        ba, na = ga.get(k, (0, 0))
        rows.append([k, na, ba, nb, bb, nb - na, bb - ba, "NEW" if k not in ga else None])
    for k, (ba, na) in ga.items():
        if k not in gb:
            rows.append([k, na, ba, 0, 0, -na, -ba, "GONE"])
    rows.sort(key=lambda r: (-r[6], -r[5]))  # stable: B's first appearance, then A's
    cols = [(key, "text"), ("objects_a", "count"), ("bytes_a", "bytes"), ("objects_b", "count"),
            ("bytes_b", "bytes"), ("objects_delta", "count_delta"), ("bytes_delta", "bytes_delta"),
            ("status", "text")]
    return {"name": f"compare_by_{key}", "columns": [{"name": n, "kind": k} for n, k in cols],
            "rows": rows[:lines],
            "totals": {"objects_a": len(a[0]), "bytes_a": sum(map(memsize, a[0])),
                       "objects_b": len(b[0]), "bytes_b": sum(map(memsize, b[0])),
                       **({"address_groups_a": address_groups(a), "address_groups_b": address_groups(b)}
                          if key == "class" else {}),
                       "allocation_tracer_bytes_a": tracer_a, "allocation_tracer_bytes_b": tracer_b}}


def address_groups(dump):
    """How many class groups of a dump are named by an address."""
    return len({n for n, kind in (class_of(o, dump[1]) for o in dump[0]) if kind in SUMMED})


LEAK = [load(FX + f"leak_plain.{i}.json") for i in range(3)]
for (i, j) in [(0, 1), (0, 2), (2, 0)]:
    for lines in (10, 1000000):
        for tracer in ([], ["--include-tracer"]):
            doc = run_json("compare", FX + f"leak_plain.{i}.json", FX + f"leak_plain.{j}.json",
                           "--by", "class,location,gem,type,file,method", "--lines", str(lines),
                           *tracer)
            check(f"compare {i} {j} {tracer}: include_tracer parameter",
                  doc["parameters"]["include_tracer"] == (1 if tracer else 0), doc["parameters"])
            for got in doc["tables"]:
                key = got["name"][len("compare_by_"):]
                exp = compare_expected(LEAK[i], LEAK[j], key, lines, include_tracer=bool(tracer))
                check(f"compare leak_plain.{i} leak_plain.{j} --by {key} --lines {lines} {tracer}",
                      got == exp, first_diff(got, exp))
# By default the tracer (which grew from 115720 to 230408 bytes, the largest
# growth of any group) is no group; with --include-tracer it tops the growth.
for tracer, top in (([], "String"), (["--include-tracer"], "(allocation tracer)")):
    doc = run_json("compare", FX + "leak_plain.0.json", FX + "leak_plain.1.json", *tracer)
    rows = doc["tables"][0]["rows"]
    check(f"compare leak 0->1 {tracer}: top growth is {top}", rows[0][0] == top, rows[:2])
    check(f"compare leak 0->1 {tracer}: tracer row only when included",
          any(r[0] == "(allocation tracer)" for r in rows) == bool(tracer))

# 18 /users requests between dumps 0 and 1 leak, per request, a HASH and a
# STRING at :74, a DATA proc and an IMEMO env at :78, an ARRAY and 20 STRINGs at :79.
doc = run_json("compare", FX + "leak_plain.0.json", FX + "leak_plain.1.json", "--by", "location,class")
loc = {r[0]: r for r in doc["tables"][0]["rows"]}
for where, at_least in [(":74", 36), (":78", 36), (":79", 378)]:
    row = loc.get("gen/leak_sequence.rb" + where)
    check(f"compare leak 0->1: gen/leak_sequence.rb{where} grew by >= {at_least} objects",
          row is not None and row[5] >= at_least, row)
top3 = [r[0] for r in doc["tables"][0]["rows"] if r[0] != "(no file)"][:3]
check("compare leak 0->1: :79 is the fastest-growing traced location",
      top3[0] == "gen/leak_sequence.rb:79", top3)
cls = {r[0]: r for r in doc["tables"][1]["rows"]}
for name, at_least in [("String", 378), ("Hash", 18), ("Array", 18), ("Proc", 18),
                       ("<env> (IMEMO)", 18)]:
    check(f"compare leak 0->1: class {name} grew by >= {at_least}",
          name in cls and cls[name][5] >= at_least, cls.get(name))
# Reversed, the same groups shrink.
rev = run_json("compare", FX + "leak_plain.1.json", FX + "leak_plain.0.json", "--by", "location",
               "--lines", "1000000")
rloc = {r[0]: r for r in rev["tables"][0]["rows"]}
check("compare leak 1->0: :79 shrinks by the same amount",
      rloc["gen/leak_sequence.rb:79"][5] == -loc["gen/leak_sequence.rb:79"][5])

# Different processes: NEW and GONE groups (leak vs. boot dump).
doc = run_json("compare", FX + "leak_plain.0.json", FX + "boot_sinatra.json.gz", "--by", "gem",
               "--lines", "1000")
status = {r[0]: r[7] for r in doc["tables"][0]["rows"]}
check("compare leak -> boot --by gem: rack-2.2.22 is NEW", status.get("rack-2.2.22") == "NEW", status)
doc = run_json("compare", FX + "boot_sinatra.json.gz", FX + "leak_plain.0.json", "--by", "gem",
               "--lines", "1000")
status = {r[0]: r[7] for r in doc["tables"][0]["rows"]}
check("compare boot -> leak --by gem: rack-2.2.22 is GONE", status.get("rack-2.2.22") == "GONE", status)

# CSV equals JSON (signed deltas included), and the text shows the markers.
code, out, _ = run("compare", FX + "leak_plain.1.json", FX + "leak_plain.0.json", "--by", "type",
                   "--format", "csv")
records = list(csv.reader(io.StringIO(out.decode(), newline="")))
jdoc = run_json("compare", FX + "leak_plain.1.json", FX + "leak_plain.0.json", "--by", "type")
want = [["compare_by_type"] + ["" if v is None else str(v) for v in r] for r in jdoc["tables"][0]["rows"]]
check("compare --format csv: rows equal the JSON, negative deltas as -N",
      # (the last two fields are the tracer totals' columns, empty in a row)
      [r[:9] for r in records[1:1 + len(want)]] == want
      and all(r[9:] == ["", ""] for r in records[1:1 + len(want)])
      and any(r[6].startswith("-") for r in records[1:1 + len(want)]),
      records[:4])
code, out, _ = run("compare", FX + "leak_plain.0.json", FX + "boot_sinatra.json.gz", "--by", "gem")
check("compare text: NEW marker and signed deltas",
      code == 0 and re.search(rb"\n +\+\d+ +\+\d+ +0 +0 +\d+ +\d+  NEW   rack-2\.2\.22\n", out) is not None)

# Usage errors.
for args in [["read", FX + "leak_plain.0.json", "9..5"], ["read", FX + "leak_plain.0.json", "1..x"],
             ["read", FX + "leak_plain.0.json", "--by", "colour"],
             ["compare", FX + "leak_plain.0.json"],
             ["compare", FX + "leak_plain.0.json", FX + "leak_plain.1.json", "--by", "string"]]:
    code, _, err = run(*args)
    check(f"usage error: {' '.join(a.replace(FX, '') for a in args)}", code == 2 and err.startswith(b"heapdump: "), (code, err))

# --strings in text shows at most 120 characters of a value, then
# "… (N bytes)"; JSON keeps the value whole (issue 22 §4). The expected lines
# are built here from the values written (plain letters and "é", which
# String#inspect shows as they are).
import tempfile
with tempfile.TemporaryDirectory() as tmp:
    long_value = "x" * 200015
    accents = "é" * 121
    short = "y" * 120
    dump = os.path.join(tmp, "long.json")
    with open(dump, "w", encoding="utf-8") as f:
        addr = 0x1000
        for v in [long_value] * 2 + [accents] * 2 + [short] * 2:
            f.write(json.dumps({"address": hex(addr), "type": "STRING", "value": v,
                                "memsize": len(v.encode()) + 41, "file": "a.rb", "line": 1},
                               ensure_ascii=False) + "\n")
            addr += 0x28
    code, out, _ = run("read", dump, "--strings")
    text = out.decode("utf-8")
    for v in (long_value, accents, short):
        shown = f'"{v}"' if len(v) <= 120 else f'"{v[:120]}"\u2026 ({len(v.encode())} bytes)'
        check(f"--strings text: a value of {len(v)} characters shows as {shown[:12]}…{shown[-14:]}",
              code == 0 and re.search(r"^ +\d+ +\d+  " + re.escape(shown) + "$", text, re.M) is not None
              and re.search(r"^ +\d+ +\d+  a\.rb:1  " + re.escape(shown) + "$", text, re.M) is not None,
              text[:300])
    check("--strings text: no line over 200 characters", max(map(len, text.split("\n"))) < 200)
    doc = run_json("read", dump, "--strings")
    values = {r[0] for t in doc["tables"] if t["name"] == "strings_by_memory" for r in t["rows"]}
    check("--strings json: values whole", values == {long_value, accents, short}, len(values))

TALLY.finish()
