#!/usr/bin/env python3
"""`diff` against a naive reference written here from the spec (issue 22):
objects of AFTER whose identity (address, type, generation) is not in
BEFORE, grouped by (type, file, line), counted by reading the fixtures'
JSON with Python's json module. Checks the gate's verdict in JSON and CSV
(limits, values judged, tripped or not), the gate message's type split;
the rows of the text output, --lines, --sort bytes, the total line and
"no new objects" on stderr, the swapped-arguments warning, and --by
without a limit.

Usage: diff_test.py HEAPDUMP   (run from the repository root)
Python 3.11, standard library only. Ends with `N passed, M failed`.
"""
import csv
import io
import json
import os
import subprocess
import sys
import tempfile

from cli_util import Tally, heapdump_binary

HD = heapdump_binary()
FX = "fixtures/"
NOT_OBJECTS = {"ROOT", "SHAPE", "NONE", "MOVED"}
NO_FILE = "(no file)"


TALLY = Tally()
check = TALLY.check


def run(*args, stdin=None):
    p = subprocess.run([HD, *args], capture_output=True, timeout=120, stdin=stdin)
    return p.returncode, p.stdout.decode("utf-8", "surrogateescape"), p.stderr.decode()


def objects(path):
    """The objects of a dump, in file order, as the spec counts them."""
    with open(path, "rb") as f:
        for raw in f:
            raw = raw.strip()
            if not raw:
                continue
            try:
                r = json.loads(raw)
            except ValueError:
                continue
            if not isinstance(r, dict) or "address" not in r or r.get("type") in NOT_OBJECTS:
                continue
            yield r


def identity(r):
    return (int(r["address"], 16), r.get("type"), r.get("generation"))


def is_tracer(r):
    """Ruby's allocation tracer (the era fixtures write its struct without
    the prefix, fixtures/eras/README.md)."""
    return r.get("type") == "DATA" and r.get("struct") in (
        "ObjectTracing/allocation_info_tracer", "allocation_info_tracer")


def reference_diff(before, after, retained=None, sort="count", tracer=True):
    """Rows (type, objects, bytes, file, line), by count (or bytes)
    descending, ties by first appearance in AFTER; without the allocation
    tracer when `tracer` is false."""
    old = {identity(r) for r in objects(before)}
    keep = None if retained is None else {identity(r) for r in objects(retained)}
    groups = {}
    for r in objects(after):
        i = identity(r)
        if i in old or (keep is not None and i not in keep) or (not tracer and is_tracer(r)):
            continue
        key = (r.get("type"), r.get("file") or None, r.get("line"))
        g = groups.setdefault(key, [0, 0, len(groups)])
        g[0] += 1
        g[1] += r.get("memsize", 0)
    idx = 0 if sort == "count" else 1
    rows = sorted(groups.items(), key=lambda kv: (-kv[1][idx], kv[1][2]))
    return [(k[0], v[0], v[1], k[1], k[2]) for k, v in rows]


def location(row):
    if row[3] is None:
        return NO_FILE
    return f"{row[3]}:{'' if row[4] is None else row[4]}"


def reference_gate(rows, by, measure, limit):
    """(value, group, groups_over) as the gate should judge them."""
    idx = 1 if measure == "objects" else 2
    groups = {}
    for r in rows:
        name = None if by == "total" else r[0] if by == "type" else location(r)
        groups[name] = groups.get(name, 0) + r[idx]
    if not groups and by == "total":
        groups[None] = 0
    if not groups:
        return 0, None, 0
    best = max(groups.items(), key=lambda kv: kv[1])  # first of the largest
    return best[1], best[0], sum(1 for v in groups.values() if v > limit)


def split(rows, loc, measure):
    idx = 1 if measure == "objects" else 2
    parts = {}
    for r in rows:
        if location(r) == loc:
            parts[r[0]] = parts.get(r[0], 0) + r[idx]
    ordered = sorted(parts.items(), key=lambda kv: -kv[1])  # stable: ties in row order
    text = ", ".join(f"{v} {t}" for t, v in ordered[:5])
    if len(ordered) > 5:
        n = len(ordered) - 5
        text += f" and {n} more {'type' if n == 1 else 'types'}"
    return text


def csv_table(out, name):
    rows = list(csv.reader(io.StringIO(out, newline="")))
    header = rows[0]
    return header, [dict(zip(header, r)) for r in rows[1:] if r[0] == name]


def gate_cases():
    b, a = FX + "leak_plain.0.json", FX + "leak_plain.1.json"
    rows = reference_diff(b, a)
    check("reference has rows", len(rows) > 3)
    total_objects = sum(r[1] for r in rows)
    total_bytes = sum(r[2] for r in rows)
    cases = [
        ("total", "objects", total_objects - 1), ("total", "objects", total_objects),
        ("total", "bytes", total_bytes), ("total", "bytes", 0),
        ("type", "objects", 100), ("type", "bytes", 10**9),
        ("location", "objects", 50), ("location", "objects", 10**9), ("location", "bytes", 1000),
    ]
    for by, measure, limit in cases:
        name = f"gate --by {by} --fail-if-new-{measure} {limit}"
        flag = f"--fail-if-new-{measure}"
        want_value, want_group, want_over = reference_gate(rows, by, measure, limit)
        want_status = "tripped" if want_over else "passed"
        want_code = 4 if want_over else 0
        code, out, err = run("diff", b, a, flag, str(limit), "--by", by, "--format", "json")
        check(f"{name}: exit", code == want_code, f"{code} != {want_code}: {err}")
        doc = json.loads(out)
        gate = [t for t in doc["tables"] if t["name"] == "gate"]
        check(f"{name}: one gate table", len(gate) == 1)
        if not gate:
            continue
        cols = [c["name"] for c in gate[0]["columns"]]
        check(f"{name}: gate columns", cols == ["measure", "by", "limit", "value", "group",
                                                 "groups_over", "status", "reason"], cols)
        got = [dict(zip(cols, r)) for r in gate[0]["rows"]]
        want = {"measure": measure, "by": by, "limit": limit, "value": want_value,
                "group": want_group, "groups_over": want_over, "status": want_status,
                "reason": None}
        check(f"{name}: gate row", got == [want], f"{got} != {[want]}")
        # CSV: the same verdict.
        code, out, _ = run("diff", b, a, flag, str(limit), "--by", by, "--format", "csv")
        _, recs = csv_table(out, "gate")
        want_csv = {k: ("" if v is None else str(v)) for k, v in want.items()}
        got_csv = [{k: r[k] for k in want_csv} for r in recs]
        check(f"{name}: csv gate row", got_csv == [want_csv], f"{got_csv}")
        # Text: the stderr message, with the type split for a location.
        code, out, err = run("diff", b, a, flag, str(limit), "--by", by)
        if want_over:
            label = ("in total" if by == "total" else f"of type {want_group}" if by == "type"
                     else f"at {want_group} ({split(rows, want_group, measure)})")
            more = ("" if want_over == 1 else
                    f" and {want_over - 1} more {'group' if want_over == 2 else 'groups'}")
            msg = (f"heapdump: leak gate tripped: {want_value} new {measure} {label}, "
                   f"limit {limit} (over by {want_value - limit}){more}\n")
            check(f"{name}: message", err.endswith(msg), f"{err!r} does not end in {msg!r}")
        else:
            check(f"{name}: no message", "leak gate" not in err, err)
    # Both limits: two rows, objects first.
    code, out, _ = run("diff", b, a, "--fail-if-new-bytes", "1", "--fail-if-new-objects",
                       str(10**9), "--format", "json")
    gate = [t for t in json.loads(out)["tables"] if t["name"] == "gate"][0]
    check("two limits: objects row then bytes row",
          [(r[0], r[6]) for r in gate["rows"]] == [("objects", "passed"), ("bytes", "tripped")],
          gate["rows"])
    check("two limits: exit 4", code == 4)
    # No limit: no gate table (the report is as before).
    code, out, _ = run("diff", b, a, "--format", "json")
    check("no limit: no gate table", [t["name"] for t in json.loads(out)["tables"]] == ["diff"])
    # Not judged: a cut gzip AFTER; the verdict says so, with the reason.
    with tempfile.TemporaryDirectory() as tmp:
        cut = os.path.join(tmp, "cut.json.gz")
        gz = subprocess.run(["gzip", "-c", a], capture_output=True, check=True).stdout
        with open(cut, "wb") as f:
            f.write(gz[:4000])
        for fmt in ("json", "csv"):
            code, out, err = run("diff", b, cut, "--fail-if-new-objects", "0", "--format", fmt)
            check(f"not judged ({fmt}): exit 5", code == 5, f"{code}: {err}")
            if fmt == "json":
                gate = [t for t in json.loads(out)["tables"] if t["name"] == "gate"][0]
                row = dict(zip([c["name"] for c in gate["columns"]], gate["rows"][0]))
            else:
                row = csv_table(out, "gate")[1][0]
            check(f"not judged ({fmt}): status", row["status"] == "not judged", row)
            check(f"not judged ({fmt}): reason", row["reason"] == f"{cut}: it ended early", row)


def text_rows(rows, total, word="Allocated"):
    return "".join(f"{word} {t} {n} objects of size {b}/{total} (in bytes) at: "
                   f"{f or ''}:{'' if l is None else l}\n" for t, n, b, f, l in rows)


def highest_generation(path):
    gens = [r["generation"] for r in objects(path) if r.get("generation") is not None]
    return max(gens) if gens else None


def total_line(rows, word="", shown=None):
    n, b = sum(r[1] for r in rows), sum(r[2] for r in rows)
    cut = "" if shown is None or shown >= len(rows) else f" ({shown} of {len(rows)} rows shown)"
    return f"{n} object{'' if n == 1 else 's'}, {b} bytes new{word}{cut}\n"


def report_cases():
    l0, l1, l2 = (FX + f"leak_plain.{i}.json" for i in range(3))
    s0, s1 = FX + "slot_reuse.0.json", FX + "slot_reuse.1.json"
    for before, after, retained in ((l0, l1, None), (l0, l1, l2), (s0, s1, None), (l1, l2, None)):
        args = [before, after] + ([retained] if retained else [])
        word = "Retained" if retained else "Allocated"
        label = " ".join(a.replace(FX, "") for a in args)
        for sort in ("count", "bytes"):
            rows = reference_diff(before, after, retained, sort)
            total = sum(r[2] for r in rows)
            extra = [] if sort == "count" else ["--sort", "bytes"]
            code, out, err = run("diff", *args, *extra)
            check(f"{label} {sort}: exit 0", code == 0, err)
            check(f"{label} {sort}: rows", out == text_rows(rows, total, word),
                  f"\n{out[:400]}\nwant\n{text_rows(rows, total, word)[:400]}")
            tail = " and retained" if retained else ""
            check(f"{label} {sort}: total line last on stderr",
                  err.endswith(total_line(rows, tail)), repr(err[-200:]))
            for n in (1, 3, len(rows), len(rows) + 5):
                code, out, err = run("diff", *args, *extra, "--lines", str(n))
                check(f"{label} {sort} --lines {n}: rows",
                      out == text_rows(rows[:n], total, word), out[:300])
                check(f"{label} {sort} --lines {n}: total line",
                      err.endswith(total_line(rows, tail, n)), repr(err[-200:]))
                code, out, err = run("diff", *args, *extra, "--lines", str(n), "--format", "json")
                doc = json.loads(out)
                t = doc["tables"][0]
                want = [[r[0], r[1], r[2], r[3], r[4]] for r in rows[:n]]
                check(f"{label} {sort} --lines {n}: json rows", t["rows"] == want)
                check(f"{label} {sort} --lines {n}: json totals of all rows",
                      t["totals"] == {"objects": sum(r[1] for r in rows), "bytes": total})
                check(f"{label} {sort} --lines {n}: json parameters",
                      doc["parameters"]["lines"] == n and doc["parameters"]["sort"] == sort)
                check(f"{label} --format json: nothing on stderr", err == "", err)
            code, out, err = run("diff", *args, *extra, "--quiet")
            check(f"{label} {sort} --quiet: no total line", "bytes new" not in err, err)
    # A gate counts every row, also those --lines leaves out.
    rows = reference_diff(l0, l1)
    value, group, over = reference_gate(rows, "location", "bytes", 3000)
    code, out, err = run("diff", l0, l1, "--lines", "1", "--fail-if-new-bytes", "3000",
                         "--by", "location", "--format", "json")
    gate = [t for t in json.loads(out)["tables"] if t["name"] == "gate"][0]["rows"][0]
    check("--lines 1 with a gate: judged on every row", (gate[3], gate[4], gate[5]) ==
          (value, group, over) and over > 1, f"{gate} vs {(value, group, over)}")
    # Nothing new: empty stdout, "no new objects" on stderr (text only, not --quiet).
    with tempfile.TemporaryDirectory() as tmp:
        copy = os.path.join(tmp, "same.json")
        with open(l0, "rb") as f, open(copy, "wb") as g:
            g.write(f.read())
        check("reference: a copy has nothing new", reference_diff(l0, copy) == [])
        code, out, err = run("diff", l0, copy)
        check("nothing new: exit 0, empty stdout", code == 0 and out == "", out)
        check("nothing new: stderr", err == "no new objects\n", repr(err))
        code, out, err = run("diff", l0, copy, "--quiet")
        check("nothing new --quiet: no stderr", code == 0 and out == "" and err == "", repr(err))
        code, out, err = run("diff", l0, copy, "--format", "json")
        check("nothing new json: no stderr, no rows",
              err == "" and json.loads(out)["tables"][0]["rows"] == [], repr(err))
        # Swapped: AFTER's highest generation is lower than BEFORE's.
        g0, g1 = highest_generation(l0), highest_generation(l1)
        check("reference: leak_plain.1 is younger", g0 is not None and g1 > g0)
        code, out, err = run("diff", l1, l0)
        msg = (f"heapdump: AFTER looks older than BEFORE: the highest generation of {l0} is "
               f"{g0}, of {l1} {g1}; were the two swapped? (diff BEFORE AFTER)\n")
        check("swapped: warning", code == 0 and msg in err, repr(err))
        code, out, err = run("diff", l0, l1)
        check("in order: no warning", "looks older" not in err, repr(err))
        # No warning when one of them has no generations.
        nogen = os.path.join(tmp, "nogen.json")
        with open(l1) as f, open(nogen, "w") as g:
            for line in f:
                try:
                    r = json.loads(line)
                except ValueError:
                    g.write(line)
                    continue
                r.pop("generation", None)
                g.write(json.dumps(r) + "\n")
        check("reference: no generations", highest_generation(nogen) is None)
        code, out, err = run("diff", nogen, l0)
        check("no generations in BEFORE: no warning", "looks older" not in err, repr(err))
    # --by only says what a limit applies to: without one it is a usage error.
    for by in ("location", "type", "total"):
        code, out, err = run("diff", l0, l1, "--by", by)
        check(f"--by {by} without a limit: exit 2", code == 2 and out == "" and
              "--by says what a --fail-if-new-objects or --fail-if-new-bytes limit applies to"
              in err, f"{code} {err!r}")
    code, out, err = run("diff", l0, l1, "--sort", "size")
    check("--sort size: exit 2", code == 2, err)
    code, out, err = run("diff", l0, l1, "--lines", "0")
    check("--lines 0: exit 2", code == 2, err)


def tracer_cases():
    """A new allocation tracer (tracing started between the dumps): the
    report lists it as heapy does, the gates leave it out by default."""
    l0, l1 = FX + "leak_plain.0.json", FX + "leak_plain.1.json"
    with tempfile.TemporaryDirectory() as tmp:
        before = os.path.join(tmp, "before.json")
        with open(l0) as f, open(before, "w") as g:
            g.writelines(line for line in f if "allocation_info_tracer" not in line)
        tracers = [r for r in objects(l1) if is_tracer(r)]
        check("reference: one tracer in AFTER, none in BEFORE",
              len(tracers) == 1 and not any(is_tracer(r) for r in objects(before)))
        tracer_bytes = sum(r["memsize"] for r in tracers)
        rows = reference_diff(before, l1)
        rows_wo = reference_diff(before, l1, tracer=False)
        check("reference: the tracer is a new DATA row",
              sum(r[2] for r in rows) - sum(r[2] for r in rows_wo) == tracer_bytes)
        code, out, err = run("diff", before, l1, "--format", "json")
        t = json.loads(out)["tables"][0]
        check("tracer: the report lists it (heapy's rows)",
              t["rows"] == [list(r) for r in rows], t["rows"][:3])
        check("tracer: no note without a limit", "allocation tracing" not in err, err)
        note = (f"heapdump: note: allocation tracing itself holds {tracer_bytes} bytes, new in "
                f"{l1} (Ruby's allocation tracer: a DATA object); the --fail-if-new-* limits "
                f"leave it out, --include-tracer counts it\n")
        for by in ("total", "type", "location"):
            for extra, ref in (([], rows_wo), (["--include-tracer"], rows)):
                value, group, over = reference_gate(ref, by, "bytes", 10000)
                code, out, err = run("diff", before, l1, "--fail-if-new-bytes", "10000", "--by", by,
                                     "--format", "json", *extra)
                doc = json.loads(out)
                gate = [x for x in doc["tables"] if x["name"] == "gate"][0]["rows"][0]
                check(f"tracer --by {by} {extra}: gate value", (gate[3], gate[4], gate[5]) ==
                      (value, group, over), f"{gate} vs {(value, group, over)}")
                check(f"tracer --by {by} {extra}: exit", code == (4 if over else 0), code)
                check(f"tracer --by {by} {extra}: note once, only when left out",
                      err.count(note) == (0 if extra else 1), err)
                check(f"tracer --by {by} {extra}: include_tracer parameter",
                      doc["parameters"]["include_tracer"] == (1 if extra else 0))
        # The tracer alone decides a total bytes gate here: left out it passes.
        total_wo = sum(r[2] for r in rows_wo)
        code, _, _ = run("diff", before, l1, "--fail-if-new-bytes", str(total_wo))
        check("tracer: a total gate at the bytes without it passes", code == 0, code)
        code, _, _ = run("diff", before, l1, "--fail-if-new-bytes", str(total_wo), "--include-tracer")
        check("tracer: ... and trips with --include-tracer", code == 4, code)


gate_cases()
report_cases()
tracer_cases()
TALLY.finish()
