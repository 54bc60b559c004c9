#!/usr/bin/env python3
"""`heapdump path --location`: suffix and whole-file targets, and the order
of the representative paths (routes through the accumulation point first,
each with the number of targets it stands for), checked against counts
made here from the fixture JSON.

Usage: path_routes_test.py HEAPDUMP REPO_ROOT
"""
import gzip
import json
import os
import subprocess
import sys

HEAPDUMP, ROOT = sys.argv[1], sys.argv[2]
os.chdir(ROOT)
DUMP = "fixtures/leak_suspects.2.json.gz"
SCRIPT = "fixtures/gen/leak_suspects.rb"
failures = []


def check(cond, what):
    if not cond:
        failures.append(what)


def run(*args):
    return subprocess.run([HEAPDUMP, *args], capture_output=True, text=True)


def tables(out):
    return {t["name"]: t for t in json.loads(out)["tables"]}


def rows(table):
    cols = [c["name"] if isinstance(c, dict) else c for c in table["columns"]]
    return [dict(zip(cols, r)) for r in table["rows"]]


def marker_line(marker):
    with open(SCRIPT) as f:
        for i, line in enumerate(f, 1):
            if line.rstrip().endswith("# " + marker):
                return i
    sys.exit(f"{SCRIPT}: no line marked {marker}")


objs = {}
for raw in gzip.open(DUMP, "rt"):
    rec = json.loads(raw)
    if rec.get("type") not in ("ROOT", "SHAPE", "NONE", "MOVED") and "address" in rec:
        objs.setdefault(rec["address"], rec)
listener_line = marker_line("LEAK-LISTENER")
array = [a for a, r in objs.items() if r["type"] == "ARRAY" and r.get("file") == SCRIPT
         and r.get("line") == marker_line("SUSPECT-ARRAY")]
check(len(array) == 1, f"{len(array)} listener arrays in {DUMP}")
at_line = {a for a, r in objs.items() if r.get("file") == SCRIPT and r.get("line") == listener_line}
in_file = {a for a, r in objs.items() if r.get("file") == SCRIPT}
# The lambdas the listener Array holds, and the env IMEMOs those hold.
procs = {a for a in objs[array[0]].get("references", []) if a in at_line} if array else set()
envs = {a for p in procs for a in objs[p].get("references", []) if a in at_line
        and objs[a]["type"] == "IMEMO" and objs[a].get("imemo_type") == "env"}
check(len(procs) > 1000 and len(envs) == len(procs),
      f"{len(procs)} lambdas and {len(envs)} envs at line {listener_line}: the fixture changed?")

# Suffix, full path and whole file select what the dump says.
full = run("path", DUMP, "--location", f"{SCRIPT}:{listener_line}", "--format", "json")
suffix = run("path", DUMP, "--location", f"leak_suspects.rb:{listener_line}", "--format", "json")
check(full.returncode == 0 and suffix.returncode == 0, f"exit {full.returncode}, {suffix.returncode}: {suffix.stderr}")
if full.returncode == 0 and suffix.returncode == 0:
    ft, st = tables(full.stdout), tables(suffix.stdout)
    check(ft == st, "--location with the full path and with its end give different tables")
    check(st["paths"]["totals"]["targets"] == len(at_line),
          f"targets {st['paths']['totals']['targets']}, the dump has {len(at_line)} objects at the line")
    routes = rows(st["routes"])
    # The old order (shortest path first) put a 2-hop call cache first.
    check([r["targets"] for r in routes[:2]] == [len(procs), len(envs)],
          f"first two routes {routes[:2]}, want the {len(procs)} lambdas and {len(envs)} envs")
    check(all(r["via_accumulation_point"] == r["targets"] for r in routes[:2]),
          f"the first two routes should go through the accumulation point: {routes[:2]}")
    check(rows(st["accumulation_point"])[0]["address"] == array[0],
          f"accumulation point {rows(st['accumulation_point'])}, want the listener Array {array}")
    hops = rows(st["paths"])
    path1 = [h["address"] for h in hops if h["path"] == 1]
    check(array[0] in path1 and path1[-1] in procs, f"path 1 {path1} should go through the Array to a lambda")
    check(sum(r["targets"] for r in routes) <= st["paths"]["totals"]["reachable_targets"],
          "routes stand for more targets than are reachable")
    text = run("path", DUMP, "--location", f"leak_suspects.rb:{listener_line}", "--paths", "1").stdout
    check(f"the route of {len(procs)} of {len(at_line)} reachable targets, through the accumulation point"
          in text, "text does not say how many targets path 1 stands for:\n" + text[:600])
whole = run("path", DUMP, "--location", "leak_suspects.rb", "--format", "json")
check(whole.returncode == 0 and tables(whole.stdout)["paths"]["totals"]["targets"] == len(in_file),
      f"--location FILE: exit {whole.returncode}, want {len(in_file)} targets")

# An end of path that several files share: exit 2, the files listed.
files = set()
for raw in gzip.open("fixtures/boot_sinatra.json.gz", "rt"):
    f = json.loads(raw).get("file")
    if isinstance(f, str) and f.endswith("/base.rb"):
        files.add(f)
check(len(files) >= 2, f"boot_sinatra has {len(files)} files ending in /base.rb")
amb = run("path", "fixtures/boot_sinatra.json.gz", "--location", "base.rb:1")
check(amb.returncode == 2, f"ambiguous --location: exit {amb.returncode}, want 2")
check(all(f in amb.stderr for f in files) and amb.stdout == "",
      f"ambiguous --location should list {sorted(files)} on stderr: {amb.stderr}")
nothing = run("path", DUMP, "--location", "no_such_file.rb:1")
check(nothing.returncode == 1, f"--location matching nothing: exit {nothing.returncode}, want 1")

if failures:
    print("\n".join(failures))
    sys.exit(1)
print(f"path --location: suffix, whole file and ambiguity; {len(procs)} lambdas on route 1")
