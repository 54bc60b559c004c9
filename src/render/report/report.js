// heapdump report: draws the charts and makes the tables interactive, from
// the page's JSON block. Text from the dump is only ever inserted with
// textContent (or as an attribute value), never as markup.
(function () {
  "use strict";

  // Integers past 2^53 keep their exact digits (JSON.parse's source text).
  class Exact {
    constructor(n, s) {
      this.n = n;
      this.s = s;
    }
    valueOf() {
      return this.n;
    }
    toString() {
      return this.s;
    }
  }
  const data = JSON.parse(document.getElementById("heapdump-data").textContent, function (k, v, ctx) {
    if (typeof v === "number" && !Number.isSafeInteger(v) && ctx && typeof ctx.source === "string") {
      return new Exact(v, ctx.source);
    }
    return v;
  });
  const tables = {};
  for (const t of data.tables) tables[t.name] = t;

  // --- text and numbers -----------------------------------------------------

  const NAMED = { 7: "\\a", 8: "\\b", 9: "\\t", 10: "\\n", 11: "\\v", 12: "\\f", 13: "\\r", 27: "\\e" };
  /** Control characters as the text output shows them (\e, \u202E, ...). */
  function visible(s) {
    return s.replace(/[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g, (c) => {
      const code = c.charCodeAt(0);
      return NAMED[code] || "\\u" + code.toString(16).toUpperCase().padStart(4, "0");
    });
  }
  /** A text cell: a string, {latin1: "..."} for bytes that are not UTF-8, or null. */
  function text(v, dflt) {
    if (v === null || v === undefined) return dflt === undefined ? "" : dflt;
    if (typeof v === "object" && typeof v.latin1 === "string") {
      return visible(v.latin1.replace(/[\u0080-\u00ff]/g, (c) => "\\x" + c.charCodeAt(0).toString(16).toUpperCase()));
    }
    return visible(String(v));
  }
  function commas(v) {
    const s = String(v);
    const neg = s.startsWith("-");
    const d = neg ? s.slice(1) : s;
    return (neg ? "-" : "") + d.replace(/\B(?=(\d{3})+(?!\d))/g, ",");
  }
  const UNITS = ["B", "kB", "MB", "GB", "TB", "PB", "EB", "ZB", "YB"];
  function bytes(v) {
    let n = Math.abs(Number(v));
    let u = 0;
    while (n >= 999.95 && u + 1 < UNITS.length) {
      n /= 1000;
      ++u;
    }
    return (Number(v) < 0 ? "-" : "") + (u === 0 ? n.toFixed(0) + " B" : n.toFixed(1) + " " + UNITS[u]);
  }
  function pct(part, whole) {
    return Number(whole) > 0 ? ((100 * Number(part)) / Number(whole)).toFixed(1) + " %" : "0 %";
  }
  function el(tag, cls, content) {
    const e = document.createElement(tag);
    if (cls) e.className = cls;
    if (content !== undefined) e.textContent = content;
    return e;
  }

  // --- tables: sort, filter, bars --------------------------------------------

  function enhanceTable(tbl) {
    const t = tables[tbl.dataset.table];
    const body = tbl.tBodies[0];
    if (!t || !body) return;
    const kinds = {};
    for (const c of t.columns) kinds[c.name] = c.kind;
    const heads = Array.from(tbl.tHead.rows[0].cells);
    // Bars: each bytes column's cells get a bar of their share of the
    // column's largest value; delta columns a bar left (shrank) or right (grew).
    heads.forEach((th, i) => {
      const kind = kinds[th.dataset.col];
      if (kind !== "bytes" && kind !== "bytes_delta") return;
      const cells = Array.from(body.rows).map((r) => r.cells[i]).filter((td) => td && td.dataset.value !== undefined);
      let max = 0;
      for (const td of cells) max = Math.max(max, Math.abs(Number(td.dataset.value)));
      if (max <= 0) return;
      for (const td of cells) {
        const v = Number(td.dataset.value);
        const bar = el("span", kind === "bytes" ? "bar" : v < 0 ? "bar neg" : "bar pos");
        bar.style.width = ((kind === "bytes" ? 100 : 50) * Math.abs(v)) / max + "%";
        td.classList.add("has-bar");
        td.prepend(bar);
      }
    });
    // Sorting: click a column head; numbers compare exactly (BigInt).
    heads.forEach((th, i) => {
      th.tabIndex = 0;
      th.classList.add("sortable");
      const sort = () => {
        const dir = th.getAttribute("aria-sort") === "descending" ? "ascending" : "descending";
        for (const h of heads) h.removeAttribute("aria-sort");
        th.setAttribute("aria-sort", dir);
        const numeric = th.classList.contains("n");
        const key = (tr) => {
          const td = tr.cells[i];
          if (!td) return numeric ? null : "";
          if (numeric) return td.dataset.value === undefined ? null : BigInt(td.dataset.value);
          return td.textContent;
        };
        const rows = Array.from(body.rows);
        rows.sort((a, b) => {
          const x = key(a), y = key(b);
          let c;
          if (x === null || y === null) c = (x === null) - (y === null);
          else c = x < y ? -1 : x > y ? 1 : 0;
          if (dir === "descending" && x !== null && y !== null) c = -c;
          return c || Number(a.dataset.row) - Number(b.dataset.row);
        });
        for (const r of rows) body.appendChild(r);
      };
      th.addEventListener("click", sort);
      th.addEventListener("keydown", (e) => {
        if (e.key === "Enter" || e.key === " ") {
          e.preventDefault();
          sort();
        }
      });
    });
    // Filter box: rows whose text holds what is typed.
    const box = el("input", "filter");
    box.type = "search";
    box.placeholder = "filter rows";
    box.setAttribute("aria-label", "filter " + tbl.dataset.table);
    const count = el("span", "count");
    const bar = el("div", "table-tools");
    bar.append(box, count);
    tbl.parentNode.before(bar);
    box.addEventListener("input", () => {
      const q = box.value.toLowerCase();
      let shown = 0;
      for (const r of body.rows) {
        r.hidden = q !== "" && !r.textContent.toLowerCase().includes(q);
        if (!r.hidden) ++shown;
      }
      count.textContent = q === "" ? "" : shown + " of " + body.rows.length + " rows";
    });
  }

  // --- the dominator tree: icicle and treemap ---------------------------------

  function setupTree() {
    const t = tables.dominator_tree;
    const box = document.getElementById("icicle");
    if (!t || !box || t.rows.length === 0) return;
    const col = {};
    t.columns.forEach((c, i) => (col[c.name] = i));
    const n = t.rows.length;
    const tree = { root: 0, parent: new Array(n), children: [], value: new Array(n) };
    const labels = new Array(n);
    for (let i = 0; i < n; ++i) tree.children.push([]);
    t.rows.forEach((r, i) => {
      const p = r[col.parent];
      tree.parent[i] = p === null ? null : Number(p);
      if (p !== null) tree.children[Number(p)].push(i);
      tree.value[i] = r[col.retained];
      const kind = r[col.kind];
      labels[i] =
        kind === "class" ? text(r[col.class])
        : kind === "root" ? "all objects"
        : kind === "unreachable" ? "(unreachable)"
        : kind === "more" ? "+" + commas(r[col.groups]) + " more"
        : "other (" + commas(r[col.groups]) + " groups)";
    });
    const heap = Number(tree.value[0]);
    const detail = (i) => {
      const r = t.rows[i];
      return labels[i] + "\nretained " + bytes(r[col.retained]) + " (" + pct(r[col.retained], heap) +
        " of the heap)\nshallow " + bytes(r[col.shallow]) + "\n" + commas(r[col.objects]) + " objects";
    };

    const tools = document.getElementById("tree-tools");
    const crumbs = document.getElementById("crumbs");
    const tip = el("div", "tip");
    tip.hidden = true;
    document.body.appendChild(tip);
    const search = el("input", "filter");
    search.type = "search";
    search.placeholder = "search classes";
    search.setAttribute("aria-label", "search the tree");
    const found = el("span", "count");
    const toggle = el("button", "toggle", "treemap");
    toggle.type = "button";
    tools.append(toggle, search, found);

    const state = { node: 0, view: "icicle", hits: new Set() };
    function readHash() {
      const m = /^#tree=(\d+)(?:&view=(icicle|treemap))?$/.exec(location.hash);
      if (!m) return false;
      const node = Number(m[1]);
      state.node = node < n ? node : 0;
      state.view = m[2] || "icicle";
      return true;
    }
    function go(node, view) {
      location.hash = "tree=" + node + (view === "treemap" ? "&view=treemap" : "");
    }

    function cell(i, x, y, w, h) {
      const d = el("div", "cell k-" + t.rows[i][col.kind] + (state.hits.has(i) ? " hit" : ""));
      d.style.left = x + "px";
      d.style.top = y + "px";
      d.style.width = Math.max(w - 1, 1) + "px";
      d.style.height = h - 1 + "px";
      d.dataset.node = i;
      d.dataset.table = "dominator_tree";
      d.dataset.row = i;
      d.dataset.col = "retained";
      d.dataset.value = String(t.rows[i][col.retained]);
      if (w > 30) d.textContent = labels[i] + " " + bytes(t.rows[i][col.retained]);
      d.addEventListener("click", () => {
        if (i !== state.node) go(i, state.view);
        else if (tree.parent[i] !== null) go(tree.parent[i], state.view);
      });
      d.addEventListener("mousemove", (e) => {
        tip.textContent = detail(i);
        tip.hidden = false;
        tip.style.left = e.pageX + 12 + "px";
        tip.style.top = e.pageY + 12 + "px";
      });
      d.addEventListener("mouseleave", () => (tip.hidden = true));
      return d;
    }

    function draw() {
      const width = Math.max(box.clientWidth, 320);
      const cells = [];
      if (state.view === "treemap") {
        const kids = tree.children[state.node];
        const height = 420;
        cells.push(cell(state.node, 0, 0, width, 22));
        for (const r of squarify(kids.map((c) => tree.value[c]), 0, 22, width, height - 22)) {
          if (r.w >= 2 && r.h >= 2) cells.push(cell(kids[r.index], r.x, r.y, r.w, r.h));
        }
        box.style.height = height + "px";
      } else {
        const rows = 16, rowH = 22;
        let depth = 0;
        for (const r of icicleLayout(tree, state.node, width, rows, 2)) {
          cells.push(cell(r.node, r.x, r.depth * rowH, r.w, rowH));
          depth = Math.max(depth, r.depth);
        }
        box.style.height = (depth + 1) * rowH + "px";
      }
      box.replaceChildren(...cells);
      toggle.textContent = state.view === "treemap" ? "icicle" : "treemap";
      crumbs.replaceChildren();
      for (const a of ancestors(tree.parent, state.node)) {
        const b = el("button", a === state.node ? "crumb here" : "crumb", labels[a]);
        b.type = "button";
        b.dataset.node = a;
        b.addEventListener("click", () => go(a, state.view));
        crumbs.append(b);
      }
    }
    toggle.addEventListener("click", () => go(state.node, state.view === "treemap" ? "icicle" : "treemap"));
    search.addEventListener("input", () => {
      const r = searchShare(tree, labels, search.value);
      state.hits = r.hits;
      found.textContent = search.value === "" ? "" :
        r.hits.size + " nodes match, holding " + bytes(r.value) + " (" + pct(r.value, heap) + " of the heap)";
      draw();
    });
    window.addEventListener("hashchange", () => {
      if (readHash()) draw();
    });
    window.addEventListener("resize", draw);
    readHash();
    draw();
  }

  // --- generations: memory and objects per generation --------------------------

  function setupGenerations() {
    const t = tables.generations;
    const box = document.getElementById("gen-chart");
    if (!t || !box || t.rows.length === 0) return;
    let maxB = 0, maxO = 0;
    for (const r of t.rows) {
      maxB = Math.max(maxB, Number(r[2]));
      maxO = Math.max(maxO, Number(r[1]));
    }
    const rowsByGen = new Map();
    const table = document.querySelector('table[data-table="generations"]');
    if (table) for (const tr of table.tBodies[0].rows) rowsByGen.set(tr.dataset.row, tr);
    const cols = [];
    const pick = (i) => {
      const g = i === null ? null : genKey(t.rows[i][0]);
      cols.forEach((b, j) => b.setAttribute("aria-pressed", String(j === i)));
      for (const tr of rowsByGen.values()) tr.classList.remove("picked");
      const tr = i === null ? null : rowsByGen.get(String(i));
      if (tr) tr.classList.add("picked");
      filterSites(g, i, () => pick(null));
    };
    t.rows.forEach((r, i) => {
      const g = genKey(r[0]);
      const col = el("button", "gen");
      cols.push(col);
      col.setAttribute("aria-pressed", "false");
      col.dataset.gen = g;
      col.type = "button";
      col.title = "generation " + g + ": " + bytes(r[2]) + ", " + commas(r[1]) + " objects";
      const b = el("span", "b");
      b.style.height = maxB > 0 ? (100 * Number(r[2])) / maxB + "%" : "0";
      const o = el("span", "o");
      o.style.height = maxO > 0 ? (100 * Number(r[1])) / maxO + "%" : "0";
      const bars = el("span", "pair");
      bars.append(b, o);
      col.append(bars, el("span", "label", g));
      // Picks the generation (its row below, the allocation tables); again: all.
      col.addEventListener("click", () => pick(col.getAttribute("aria-pressed") === "true" ? null : i));
      box.append(col);
    });
    const legend = el("p", "legend");
    legend.append(el("span", "key b", "memory"), el("span", "key o", "objects"));
    box.after(legend);
  }

  // --- why alive: the merged paths as a tree table that expands ----------------

  function setupWhy() {
    const t = tables.why_alive;
    const tbl = document.querySelector('table.tree[data-table="why_alive"]');
    if (!t || !tbl) return;
    const col = {};
    t.columns.forEach((c, i) => (col[c.name] = i));
    const kids = t.rows.map(() => []);
    t.rows.forEach((r, i) => r[col.parent] !== null && kids[Number(r[col.parent])].push(i));
    const trs = new Map();
    for (const tr of tbl.tBodies[0].rows) trs.set(Number(tr.dataset.row), tr);
    const label = (r) =>
      r[col.kind] === "root" ? "ROOT " + text(r[col.class])
      : r[col.kind] === "hops" ? "\u2026 " + commas(r[col.hops]) + " hops \u2026"
      : text(r[col.class]);
    function td(name, v) {
      const c = el("td");
      c.dataset.col = name;
      if (v === null) {
        c.className = "null";
        c.textContent = "-";
      } else if (t.columns[col[name]].kind === "text") {
        c.textContent = text(v);
      } else {
        c.className = "n";
        c.dataset.value = String(v);
        c.title = commas(v);
        c.textContent = t.columns[col[name]].kind === "bytes" ? bytes(v) : commas(v);
      }
      return c;
    }
    function make(i) {
      const r = t.rows[i];
      const tr = el("tr");
      tr.dataset.row = i;
      tr.dataset.depth = r[col.depth];
      tr.style.setProperty("--d", r[col.depth]);
      const first = el("td", "k-" + r[col.kind], label(r));
      first.dataset.col = "class";
      tr.append(first, td("objects", r[col.objects]), td("address", r[col.address]),
        td("targets", r[col.targets]), td("retained", r[col.retained]));
      return tr;
    }
    function close(i) {
      for (const c of kids[i]) {
        close(c);
        const tr = trs.get(c);
        if (tr) tr.remove();
        trs.delete(c);
      }
    }
    function button(i) {
      const tr = trs.get(i);
      if (!kids[i].length) return tr.cells[0].prepend(el("span", "twist"));
      const b = el("button", "twist");
      b.type = "button";
      const set = () => {
        const open = trs.has(kids[i][0]);
        b.textContent = open ? "\u25be" : "\u25b8";
        b.setAttribute("aria-expanded", open);
        b.setAttribute("aria-label", (open ? "collapse " : "expand ") + label(t.rows[i]));
      };
      b.addEventListener("click", () => {
        if (trs.has(kids[i][0])) {
          close(i);
        } else {
          let at = trs.get(i);
          for (const c of kids[i]) {
            const row = make(c);
            at.after(row);
            at = row;
            trs.set(c, row);
            button(c);
          }
        }
        set();
      });
      set();
      tr.cells[0].prepend(b);
    }
    for (const i of Array.from(trs.keys())) button(i);
  }

  // --- allocation sites: a tab per key, filtered to a generation ----------------

  function genKey(v) {
    return v === null ? "nil" : String(v);
  }
  function setupSites() {
    const bar = document.getElementById("site-tabs");
    if (!bar) return;
    const panels = Array.from(document.querySelectorAll("#allocations .tab"));
    const show = (p) => {
      for (const q of panels) q.hidden = q !== p;
      for (const b of bar.children) b.setAttribute("aria-selected", String(b.dataset.tab === p.dataset.tab));
    };
    for (const p of panels) {
      const b = el("button", "tabb", p.dataset.tab);
      b.type = "button";
      b.setAttribute("role", "tab");
      b.dataset.tab = p.dataset.tab;
      b.addEventListener("click", () => show(p));
      bar.append(b);
    }
    if (panels.length) show(panels[0]);
  }
  /** A number cell of a table row, with its exact value. */
  function numCell(col, v, asBytes) {
    const td = el("td", "n", asBytes ? bytes(v) : commas(v));
    td.dataset.col = col;
    td.dataset.value = String(v);
    td.title = commas(v);
    return td;
  }
  /**
   * Shows generation g's rows of generation_groups in place of each key's
   * table (g null: every generation again). i: its row in "generations".
   */
  function filterSites(g, i, clear) {
    const t = tables.generation_groups, gens = tables.generations;
    const box = document.getElementById("gen-filter");
    if (!t || !box) return;
    const col = {};
    t.columns.forEach((c, j) => (col[c.name] = j));
    const kept = g !== null && t.rows.some((r) => genKey(r[col.generation]) === g);
    box.replaceChildren();
    box.hidden = g === null;
    if (g !== null) {
      const r = gens.rows[i], num = (c, v, b) => {
        const s = el("span", "num", b ? bytes(v) : commas(v));
        Object.assign(s.dataset, { table: "generations", row: i, col: c, value: String(v) });
        return s;
      };
      const all = el("button", "toggle", "show every generation");
      all.type = "button";
      all.addEventListener("click", clear);
      box.append("Generation " + g + " only: ", num("objects", r[1]), " objects, ", num("bytes", r[2], true),
        " (" + pct(r[2], gens.totals.bytes) + " of the heap). ", all);
    }
    for (const p of document.querySelectorAll("#allocations .tab")) {
      for (const v of p.querySelectorAll(".gen-view")) v.remove();
      const key = p.dataset.key;
      for (const c of p.children) c.hidden = g !== null && !!key;
      if (g === null) continue;
      const v = el("div", "gen-view");
      p.prepend(v);
      if (!key) {
        v.append(el("p", "note", "Strings are counted over every generation: heapdump read FILE " + g + " --strings gives this one's."));
        continue;
      }
      v.append(el("h3", "", "By " + key + ", generation " + g));
      if (!kept) {
        v.append(el("p", "note", "Not kept on this page (only the " + t.totals.generations +
          " generations with the most memory are): heapdump read FILE " + g + " --by " + key + " gives it."));
        continue;
      }
      const tbl = el("table", "data");
      tbl.dataset.table = "generation_groups";
      const head = tbl.createTHead().insertRow();
      for (const [c, name] of [["group", key], ["bytes", "bytes"], ["objects", "objects"]]) {
        const th = el("th", c === "group" ? "t" : "n", name);
        th.dataset.col = c;
        head.append(th);
      }
      const body = tbl.createTBody();
      let shown = 0, groups = 0, rest = null;
      t.rows.forEach((r, j) => {
        if (genKey(r[col.generation]) !== g || r[col.key] !== key) return;
        const tr = body.insertRow();
        tr.dataset.row = j;
        const other = r[col.group] === null;
        const name = el("td", other ? "null" : "", other ? "other (" + commas(r[col.groups]) + " groups)" : text(r[col.group]));
        name.dataset.col = "group";
        tr.append(name, numCell("bytes", r[col.bytes], true), numCell("objects", r[col.objects]));
        groups += Number(r[col.groups]);
        if (other) rest = r[col.bytes];
        else ++shown;
      });
      const wrap = el("div", "table-wrap");
      wrap.append(tbl);
      v.append(wrap);
      enhanceTable(tbl);
      v.append(el("p", "note cut", rest === null ? "All " + commas(groups) + " groups." :
        "Top " + shown + " of " + commas(groups) + " groups; " + pct(rest, gens.rows[i][2]) +
        " of the bytes (" + bytes(rest) + ") under other, not shown."));
    }
  }

  for (const s of document.querySelectorAll(".share .fill")) {
    s.style.width = Math.min(100, 100 * Number(s.dataset.share)) + "%";
  }
  for (const tbl of document.querySelectorAll("table.data:not(.tree)")) enhanceTable(tbl);
  setupTree();
  setupWhy();
  setupSites();
  setupGenerations();
  document.body.setAttribute("data-ready", "");
})();
