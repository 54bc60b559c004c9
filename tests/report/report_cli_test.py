#!/usr/bin/env python3
"""`heapdump report` without a browser: the page's bytes, its files and exit codes.

  output   default heapdump-report.html in the current folder; -o -; -o over
           an input refused (exit 2, input untouched); a failed run leaves
           no page and no temporary file
  page     one file: the CSP meta tag, no external reference, inline CSS and
           script <= 60 KB, one JSON block equal to --format json's document
  values   every data-value equals the JSON number its data-table/row/col
           names; every number cell of a table has one
  threads  the same bytes for --threads 1, 2 and 8 (one dump, two, three)
  gates    --fail-if-new-objects/--fail-if-new-bytes exit as diff does
           (4 tripped, 5 not judged) and the page carries the banner
  hostile  class names, strings and paths holding </script><img ...>, ESC
           and U+202E: no element but the page's own, no raw control
  tree     the dominator_tree table's sums are exact and its root is the heap

Usage: python3 tests/report/report_cli_test.py HEAPDUMP  (from the repository root)
"""
import json
import os
import re
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "cli"))
from cli_util import Tally  # noqa: E402
from report_util import EVIL, FX, run, scan, table, value_mismatches, write_hostile_dumps  # noqa: E402

HD = os.path.abspath(sys.argv[1])
TALLY = Tally(show_passes=True, width=3000)
check = TALLY.check


ONE = [FX + "leak_plain.2.json"]
THREE = [FX + "leak_plain.0.json", FX + "leak_plain.1.json", FX + "leak_plain.2.json"]
TWO = [FX + "slot_reuse.0.json", FX + "slot_reuse.1.json"]
tmp = tempfile.mkdtemp(prefix="heapdump-report-")


def page(args, label):
    code, out, err = run(HD, ["report"] + args + ["-o", "-"])
    check(f"{label}: exit 0", code == 0, f"exit {code}: {err[:500]}")
    return out


def check_page(label, out, json_args):
    """The page's structure and numbers against `report ... --format json`."""
    text = out.decode("utf-8")
    check(f"{label}: starts as an HTML document", text.startswith("<!DOCTYPE html>"))
    check(f"{label}: CSP meta tag",
          "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
          "script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src data:\">" in text)
    style = re.search(r"<style>\n(.*?)</style>", text, re.S)
    script = re.search(r"</script>\n<script>\n(.*?)</script>", text, re.S)
    size = len(style.group(1).encode()) + len(script.group(1).encode()) if style and script else None
    check(f"{label}: inline CSS and script, {size} bytes <= 60 KB", size is not None and size <= 60 * 1024)
    s = scan(out)
    # Nothing loaded from elsewhere: no src= or href= but in-page anchors and data:.
    ext = [r for r in s.refs if not (r.startswith("#") or r.startswith("data:"))]
    check(f"{label}: no external reference ({len(s.refs)} references)", not ext, str(ext[:5]))
    check(f"{label}: one JSON block", s.json_text is not None and text.count('id="heapdump-data"') == 1)
    check(f"{label}: no '<' inside the JSON block", s.json_text is not None and "<" not in s.json_text)
    doc = json.loads(s.json_text)
    code, jout, err = run(HD, ["report"] + json_args + ["--format", "json"])
    check(f"{label}: --format json exits 0", code == 0, err[:300])
    want = json.loads(jout)
    check(f"{label}: the JSON block is --format json's document", doc == want)
    check(f"{label}: schema_version 1, command report",
          doc.get("schema_version") == 1 and doc.get("command") == "report")
    bad = value_mismatches(want, s.values)
    check(f"{label}: {len(s.values)} data-values equal the JSON's numbers", not bad and s.values, str(bad[:5]))
    missing = [c for c in s.number_cells if not c[3]]
    check(f"{label}: every number cell ({len(s.number_cells)}) has a data-value", not missing, str(missing[:5]))
    return doc, s


# --- pages of the fixtures ----------------------------------------------------

one = page(ONE, "report FILE")
doc1, scan1 = check_page("report FILE", one, ONE)
three = page(THREE, "report A B C")
doc3, scan3 = check_page("report A B C", three, THREE)
two = page(TWO, "report A B")
check_page("report A B", two, TWO)

# The tree: root = every object of the dump, sums exact.
tree = table(doc1, "dominator_tree")
graph = table(doc1, "graph")
if tree and graph:
    cols = [c["name"] for c in tree["columns"]]
    rows = [dict(zip(cols, r)) for r in tree["rows"]]
    check("tree: root retains the heap's bytes and holds every object",
          rows[0]["kind"] == "root" and rows[0]["retained"] == graph["totals"]["bytes"]
          and rows[0]["objects"] == graph["totals"]["objects"])
    kids = {}
    for r in rows[1:]:
        kids.setdefault(r["parent"], []).append(r)
    exact = all(r["shallow"] + sum(k["retained"] for k in kids[r["node"]]) == r["retained"]
                for r in rows if r["node"] in kids)
    check("tree: shallow + children's retained = retained, for every expanded node", exact)
    check("tree: at most 20,000 nodes, depth <= 32, <= 16 children",
          len(rows) <= 20000 and max(r["depth"] for r in rows) <= 32
          and max(len(v) for v in kids.values()) <= 16)
    reach = [r for r in rows if r["parent"] == 0 and r["kind"] != "unreachable"]
    check("tree: the root's reachable children retain the reachable bytes",
          sum(r["retained"] for r in reach) == graph["totals"]["reachable_bytes"])
else:
    check("tree: tables dominator_tree and graph", False)

# Allocation sites: read --by KEY's and read --strings' tables, the group
# counts and the completeness notes under them.
for key in ("class", "location", "gem", "file", "type", "method"):
    code, rj, _ = run(HD, ["read", ONE[0], "--by", key, "--format", "json", "--lines", "1000000"])
    full = table(json.loads(rj), "by_" + key)
    mine = table(doc1, "allocated_by_" + key)
    check(f"allocated_by_{key}: read --by {key}'s first 20 rows, totals and group count",
          mine is not None and mine["rows"] == full["rows"][:20]
          and mine["totals"] == dict(full["totals"], groups=len(full["rows"])))
    if mine is None:
        continue
    note = re.search(r'<p class="note cut" data-table="allocated_by_%s">([^<]*(?:<i>other</i>[^<]*)?)</p>' % key,
                     one.decode())
    rest = full["totals"]["bytes"] - sum(r[1] for r in mine["rows"])
    want = (f"Top 20 of {len(full['rows']):,} groups; "
            f"{100 * rest / full['totals']['bytes']:.1f} % of the bytes" if len(full["rows"]) > 20
            else f"All {len(full['rows']):,} groups.")
    check(f"allocated_by_{key}: the note under it says '{want}'", note is not None and note.group(1).startswith(want),
          note and note.group(1))
code, sj, _ = run(HD, ["read", ONE[0], "--strings", "--format", "json", "--lines", "20"])
values = len({r[0] for r in json.loads(run(HD, ["read", ONE[0], "--strings", "--format", "json", "--lines",
                                                  "1000000"])[1])["tables"][0]["rows"]})
cut = lambda v: (v.encode()[:120].decode("utf-8", "ignore") + "\u2026"  # values over 120 bytes
                 if isinstance(v, str) and len(v.encode()) > 120 else v)
for t in json.loads(sj)["tables"]:
    mine = table(doc1, t["name"])
    vc = [c["name"] for c in t["columns"]].index("value")
    extra, rows = {}, [r[:vc] + [cut(r[vc])] + r[vc + 1:] for r in t["rows"]]
    if t["name"] != "frozen_string_candidates":  # a value's first 5 locations
        extra = {"values": values}
        rows = [r for i, r in enumerate(rows) if sum(1 for p in rows[:i] if p[0] == r[0]) < 5]
    check(f"{t['name']}: read --strings' table ({len(rows)} of {len(t['rows'])} rows), values counted",
          mine is not None and mine["rows"] == rows and mine["totals"] == dict(t["totals"], **extra))
# Per generation: a generation's rows of each key sum to its row of "generations".
gg, gens = table(doc1, "generation_groups"), table(doc1, "generations")
sums = {}
for g, key, group, b, n, k in gg["rows"]:
    s_ = sums.setdefault((g, key), [0, 0])
    s_[0] += b
    s_[1] += n
want = {(r[0], key): [r[2], r[1]] for r in gens["rows"]
        for key in ("class", "location", "gem", "file", "type", "method")}
check("generation_groups: each generation's rows of each key sum to its bytes and objects", sums == want)

# The diff table of the page is diff's own (first --lines rows).
code, dj, _ = run(HD, ["diff"] + THREE + ["--format", "json"])
d_page, d_diff = table(doc3, "diff"), table(json.loads(dj), "diff")
check("report A B C: the diff rows are diff's first 20, its totals diff's",
      d_page["rows"] == d_diff["rows"][:20] and len(d_page["rows"]) == min(20, len(d_diff["rows"]))
      and d_page["totals"] == dict(d_diff["totals"], groups=len(d_diff["rows"])), str(d_page["totals"]))
# The growth tables are compare's (first dump vs the last).
code, cj, _ = run(HD, ["compare", THREE[0], THREE[2], "--by", "class,location,gem", "--lines", "20",
                       "--format", "json"])
cdoc = json.loads(cj)
check("report A B C: the growth tables are compare A C's",
      all(table(doc3, t["name"]) == t for t in cdoc["tables"]))

# --- threads: the same bytes ----------------------------------------------------

for label, files in (("report FILE", ONE), ("report A B C", THREE),
                     ("report FILE (leak_suspects)", [FX + "leak_suspects.2.json.gz"]),
                     ("report A B (leak_suspects)", [FX + "leak_suspects.0.json.gz", FX + "leak_suspects.1.json.gz"])):
    outs = [run(HD, ["report"] + files + ["-o", "-", "--threads", str(n)])[1] for n in (1, 2, 8)]
    check(f"{label}: byte-identical for --threads 1, 2, 8", outs[0] == outs[1] == outs[2] and outs[0])

# --- output files ----------------------------------------------------------------

work = os.path.join(tmp, "out")
os.makedirs(work)
absolute = os.path.abspath(ONE[0])
code, out, err = run(HD, ["report", absolute], cwd=work)
check("default output: heapdump-report.html in the current folder",
      code == 0 and out == b"" and os.listdir(work) == ["heapdump-report.html"], f"{code} {os.listdir(work)} {err}")
with open(os.path.join(work, "heapdump-report.html"), "rb") as f:
    check("default output: the same bytes as -o -", f.read() == run(HD, ["report", absolute, "-o", "-"])[1])
copy = os.path.join(work, "dump.json")
with open(ONE[0], "rb") as src, open(copy, "wb") as dst:
    dst.write(src.read())
before = open(copy, "rb").read()
for out_path in (copy, os.path.join(work, "link.json")):
    if out_path.endswith("link.json"):
        os.symlink(copy, out_path)
    code, _, err = run(HD, ["report", copy, "-o", out_path])
    check(f"-o {os.path.basename(out_path)} (an input): exit 2, input untouched",
          code == 2 and open(copy, "rb").read() == before and "same file" in err, f"{code} {err}")
code, _, err = run(HD, ["report", FX + "leak_plain.0.json", copy, "-o", copy])
check("-o AFTER (an input): exit 2", code == 2, f"{code} {err}")
fail_dir = os.path.join(tmp, "fail")
os.makedirs(fail_dir)
code, _, err = run(HD, ["report", os.path.join(tmp, "missing.json"), "-o", os.path.join(fail_dir, "r.html")])
check("missing input: exit 3, no page, no temporary file", code == 3 and os.listdir(fail_dir) == [],
      f"{code} {os.listdir(fail_dir)}")
old = os.path.join(fail_dir, "keep.html")
with open(old, "w") as f:
    f.write("old")
code, _, err = run(HD, ["report", FX + "edge_badjson_path.json", FX + "nothing.json", "-o", old])
check("failed run: the old page is kept", code == 3 and open(old).read() == "old" and os.listdir(fail_dir) == ["keep.html"])
with open(ONE[0], "rb") as f:
    p = subprocess.run(["timeout", "300", HD, "report", "-", "-o", "-", "--format", "json"], stdin=f,
                       capture_output=True)
check("report - (standard input): the tables of the file", p.returncode == 0 and
      json.loads(p.stdout)["tables"][1:] == doc1["tables"][1:], p.stderr.decode()[:300])
code, _, err = run(HD, ["report", "-", "-", "-o", "-"])
check("report - -: exit 2", code == 2, f"{code} {err}")
code, _, err = run(HD, ["report", ONE[0], THREE[0], "--by", "type", "-o", "-"])
check("--by without a limit: exit 2, as diff", code == 2, f"{code} {err}")
code, _, err = run(HD, ["report", ONE[0], "--fail-if-new-objects", "1", "-o", "-"])
check("one dump with a gate: exit 2", code == 2, f"{code} {err}")
code, _, err = run(HD, ["report", ONE[0], ONE[0], "-o", "-"])
check("the same dump twice: exit 2", code == 2, f"{code} {err}")

# --- gates: the exit codes and stderr of diff, and a banner -----------------------

cut = os.path.join(tmp, "cut.json")
with open(FX + "leak_plain.1.json", "rb") as f:
    data = f.read()
with open(cut, "wb") as f:
    f.write(data[: len(data) - 50])
for args, want, verdict in (
        (THREE + ["--fail-if-new-objects", "10"], 4, "tripped"),
        (THREE + ["--fail-if-new-objects", "100000"], 0, "passed"),
        (THREE + ["--fail-if-new-bytes", "100", "--by", "location"], 4, "tripped"),
        (THREE[:2] + ["--fail-if-new-objects", "377", "--by", "location"], 4, "tripped"),
        (THREE[:2] + ["--fail-if-new-objects", "378", "--by", "location"], 0, "passed"),
        ([THREE[0], cut, "--fail-if-new-objects", "10"], 5, "not judged"),
        ([THREE[0], cut, "--fail-if-new-objects", "10000", "--allow-skipped-lines", "1"], 0, "passed")):
    dcode, _, derr = run(HD, ["diff"] + args)
    rcode, out, rerr = run(HD, ["report"] + args + ["-o", "-"])
    gate_lines = lambda e: [l for l in e.splitlines() if "leak gate" in l]
    label = "gate " + " ".join(a.replace(FX, "") for a in args)
    check(f"{label}: exit {want} as diff", rcode == dcode == want, f"report {rcode}, diff {dcode}")
    check(f"{label}: diff's stderr line", gate_lines(rerr) == gate_lines(derr), f"{rerr!r} vs {derr!r}")
    check(f"{label}: banner '{verdict}'", f'data-gate="{verdict}"'.encode() in out)

# --- hostile text ----------------------------------------------------------------

h0, h1 = write_hostile_dumps(tmp)
for label, files in (("hostile FILE", [h0]), ("hostile A B", [h0, h1])):
    out = page(files, label)
    text = out.decode("utf-8")
    doc, s = check_page(label, out, files)
    own = {"html", "head", "meta", "link", "title", "style", "body", "header", "h1", "p", "nav", "ul",
           "li", "a", "main", "section", "h2", "h3", "dl", "dt", "dd", "span", "code", "b", "i", "strong",
           "div", "table", "thead", "tbody", "tr", "th", "td", "noscript", "script", "article", "ol"}
    check(f"{label}: no element but the page's own", set(s.tags) <= own, str(set(s.tags) - own))
    check(f"{label}: two script elements (data and code)", s.tags.count("script") == 2)
    check(f"{label}: no raw ESC or U+202E", "\x1b" not in text and "\u202e" not in text)
    check(f"{label}: the text is shown, escaped",
          "&lt;/script&gt;&lt;img src=x onerror=alert(1)&gt;\\e[31m\\u202Eevil" in text)

TALLY.finish()
