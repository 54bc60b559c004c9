#!/usr/bin/env python3
"""Every class name a command prints is one `path --class` finds.

`read --by class`, `retained` and `compare` name classes with one rule
(README "One name per class"). This collects every class name they print on
the fixtures (JSON output) and runs each back through `path FILE --class
NAME`: each must be found, and a `--by class` group must be found with as
many objects (and bytes) as `--by class` counted. compare's sums of the
classes named by an address ("(anonymous classes)", "(singleton classes of
unnamed objects)") must be found too, and no name is "#<Class:0x8>" (Ruby's
nil in an IMEMO's class slot). A name nothing matches lists close names.

Usage: python3 tests/cli/names_test.py HEAPDUMP   (from the repository root)
"""
import concurrent.futures
import json
import subprocess
import sys

from cli_util import Tally, heapdump_binary

HD = heapdump_binary()
FX = "fixtures/"


TALLY = Tally()
check = TALLY.check


def run_json(*args):
    p = subprocess.run([HD, *args, "-q", "--format", "json"], capture_output=True, timeout=120)
    if p.returncode != 0:
        raise RuntimeError(f"{args}: exit {p.returncode}: {p.stderr.decode()}")
    return json.loads(p.stdout)


def class_cells(doc):
    """Every cell of a column whose name ends in 'class', per table."""
    out = []
    for t in doc["tables"]:
        for i, c in enumerate(t["columns"]):
            if c["name"] == "class" or c["name"].endswith("_class"):
                out += [r[i] for r in t["rows"] if isinstance(r[i], str)]
    return out


def path_targets(fx, name):
    p = subprocess.run([HD, "path", FX + fx, "--class", name, "--paths", "1", "--lines", "1",
                        "-q", "--format", "json"], capture_output=True, timeout=120)
    # Targets no root reaches: exit 1 after the report (docs/graph.md).
    if p.returncode not in (0, 1) or not p.stdout:
        return None, p.stderr.decode(errors="replace")
    t = json.loads(p.stdout)["tables"][0]["totals"]
    return (t["targets"], t["target_bytes"]), ""


FIXTURES = ["leak_plain.2.json", "edge_values.json", "edge_since.json",
            "eras/ruby-2.5.json", "eras/ruby-3.1.json",
            "eras/ruby-3.2.json", "eras/ruby-3.4.json"]
jobs = []  # (fixture, name, expected (objects, bytes) or None, printed by)
for fx in FIXTURES:
    by_class = run_json("read", FX + fx, "--by", "class", "--lines", "1000000")["tables"][0]
    for name, nbytes, objects in by_class["rows"]:
        jobs.append((fx, name, (objects, nbytes), "read --by class"))
    check(f"{fx}: no #<Class:0x8> group", all(r[0] != "#<Class:0x8>" for r in by_class["rows"]))
    for name in sorted(set(class_cells(run_json("retained", FX + fx, "--lines", "1000000")))):
        jobs.append((fx, name, None, "retained"))
# compare between processes: groups named by an address are summed per kind.
for a, b in [("leak_plain.0.json", "edge_values.json"), ("edge_values.json", "leak_plain.2.json"),
             ("eras/ruby-3.1.json", "eras/ruby-2.5.json")]:
    doc = run_json("compare", FX + a, FX + b, "--by", "class", "--lines", "1000000")
    rows = doc["tables"][0]["rows"]
    check(f"compare {a} {b}: no group named by an address",
          all(not r[0].startswith("#<Class:0x") for r in rows), [r[0] for r in rows if r[0].startswith("#<Class:0x")])
    for r in rows:
        name, objects_a, bytes_a, objects_b, bytes_b = r[:5]
        if objects_b:
            jobs.append((b, name, (objects_b, bytes_b), f"compare {a} {b}"))
        if objects_a:
            jobs.append((a, name, (objects_a, bytes_a), f"compare {a} {b}"))

seen = set()
unique = []
for job in jobs:
    if job[:3] not in seen:
        seen.add(job[:3])
        unique.append(job)
with concurrent.futures.ThreadPoolExecutor(max_workers=2) as pool:
    results = list(pool.map(lambda j: path_targets(j[0], j[1]), unique))
for (fx, name, want, by), (got, err) in zip(unique, results):
    if want is None:
        check(f"{fx}: path --class {name!r} ({by})", got is not None and got[0] > 0, err)
    else:
        check(f"{fx}: path --class {name!r} finds {want} as {by} counts", got == want, (got, err))
names = {j[1] for j in unique}
for summed in ["(anonymous classes)", "(singleton classes of unnamed objects)"]:
    check(f"compare printed {summed}", summed in names)
check("names from a class, a singleton, IMEMO and a type were tried",
      {"Proc", "#<Class:Object>", "<env> (IMEMO)", "(ARRAY)"} <= names,
      sorted(names)[:20])

# A name nothing matches lists close names (exit 1).
p = subprocess.run([HD, "path", FX + "leak_plain.2.json", "--class", "proc"], capture_output=True, timeout=60)
err = p.stderr.decode()
check("path --class proc: exit 1 with close names", p.returncode == 1 and "close names: Proc" in err, err)

TALLY.finish(f" ({len(unique)} names tried)")
