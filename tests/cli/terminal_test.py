#!/usr/bin/env python3
"""No dump- or user-supplied text drives the terminal (README, "Robustness").

A hostile dump is written at run time: ESC/OSC/BEL/CR/LF/NUL/DEL/U+202E/U+2066
and U+009B (C1 CSI) in the ROOT name, class names, a type, file names,
methods, string values, struct and imemo names (a DATA record's struct is
not printed: its class names it). It is read under a file name
that itself holds ESC, BEL, CR, LF, U+202E and a lone 0x9B byte (not UTF-8),
by every command that prints text: read (summary, GEN, all, --by each key,
--strings), diff (two and three dumps), compare (--by each key), path
(--class, --location, an address) and retained; plus error paths that echo
arguments (a missing file, an unknown command, a bad option value, skipped
lines). For each run:

  - stdout and stderr hold no byte below 0x20 but '\\n', no DEL, no C1 or
    bidi control, and are valid UTF-8 (an independent check here);
  - the hostile text did reach the output, escaped as documented (\\e]0;PWNED\\a,
    \\u202E, \\u009B, \\x9B, ...), so that the check cannot pass on output that
    simply left the text out;
  - a "\\n" inside a file name does not start a new output line.

Also: JSON of the same dump holds no raw control either; CSV keeps the exact
bytes, and with --csv-safe prefixes "'" to text cells that start with
= + - @ tab or CR; --csv-safe without --format csv is a usage error.

Usage: python3 tests/cli/terminal_test.py HEAPDUMP   (from the repository root)
Prints one line per check and ends with "N passed, M failed".
"""
import csv
import io
import json
import os
import shutil
import subprocess
import sys
import tempfile

from cli_util import Tally, heapdump_binary

HD = heapdump_binary()


TALLY = Tally(show_passes=True, width=3000)
check = TALLY.check


# ---------------------------------------------------------------------------
# The hostile dump. Text is written with JSON escapes, as Ruby's dump_all
# writes control characters; U+202E etc. as \\u escapes too.

OSC_TITLE = "\x1b]0;PWNED\x07"
FILE1 = "f" + OSC_TITLE + ".rb"
FILE2 = "cr\r\x00nul\u202eevil\u009bcsi\x7fdel.rb"
FILE3 = "x\nINJECTED.rb"
FILE4 = "=cmd|' /C calc'!A0"
FILE5 = "/gems/ev\x1b[2Jil\u202e-1.0/lib/e.rb"
CLASS = "Evil\x1b]52;c;cHduZWQ=\x07Cls\u2066"
METHOD = "m\x1b[2J"
VALUE = "v\x1b]0;VAL\x07\u202e\u009b\r"
TYPE = "T\x1b[31mX"
ROOT = "vm\x1b]0;ROOT\x07"

RECORDS = [
    {"type": "ROOT", "root": ROOT, "references": ["0x1000", "0x2000", "0x2020"]},
    {"address": "0x1000", "type": "CLASS", "name": CLASS, "memsize": 100,
     "references": ["0x2000"]},
    {"address": "0x1008", "type": "CLASS", "name": "String", "memsize": 40},
    {"address": "0x2000", "type": "OBJECT", "class": "0x1000", "file": FILE1, "line": 3,
     "method": METHOD, "generation": 5, "memsize": 5000,
     "references": ["0x2008", "0x2010", "0x2018", "0x2028", "0x2030"]},
    {"address": "0x2008", "type": "STRING", "class": "0x1008", "value": VALUE, "file": FILE2,
     "line": 4, "method": "-x", "generation": 5, "memsize": 50},
    {"address": "0x2010", "type": "STRING", "class": "0x1008", "value": VALUE, "file": FILE2,
     "line": 4, "method": "@y", "generation": 5, "memsize": 50},
    {"address": "0x2018", "type": "STRING", "class": "0x1008", "value": VALUE, "file": FILE3,
     "line": 1, "generation": 5, "memsize": 30},
    {"address": "0x2020", "type": TYPE, "class": "0x1000", "file": FILE4, "line": 7,
     "method": METHOD, "generation": 5, "memsize": 20},
    {"address": "0x2028", "type": "DATA", "class": "0x1000", "struct": "S\x1b[5m",
     "file": FILE1, "line": 9, "generation": 5, "memsize": 10},
    {"address": "0x2030", "type": "IMEMO", "imemo_type": "I\u009b\u202e", "file": FILE2,
     "line": 2, "generation": 5, "memsize": 8},
    {"address": "0x2038", "type": "STRING", "class": "0x1008", "value": "=1+2", "file": FILE5,
     "line": 2, "generation": 5, "memsize": 6},
]
# Before: the classes only (so that diff and compare see every object as new).
BEFORE = RECORDS[:3]


def dump(records, skipped=False):
    lines = [json.dumps(r, ensure_ascii=True) for r in records]
    if skipped:
        lines.insert(1, "not json \x1b]0;SKIP\x07")
    return ("\n".join(lines) + "\n").encode("utf-8")


# ---------------------------------------------------------------------------
# The independent check.

def bad_spot(b):
    """None if b is safe on a terminal, else a description of the first bad spot."""
    try:
        s = b.decode("utf-8")
    except UnicodeDecodeError as e:
        return f"not UTF-8 at byte {e.start}: {b[max(0, e.start - 20):e.start + 20]!r}"
    for i, ch in enumerate(s):
        cp = ord(ch)
        if (cp < 0x20 and ch != "\n") or 0x7F <= cp <= 0x9F or 0x202A <= cp <= 0x202E \
                or 0x2066 <= cp <= 0x2069:
            return f"U+{cp:04X} at character {i}: {s[max(0, i - 30):i + 30]!r}"
    return None


def run(args, env=None):
    p = subprocess.run([HD] + args, capture_output=True, timeout=60, env=env)
    return p.returncode, p.stdout, p.stderr


def term_check(label, args, want_out=(), want_err=(), codes=(0,)):
    code, out, err = run(args)
    check(f"{label}: exit {code}", code in codes, f"stderr {err[:500]!r}")
    spot = bad_spot(out)
    check(f"{label}: stdout safe", spot is None, spot or "")
    spot = bad_spot(err)
    check(f"{label}: stderr safe", spot is None, spot or "")
    for w in want_out:
        check(f"{label}: stdout shows {w!r}", w.encode() in out, f"stdout {out[:1500]!r}")
    for w in want_err:
        check(f"{label}: stderr shows {w!r}", w.encode() in err, f"stderr {err[:1500]!r}")
    starts = [ln for ln in out.split(b"\n") + err.split(b"\n") if ln.startswith(b"INJECTED")]
    check(f"{label}: no forged line", not starts, repr(starts[:3]))
    return out, err


# Escaped forms (include/heapdump/terminal_text.hpp).
E_FILE1 = "f\\e]0;PWNED\\a.rb"
E_FILE2 = "cr\\r\\u0000nul\\u202Eevil\\u009Bcsi\\u007Fdel.rb"
E_FILE3 = "x\\nINJECTED.rb"
E_CLASS = "Evil\\e]52;c;cHduZWQ=\\aCls\\u2066"
E_METHOD = "m\\e[2J"
E_VALUE = '"v\\e]0;VAL\\a\\u202E\\u009B\\r"'
E_TYPE = "T\\e[31mX"
E_ROOT = "vm\\e]0;ROOT\\a"
E_NAME = "d\\e]0;NAME\\a\\r\\n\\u202E\\x9B.json"
E_GEM = "ev\\e[2Jil\\u202E-1.0"


def main():
    tmp = tempfile.mkdtemp(prefix="heapdump-terminal-")
    try:
        t = tmp.encode()
        # The dump under a hostile file name (bytes: not valid UTF-8).
        name = t + b"/d\x1b]0;NAME\x07\r\n\xe2\x80\xae\x9b.json"
        with open(name, "wb") as f:
            f.write(dump(RECORDS, skipped=True))
        a = os.path.join(tmp, "a.json")
        b = os.path.join(tmp, "b.json")
        with open(a, "wb") as f:
            f.write(dump(BEFORE))
        with open(b, "wb") as f:
            f.write(dump(RECORDS))
        n = os.fsdecode(name)

        term_check("read FILE", ["read", n], want_err=[E_NAME + ":2: skipped line"])
        term_check("read FILE 5", ["read", n, "5"], [E_FILE1, E_FILE2, E_FILE3, E_VALUE, E_CLASS],
                   [E_NAME])
        term_check("read FILE all", ["read", n, "all"], [E_FILE1, E_FILE2, E_CLASS, E_VALUE])
        for key, want in [("location", E_FILE1 + ":3"), ("file", E_FILE2), ("gem", E_GEM),
                          ("class", E_CLASS), ("type", E_TYPE), ("method", E_METHOD)]:
            term_check(f"read --by {key}", ["read", n, "--by", key], [want])
            term_check(f"read 5 --by {key}", ["read", n, "5", "--by", key], [want])
        term_check("read --by class (imemo)", ["read", n, "--by", "class"],
                   ["<I\\u009B\\u202E> (IMEMO)"])
        term_check("read --strings", ["read", n, "--strings"], [E_VALUE, E_FILE2 + ":4"])
        term_check("read all --strings", ["read", n, "all", "--strings"],
                   [E_VALUE, E_FILE3 + ":1"])
        term_check("diff", ["diff", a, n], [E_TYPE, E_FILE1, E_FILE2], [E_NAME])
        term_check("diff retained", ["diff", a, n, b], [E_TYPE, E_FILE1, E_FILE2], [E_NAME])
        term_check("diff --output-diff", ["diff", a, b, "--output-diff", os.path.join(tmp, "o\x1b[2J")],
                   [E_FILE1], ["o\\e[2J"])
        for key, want in [("class", E_CLASS), ("file", E_FILE2), ("method", E_METHOD),
                          ("type", E_TYPE), ("location", E_FILE1 + ":3"), ("gem", E_GEM)]:
            term_check(f"compare --by {key}", ["compare", a, n, "--by", key], [want, E_NAME])
        term_check("path --class", ["path", n, "--class", CLASS],
                   [E_CLASS, E_ROOT, E_FILE1, E_NAME])
        term_check("path --location", ["path", n, "--location", FILE1 + ":9"],
                   [E_FILE1, E_ROOT, E_CLASS])
        term_check("path ADDRESS", ["path", n, "0x2030"], [E_ROOT, E_FILE1, E_FILE2 + ":2"])
        term_check("path --class (no match)", ["path", n, "--class", "No\x1b[2JSuch"], [],
                   ["No\\e[2JSuch"], codes=(1,))
        term_check("retained", ["retained", n, "--threshold", "1"],
                   [E_ROOT, E_CLASS, E_FILE1, E_FILE2, E_TYPE, E_NAME])

        # Arguments echoed in errors.
        term_check("missing file", ["read", n + ".gone"], [], [E_NAME + ".gone"], codes=(3,))
        term_check("unknown command", ["r\x1b[2Jead"], [], ["r\\e[2Jead"], codes=(2,))
        term_check("bad option value", ["read", n, "--lines", "\x1b]0;X\x07"], [], ["\\e]0;X\\a"],
                   codes=(2,))
        term_check("bad GEN", ["read", n, "\x1b[2J\u202e"], [], ["\\e[2J\\u202E"], codes=(2,))

        # JSON: everything escaped, the bytes exact once parsed.
        code, out, err = run(["read", n, "all", "--format", "json"])
        spot = bad_spot(out)
        check("json: no raw control", code == 0 and spot is None, spot or repr(err))
        doc = json.loads(out)
        check("json: file name exact", doc["parameters"]["file"] == {"latin1": n.encode(
            "utf-8", "surrogateescape").decode("latin-1")}, repr(doc["parameters"]["file"]))
        locs = [r[0] for tb in doc["tables"] if tb["name"] == "memory_by_location"
                for r in tb["rows"]]
        check("json: locations exact", FILE1 + ":3" in locs and FILE2 + ":4" in locs, repr(locs))

        # CSV: exact by default; --csv-safe defuses formulas in text cells.
        def cells(args):
            code, out, err = run(args)
            rows = list(csv.reader(io.StringIO(out.decode("utf-8"), newline="")))
            return code, [c for r in rows for c in r], out
        code, plain, _ = cells(["read", n, "all", "--by", "file,method", "--format", "csv"])
        check("csv: exact bytes", code == 0 and FILE4 in plain and FILE1 in plain
              and "-x" in plain and "@y" in plain, repr(plain[:40]))
        code, safe, raw = cells(["read", n, "all", "--by", "file,method", "--format", "csv", "--csv-safe"])
        check("csv --csv-safe: prefixed", code == 0 and "'" + FILE4 in safe and "'-x" in safe
              and "'@y" in safe and FILE4 not in safe, repr(safe[:40]))
        check("csv --csv-safe: other cells as is", FILE1 in safe and E_METHOD not in safe
              and METHOD in safe, repr(safe[:40]))
        starts = [c for c in safe if c[:1] in ("=", "+", "-", "@", "\t", "\r")]
        check("csv --csv-safe: no cell starts a formula", not starts, repr(starts))
        code, out, err = run(["compare", a, b, "--by", "file", "--format", "csv", "--csv-safe"])
        rows = list(csv.reader(io.StringIO(out.decode("utf-8"), newline="")))
        check("csv --csv-safe: compare, numbers stay numbers",
              code == 0 and any("'" + FILE4 in r for r in rows)
              and all(not c.startswith("'") or c[1:2] in "=+-@\t\r" for r in rows for c in r),
              repr(rows[:5]))
        for fmt in ("text", "json"):
            code, out, err = run(["read", n, "--csv-safe", "--format", fmt])
            check(f"--csv-safe with --format {fmt}: usage error",
                  code == 2 and b"--csv-safe" in err, repr((code, err)))

        # The progress line, on a pseudo-terminal (util-linux `script`).
        if shutil.which("script"):
            log = os.path.join(tmp, "typescript")
            env = dict(os.environ, HEAPDUMP_PROGRESS_MIN_BYTES="0")
            # The hostile name is passed through the environment: script -c
            # takes a shell command line.
            env["HD_NAME"] = n
            cmd = f"exec '{HD}' read \"$HD_NAME\" all >/dev/null"
            subprocess.run(["script", "-qec", cmd, log], env=env, capture_output=True,
                           timeout=60)
            with open(log, "rb") as f:
                seen = f.read()
            # The progress line itself draws with \r and ESC[K; the name must not
            # add any other control (the raw name holds ESC ] ... BEL).
            check("progress line: name escaped",
                  b"\x1b]0;NAME" not in seen and b"\x07" not in seen
                  and E_NAME.encode() in seen, repr(seen[:600]))
        else:
            print("skip  progress line: no `script`")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    TALLY.finish()


main()
