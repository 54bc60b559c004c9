"""Shared by the Python tests of tests/cli: the heapdump binary named on the
command line, and the tally of checks each script ends with ("N passed, M
failed"; exit status 1 if any check failed)."""
import os
import sys


def heapdump_binary():
    """The script's one argument, the heapdump binary, as an absolute path."""
    if len(sys.argv) != 2:
        sys.exit(f"usage: {os.path.basename(sys.argv[0])} HEAPDUMP")
    return os.path.abspath(sys.argv[1])


class Tally:
    """Counts checks. A failure is printed as "FAIL  LABEL DETAIL" (cut to
    `width` characters); a pass as "ok    LABEL" only with `show_passes`."""

    def __init__(self, show_passes=False, width=2000):
        self.passed = 0
        self.failed = 0
        self.show_passes = show_passes
        self.width = width

    def check(self, label, ok, detail=""):
        if ok:
            self.passed += 1
            if self.show_passes:
                print(f"ok    {label}")
        else:
            self.failed += 1
            print(f"FAIL  {label} {detail}"[: self.width])
        return ok

    def finish(self, note=""):
        """Prints the totals (and `note`) and ends the script."""
        print(f"{self.passed} passed, {self.failed} failed{note}")
        sys.exit(1 if self.failed else 0)
