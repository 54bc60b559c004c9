#!/usr/bin/python3
"""`heapdump report` in a real browser: headless Chromium through Selenium.

For the pages of the fixtures (one dump, the leak sequence of three, two
dumps) and of a hostile dump:
  load     opened from file://, no console message of any level, no request
           but file: and data:, body[data-ready] appears
  values   every data-value in the finished page (the script's icicle cells
           included) equals the number of `--format json` it names
  why      the why-alive tree shows three levels; expanding a row adds its
           children from the JSON (their data-values equal the JSON's),
           collapsing removes them
  zoom     clicking an icicle cell puts it in location.hash and at the end of
           the breadcrumb; the breadcrumb zooms back out; a hash given in the
           URL is the view on load
  sort     clicking a column head orders the rows by it, descending then
           ascending; the filter box hides rows
  hostile  class names, strings, paths with </script><img ...>, ESC, U+202E:
           no img element, no dialog, the text shown escaped
  shots    a full-page screenshot of each page under BUILD/tests/report/
With --big: a generated dump of 1,000,000 objects gives a page under 2 MB
that is ready in under 2 s.

Usage: /usr/bin/python3 tests/report/report_browser_test.py HEAPDUMP OUTDIR [--big]
Exits 77 (CTest: skipped) when chromium, chromedriver or selenium is missing.
"""
import json
import os
import shutil
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "cli"))
from cli_util import Tally  # noqa: E402
from report_util import (FX, run, scan, table, value_mismatches, write_big_dump, write_hostile_dumps,
                         write_wide_tree_dump)  # noqa: E402

HD = os.path.abspath(sys.argv[1])
OUT = os.path.abspath(sys.argv[2])
BIG = "--big" in sys.argv[3:]

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
DRIVER = shutil.which("chromedriver") or "/usr/bin/chromedriver"
try:
    from selenium import webdriver
    from selenium.common.exceptions import NoAlertPresentException, UnexpectedAlertPresentException
    from selenium.webdriver.chrome.options import Options
    from selenium.webdriver.chrome.service import Service
    from selenium.webdriver.common.by import By
except ImportError:
    print("SKIP: python3-selenium is not installed (bash .ci/setup test installs it)")
    sys.exit(77)
if not (os.access(CHROMIUM, os.X_OK) and os.access(DRIVER, os.X_OK)):
    print("SKIP: chromium or chromium-driver is not installed (bash .ci/setup test installs them)")
    sys.exit(77)

TALLY = Tally(show_passes=True, width=3000)
check = TALLY.check


def browser():
    o = Options()
    o.binary_location = CHROMIUM
    for a in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
              "--window-size=1280,1000", "--hide-scrollbars"):
        o.add_argument(a)
    o.set_capability("goog:loggingPrefs", {"browser": "ALL", "performance": "ALL"})
    return webdriver.Chrome(service=Service(DRIVER), options=o)


def wait_ready(d, limit=10.0):
    t0 = time.time()
    while time.time() - t0 < limit:
        if d.execute_script("return document.body !== null && document.body.hasAttribute('data-ready')"):
            return time.time() - t0
        time.sleep(0.02)
    return None


def requests(d):
    urls = []
    for e in d.get_log("performance"):
        m = json.loads(e["message"])["message"]
        if m.get("method") == "Network.requestWillBeSent":
            urls.append(m["params"]["request"]["url"])
    return urls


def screenshot(d, name):
    h = d.execute_script("return document.documentElement.scrollHeight")
    d.set_window_size(1280, min(max(h, 600), 12000))
    path = os.path.join(OUT, name)
    d.save_screenshot(path)
    d.set_window_size(1280, 1000)
    return path


COLLECT = """
return Array.from(document.querySelectorAll('[data-value]')).map(e => {
  const a = {};
  for (const k of ['data-table', 'data-row', 'data-col', 'data-total', 'data-value']) {
    if (e.hasAttribute(k)) a[k] = e.getAttribute(k);
  }
  if (!('data-table' in a)) { const t = e.closest('table[data-table]'); if (t) a['data-table'] = t.dataset.table; }
  if (!('data-row' in a) && !('data-total' in a)) { const r = e.closest('tr[data-row]'); if (r) a['data-row'] = r.dataset.row; }
  return a;
});
"""


def check_page(d, label, path, json_args, shot):
    d.get("file://" + path)
    ready = wait_ready(d)
    check(f"{label}: body[data-ready] ({ready and round(ready, 3)} s)", ready is not None)
    logs = d.get_log("browser")
    check(f"{label}: no console message", not logs, str(logs[:3]))
    urls = requests(d)
    bad = [u for u in urls if not (u.startswith("file:") or u.startswith("data:"))]
    check(f"{label}: only file: and data: requests ({len(urls)})", not bad, str(bad[:5]))
    code, jout, err = run(HD, ["report"] + json_args + ["--format", "json"])
    doc = json.loads(jout)
    block = json.loads(d.execute_script("return document.getElementById('heapdump-data').textContent"))
    check(f"{label}: the JSON block parses as --format json's document", block == doc)
    values = d.execute_script(COLLECT)
    icicle = [v for v in values if v.get("data-table") == "dominator_tree"]
    mism = value_mismatches(doc, values)
    check(f"{label}: {len(values)} data-values ({len(icicle)} in the tree) equal the JSON's",
          values and not mism, str(mism[:5]))
    print(f"      screenshot: {screenshot(d, shot)}")
    return doc


def check_zoom(d, label):
    cells = d.find_elements(By.CSS_SELECTOR, "#icicle .cell")
    target = None
    for c in cells:
        if c.get_attribute("data-node") != "0" and c.size["width"] > 40:
            target = c
            break
    if target is None:
        check(f"{label}: an icicle cell to click", False)
        return
    node = target.get_attribute("data-node")
    target.click()
    time.sleep(0.1)
    h = d.execute_script("return location.hash")
    crumbs = d.find_elements(By.CSS_SELECTOR, "#crumbs .crumb")
    check(f"{label}: click on cell {node}: hash #tree={node}", h == f"#tree={node}", h)
    check(f"{label}: the breadcrumb ends at it",
          crumbs and crumbs[-1].get_attribute("data-node") == node and "here" in crumbs[-1].get_attribute("class"))
    root_cell = d.find_elements(By.CSS_SELECTOR, "#icicle .cell")[0]
    check(f"{label}: the zoomed icicle starts at it", root_cell.get_attribute("data-node") == node)
    crumbs[0].click()
    time.sleep(0.1)
    check(f"{label}: the breadcrumb zooms out", d.execute_script("return location.hash") == "#tree=0")
    # Treemap toggle: the view is in the hash too.
    d.find_element(By.CSS_SELECTOR, "#tree-tools .toggle").click()
    time.sleep(0.1)
    check(f"{label}: treemap toggle", d.execute_script("return location.hash") == "#tree=0&view=treemap"
          and len(d.find_elements(By.CSS_SELECTOR, "#icicle .cell")) > 1)
    # The search box reports the matched share.
    box = d.find_element(By.CSS_SELECTOR, "#tree-tools input")
    box.send_keys("String")
    time.sleep(0.1)
    found = d.find_element(By.CSS_SELECTOR, "#tree-tools .count").text
    check(f"{label}: search reports the matched share", "match, holding" in found and "% of the heap" in found, found)
    # A hash in the URL is the view on load.
    url = d.current_url.split("#")[0]
    d.get(url + f"#tree={node}")
    wait_ready(d)
    crumbs = d.find_elements(By.CSS_SELECTOR, "#crumbs .crumb")
    check(f"{label}: #tree={node} in the URL opens zoomed", crumbs and crumbs[-1].get_attribute("data-node") == node)


def check_why(d, label, doc):
    """Expanding a row of the why-alive tree adds its children from the
    JSON, with data-values equal to --format json's; collapsing removes
    them and their opened descendants."""
    t = table(doc, "why_alive")
    col = {c["name"]: i for i, c in enumerate(t["columns"])}
    kids = {}
    for i, r in enumerate(t["rows"]):
        if r[col["parent"]] is not None:
            kids.setdefault(r[col["parent"]], []).append(i)
    rows = lambda: [int(x) for x in d.execute_script(
        "return Array.from(document.querySelectorAll('table.tree tbody tr')).map(r => r.dataset.row)")]
    static = rows()
    check(f"{label}: why alive shows the first three levels", static and all(
        t["rows"][i][col["depth"]] <= 2 for i in static) and len(static) == sum(
        1 for r in t["rows"] if r[col["depth"]] <= 2), str(static[:10]))
    closed = [b for b in d.find_elements(By.CSS_SELECTOR, "table.tree button.twist")
              if b.get_attribute("aria-expanded") == "false"]
    if not closed:
        check(f"{label}: a why-alive row to expand", False)
        return
    b = closed[0]
    node = int(b.find_element(By.XPATH, "ancestor::tr").get_attribute("data-row"))
    b.click()
    now = rows()
    at = now.index(node)
    check(f"{label}: expanding why-alive row {node} shows its {len(kids[node])} children after it",
          now[at + 1:at + 1 + len(kids[node])] == kids[node] and b.get_attribute("aria-expanded") == "true",
          f"{now[at:at + 5]} vs {kids[node][:5]}")
    # One level further, where there is one.
    grand = [c for c in kids[node] if c in kids]
    if grand:
        d.find_element(By.CSS_SELECTOR, f'table.tree tr[data-row="{grand[0]}"] button.twist').click()
    mism = value_mismatches(doc, d.execute_script(COLLECT))
    check(f"{label}: the expanded rows' data-values equal the JSON's", not mism, str(mism[:3]))
    b.click()
    check(f"{label}: collapsing it removes what it opened", rows() == static)


def check_sort(d, label, table, column="objects"):
    sel = f'table[data-table="{table}"]'
    heads = d.find_elements(By.CSS_SELECTOR, f"{sel} th")
    cols = [h.get_attribute("data-col") for h in heads]
    if column not in cols:
        check(f"{label}: {table} has a column {column}", False, str(cols))
        return
    col = cols.index(column)
    get = f"""return Array.from(document.querySelector('{sel}').tBodies[0].rows)
               .map(r => [r.dataset.row, r.cells[{col}].dataset.value]);"""
    before = d.execute_script(get)
    heads[col].click()
    desc = d.execute_script(get)
    heads[col].click()
    asc = d.execute_script(get)
    nums = lambda rows: [int(v) for _, v in rows]
    check(f"{label}: sorting {table} by {column} reorders it",
          nums(desc) == sorted(nums(before), reverse=True) and nums(asc) == sorted(nums(before))
          and [r for r, _ in desc] != [r for r, _ in before] and sorted(desc) == sorted(before),
          f"{before[:5]} -> {desc[:5]}")
    box = d.find_element(By.CSS_SELECTOR, f"{sel}").find_element(By.XPATH, "../preceding-sibling::div[1]//input")
    box.send_keys("zzzz-no-such-row")
    shown = d.execute_script(f"return Array.from(document.querySelector('{sel}').tBodies[0].rows).filter(r => !r.hidden).length")
    check(f"{label}: the filter box hides rows", shown == 0, str(shown))
    box.clear()


def show_tab(d, key):
    d.find_element(By.CSS_SELECTOR, f'#site-tabs button[data-tab="{key}"]').click()
    time.sleep(0.05)


def check_tabs(d, label):
    """One allocation table at a time; a tab shows its key's."""
    keys = [b.get_attribute("data-tab") for b in d.find_elements(By.CSS_SELECTOR, "#site-tabs button")]
    check(f"{label}: a tab per key and strings", keys == ["location", "file", "gem", "class", "type", "method", "strings"],
          str(keys))
    for key in ("class", "strings", "location"):
        show_tab(d, key)
        shown = d.execute_script("return Array.from(document.querySelectorAll('#allocations .tab'))"
                                 ".filter(p => !p.hidden).map(p => p.dataset.tab)")
        check(f"{label}: tab {key} shows its table alone", shown == [key], str(shown))


KEY_NAME = {  # the group of a dump object per key, written out here (class and gem: heapdump read's)
    "location": lambda o: (o["file"] + ":" + (str(o["line"]) if "line" in o else "")) if "file" in o else "(no file)",
    "file": lambda o: o.get("file", "(no file)"),
    "type": lambda o: o["type"],
    "method": lambda o: o.get("method", "(no method)"),
}


def expected_generation(dump, gen, key, top):
    """The rows of generation `gen` by `key` as the page should show them:
    counted here from the dump's lines (location, file, type, method) or by
    `heapdump read DUMP GEN --by KEY` (class, gem); the top `top` by bytes
    (ties: first seen) and the rest as (None, bytes, objects, groups)."""
    if key in KEY_NAME:
        groups = {}
        with open(dump) as f:
            for line in f:
                o = json.loads(line)
                if "address" not in o or o.get("generation") != gen:
                    continue
                g = groups.setdefault(KEY_NAME[key](o), [0, 0])
                g[0] += o.get("memsize", 0)
                g[1] += 1
        rows = sorted(([k, b, n] for k, (b, n) in groups.items()), key=lambda r: -r[1])
    else:
        code, out, err = run(HD, ["read", dump, str(gen), "--by", key, "--lines", "1000000", "--format", "json"])
        rows = [list(r) for r in table(json.loads(out), "by_" + key)["rows"]]
    want = [(k, b, n, 1) for k, b, n in rows[:top]]
    if len(rows) > top:
        want.append((None, sum(r[1] for r in rows[top:]), sum(r[2] for r in rows[top:]), len(rows) - top))
    return want


GEN_ROWS = """
const p = document.querySelector('#allocations .tab[data-tab="' + arguments[0] + '"] .gen-view');
if (!p) return null;
const t = p.querySelector('table[data-table="generation_groups"]');
if (!t) return [];
return Array.from(t.tBodies[0].rows).map(r => {
  const c = {}; for (const td of r.cells) c[td.dataset.col] = td;
  return [c.group.classList.contains('null') ? null : c.group.textContent, c.bytes.dataset.value,
          c.objects.dataset.value, r.dataset.row];
});
"""


def check_generation_filter(d, label, dump, doc, gen):
    """Clicking generation `gen`'s bar puts its rows in place of each key's
    table, equal to what the dump holds; clicking again shows them all."""
    bar = d.find_element(By.CSS_SELECTOR, f'#gen-chart .gen[data-gen="{gen}"]')
    bar.click()
    time.sleep(0.1)
    check(f"{label}: generation {gen}: the bar is pressed, the banner says it",
          bar.get_attribute("aria-pressed") == "true"
          and f"Generation {gen} only" in d.find_element(By.ID, "gen-filter").text)
    gg = table(doc, "generation_groups")
    top = gg["totals"]["top"]
    cols = [c["name"] for c in gg["columns"]]
    for key in ("location", "file", "gem", "class", "type", "method"):
        show_tab(d, key)
        got = d.execute_script(GEN_ROWS, key)
        want = expected_generation(dump, gen, key, top)
        shown = [(g, int(b), int(n)) for g, b, n, _ in got or []]
        check(f"{label}: generation {gen} by {key}: {len(shown)} rows as the dump has them",
              shown == [w[:3] for w in want], f"{shown[:4]} != {want[:4]}")
        # Each row is the JSON's row it names (groups of the rest row too).
        rows_ok = all(gg["rows"][int(r)][cols.index("generation")] == gen
                      and gg["rows"][int(r)][cols.index("key")] == key
                      and gg["rows"][int(r)][cols.index("groups")] == w[3]
                      for (_, _, _, r), w in zip(got or [], want))
        check(f"{label}: generation {gen} by {key}: rows name generation_groups rows", rows_ok)
        static = d.execute_script(f"return document.querySelector('table[data-table=\"allocated_by_{key}\"]')"
                                  ".closest('.table-wrap').hidden")
        check(f"{label}: generation {gen} by {key}: the table of every generation is hidden", static is True)
    values = d.execute_script(COLLECT)
    mism = value_mismatches(doc, values)
    filtered = [v for v in values if v.get("data-table") == "generation_groups"]
    check(f"{label}: filtered: {len(values)} data-values ({len(filtered)} of generation_groups) equal the JSON's",
          filtered and not mism, str(mism[:5]))
    # The filtered table sorts like the others.
    show_tab(d, "location")
    heads = d.find_elements(By.CSS_SELECTOR, '#allocations .gen-view table th[data-col="objects"]')
    if heads:
        heads[0].click()
        objs = [int(r[2]) for r in d.execute_script(GEN_ROWS, "location")]
        check(f"{label}: the filtered table sorts by objects", objs == sorted(objs, reverse=True), str(objs))
    bar.click()
    time.sleep(0.1)
    left = d.execute_script("return document.querySelectorAll('#allocations .gen-view').length")
    hidden = d.execute_script("return Array.from(document.querySelectorAll('#allocations .tab > *')).filter(e => e.hidden).length")
    check(f"{label}: clicking generation {gen} again shows every generation",
          left == 0 and hidden == 0 and d.find_element(By.ID, "gen-filter").get_attribute("hidden") is not None,
          f"{left} views, {hidden} hidden")


os.makedirs(OUT, exist_ok=True)
tmp = tempfile.mkdtemp(prefix="heapdump-report-browser-")
d = browser()
try:
    if not BIG:
        cases = [
            ("report FILE", [FX + "leak_plain.2.json"], "report-one.png"),
            ("report A B C", [FX + "leak_plain.0.json", FX + "leak_plain.1.json", FX + "leak_plain.2.json"],
             "report-three.png"),
            ("report A B", [FX + "slot_reuse.0.json", FX + "slot_reuse.1.json"], "report-two.png"),
        ]
        h0, h1 = write_hostile_dumps(tmp)
        cases += [("hostile FILE", [h0], "report-hostile-one.png"),
                  ("hostile A B", [h0, h1], "report-hostile-two.png")]
        for label, files, shot in cases:
            path = os.path.join(tmp, shot.replace(".png", ".html"))
            code, _, err = run(HD, ["report"] + files + ["-o", path])
            check(f"{label}: heapdump exits 0", code == 0, err[:300])
            try:
                doc = check_page(d, label, path, files, shot)
            except UnexpectedAlertPresentException as e:
                check(f"{label}: no dialog", False, f"a dialog opened: {e.alert_text!r}")
                d.quit()
                d = browser()
                continue
            if label in ("report FILE", "report A B C"):
                check_why(d, label, doc)
            if label == "report FILE":
                doc = json.loads(run(HD, ["report"] + files + ["--format", "json"])[1])
                check_zoom(d, label)
                d.get("file://" + path)
                wait_ready(d)
                check_tabs(d, label)
                show_tab(d, "class")
                check_sort(d, label, "allocated_by_class")
                for gen in (0, 3):
                    check_generation_filter(d, label, files[0], doc, gen)
            if label == "report A B C":
                check_sort(d, label, "compare_by_location", "objects_b")
            if label.startswith("hostile"):
                imgs = d.execute_script("return document.images.length + document.querySelectorAll('img').length")
                check(f"{label}: no img element", imgs == 0, str(imgs))
                try:
                    d.switch_to.alert
                    check(f"{label}: no dialog", False, "an alert is open")
                except NoAlertPresentException:
                    check(f"{label}: no dialog", True)
                for _ in range(40):  # open the whole why-alive tree
                    closed = [b for b in d.find_elements(By.CSS_SELECTOR, "table.tree button.twist")
                              if b.get_attribute("aria-expanded") == "false"]
                    if not closed:
                        break
                    closed[0].click()
                imgs = d.execute_script("return document.images.length + document.querySelectorAll('img').length")
                check(f"{label}: no img element with the why-alive tree open", imgs == 0, str(imgs))
                body = d.execute_script("return document.body.innerText")
                check(f"{label}: the text is shown, escaped, no raw ESC or U+202E",
                      "</script><img src=x onerror=alert(1)>\\e[31m\\u202Eevil" in body
                      and "\x1b" not in body and "\u202e" not in body)
                if label == "hostile FILE":
                    for gen in (1, 2, 3):
                        d.find_element(By.CSS_SELECTOR, f'#gen-chart .gen[data-gen="{gen}"]').click()
                        for key in ("location", "file", "class", "method"):
                            show_tab(d, key)
                    imgs = d.execute_script("return document.querySelectorAll('img').length")
                    views = d.execute_script("return document.querySelectorAll('.gen-view table').length")
                    text = d.execute_script("return document.getElementById('allocations').innerText")
                    check(f"{label}: generation 3's tables hold the hostile text inert",
                          imgs == 0 and views == 6 and "</script><img src=x onerror=alert(1)>" in text
                          and "\x1b" not in text and "\u202e" not in text, f"{imgs} img, {views} tables")
                    check_zoom(d, label)
                    cells = d.execute_script("return Array.from(document.querySelectorAll('#icicle .cell')).map(c => c.textContent).join('|')")
                    check(f"{label}: icicle labels escaped", "\x1b" not in cells and "\u202e" not in cells)
    else:
        big = os.path.join(tmp, "big.json")
        write_big_dump(big)
        path = os.path.join(tmp, "big.html")
        t0 = time.time()
        code, _, err = run(HD, ["report", big, "-o", path], timeout=580)
        secs = time.time() - t0
        check(f"1 M objects: heapdump exits 0 ({secs:.1f} s)", code == 0, err[:300])
        size = os.path.getsize(path)
        check(f"1 M objects: page {size} bytes < 2 MB", size < 2 * 1000 * 1000)
        t0 = time.time()  # from the request to body[data-ready]: parsing, script, drawing
        d.get("file://" + path)
        ready = wait_ready(d)
        ready = ready is not None and time.time() - t0
        check(f"1 M objects: ready in {ready and round(ready, 3)} s < 2 s", ready is not False and ready < 2.0)
        with open(path, "rb") as f:
            doc = json.loads(scan(f.read()).json_text)
        check("1 M objects: the page counts 1,000,000 objects",
              table(doc, "graph")["totals"]["objects"] == 1_000_000)
        nav = d.execute_script("const n = performance.getEntriesByType('navigation')[0]; return n ? n.duration : null")
        print(f"      navigation (load) {nav and round(nav)} ms")
        check("1 M objects: no console message", not d.get_log("browser"))
        print(f"      screenshot: {screenshot(d, 'report-big.png')}")
        # A tree at the pruning limits (20,000 nodes): the page stays small and quick.
        wide = os.path.join(tmp, "wide.json")
        write_wide_tree_dump(wide)
        path = os.path.join(tmp, "wide.html")
        code, _, err = run(HD, ["report", wide, "-o", path])
        size = os.path.getsize(path)
        with open(path, "rb") as f:
            doc = json.loads(scan(f.read()).json_text)
        nodes = len(table(doc, "dominator_tree")["rows"])
        check(f"tree at the limits: {nodes} nodes, page {size} bytes < 2 MB", code == 0 and nodes == 20000 and size < 2e6)
        t0 = time.time()
        d.get("file://" + path)
        ready = wait_ready(d)
        ready = ready is not None and time.time() - t0
        check(f"tree at the limits: ready in {ready and round(ready, 3)} s < 2 s", ready is not False and ready < 2.0)
        values = d.execute_script(COLLECT)
        mism = value_mismatches(doc, values)
        check(f"tree at the limits: {len(values)} data-values equal the JSON's", values and not mism, str(mism[:3]))
        check("tree at the limits: no console message", not d.get_log("browser"))
        # Every limit at once: that tree, its objects at 400 long-named sites
        # of 40 generations, 20,000 strings of 300-byte values with '<'.
        stress = os.path.join(tmp, "stress.json")
        write_wide_tree_dump(stress, sites=True)
        path = os.path.join(tmp, "stress.html")
        code, _, err = run(HD, ["report", stress, "-o", path])
        size = os.path.getsize(path)
        with open(path, "rb") as f:
            doc = json.loads(scan(f.read()).json_text)
        gg = table(doc, "generation_groups")
        check(f"every limit at once: page {size} bytes < 2 MB ({len(gg['rows'])} rows per generation)",
              code == 0 and size < 2e6 and len(table(doc, "dominator_tree")["rows"]) == 20000, err[:300])
        t0 = time.time()
        d.get("file://" + path)
        ready = wait_ready(d)
        ready = ready is not None and time.time() - t0
        check(f"every limit at once: ready in {ready and round(ready, 3)} s < 2 s", ready is not False and ready < 2.0)
        check("every limit at once: no console message", not d.get_log("browser"))
finally:
    d.quit()
    shutil.rmtree(tmp, ignore_errors=True)

TALLY.finish()
