#!/usr/bin/env python3
"""Help and argument errors read like a real tool's (issue 22 §3).

  usage     --help, `help`, `help COMMAND` and `COMMAND --help` say
            `Usage: heapdump ...`, never the path the binary was run by
  metavars  no CLI11 parser type (UINT, TEXT, `:{`, `in [`, REQUIRED) in
            any help; `--lines N` with `(default 50)` in the description
  width     every help line fits 80 columns when stdout is not a terminal
  version   -V prints the same as --version
  suggest   a mistyped option names the close one (--line -> --lines);
            the removed --mmap says it was removed
  allowed   errors say what is allowed: --lines >= 1, --threads 1 to 256,
            GEN mentions A..B, `read FILE 99` lists the generations the dump
            has (counted here from the JSON), --lines without GEN is a usage
            error, `read EMPTY all` says the file has no objects
  names     the top-level help heads its list "Commands:"; diff's
            --output-diff shows FILE (issue 22 §5)

Usage: python3 tests/cli/usage_test.py HEAPDUMP   (from the repository root)
Ends with "N passed, M failed".
"""
import json
import os
import re
import subprocess
import sys

from cli_util import Tally, heapdump_binary

HD = heapdump_binary()
FX = "fixtures/"
COMMANDS = ["read", "diff", "compare", "path", "retained", "record"]


TALLY = Tally()
check = TALLY.check


def run(*args):
    p = subprocess.run([HD, *args], capture_output=True, text=True, timeout=60,
                       stdin=subprocess.DEVNULL)
    return p.returncode, p.stdout, p.stderr


# usage, metavars, width
helps = {"--help": run("--help"), "help": run("help")}
for c in COMMANDS:
    helps[c + " --help"] = run(c, "--help")
    helps["help " + c] = run("help", c)
for name, (code, out, err) in helps.items():
    check(f"usage {name} exit", code == 0, f"exit {code}, stderr {err!r}")
    usage = [l for l in out.splitlines() if l.startswith("Usage:")]
    check(f"usage {name} line", len(usage) == 1 and usage[0].startswith("Usage: heapdump")
          and HD not in out, repr(usage))
    for bad in ["UINT", "TEXT", ":{", "in [", "REQUIRED", "18446744073709551615"]:
        check(f"metavars {name} has no {bad!r}", bad not in out,
              next((l for l in out.splitlines() if bad in l), ""))
    long_lines = [l for l in out.splitlines() if len(l) > 80]
    check(f"width {name}", not long_lines, repr(long_lines[:2]))
for c in COMMANDS:
    check(f"usage help {c} equals {c} --help", helps["help " + c][1] == helps[c + " --help"][1])
check("usage help equals --help", helps["help"][1] == helps["--help"][1])
read_help = helps["read --help"][1]
check("metavars --lines N (default 50)",
      re.search(r"^  --lines N +Rows per section[^\n]*\(default 50\)", read_help, re.M) is not None,
      read_help)
code, out, err = run("help", "bogus")
check("usage help bogus", code == 2 and "unknown command 'bogus'" in err, err)

# version
v = run("--version")
check("version -V", run("-V") == v and v[0] == 0 and v[1].strip() != "", repr(run("-V")))

# suggest
for c, typed, meant in [("read", "--line", "--lines"), ("read", "--thread", "--threads"),
                        ("diff", "--fail-if-new-object", "--fail-if-new-objects"),
                        ("read", "--fromat", "--format")]:
    args = [c, FX + "leak_plain.0.json"] + ([FX + "leak_plain.1.json"] if c == "diff" else [])
    code, out, err = run(*args, typed, "3")
    check(f"suggest {typed}", code == 2 and f"did you mean '{meant}'?" in err, err)
code, out, err = run("read", FX + "leak_plain.0.json", "--zzzzzzzz")
check("suggest nothing close", code == 2 and "did you mean" not in err, err)
# --mmap was removed (issue 25): an old script's --mmap is a usage error that
# says so, in every command that took it, with nothing on stdout.
for c in ["read", "diff", "retained"]:
    args = [c, FX + "leak_plain.0.json"] + ([FX + "leak_plain.1.json"] if c == "diff" else [])
    code, out, err = run(*args, "--mmap")
    check(f"removed --mmap {c}", code == 2 and out == "" and "--mmap was removed" in err
          and "did you mean" not in err, err)

# allowed
code, out, err = run("read", FX + "leak_plain.0.json", "all", "--lines", "0")
check("allowed --lines 0", code == 2 and "--lines: must be a whole number >= 1, not '0'" in err, err)
code, out, err = run("read", FX + "leak_plain.0.json", "all", "--lines", "-1")
check("allowed --lines -1", code == 2 and ">= 1" in err and ">= 0" not in err, err)
code, out, err = run("read", FX + "leak_plain.0.json", "--threads", "300")
check("allowed --threads 300", code == 2 and "from 1 to 256" in err, err)
code, out, err = run("read", FX + "leak_plain.0.json", "abc")
check("allowed GEN names A..B", code == 2 and "A..B" in err, err)

gens = set()
with open(FX + "leak_plain.1.json") as f:
    for line in f:
        o = json.loads(line)
        if o.get("type") != "ROOT" and isinstance(o.get("file"), str) and \
                isinstance(o.get("generation"), int):
            gens.add(o["generation"])
missing = max(gens) + 50
code, out, err = run("read", FX + "leak_plain.1.json", str(missing))
listed = re.search(r"generations ([0-9., ]+)$", err.strip())
shown = set()
if listed:
    for piece in listed.group(1).split(", "):
        a, _, b = piece.partition("..")
        shown.update(range(int(a), int(b or a) + 1))
check("allowed missing GEN lists the generations", code == 1 and shown == gens,
      f"{err!r} vs {sorted(gens)}")

code, out, err = run("read", FX + "leak_plain.1.json", "--lines", "3")
check("allowed --lines without GEN", code == 2 and out == "" and
      "--lines applies to a drill-down" in err, err)
code, out, err = run("read", FX + "leak_plain.1.json", "--by", "type", "--lines", "3")
check("allowed --lines with --by", code == 0, err)

code, out, err = run("read", FX + "edge_empty.json", "all")
check("allowed empty file all", code == 1 and err.strip().endswith("the file has no objects")
      and "trace_object_allocations_start" not in err, err)

# names: the top-level help lists "Commands:", and --output-diff shows FILE
top = helps["--help"][1].splitlines()
check("names top-level help says Commands:", "Commands:" in top and "Subcommands:" not in top,
      repr([l for l in top if l.endswith(":")]))
diff_opt = [l for l in helps["diff --help"][1].splitlines() if l.lstrip().startswith("--output-diff")]
check("names diff --output-diff FILE", len(diff_opt) == 1 and
      re.match(r"^\s+--output-diff,--output_diff FILE\b", diff_opt[0]) is not None, repr(diff_opt))

TALLY.finish()
