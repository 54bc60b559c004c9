// Unit tests of the report page's layout functions (src/render/report/layout.js).
// Run: node --test tests/report/layout_test.js
"use strict";
const test = require("node:test");
const assert = require("node:assert/strict");
const path = require("node:path");
const { icicleLayout, squarify, ancestors, searchShare } = require(
  path.join(__dirname, "..", "..", "src", "render", "report", "layout.js"));

// 0 (100) -> 1 (60), 2 (30); 1 -> 3 (50); 3 -> 4 (0.5); a node's own bytes
// are its value less its children's.
const tree = {
  root: 0,
  parent: [null, 0, 0, 1, 3],
  children: [[1, 2], [3], [], [4], []],
  value: [100, 60, 30, 50, 0.5],
};

test("icicle: children in order, widths by share of the parent, one row per depth", () => {
  const r = icicleLayout(tree, 0, 1000, 10, 1);
  assert.deepEqual(r.map((x) => x.node), [0, 1, 3, 4, 2]); // preorder
  const at = Object.fromEntries(r.map((x) => [x.node, x]));
  assert.deepEqual([at[0].x, at[0].w, at[0].depth], [0, 1000, 0]);
  assert.deepEqual([at[1].x, at[1].w, at[1].depth], [0, 600, 1]);
  assert.deepEqual([at[2].x, at[2].w, at[2].depth], [600, 300, 1]);
  assert.ok(Math.abs(at[3].w - 500) < 1e-9 && at[3].x === 0 && at[3].depth === 2);
});

test("icicle: cells under minWidth and rows past maxRows are left out", () => {
  // node 4 is 1000 * 0.5 / 100 = 5 px wide
  assert.ok(icicleLayout(tree, 0, 1000, 10, 5).some((x) => x.node === 4));
  assert.ok(!icicleLayout(tree, 0, 1000, 10, 6).some((x) => x.node === 4));
  assert.deepEqual(icicleLayout(tree, 0, 1000, 2, 1).map((x) => x.node), [0, 1, 2]);
  assert.deepEqual(icicleLayout(tree, 0, 1000, 1, 1).map((x) => x.node), [0]);
});

test("icicle: zoomed on a node, it spans the width at depth 0", () => {
  const r = icicleLayout(tree, 1, 800, 10, 1);
  assert.deepEqual(r.map((x) => [x.node, x.depth]), [[1, 0], [3, 1], [4, 2]]);
  assert.equal(r[0].w, 800);
  assert.ok(Math.abs(r[1].w - (800 * 50) / 60) < 1e-9);
});

test("icicle: a node of value 0 has no children drawn; values may be objects with valueOf", () => {
  const t = { children: [[1], []], value: [0, 0] };
  assert.deepEqual(icicleLayout(t, 0, 100, 5, 0).map((x) => x.node), [0]);
  const big = { valueOf: () => 2 ** 60 };
  const u = { children: [[1], []], value: [big, { valueOf: () => 2 ** 59 }] };
  assert.equal(icicleLayout(u, 0, 100, 5, 1)[1].w, 50);
});

/** Checks a treemap: inside the box, no overlaps, areas in proportion. */
function checkTreemap(values, w, h) {
  const r = squarify(values, 0, 0, w, h);
  const total = values.filter((v) => v > 0).reduce((a, b) => a + b, 0);
  assert.equal(r.length, values.filter((v) => v > 0).length);
  const eps = 1e-6 * w * h;
  let area = 0;
  for (const a of r) {
    assert.ok(a.x >= -1e-9 && a.y >= -1e-9 && a.x + a.w <= w + 1e-6 && a.y + a.h <= h + 1e-6, JSON.stringify(a));
    assert.ok(Math.abs(a.w * a.h - (values[a.index] * w * h) / total) < eps + 1e-9, JSON.stringify(a));
    area += a.w * a.h;
  }
  assert.ok(Math.abs(area - w * h) < eps + 1e-9);
  for (let i = 0; i < r.length; ++i) {
    for (let j = i + 1; j < r.length; ++j) {
      const a = r[i], b = r[j];
      const ox = Math.min(a.x + a.w, b.x + b.w) - Math.max(a.x, b.x);
      const oy = Math.min(a.y + a.h, b.y + b.h) - Math.max(a.y, b.y);
      assert.ok(ox <= 1e-6 || oy <= 1e-6, `overlap ${JSON.stringify(a)} ${JSON.stringify(b)}`);
    }
  }
  return r;
}

test("treemap: the classic example (6 6 4 3 2 2 1 in 6 x 4) is squarified", () => {
  const r = checkTreemap([6, 6, 4, 3, 2, 2, 1], 6, 4);
  // First row: the two 6s as a column of width 3 at the left.
  assert.deepEqual(r.slice(0, 2).map((a) => [a.index, a.x, a.w]), [[0, 0, 3], [1, 0, 3]]);
  // Squarified: no rectangle worse than 1:3 here.
  for (const a of r) assert.ok(Math.max(a.w / a.h, a.h / a.w) <= 3, JSON.stringify(a));
});

test("treemap: random values, zeros left out, largest first", () => {
  let seed = 42;
  const rnd = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
  for (let k = 0; k < 50; ++k) {
    const values = Array.from({ length: 1 + Math.floor(rnd() * 30) }, () => (rnd() < 0.1 ? 0 : rnd() * 1000));
    const r = checkTreemap(values, 100 + rnd() * 900, 50 + rnd() * 500);
    for (let i = 1; i < r.length; ++i) assert.ok(values[r[i - 1].index] >= values[r[i].index]);
  }
  assert.deepEqual(squarify([0, 0], 0, 0, 10, 10), []);
  assert.deepEqual(squarify([1], 0, 0, 0, 10), []);
});

test("ancestors: from the root down", () => {
  assert.deepEqual(ancestors(tree.parent, 4), [0, 1, 3, 4]);
  assert.deepEqual(ancestors(tree.parent, 0), [0]);
});

test("search: matches by label, a match inside a match counted once", () => {
  const labels = ["all objects", "Hash", "String", "Hash", "String"];
  let r = searchShare(tree, labels, "hash");
  assert.deepEqual([...r.hits].sort(), [1, 3]);
  assert.equal(r.value, 60); // node 3 is inside node 1
  r = searchShare(tree, labels, "String");
  assert.deepEqual([...r.hits].sort(), [2, 4]);
  assert.equal(r.value, 30.5);
  r = searchShare(tree, labels, "");
  assert.equal(r.hits.size, 0);
  assert.equal(r.value, 0);
});
