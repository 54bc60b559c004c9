#!/usr/bin/env python3
"""What the new objects retain (`report BEFORE AFTER [RETAINED]`, tables
new_retainers and new_retained_by_class) on fixtures/leak_suspects.*,
checked against the independent model in graph_model.py.

Usage: new_retained_model_test.py HEAPDUMP REPO_ROOT

New objects are decided here as diff decides them, from the JSON: an
object of AFTER whose identity (address, type, generation) is not in
BEFORE, and, with RETAINED, is in it; their retained sizes come from the
model's dominator tree of the last dump (RETAINED, else AFTER), Ruby's
allocation tracer left out. Checked: the totals (objects, bytes,
unreachable_objects, retained: the union of what the new objects dominate),
every listed new retainer (order and retained size), and each class row
whose class the model names plainly (objects, shallow, retained: the union
of what its new members dominate). The JSON is the same for --threads 1, 2.
"""
import json
import os
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from graph_model import NOT_OBJECTS, lines, model_with_idom, num  # noqa: E402

HEAPDUMP, ROOT = sys.argv[1], sys.argv[2]
TRACER = "ObjectTracing/allocation_info_tracer"
failures = []


def check(cond, what):
    if not cond:
        failures.append(what)


def identities(path):
    ids = {}
    for rec in lines(path):
        if not isinstance(rec, dict) or rec.get("type") in NOT_OBJECTS:
            continue
        a = num(rec.get("address"))
        if a is not None:
            ids.setdefault((a, rec.get("type"), rec.get("generation")), rec)
    return ids


def run_report(files, threads):
    out = subprocess.run([HEAPDUMP, "report", *files, "--format", "json", "--threads", str(threads)],
                         capture_output=True, check=True).stdout
    return json.loads(out)


def case(names):
    files = [os.path.join(ROOT, "fixtures", n) for n in names]
    doc = run_report(files, 1)
    check(run_report(files, 2) == doc, f"{names}: --threads 1 and 2 differ")
    tables = {t["name"]: t for t in doc["tables"]}
    before = identities(files[0])
    after = identities(files[1])
    kept = identities(files[2]) if len(files) == 3 else None
    new = {i[0] for i in after if i not in before and (kept is None or i in kept)}
    objs, size, _, reachable, retained, idom = model_with_idom(files[-1])
    is_new = {a for a in new if a in objs and objs[a].get("struct") != TRACER}
    reach = set(reachable)

    def union(members):
        cov, total = {}, 0
        for v in reachable:  # dominators first
            cov[v] = v in members or (idom[v] is not None and cov[idom[v]])
            total += size[v] if cov[v] else 0
        return total

    top = tables["new_retainers"]
    tot = top["totals"]
    want = {"objects": len(is_new), "bytes": sum(size[a] for a in is_new),
            "unreachable_objects": len(is_new - reach), "retained": union(is_new),
            "heap_bytes": sum(size.values())}
    for k, v in want.items():
        check(tot[k] == v, f"{names}: new_retainers total {k}: heapdump {tot[k]}, model {v}")
    ranked = sorted(is_new & reach, key=lambda a: (-retained[a], a))[:doc["parameters"]["lines"]]
    got = [(num(r[0]), r[6]) for r in top["rows"]]
    check(got == [(a, retained[a]) for a in ranked],
          f"{names}: new_retainers rows {got[:3]} ..., model {[(a, retained[a]) for a in ranked][:3]} ...")

    # Classes the model names plainly: an object's class is a named CLASS.
    def plain(a):
        rec = objs[a]
        c = objs.get(num(rec.get("class")))
        if rec.get("type") in ("IMEMO", "CLASS", "MODULE", "ICLASS") or c is None:
            return None
        return c.get("name") if c.get("type") == "CLASS" else None

    by_class = tables["new_retained_by_class"]
    checked = []
    for name, count, shallow, ret in by_class["rows"]:
        members = {a for a in is_new if plain(a) == name}
        if not members:
            continue
        checked.append(name)
        m = (len(members), sum(size[a] for a in members), union(members))
        check((count, shallow, ret) == m, f"{names}: class {name}: heapdump {(count, shallow, ret)}, model {m}")
    check(len(checked) >= 3, f"{names}: only {checked} checked")
    check(len(top["rows"]) > 0 and tot["retained"] > 0, f"{names}: nothing new retained")
    print(f"{' '.join(names)}: {len(is_new)} new objects retain {tot['retained']} bytes; "
          f"{len(top['rows'])} retainers and classes {', '.join(checked)} agree")


case(["leak_suspects.0.json.gz", "leak_suspects.1.json.gz"])
case(["leak_suspects.1.json.gz", "leak_suspects.2.json.gz"])
case(["leak_suspects.0.json.gz", "leak_suspects.1.json.gz", "leak_suspects.2.json.gz"])
if failures:
    print("\n".join(failures[:30]))
    sys.exit(1)
