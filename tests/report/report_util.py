"""Shared by the tests of `heapdump report`: running heapdump, making dumps,
reading a page's JSON block and its data-value numbers back."""
import html.parser
import json
import os
import subprocess

FX = "fixtures/"
# Dump text that must stay text: an element that ends the JSON script and
# runs code, a terminal escape sequence, a right-to-left override.
EVIL = "</script><img src=x onerror=alert(1)>\x1b[31m\u202eevil"


def run(hd, args, timeout=300, cwd=None):
    """heapdump ARGS under `timeout`: (exit status, stdout bytes, stderr text)."""
    p = subprocess.run(["timeout", str(timeout), hd] + args, capture_output=True, cwd=cwd)
    return p.returncode, p.stdout, p.stderr.decode(errors="replace")


class _Scan(html.parser.HTMLParser):
    """Collects the JSON block, every element's tag and data-value attributes."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.tags = []          # every start tag's name
        self.values = []        # attrs of elements with data-value
        self.number_cells = []  # (table, row, col, has data-value) of td in number columns
        self.json_text = None
        self.refs = []          # src, href, ... of every element
        self._in_json = False
        self._table = None
        self._row = None
        self._numeric_cols = set()

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        self.tags.append(tag)
        for k in ("src", "href", "action", "srcset", "poster", "data"):
            if k in a:
                self.refs.append(a[k])
        if tag == "script" and a.get("id") == "heapdump-data":
            self._in_json = True
            self.json_text = ""
        if tag == "table" and "data-table" in a:
            self._table = a["data-table"]
            self._numeric_cols = set()
        if tag == "th" and self._table is not None and a.get("class") == "n":
            self._numeric_cols.add(a.get("data-col"))
        if tag == "tr" and "data-row" in a:
            self._row = int(a["data-row"])
        if tag == "td" and self._table is not None and a.get("data-col") in self._numeric_cols:
            self.number_cells.append((self._table, self._row, a["data-col"],
                                      "data-value" in a or a.get("class") == "null"))
        if "data-value" in a:
            v = dict(a)
            if tag == "td" and self._table is not None:
                v.setdefault("data-table", self._table)
                v.setdefault("data-row", str(self._row))
            self.values.append(v)

    def handle_endtag(self, tag):
        if tag == "script":
            self._in_json = False
        if tag == "table":
            self._table = None

    def handle_data(self, data):
        if self._in_json:
            self.json_text += data


def scan(page_bytes):
    s = _Scan()
    s.feed(page_bytes.decode("utf-8"))
    s.close()
    return s


def table(doc, name):
    for t in doc["tables"]:
        if t["name"] == name:
            return t
    return None


def expected_value(doc, attrs):
    """The JSON number an element's data-table/data-row/data-col (or
    data-total) names; raises KeyError/IndexError when it names nothing."""
    t = table(doc, attrs["data-table"])
    if t is None:
        raise KeyError(f"no table {attrs['data-table']}")
    if "data-total" in attrs:
        return t["totals"][attrs["data-total"]]
    cols = [c["name"] for c in t["columns"]]
    return t["rows"][int(attrs["data-row"])][cols.index(attrs["data-col"])]


def value_mismatches(doc, values):
    """data-value elements whose number differs from the JSON's (or that name no number)."""
    bad = []
    for a in values:
        try:
            want = expected_value(doc, a)
        except (KeyError, IndexError, ValueError) as e:
            bad.append((a, f"names nothing: {e}"))
            continue
        if type(want) is not int or str(want) != a["data-value"]:
            bad.append((a, f"JSON has {want!r}"))
    return bad


def write_hostile_dumps(folder):
    """Two dumps whose class names, strings and file paths hold EVIL; the
    second holds 60 more strings, so a diff has new objects to show."""
    paths = []
    for k, extra in enumerate((0, 60)):
        lines = []
        cls, hash_, strcls = 0x1000, 0x2000, 0x3000
        strings = [0x10000 + 0x28 * i for i in range(40 + extra)]
        lines.append({"type": "ROOT", "root": "vm" + EVIL, "references": ["0x%x" % cls, "0x%x" % hash_]})
        lines.append({"address": "0x%x" % cls, "type": "CLASS", "class": "0x9", "name": EVIL,
                      "references": ["0x%x" % strcls], "file": EVIL + ".rb", "line": 1,
                      "generation": 1, "memsize": 600})
        lines.append({"address": "0x%x" % strcls, "type": "CLASS", "class": "0x9", "name": "S" + EVIL,
                      "memsize": 500})
        lines.append({"address": "0x%x" % hash_, "type": "HASH", "class": "0x%x" % cls,
                      "references": ["0x%x" % s for s in strings], "file": "app/" + EVIL + ".rb",
                      "line": 7, "method": EVIL, "generation": 2, "memsize": 4000})
        for i, s in enumerate(strings):
            lines.append({"address": "0x%x" % s, "type": "STRING", "class": "0x%x" % strcls,
                          "value": EVIL + str(i % 3), "file": "lib/" + EVIL + ".rb", "line": 10 + i % 5,
                          "generation": 3 + i // 40, "memsize": 40 + i})
        path = os.path.join(folder, f"hostile{k}.json")
        with open(path, "w", encoding="utf-8") as f:
            for i, l in enumerate(lines):
                # Both spellings of the controls: raw UTF-8 and \u escapes.
                f.write(json.dumps(l, ensure_ascii=(i % 2 == 0)) + "\n")
        paths.append(path)
    return paths


def write_big_dump(path, objects=1_000_000):
    """A dump of `objects` objects: 300 named classes; 1,000 arrays (40
    classes) under one ROOT, each holding 9 hashes (60 classes), each
    holding its share of strings (200 classes, 200 allocation sites, 10
    generations)."""
    classes, arrays, hashes_per = 300, 1000, 9
    per = (objects - classes - arrays * (1 + hashes_per)) // (arrays * hashes_per)
    cls = lambda k: 0x8000 + 0x28 * k
    addr = lambda i: 0x100000 + 0x28 * i
    with open(path, "w") as f:
        f.write('{"type":"ROOT", "root":"vm", "references":[%s]}\n'
                % ", ".join(['"0x%x"' % cls(k) for k in range(classes)]
                            + ['"0x%x"' % addr(a) for a in range(arrays)]))
        for k in range(classes):
            f.write('{"address":"0x%x", "type":"CLASS", "class":"0x9", "name":"App::Model%d", "memsize":600}\n'
                    % (cls(k), k))
        n = arrays
        written = classes + arrays
        for a in range(arrays):
            hashes = list(range(n, n + hashes_per))
            n += hashes_per
            f.write('{"address":"0x%x", "type":"ARRAY", "class":"0x%x", "references":[%s], '
                    '"file":"app/a%d.rb", "line":%d, "generation":%d, "memsize":%d}\n'
                    % (addr(a), cls(a % 40), ", ".join('"0x%x"' % addr(h) for h in hashes),
                       a % 50, a % 7, a % 10, 40 + 8 * hashes_per))
            for h in hashes:
                refs = ", ".join('"0x%x"' % addr(n + j) for j in range(per))
                f.write('{"address":"0x%x", "type":"HASH", "class":"0x%x", "references":[%s], '
                        '"file":"app/h%d.rb", "line":%d, "generation":%d, "memsize":%d}\n'
                        % (addr(h), cls(40 + (a * 7 + h) % 60), refs, h % 30, h % 11, h % 10, 200 + 8 * per))
                f.write("".join(
                    '{"address":"0x%x", "type":"STRING", "class":"0x%x", "value":"v%d", '
                    '"file":"app/s%d.rb", "line":%d, "generation":%d, "memsize":%d}\n'
                    % (addr(n + j), cls(100 + (a + j) % 200), j, (a + j) % 200, j % 30, (a + j) % 10,
                       40 + (a * j) % 97)
                    for j in range(per)))
                n += per
                written += 1 + per
        while written < objects:
            f.write('{"address":"0x%x", "type":"STRING", "class":"0x8", "memsize":40}\n' % addr(n))
            n += 1
            written += 1


def write_wide_tree_dump(path, chain=28, sites=False):
    """A dump whose pruned tree reaches the limits: 15 objects of distinct
    classes under the root, 15 under each, 4 under each of those, and under
    each of those 900 a chain of `chain` objects whose last one holds the
    bytes (each chain ~0.11 % of the heap): more than 20,000 nodes would be
    over 0.1 %, deeper than 32 with a longer chain."""
    lines = []
    addr = lambda i: 0x100000 + 0x28 * i
    cls = lambda k: 0x8000 + 0x28 * k
    n = 0

    def obj(klass, refs, memsize):
        nonlocal n
        a = addr(n)
        n += 1
        where = ""
        if sites:  # long paths at 400 sites, 40 generations, 50 methods
            where = (', "file":"/srv/app/vendor/bundle/ruby/3.3.0/gems/some-long-gem-name-%d.0/lib/some/'
                     'deeply/nested/module/path/file_%03d.rb", "line":%d, "method":"method_number_%d", '
                     '"generation":%d' % (n % 7, n % 400, n % 97, n % 50, n % 40))
        lines.append('{"address":"0x%x", "type":"OBJECT", "class":"0x%x", "references":[%s], "memsize":%d%s}'
                     % (a, cls(klass), ", ".join('"0x%x"' % r for r in refs), memsize, where))
        return a

    tops = []
    for i in range(15):
        mids = []
        for j in range(15):
            lows = []
            for k in range(4):
                below = []
                last = obj(60, [], 100000)
                for c in range(chain - 1):
                    last = obj(61, [last], 40)
                lows.append(obj(40 + k, [last], 40))
            mids.append(obj(20 + j, lows, 40))
        tops.append(obj(i, mids, 40))
    if sites:  # long string values (with '<'), each at many long-named sites
        for i in range(20000):
            lines.append('{"address":"0x%x", "type":"STRING", "class":"0x%x", "value":"%s%d", "file":"/srv/app/'
                         'vendor/bundle/ruby/3.3.0/gems/another-long-gem-%d/lib/a/b/c/strings_%03d.rb", "line":%d, '
                         '"generation":%d, "memsize":%d}'
                         % (addr(n), cls(61), "<&>" * 100, i % 40, i % 5, i % 300, i % 50, i % 40, 40 + i % 7))
            n += 1
    with open(path, "w") as f:
        f.write('{"type":"ROOT", "root":"vm", "references":[%s]}\n' % ", ".join('"0x%x"' % t for t in tops))
        for k in range(62):
            f.write('{"address":"0x%x", "type":"CLASS", "class":"0x9", "name":"C%d", "memsize":40}\n' % (cls(k), k))
        f.write("\n".join(lines) + "\n")
