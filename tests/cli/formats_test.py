#!/usr/bin/env python3
"""Cross-checks heapdump's three output formats on real fixtures.

For every command below, heapdump runs with --format text, json and csv, and
the outputs must agree with each other and with docs/output-formats.md:

  exit     same exit status (0) and same stderr for all three formats
  json     valid UTF-8 JSON on one line, schema_version 1, command,
           parameters, tables, columns, kinds and totals names in the
           documented order, value types per column kind, the documented
           escaping (re-serialised byte for byte), and the documented
           invariants (ranking, row limits, totals vs. rows)
  text     every number and key in the text output equals the JSON's
           (kb figures via floor((10*bytes+512)/1024) tenths; duplicate
           string values via a re-implementation of Ruby's String#inspect)
  csv      csv.reader: header per the doc, each table's data records and
           `.totals` record equal the JSON rows/totals; and the bytes equal
           a rendering of the JSON by the doc's rules (quoting, CRLF, nulls)
  threads  --format json gives the same stdout with --threads 1 and 2
  prefix   (drill-downs) --lines 7 gives the first rows of the default run

Usage: python3 tests/cli/formats_test.py HEAPDUMP   (from the repository root)
Prints one line per check group and ends with "N passed, M failed".
"""
import csv
import json
import os
import re
import subprocess
import sys
import tempfile
import unicodedata

from cli_util import heapdump_binary

HD = heapdump_binary()
FX = "fixtures/"

# --------------------------------------------------------------------------
# The documented schema (docs/output-formats.md).

SCHEMA = {
    "summary": {
        "command": "read",
        "params": ["file", "generation"],
        "tables": [
            ("generations",
             [("generation", "integer"), ("objects", "count"), ("bytes", "bytes")],
             ["objects", "bytes", "generations"]),
        ],
    },
    "drill": {
        "command": "read",
        "params": ["file", "generation", "lines"],
        "tables": [
            ("memory_by_location", [("location", "text"), ("bytes", "bytes")], ["bytes"]),
            ("objects_by_location", [("location", "text"), ("objects", "count")], ["objects"]),
            ("objects_by_class", [("class", "text"), ("objects", "count")], []),
            ("references_by_location", [("location", "text"), ("references", "count")], []),
            ("duplicate_strings",
             [("value", "text"), ("count", "count"), ("location", "text"),
              ("location_count", "count")], []),
        ],
    },
    "diff": {
        "command": "diff",
        "params": ["before", "after", "retained", "output_diff", "lines", "sort",
                   "include_tracer"],
        "tables": [
            ("diff",
             [("type", "text"), ("objects", "count"), ("bytes", "bytes"),
              ("file", "text"), ("line", "integer")],
             ["objects", "bytes"]),
        ],
    },
}


def case(kind, args, params, lines=None):
    return {"kind": kind, "args": args, "params": params, "lines": lines,
            "label": " ".join(a.replace(FX, "") for a in args)}


def read_summary(name):
    f = FX + name
    return case("summary", ["read", f], {"file": f, "generation": None})


def read_drill(name, gen, lines=None):
    f = FX + name
    args = ["read", f, gen] + (["--lines", str(lines)] if lines else [])
    return case("drill", args, {"file": f, "generation": gen, "lines": lines or 50},
                lines or 50)


def diff(*names):
    files = [FX + n for n in names]
    return case("diff", ["diff"] + files,
                {"before": files[0], "after": files[1],
                 "retained": files[2] if len(files) > 2 else None, "output_diff": None,
                 "lines": None, "sort": "count", "include_tracer": 0})


CASES = [
    read_summary("boot_sinatra.json.gz"),
    read_summary("leak_plain.2.json"),
    read_summary("edge_values.json"),
    read_summary("edge_empty.json"),
]
for _name in ["boot_sinatra.json.gz", "leak_plain.2.json", "edge_values.json",
              "edge_badjson_path.json"]:
    CASES.append(read_drill(_name, "all"))
    CASES.append(read_drill(_name, "all", 7))
# Every row: includes duplicate strings with escapes and a NUL ("\u0000").
CASES.append(read_drill("boot_sinatra.json.gz", "all", 100000))
CASES.append(read_drill("leak_plain.1.json", "2"))
CASES += [
    diff("leak_plain.0.json", "leak_plain.1.json"),
    diff("leak_plain.0.json", "leak_plain.1.json", "leak_plain.2.json"),
    diff("slot_reuse.0.json", "slot_reuse.1.json"),
]

# Synthetic dumps, written at run time to a temporary directory (the
# fixtures have no value that needs the JSON "latin1" form or CSV quoting):
# invalid UTF-8 in values, files and class names; control characters, quotes,
# commas, CR/LF, "#{", U+2028, the empty string; objects without file/line.
SYNTH_VALUES = [b"a\xffb", b'#{x}#$y#@z#\x01\x7f"\\\r\n,', b"", b"\xc3\xa9\xe2\x80\xa8\xf0\x9f\x98\x80",
                b"=1,2", b"\xe3\x81", b"tab\there\x1b\x07\x0b\x08\x0c"]
SYNTH_FILES = [b"dir/a,b.rb", b'q"uote.rb', b"bad\xfe.rb", b"cr\r.rb", b"plain.rb"]


def jbytes(b):
    """A JSON string literal holding the bytes b as Ruby's dump writes them
    (control characters escaped, other bytes raw)."""
    out = bytearray(b'"')
    for ch in b:
        if ch in (0x22, 0x5C):
            out += b"\\" + bytes([ch])
        elif ch < 0x20:
            out += b"\\u%04x" % ch
        else:
            out.append(ch)
    return bytes(out + b'"')


def synth_dump(extra):
    recs = [b'{"type":"ROOT", "root":"vm", "references":["0x1000"]}',
            b'{"address":"0x1000", "type":"CLASS", "name":' + jbytes(b'Odd,"Cls"\xff') + b', "memsize":100}',
            b'{"address":"0x1008", "type":"CLASS", "name":"String", "memsize":100}']
    addr = 0x2000
    for k in range(2 + extra):
        for i, v in enumerate(SYNTH_VALUES):
            f = SYNTH_FILES[(i + k) % len(SYNTH_FILES)]
            recs.append(b'{"address":"0x%x", "type":"STRING", "class":"0x1008", "value":%s, '
                        b'"file":%s, "line":%d, "generation":%d, "memsize":%d}'
                        % (addr, jbytes(v), jbytes(f), 10 + i, 3 + k, 40 + i))
            addr += 8
        recs.append(b'{"address":"0x%x", "type":"OBJECT", "class":"0x1000", "file":%s, '
                    b'"generation":%d, "memsize":%d, "references":["0x1000"]}'
                    % (addr, jbytes(SYNTH_FILES[k % 3]), 3 + k, 7 * k + 1))
        addr += 8
        recs.append(b'{"address":"0x%x", "type":"DATA", "memsize":%d}' % (addr, 9 + k))
        addr += 8
    return b"\n".join(recs) + b"\n"


def add_synthetic_cases(tmpdir):
    a = os.path.join(tmpdir, "synth_a.json")
    b = os.path.join(tmpdir, "synth_b.json")
    with open(a, "wb") as f:
        f.write(synth_dump(0))
    with open(b, "wb") as f:
        f.write(synth_dump(2))
    for c in (case("summary", ["read", b], {"file": b, "generation": None}),
              case("drill", ["read", b, "all"], {"file": b, "generation": "all", "lines": 50}, 50),
              case("drill", ["read", b, "all", "--lines", "3"],
                   {"file": b, "generation": "all", "lines": 3}, 3),
              case("diff", ["diff", a, b], {"before": a, "after": b, "retained": None,
                                            "output_diff": None, "lines": None,
                                            "sort": "count", "include_tracer": 0})):
        c["label"] = "synthetic: " + c["label"].replace(tmpdir + "/", "")
        CASES.append(c)


# --------------------------------------------------------------------------
# Helpers.

passed = 0
failed = 0


class Fail(Exception):
    pass


def check(label, group, fn):
    global passed, failed
    try:
        fn()
    except Fail as e:
        failed += 1
        msg = str(e)
        if len(msg) > 2000:
            msg = msg[:2000] + " ..."
        print(f"FAIL {label} [{group}]: {msg}")
    except Exception as e:  # a crash in a check is a failure too
        failed += 1
        print(f"FAIL {label} [{group}]: {type(e).__name__}: {e}")
    else:
        passed += 1
        print(f"ok   {label} [{group}]")


def expect(cond, msg):
    if not cond:
        raise Fail(msg)


def run(args, fmt, threads=None):
    cmd = [HD] + args + ["--format", fmt]
    if threads is not None:
        cmd += ["--threads", str(threads)]
    p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=120)
    return p.returncode, p.stdout, p.stderr


def text_bytes(v):
    """A JSON text value as the dump's bytes (None stays None)."""
    if v is None:
        return None
    if isinstance(v, dict):
        return v["latin1"].encode("latin-1")
    return v.encode("utf-8")


def sx(b):
    """bytes -> str, losslessly (as the CSV reader and text parser see it)."""
    return b.decode("utf-8", "surrogateescape")


def kb(nbytes):
    tenths = (10 * nbytes + 512) // 1024
    return f"{tenths // 10}.{tenths % 10}"


def is_utf8(b):
    try:
        b.decode("utf-8")  # strict: rejects overlongs, surrogates, > U+10FFFF, cut-offs
        return True
    except UnicodeDecodeError:
        return False


def ruby_inspect(b):
    """Ruby's String#inspect of a UTF-8 string (heapy-compat.md)."""
    simple = {0x0A: "\\n", 0x09: "\\t", 0x0D: "\\r", 0x0C: "\\f", 0x0B: "\\v",
              0x08: "\\b", 0x07: "\\a", 0x1B: "\\e", 0x22: '\\"', 0x5C: "\\\\"}
    out = ['"']
    i = 0
    n = len(b)
    while i < n:
        c = b[i]
        if c < 0x80:
            if c in simple:
                out.append(simple[c])
            elif c == 0x23:  # '#'
                nxt = b[i + 1] if i + 1 < n else 0
                out.append("\\#" if nxt in (0x7B, 0x24, 0x40) else "#")
            elif c < 0x20 or c == 0x7F:
                out.append(f"\\u{c:04X}")
            else:
                out.append(chr(c))
            i += 1
            continue
        ch = None
        for ln in (2, 3, 4):
            try:
                ch = b[i:i + ln].decode("utf-8")
                break
            except UnicodeDecodeError:
                pass
        if ch is None or len(ch) != 1:
            out.append(f"\\x{c:02X}")
            i += 1
            continue
        cp = ord(ch)
        # Ruby 3.1 escapes U+2028/U+2029 and unassigned code points; it prints
        # other non-ASCII (private use, format characters) as is. heapdump
        # also escapes the C1 and bidi controls (README, "Differences from heapy").
        if unicodedata.category(ch) in ("Zl", "Zp", "Cn") or is_term_control(cp):
            out.append(f"\\u{cp:04X}" if cp <= 0xFFFF else f"\\u{{{cp:X}}}")
        else:
            out.append(ch)
        i += len(ch.encode("utf-8"))
    out.append('"')
    return "".join(out)


def is_term_control(cp):
    """The code points no text output shows raw (README, "Robustness")."""
    return cp < 0x20 or 0x7F <= cp <= 0x9F or 0x202A <= cp <= 0x202E or 0x2066 <= cp <= 0x2069


def term(b):
    """Dump bytes as text output shows them: terminal controls as \\e,
    \\u009B, ... (Ruby's names for \\n \\t \\r \\f \\v \\b \\a \\e), bytes that are
    not UTF-8 as \\xNN, everything else as is (a str)."""
    names = {0x0A: "\\n", 0x09: "\\t", 0x0D: "\\r", 0x0C: "\\f", 0x0B: "\\v",
             0x08: "\\b", 0x07: "\\a", 0x1B: "\\e"}
    out = []
    i = 0
    while i < len(b):
        ch = None
        for ln in (1, 2, 3, 4):
            try:
                ch = b[i:i + ln].decode("utf-8")
                break
            except UnicodeDecodeError:
                pass
        if ch is None or len(ch) != 1:
            out.append(f"\\x{b[i]:02X}")
            i += 1
            continue
        cp = ord(ch)
        if is_term_control(cp):
            out.append(names.get(cp, f"\\u{cp:04X}"))
        else:
            out.append(ch)
        i += len(ch.encode("utf-8"))
    return "".join(out)


def json_str(s, latin1=False):
    """A JSON string escaped as docs/output-formats.md says."""
    out = ['"']
    for ch in s:
        o = ord(ch)
        if ch == '"':
            out.append('\\"')
        elif ch == "\\":
            out.append("\\\\")
        elif o in (8, 9, 10, 12, 13):
            out.append({8: "\\b", 9: "\\t", 10: "\\n", 12: "\\f", 13: "\\r"}[o])
        elif o < 0x20 or o == 0x7F or (latin1 and o >= 0x80):
            out.append(f"\\u{o:04x}")
        elif not latin1 and (is_term_control(o) or o in (0x2028, 0x2029)):
            out.append(f"\\u{o:04x}")
        else:
            out.append(ch)
    out.append('"')
    return "".join(out)


def json_canon(v):
    """The document as heapdump must write it: no whitespace, doc's escapes."""
    if v is None:
        return "null"
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int):
        return str(v)
    if isinstance(v, str):
        return json_str(v)
    if isinstance(v, list):
        return "[" + ",".join(json_canon(x) for x in v) + "]"
    if isinstance(v, dict):
        if list(v) == ["latin1"] and isinstance(v["latin1"], str):
            return '{"latin1":' + json_str(v["latin1"], latin1=True) + "}"
        return "{" + ",".join(json_str(k) + ":" + json_canon(x) for k, x in v.items()) + "}"
    raise Fail(f"unexpected JSON value {v!r}")


def first_diff(got, want, what):
    """Describe the first difference between two lists."""
    for i, (g, w) in enumerate(zip(got, want)):
        if g != w:
            return f"{what} #{i}: got {g!r}, expected {w!r}"
    if len(got) != len(want):
        return f"{what}: got {len(got)}, expected {len(want)}"
    return None


# --------------------------------------------------------------------------
# JSON: schema and invariants.

def check_json(c, out):
    sch = SCHEMA[c["kind"]]
    expect(not out.startswith(b"\xef\xbb\xbf"), "byte-order mark")
    expect(out.endswith(b"\n") and out.count(b"\n") == 1, "not one line ending in \\n")
    try:
        s = out.decode("utf-8")
    except UnicodeDecodeError as e:
        raise Fail(f"not valid UTF-8: {e}")
    doc = json.loads(s)
    expect(isinstance(doc, dict), "not an object")
    expect(list(doc)[:4] == ["schema_version", "command", "parameters", "tables"],
           f"top-level keys {list(doc)}")
    expect(type(doc["schema_version"]) is int and doc["schema_version"] == 1,
           f"schema_version {doc['schema_version']!r}")
    expect(doc["command"] == sch["command"], f"command {doc['command']!r}")
    params = doc["parameters"]
    expect(list(params)[:len(sch["params"])] == sch["params"],
           f"parameter names {list(params)}, expected {sch['params']}")
    for k in sch["params"]:
        expect(params[k] == c["params"][k] and type(params[k]) is type(c["params"][k]),
               f"parameter {k} = {params[k]!r}, expected {c['params'][k]!r}")
    tables = doc["tables"]
    names = [t["name"] for t in tables]
    expect(names[:len(sch["tables"])] == [t[0] for t in sch["tables"]],
           f"table names {names}")
    for t, (name, cols, totals) in zip(tables, sch["tables"]):
        expect(list(t)[:4] == ["name", "columns", "rows", "totals"], f"{name}: keys {list(t)}")
        got_cols = [(col["name"], col["kind"]) for col in t["columns"]]
        expect(got_cols[:len(cols)] == cols, f"{name}: columns {got_cols}, expected {cols}")
        expect(list(t["totals"])[:len(totals)] == totals,
               f"{name}: totals {list(t['totals'])}, expected {totals}")
        for k, v in t["totals"].items():
            expect(type(v) is int and 0 <= v < 2**64, f"{name}: total {k} = {v!r}")
        for r in t["rows"]:
            expect(isinstance(r, list) and len(r) == len(got_cols),
                   f"{name}: row {r!r} has not {len(got_cols)} values")
            for v, (cn, kind) in zip(r, got_cols):
                if kind == "text":
                    if isinstance(v, dict):
                        expect(list(v) == ["latin1"] and isinstance(v["latin1"], str)
                               and all(ord(ch) < 256 for ch in v["latin1"]),
                               f"{name}.{cn}: bad latin1 value {v!r}")
                        expect(not is_utf8(text_bytes(v)),
                               f"{name}.{cn}: latin1 form for well-formed UTF-8 {v!r}")
                    else:
                        expect(v is None or isinstance(v, str), f"{name}.{cn}: {v!r}")
                        if v is not None:
                            try:
                                v.encode("utf-8")
                            except UnicodeEncodeError:
                                raise Fail(f"{name}.{cn}: string form holds a surrogate: {v!r}")
                elif kind in ("count", "bytes"):
                    expect(type(v) is int and 0 <= v < 2**64, f"{name}.{cn}: {v!r}")
                else:
                    expect(v is None or (type(v) is int and 0 <= v < 2**64),
                           f"{name}.{cn}: {v!r}")
    canon = json_canon(doc) + "\n"
    if canon != s:
        i = next((k for k, (a, b) in enumerate(zip(canon, s)) if a != b), min(len(canon), len(s)))
        raise Fail(f"not written as documented at offset {i}: got {s[max(0, i - 40):i + 40]!r}, "
                   f"expected {canon[max(0, i - 40):i + 40]!r}")
    return doc


def tab(doc, name):
    for t in doc["tables"]:
        if t["name"] == name:
            return t
    raise Fail(f"no table {name}")


def nonincreasing(xs):
    return all(a >= b for a, b in zip(xs, xs[1:]))


def check_invariants(c, doc):
    kind = c["kind"]
    if kind == "summary":
        t = tab(doc, "generations")
        gens = [r[0] for r in t["rows"]]
        expect(None not in gens[1:], f"nil generation not first: {gens}")
        ints = [g for g in gens if g is not None]
        expect(ints == sorted(set(ints)), f"generations not ascending/unique: {gens}")
        expect(all(r[1] > 0 for r in t["rows"]), "a generation row without objects")
        tot = t["totals"]
        expect(tot["objects"] == sum(r[1] for r in t["rows"]), "totals.objects != sum of rows")
        expect(tot["bytes"] == sum(r[2] for r in t["rows"]), "totals.bytes != sum of rows")
        expect(tot["generations"] == len(t["rows"]), "totals.generations != number of rows")
    elif kind == "drill":
        n = c["lines"]
        for name in ("memory_by_location", "objects_by_location", "objects_by_class",
                     "references_by_location"):
            t = tab(doc, name)
            keys = [sx(text_bytes(r[0])) for r in t["rows"]]
            nums = [r[1] for r in t["rows"]]
            expect(len(t["rows"]) <= n, f"{name}: {len(t['rows'])} rows > --lines {n}")
            expect(nonincreasing(nums), f"{name}: not ranked largest first")
            expect(len(set(keys)) == len(keys), f"{name}: duplicate keys")
            if name != "objects_by_class":
                bad = [k for k in keys if not re.search(r":\d*\Z", k)]
                expect(not bad, f"{name}: locations not FILE:LINE: {bad[:3]!r}")
            for tk, tv in t["totals"].items():
                expect(tv >= sum(nums), f"{name}: total {tk} {tv} < sum of rows {sum(nums)}")
                if len(t["rows"]) < n:
                    expect(tv == sum(nums), f"{name}: uncut table, total {tk} {tv} != sum {sum(nums)}")
        mem, objs = tab(doc, "memory_by_location"), tab(doc, "objects_by_location")
        expect(len(mem["rows"]) == len(objs["rows"]), "memory_by_location and "
               "objects_by_location have different numbers of locations")
        t = tab(doc, "duplicate_strings")
        groups = []
        for r in t["rows"]:
            v = text_bytes(r[0])
            if groups and groups[-1][0] == v:
                expect(groups[-1][1] == r[1], f"duplicate_strings: count differs within {v!r}")
                groups[-1][2].append((r[2], r[3]))
            else:
                expect(v not in [g[0] for g in groups], f"duplicate_strings: rows of {v!r} not consecutive")
                groups.append((v, r[1], [(r[2], r[3])]))
        expect(len(groups) <= n, f"duplicate_strings: {len(groups)} values > --lines {n}")
        expect(nonincreasing([g[1] for g in groups]), "duplicate_strings: values not ranked by count")
        for v, cnt, locs in groups:
            expect(cnt >= 2, f"duplicate_strings: {v!r} seen {cnt} < 2 times")
            expect(nonincreasing([lc for _, lc in locs]), f"duplicate_strings: locations of {v!r} not ranked")
            expect(sum(lc for _, lc in locs) == cnt,
                   f"duplicate_strings: location counts of {v!r} sum to "
                   f"{sum(lc for _, lc in locs)}, count is {cnt}")
            expect(len({sx(text_bytes(l)) for l, _ in locs}) == len(locs),
                   f"duplicate_strings: a location repeats under {v!r}")
    else:
        t = tab(doc, "diff")
        nums = [r[1] for r in t["rows"]]
        expect(nonincreasing(nums), "diff: not ranked by objects")
        expect(all(x > 0 for x in nums), "diff: a group without objects")
        keys = [(r[0], sx(text_bytes(r[3]) or b"\0null"), r[4]) for r in t["rows"]]
        expect(len(set(keys)) == len(keys), "diff: (type, file, line) repeats")
        expect(t["totals"]["objects"] == sum(nums), "diff: totals.objects != sum of rows")
        expect(t["totals"]["bytes"] == sum(r[2] for r in t["rows"]), "diff: totals.bytes != sum of rows")


# --------------------------------------------------------------------------
# Text vs. JSON.

def check_text_summary(doc, text):
    t = tab(doc, "generations")
    lines = text.split("\n")
    rows, totals = [], {}
    for ln in lines:
        m = re.fullmatch(r"Generation: +(nil|\d+) object count: (\d+), mem: (\d+\.\d) kb", ln)
        if m:
            rows.append((None if m[1] == "nil" else int(m[1]), int(m[2]), m[3]))
            continue
        m = re.fullmatch(r"(Generations \(active\)|Count|Memory): (\d+(?:\.\d kb)?)", ln)
        if m:
            totals[m[1]] = m[2]
            continue
        expect(ln in ("", "Analyzing Heap", "Heap total", "=" * 14), f"unexpected text line {ln!r}")
    want = [(r[0], r[1], kb(r[2])) for r in t["rows"]]
    d = first_diff(rows, want, "generation row (gen, count, kb)")
    expect(d is None, d)
    tot = t["totals"]
    want_tot = {"Generations (active)": str(tot["generations"]), "Count": str(tot["objects"]),
                "Memory": kb(tot["bytes"]) + " kb"}
    expect(totals == want_tot, f"text totals {totals}, JSON says {want_tot}")


def check_text_drill(c, doc, text):
    lines = text.split("\n")
    gen = c["params"]["generation"]
    head = ["", f"Analyzing Heap (Generation: {gen})", "-" * 31, ""]
    expect(lines[:4] == head, f"header {lines[:4]!r}")
    titles = [
        (r"allocated by memory \((\d+)\) \(in bytes\)", "memory_by_location", "bytes", False),
        (r"object count \((\d+)\)", "objects_by_location", "objects", False),
        (r"object counts by class", "objects_by_class", None, False),
        (r"High Ref Counts", "references_by_location", None, True),
        (r"Duplicate strings", "duplicate_strings", None, True),
    ]
    sections = {}
    i = 4
    order = []
    while i < len(lines) and lines[i] != "":
        title = lines[i]
        for rx, name, total, blank in titles:
            m = re.fullmatch(rx, title)
            if m:
                break
        else:
            raise Fail(f"line {i + 1}: unexpected section title {title!r}")
        order.append(name)
        expect(lines[i + 1] == "=" * 30, f"line {i + 2}: no rule under {title!r}")
        i += 2
        if blank:
            expect(lines[i] == "", f"line {i + 1}: no blank line under {title!r}")
            i += 1
        sec = {"total": int(m[1]) if total else None, "rows": []}
        sections[name] = sec
        if name != "duplicate_strings":
            while lines[i] != "":
                m = re.fullmatch(r" *(\d+)  (.*)", lines[i])
                expect(m, f"line {i + 1}: not a row: {lines[i]!r}")
                sec["rows"].append((int(m[1]), m[2]))
                i += 1
            i += 1
        else:
            while i < len(lines) and lines[i] != "":
                m = re.fullmatch(r" *(\d+)  (\".*\")", lines[i])
                expect(m, f"line {i + 1}: not a value row: {lines[i]!r}")
                group = (int(m[1]), m[2], [])
                i += 1
                while lines[i] != "":
                    m = re.fullmatch(r" *(\d+)  (.*)", lines[i])
                    expect(m, f"line {i + 1}: not a location row: {lines[i]!r}")
                    group[2].append((int(m[1]), m[2]))
                    i += 1
                i += 1
                sec["rows"].append(group)
    expect(lines[i:] in ([""], []), f"line {i + 1}: unexpected trailing text {lines[i:i + 3]!r}")
    expect(text.endswith("\n\n"), "text does not end with a blank line")

    want_order = [name for _, name, _, _ in titles
                  if name in ("memory_by_location", "objects_by_location") or tab(doc, name)["rows"]]
    expect(order == want_order, f"sections {order}, expected (per the JSON's non-empty tables) {want_order}")
    for _, name, total, _ in titles:
        if name not in sections:
            continue
        t = tab(doc, name)
        sec = sections[name]
        if total:
            expect(sec["total"] == t["totals"][total],
                   f"{name}: title total {sec['total']}, JSON total {t['totals'][total]}")
        if name != "duplicate_strings":
            want = [(r[1], term(text_bytes(r[0]))) for r in t["rows"]]
        else:
            want = []
            for r in t["rows"]:
                v = ruby_inspect(text_bytes(r[0]))
                if not want or want[-1][1] != v:
                    want.append((r[1], v, []))
                want[-1][2].append((r[3], term(text_bytes(r[2]))))
        d = first_diff(sec["rows"], want, f"{name} row (number, key)")
        expect(d is None, d)


def check_text_diff(doc, text):
    t = tab(doc, "diff")
    word = "Retained" if doc["parameters"]["retained"] is not None else "Allocated"
    lines = text.split("\n")
    expect(lines[-1] == "", "text does not end in a newline" if text else "")
    lines = lines[:-1]
    got = []
    for ln in lines:
        m = re.fullmatch(r"(\w+) (.*) (\d+) objects of size (\d+)/(\d+) \(in bytes\) at: (.*):(\d*)", ln)
        expect(m, f"not a diff line: {ln!r}")
        got.append((m[1], m[2], int(m[3]), int(m[4]), int(m[5]), m[6], m[7]))
    total = t["totals"]["bytes"]
    want = [(word, term(text_bytes(r[0])), r[1], r[2], total, term(text_bytes(r[3]) or b""),
             "" if r[4] is None else str(r[4])) for r in t["rows"]]
    d = first_diff(got, want, "diff line (word, type, count, size, total, file, line)")
    expect(d is None, d)


# --------------------------------------------------------------------------
# CSV vs. JSON.

def csv_header(sch):
    names = []
    for _, cols, _ in sch["tables"]:
        for cn, _ in cols:
            if cn not in names:
                names.append(cn)
    for _, _, totals in sch["tables"]:
        for tn in totals:
            if tn not in names:
                names.append(tn)
    return ["table"] + names


def csv_records(doc, header):
    """The records as csv.reader must return them: (fields, kinds) per record."""
    recs = []
    for t in doc["tables"]:
        cols = [col["name"] for col in t["columns"]]
        kinds = {col["name"]: col["kind"] for col in t["columns"]}
        for r in t["rows"]:
            cell = dict(zip(cols, r))
            rec = [(t["name"], "text")]
            for h in header[1:]:
                if h not in cell or cell[h] is None:
                    rec.append((None, None))
                elif kinds[h] == "text":
                    rec.append((text_bytes(cell[h]), "text"))
                else:
                    rec.append((cell[h], "int"))
            recs.append(rec)
        if t["totals"]:
            rec = [(t["name"] + ".totals", "text")]
            for h in header[1:]:
                rec.append((t["totals"][h], "int") if h in t["totals"] else (None, None))
            recs.append(rec)
    return recs


def render_csv(recs):
    out = bytearray()
    for rec in recs:
        fields = []
        for v, k in rec:
            if v is None:
                fields.append(b"")
            elif k == "int":
                fields.append(str(v).encode())
            else:
                b = v if isinstance(v, bytes) else v.encode("utf-8")
                if b == b"" or any(ch in b for ch in b',"\r\n'):
                    b = b'"' + b.replace(b'"', b'""') + b'"'
                fields.append(b)
        out += b",".join(fields) + b"\r\n"
    return bytes(out)


def check_csv(c, doc, out, tmpdir):
    sch = SCHEMA[c["kind"]]
    path = os.path.join(tmpdir, "out.csv")
    with open(path, "wb") as f:
        f.write(out)
    with open(path, newline="", encoding="utf-8", errors="surrogateescape") as f:
        rows = list(csv.reader(f))
    header = csv_header(sch)
    expect(rows and rows[0] == header, f"header {rows[0] if rows else None}, expected {header}")
    recs = csv_records(doc, header)

    def as_field(v, k):
        if v is None:
            return ""
        return sx(v) if k == "text" and isinstance(v, bytes) else str(v)

    for name, _, _ in sch["tables"]:
        got = [r for r in rows[1:] if r[0] == name]
        want = [[as_field(v, k) for v, k in rec] for rec in recs if rec[0][0] == name]
        d = first_diff(got, want, f"{name} data record")
        expect(d is None, d)
        got = [r for r in rows[1:] if r[0] == name + ".totals"]
        want = [[as_field(v, k) for v, k in rec] for rec in recs if rec[0][0] == name + ".totals"]
        d = first_diff(got, want, f"{name}.totals record")
        expect(d is None, d)
    # Text fields hold the dump's bytes: the JSON's latin1 values included.
    for rec, row in zip(recs, rows[1:]):
        for (v, k), field in zip(rec, row):
            if k == "text" and isinstance(v, bytes):
                expect(field.encode("utf-8", "surrogateescape") == v,
                       f"CSV field {field!r} is not the bytes {v!r}")
    d = first_diff(rows[1:], [[as_field(v, k) for v, k in rec] for rec in recs], "record")
    expect(d is None, d)
    want_bytes = render_csv([[(h, "text") for h in header]] + recs)
    if out != want_bytes:
        i = next((k for k, (a, b) in enumerate(zip(out, want_bytes)) if a != b),
                 min(len(out), len(want_bytes)))
        raise Fail(f"bytes differ from the documented rendering at offset {i}: "
                   f"got {out[max(0, i - 40):i + 40]!r}, expected {want_bytes[max(0, i - 40):i + 40]!r}")


# --------------------------------------------------------------------------

def main():
    drill_docs = {}
    with tempfile.TemporaryDirectory() as tmpdir:
        add_synthetic_cases(tmpdir)
        for c in CASES:
            label = c["label"]
            try:
                res = {fmt: run(c["args"], fmt) for fmt in ("text", "json", "csv")}
            except (OSError, subprocess.SubprocessError) as e:
                check(label, "exit", lambda e=e: expect(False, f"cannot run heapdump: {e}"))
                continue

            def g_exit():
                codes = {fmt: r[0] for fmt, r in res.items()}
                expect(len(set(codes.values())) == 1, f"exit codes differ: {codes}")
                expect(codes["text"] == 0, f"exit code {codes['text']}: "
                       f"{res['text'][2].decode(errors='replace')[:300]}")
                errs = {fmt: r[2] for fmt, r in res.items()}
                if c["kind"] == "diff":
                    # Text alone ends stderr with the total line (or "no new
                    # objects"); its numbers are the JSON totals.
                    head, _, last = errs["text"][:-1].rpartition(b"\n")
                    errs["text"] = head + b"\n" if head else b""
                    totals = [t for t in json.loads(res["json"][1])["tables"]
                              if t["name"] == "diff"][0]["totals"]
                    word = " and retained" if c["params"]["retained"] is not None else ""
                    want = (b"no new objects" if totals["objects"] == 0 else
                            f"{totals['objects']} object{'' if totals['objects'] == 1 else 's'}, "
                            f"{totals['bytes']} bytes new{word}".encode())
                    expect(last == want, f"text stderr ends in {last!r}, not {want!r}")
                expect(errs["json"] == errs["text"] and errs["csv"] == errs["text"],
                       "stderr differs between formats")
            check(label, "exit", g_exit)

            state = {}

            def g_json():
                state["doc"] = check_json(c, res["json"][1])
                check_invariants(c, state["doc"])
            check(label, "json", g_json)
            doc = state.get("doc")
            if doc is None:
                continue
            if c["kind"] == "drill":
                drill_docs[tuple(c["args"][:3]) + (c["lines"],)] = doc

            def g_text():
                text = sx(res["text"][1])
                {"summary": lambda: check_text_summary(doc, text),
                 "drill": lambda: check_text_drill(c, doc, text),
                 "diff": lambda: check_text_diff(doc, text)}[c["kind"]]()
            check(label, "text", g_text)

            check(label, "csv", lambda: check_csv(c, doc, res["csv"][1], tmpdir))

            def g_threads():
                r1 = run(c["args"], "json", threads=1)
                r2 = run(c["args"], "json", threads=2)
                expect(r1[0] == r2[0] == res["json"][0], "exit codes differ by --threads")
                expect(r1[1] == r2[1], "--threads 1 and --threads 2 give different JSON")
                expect(r1[1] == res["json"][1], "--threads 1 and the default give different JSON")
            check(label, "threads", g_threads)

        # --lines 7 keeps the first rows (the first 7 values) of the default ranking.
        for key, small in drill_docs.items():
            if key[3] != 7:
                continue
            full = drill_docs.get(key[:3] + (50,))
            if full is None:
                continue

            def g_prefix(small=small, full=full):
                for t_small, t_full in zip(small["tables"], full["tables"]):
                    name = t_small["name"]
                    expect(t_small["totals"] == t_full["totals"], f"{name}: totals differ by --lines")
                    if name == "duplicate_strings":
                        values = []
                        for r in t_full["rows"]:
                            if not values or values[-1] != r[0]:
                                values.append(r[0])
                        keep = values[:7]
                        want = [r for r in t_full["rows"] if r[0] in keep]
                    else:
                        want = t_full["rows"][:7]
                    d = first_diff(t_small["rows"], want, f"{name} row")
                    expect(d is None, d)
            check(" ".join(a.replace(FX, "") for a in key[:3]) + " --lines 7 vs 50", "prefix", g_prefix)

    print(f"{passed} passed, {failed} failed")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
