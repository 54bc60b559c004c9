// heapdump report: the layout functions of the page's charts. Pure (numbers
// in, rectangles out), so `node --test tests/report/` checks them apart from
// the browser. Inlined into the page before report.js.
"use strict";

/**
 * Icicle of the subtree of `root`: one row per depth, each child under its
 * parent, as wide as its share of the parent's value, in the given order
 * (what a node holds beyond its children is the gap at its right end).
 * tree: {children: [[ids]], value: [numbers]}. Rectangles narrower than
 * minWidth, and their subtrees, are left out; rows at maxRows and deeper too.
 * Returns [{node, x, w, depth}] in preorder, depth 0 for `root`.
 */
function icicleLayout(tree, root, width, maxRows, minWidth) {
  const out = [];
  const stack = [[root, 0, width, 0]];
  while (stack.length > 0) {
    const [node, x, w, depth] = stack.pop();
    out.push({ node, x, w, depth });
    const total = Number(tree.value[node]);
    if (depth + 1 >= maxRows || !(total > 0)) continue;
    const items = [];
    let cx = x;
    for (const c of tree.children[node]) {
      const cw = (w * Number(tree.value[c])) / total;
      if (cw >= minWidth) items.push([c, cx, cw, depth + 1]);
      cx += cw;
    }
    for (let i = items.length - 1; i >= 0; --i) stack.push(items[i]);
  }
  return out;
}

/** Worst aspect ratio of a row of areas laid along a side of length `side`. */
function worstRatio(areas, side) {
  let sum = 0, max = 0, min = Infinity;
  for (const a of areas) {
    sum += a;
    max = Math.max(max, a);
    min = Math.min(min, a);
  }
  const s2 = side * side, sum2 = sum * sum;
  return Math.max((s2 * max) / sum2, sum2 / (s2 * min));
}

/**
 * Squarified treemap (Bruls, Huizing, van Wijk) of `values` in the
 * rectangle (x, y, w, h): each value gets an area in proportion, rows
 * chosen to keep rectangles close to square. Zero and negative values get
 * no rectangle. Returns [{index, x, y, w, h}] (index into `values`),
 * largest first.
 */
function squarify(values, x, y, w, h) {
  const order = [];
  let total = 0;
  values.forEach((v, i) => {
    const n = Number(v);
    if (n > 0) {
      order.push(i);
      total += n;
    }
  });
  order.sort((a, b) => Number(values[b]) - Number(values[a]) || a - b);
  const out = [];
  if (total <= 0 || w <= 0 || h <= 0) return out;
  const scale = (w * h) / total;
  let i = 0;
  while (i < order.length) {
    const side = Math.min(w, h);
    const row = [Number(values[order[i]]) * scale];
    let j = i + 1;
    while (j < order.length) {
      const next = row.concat([Number(values[order[j]]) * scale]);
      if (worstRatio(next, side) > worstRatio(row, side)) break;
      row.push(next[next.length - 1]);
      ++j;
    }
    const sum = row.reduce((a, b) => a + b, 0);
    const last = j === order.length;
    if (w >= h) {
      // A column at the left, as wide as the row's area needs.
      const cw = last ? w : sum / h;
      let cy = y;
      row.forEach((a, k) => {
        const ch = k === row.length - 1 ? y + h - cy : a / cw;
        out.push({ index: order[i + k], x, y: cy, w: cw, h: ch });
        cy += ch;
      });
      x += cw;
      w -= cw;
    } else {
      const rh = last ? h : sum / w;
      let cx = x;
      row.forEach((a, k) => {
        const rw = k === row.length - 1 ? x + w - cx : a / rh;
        out.push({ index: order[i + k], x: cx, y, w: rw, h: rh });
        cx += rw;
      });
      y += rh;
      h -= rh;
    }
    i = j;
  }
  return out;
}

/** The nodes from the root down to `node` (parent[root] is null). */
function ancestors(parent, node) {
  const path = [];
  for (let n = node; n !== null && n !== undefined; n = parent[n]) path.unshift(n);
  return path;
}

/**
 * The nodes whose label holds `query` (case-insensitive), and the value
 * they hold together: a match under another match is counted once, in the
 * outer one. Returns {hits: Set, value}.
 */
function searchShare(tree, labels, query) {
  const hits = new Set();
  let value = 0;
  const q = query.toLowerCase();
  if (q === "") return { hits, value };
  const stack = [[tree.root, false]];
  while (stack.length > 0) {
    const [n, inside] = stack.pop();
    const hit = labels[n].toLowerCase().includes(q);
    if (hit) hits.add(n);
    if (hit && !inside) value += Number(tree.value[n]);
    for (const c of tree.children[n]) stack.push([c, inside || hit]);
  }
  return { hits, value };
}

if (typeof module === "object" && module.exports) {
  module.exports = { icicleLayout, squarify, ancestors, searchShare };
}
