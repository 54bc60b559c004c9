#!/usr/bin/env python3
"""An independent model of `heapdump retained`, written without src/.

Usage: graph_model.py DUMP RETAINED_JSON

Reads DUMP (NDJSON, gzip by magic) with json.loads, builds the object graph
from "references" plus the class link, computes reachability and dominators
(Cooper, Harvey and Kennedy's iterative algorithm, a different one from the
program's Lengauer-Tarjan) and retained sizes, and checks them against
RETAINED_JSON, the output of `heapdump retained DUMP --format json`: the
graph totals and the retained size of every listed top retainer.

The class link, as Ruby's GC marks it (gc.c, gc_mark_children and
gc_mark_imemo): an object's "class" that is an object of the dump is an
edge, except for FLOAT, BIGNUM and SYMBOL objects and IMEMO callcaches.
"""
import gzip
import json
import re
import sys

NOT_OBJECTS = {"ROOT", "SHAPE", "NONE", "MOVED"}


def lines(path):
    with open(path, "rb") as f:
        magic = f.read(2)
    opener = gzip.open if magic == b"\x1f\x8b" else open
    with opener(path, "rb") as f:
        for raw in f:
            try:
                yield json.loads(raw)
            except ValueError:
                continue  # an invalid line: heapdump skips it too


HEX = re.compile(r"0x[0-9a-fA-F]{1,16}\Z")


def num(a):
    """An address, or None for what is not one (left out, as heapdump does)."""
    return int(a, 16) if isinstance(a, str) and HEX.match(a) else None


def class_marked(rec):
    t = rec.get("type")
    if t in ("FLOAT", "BIGNUM", "SYMBOL"):
        return False
    return not (t == "IMEMO" and rec.get("imemo_type") == "callcache")


def model(path):
    """objs, size, edges, reachable (dominators first) and retained sizes."""
    return model_with_idom(path)[:5]


def model_with_idom(path):
    """model()'s five, then the immediate dominators (None: a root's)."""
    objs = {}  # address -> record (first one kept)
    roots = []
    for rec in lines(path):
        if not isinstance(rec, dict):
            continue
        t = rec.get("type")
        if t == "ROOT":
            roots.extend(num(a) for a in rec.get("references", []) or [])
            continue
        if t in NOT_OBJECTS or num(rec.get("address")) is None:
            continue
        objs.setdefault(num(rec["address"]), rec)
    edges = {}
    nedges = 0
    for a, rec in objs.items():
        out = [num(r) for r in rec.get("references", []) or [] if num(r) in objs]
        c = num(rec.get("class"))
        if c is not None and class_marked(rec) and c in objs and c not in out:
            out.append(c)
        edges[a] = out
        nedges += len(out)
    size = {a: (rec.get("memsize") or 0) for a, rec in objs.items()}
    # Reachability and a DFS postorder from a virtual super-root (None).
    root_set = []
    for r in roots:
        if r in objs and r not in root_set:
            root_set.append(r)
    succ = lambda v: root_set if v is None else edges[v]
    order, seen, stack = [], {None}, [(None, iter(root_set))]
    while stack:
        v, it = stack[-1]
        for w in it:
            if w not in seen:
                seen.add(w)
                stack.append((w, iter(succ(w))))
                break
        else:
            stack.pop()
            order.append(v)
    rpo = order[::-1]
    index = {v: i for i, v in enumerate(rpo)}
    preds = {v: [] for v in rpo}
    for v in rpo:
        for w in succ(v):
            preds[w].append(v)
    idom = {None: None}

    def intersect(a, b):
        while a != b:
            while index[a] > index[b]:
                a = idom[a]
            while index[b] > index[a]:
                b = idom[b]
        return a

    changed = True
    while changed:
        changed = False
        for v in rpo[1:]:
            cands = [p for p in preds[v] if p in idom]
            new = cands[0]
            for p in cands[1:]:
                new = intersect(p, new)
            if idom.get(v, "unset") != new:
                idom[v] = new
                changed = True
    retained = {v: size[v] for v in rpo[1:]}
    for v in order[:-1]:  # postorder: children before parents
        d = idom[v]
        if d is not None:
            retained[d] += retained[v]
    return objs, size, nedges, rpo[1:], retained, idom


def main():
    objs, size, nedges, reachable, retained = model(sys.argv[1])
    out = json.load(open(sys.argv[2]))
    tables = {t["name"]: t for t in out["tables"]}
    g = tables["graph"]["totals"]
    want = {
        "objects": len(objs),
        "bytes": sum(size.values()),
        "edges": nedges,
        "reachable_objects": len(reachable),
        "reachable_bytes": sum(size[v] for v in reachable),
    }
    bad = [f"{k}: heapdump {g[k]}, model {v}" for k, v in want.items() if g[k] != v]
    top = tables["top_retainers"]
    cols = [c["name"] if isinstance(c, dict) else c for c in top["columns"]]
    ai, ri = cols.index("address"), cols.index("retained")
    for row in top["rows"]:
        a = num(row[ai])
        if retained.get(a, 0) != row[ri]:
            bad.append(f"retained {row[ai]}: heapdump {row[ri]}, model {retained.get(a, 0)}")
    if bad:
        print("\n".join(bad[:20]))
        sys.exit(1)
    print(f"{len(objs)} objects, {nedges} edges, {len(reachable)} reachable, "
          f"{len(top['rows'])} retained sizes agree")


if __name__ == "__main__":
    main()
