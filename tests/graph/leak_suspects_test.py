#!/usr/bin/env python3
"""Leak suspects on fixtures/leak_suspects.{1,2}.json.gz, checked against the
independent model in graph_model.py.

Usage: leak_suspects_test.py HEAPDUMP REPO_ROOT

fixtures/gen/leak_suspects.rb leaks through a Hash (the line marked
SUSPECT-HASH) and an Array (SUSPECT-ARRAY). For each dump, the model's
dominator tree must give each of them at least 10 % of the heap (else the
fixture no longer shows what it is for), and then `heapdump retained
--format json` must name both as leak suspects (as the suspect or as its
accumulation point) with the model's retained size, and never Ruby's
allocation tracer; with --include-tracer the tracer, which holds over 20 %
in these dumps, must be a suspect (so the default's exclusion is what keeps
it out). The output must be the same for --threads 1 and 2.
"""
import json
import os
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from graph_model import model, num  # noqa: E402

HEAPDUMP, ROOT = sys.argv[1], sys.argv[2]
SCRIPT = "fixtures/gen/leak_suspects.rb"
TRACER = "ObjectTracing/allocation_info_tracer"
failures = []


def check(cond, what):
    if not cond:
        failures.append(what)


def marker_line(marker):
    with open(os.path.join(ROOT, SCRIPT)) as f:
        for i, line in enumerate(f, 1):
            if line.rstrip().endswith("# " + marker):
                return i
    sys.exit(f"{SCRIPT}: no line marked {marker}")


def retained_json(path, *extra):
    runs = []
    for threads in ("1", "2"):
        out = subprocess.run([HEAPDUMP, "retained", path, "--format", "json", "--threads", threads,
                              *extra], capture_output=True, check=True).stdout
        runs.append(out)
    check(runs[0] == runs[1], f"{path} {extra}: --threads 1 and 2 differ")
    tables = {t["name"]: t for t in json.loads(runs[0])["tables"]}
    t = tables["leak_suspects"]
    cols = [c["name"] if isinstance(c, dict) else c for c in t["columns"]]
    return [dict(zip(cols, row)) for row in t["rows"]]


lines = {kind: marker_line(m) for kind, m in (("HASH", "SUSPECT-HASH"), ("ARRAY", "SUSPECT-ARRAY"))}
for n in (1, 2):
    path = os.path.join(ROOT, f"fixtures/leak_suspects.{n}.json.gz")
    objs, size, _, _, retained = model(path)
    heap = sum(size.values())
    want = {}
    for kind, line in lines.items():
        found = [a for a, r in objs.items()
                 if r.get("type") == kind and r.get("file") == SCRIPT and r.get("line") == line]
        check(len(found) == 1, f"{path}: {len(found)} {kind} objects at {SCRIPT}:{line}, want 1")
        if found:
            a = found[0]
            check(retained[a] * 10 >= heap,
                  f"{path}: the model gives the {kind} at line {line} {retained[a]} of {heap} bytes, "
                  "under 10 %: regenerate the fixture with a bigger leak")
            want[a] = retained[a]
    tracer = [a for a, r in objs.items() if r.get("struct") == TRACER]
    check(len(tracer) == 1 and retained[tracer[0]] * 10 >= heap,
          f"{path}: the tracer should be one object holding over 10 % of the heap")

    rows = retained_json(path)
    named = {}
    for r in rows:
        for a_key, r_key in (("address", "retained"), ("accumulation_address", "accumulation_retained")):
            if r.get(a_key) is not None:
                named[num(r[a_key])] = r[r_key]
    for a, bytes_ in want.items():
        check(a in named, f"{path}: {a:#x} ({bytes_} bytes) is not a leak suspect")
        check(named.get(a) in (None, bytes_),
              f"{path}: {a:#x} retains {named.get(a)} in heapdump, {bytes_} in the model")
    for r in rows:
        check(r.get("class") != "(allocation tracer)" and num(r.get("address")) not in tracer,
              f"{path}: the allocation tracer is a leak suspect: {r}")
    with_tracer = retained_json(path, "--include-tracer")
    check(any(num(r.get("address")) in tracer for r in with_tracer),
          f"{path}: with --include-tracer the tracer ({retained[tracer[0]] if tracer else '?'} "
          "bytes) should be a suspect")

if failures:
    print("\n".join(failures))
    sys.exit(1)
print("leak suspects: the memo Hash and the listener Array are named in both dumps, the tracer "
      "only with --include-tracer")
