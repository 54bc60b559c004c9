#!/usr/bin/env python3
"""README, docs/ and the man page say what the binary does (issue 22 §5).

  man       every long option in each command's --help heads an entry of
            docs/heapdump.1's OPTIONS
  commands  docs/output-formats.md's `command` row names every command that
            writes a report (read, diff, compare, path, retained, report)
  csv       the CSV `diff` sample in docs/output-formats.md is what the
            command it names prints, and its rows agree with the text output
            of the same diff (objects, bytes, type and site per line)
  examples  every `$ heapdump path ...` example in README.md and docs/*.md is
            the binary's output (its lines in order, `...` for a cut) and
            shows the "Merged shortest paths" section or ends in `...`

Usage: python3 tests/cli/docs_test.py HEAPDUMP   (from the repository root)
Ends with "N passed, M failed".
"""
import glob
import os
import re
import shlex
import subprocess
import sys

from cli_util import Tally, heapdump_binary

HD = heapdump_binary()
COMMANDS = ["read", "diff", "compare", "path", "retained", "report", "record"]
REPORTS = ["read", "diff", "compare", "path", "retained", "report"]


TALLY = Tally()
check = TALLY.check


def run(*args):
    p = subprocess.run([HD, *args], capture_output=True, timeout=120, stdin=subprocess.DEVNULL)
    return p.returncode, p.stdout.decode(), p.stderr.decode()


# man: the option column of each help (lines starting with - after the indent)
man_all = open("docs/heapdump.1").read().replace("\\-", "-")
# the OPTIONS section, each option named in a .TP entry's first line
man = "\n".join(l for l in re.findall(r"^\.TP\n(.*)$", man_all.split(".SH OPTIONS", 1)[-1]
                                        .split("\n.SH ", 1)[0], re.M))
for c in [None] + COMMANDS:
    code, out, _ = run("--help") if c is None else run(c, "--help")
    names = set()
    for line in out.splitlines():
        m = re.match(r"^  (-\S+)", line)
        if m:
            names.update(re.findall(r"--[A-Za-z0-9_-]+", m.group(1)))
    check(f"man {c or 'heapdump'} has options", code == 0 and len(names) >= 2, repr(names))
    for name in sorted(names):
        check(f"man {c or 'heapdump'} {name}", re.search(re.escape(name) + r"(?![A-Za-z0-9_-])", man)
              is not None)

# commands
formats = open("docs/output-formats.md").read()
row = next((l for l in formats.splitlines() if l.startswith("| `command` |")), "")
listed = re.findall(r'`"([a-z]+)"`', row)
check("commands row lists every report", sorted(listed) == sorted(REPORTS), repr(row))

# csv: the block after "and the result of `heapdump diff ... --format csv`:"
m = re.search(r"result of\s+`(heapdump diff [^`]*--format csv)`:\s*```\n(.*?)```", formats, re.S)
check("csv sample names its command", m is not None)
if m:
    args = shlex.split(m.group(1))[1:]
    code, out, err = run(*args, "-q")
    check("csv sample is the real output", code == 0 and
          out.replace("\r\n", "\n") == m.group(2), f"{out!r}\nvs\n{m.group(2)!r}")
    check("csv sample ends in CRLF", out.endswith(",\r\n"))
    text_args = [a for a in args if a not in ("--format", "csv")]
    code, text, err = run(*text_args, "-q")
    from_text = []
    for line in text.splitlines():
        t = re.match(r"^(?:Allocated|Retained) (\S+) (\d+) objects of size (\d+)/(\d+) "
                     r"\(in bytes\) at: (.*):(\d*)$", line)
        if t:
            from_text.append((t[1], t[2], t[3], t[5], t[6]))
    rows = [r.split(",") for r in m.group(2).splitlines()[1:]]
    data = [tuple(r[1:]) for r in rows if r[0] == "diff"]
    check("csv sample rows match the text output", data == from_text and len(data) > 1,
          f"{data} vs {from_text}")
    totals = [r for r in rows if r[0] == "diff.totals"]
    check("csv sample totals are the sums", len(totals) == 1 and
          int(totals[0][2]) == sum(int(d[1]) for d in data) and
          int(totals[0][3]) == sum(int(d[2]) for d in data), repr(totals))

# examples
examples = 0
for doc in ["README.md"] + sorted(glob.glob("docs/*.md")):
    for block in re.findall(r"```\n(\$ heapdump path [^\n]*)\n(.*?)```", open(doc).read(), re.S):
        examples += 1
        cmd, body = block
        lines = body.rstrip("\n").split("\n")
        code, out, err = run(*shlex.split(cmd[2:])[1:], "-q")
        actual = out.rstrip("\n").split("\n")
        # the documented lines appear in order; `...` stands for any lines
        i, ok = 0, True
        for want in lines:
            if want == "...":
                continue
            while i < len(actual) and actual[i] != want:
                i += 1
            if i == len(actual):
                ok = False
                break
            i += 1
        check(f"examples {doc}: {cmd} is the real output", code == 0 and ok,
              f"missing line {want!r}" if not ok else err)
        check(f"examples {doc}: {cmd} shows the merged view or a cut",
              "Merged shortest paths" in body or lines[-1] == "...", repr(lines[-1]))
check("examples found", examples >= 2, str(examples))

TALLY.finish()
