#!/usr/bin/env python3
"""Checks that Python's csv module reads heapdump's CSV back cell for cell.

Usage: csv_roundtrip.py FILE.csv EXPECTED

EXPECTED is a JSON file, or (if it starts with '[') the JSON text itself:
a list of records, each a list of fields, header record included. A field
is a string (compared as its UTF-8 bytes) or {"latin1": "..."} for bytes
that are not valid UTF-8 (each code point U+0000..U+00FF is one byte, as
in heapdump's JSON output). heapdump writes null and missing cells as empty
fields, so they are expected as "".

Also checks the layout of docs/output-formats.md that csv hides: the file
ends with CRLF. Exits 0 when everything matches, 1 with a message on the
first difference, 2 on bad usage.
"""

import csv
import json
import os
import sys


def expected_bytes(field):
    if isinstance(field, str):
        return field.encode("utf-8")
    if isinstance(field, dict) and set(field) == {"latin1"} and isinstance(field["latin1"], str):
        return field["latin1"].encode("latin-1")
    raise ValueError(f"bad expected field {field!r}")


def fail(message):
    print(f"csv_roundtrip: {message}", file=sys.stderr)
    sys.exit(1)


def main(argv):
    if len(argv) != 3:
        print(__doc__.strip().splitlines()[2], file=sys.stderr)
        return 2
    csv_path, expected_arg = argv[1], argv[2]
    if expected_arg.lstrip().startswith("["):
        expected = json.loads(expected_arg)
    else:
        with open(expected_arg, encoding="utf-8") as f:
            expected = json.load(f)
    if not isinstance(expected, list) or not all(isinstance(r, list) for r in expected):
        print("csv_roundtrip: EXPECTED must be a JSON list of lists", file=sys.stderr)
        return 2
    expected = [[expected_bytes(field) for field in record] for record in expected]

    with open(csv_path, "rb") as f:
        raw = f.read()
    if raw and not raw.endswith(b"\r\n"):
        fail(f"{csv_path}: does not end with CRLF")

    # surrogateescape keeps invalid UTF-8 bytes, so fields map back to bytes.
    with open(csv_path, newline="", encoding="utf-8", errors="surrogateescape") as f:
        try:
            actual = [
                [field.encode("utf-8", "surrogateescape") for field in record]
                for record in csv.reader(f, strict=True)
            ]
        except csv.Error as e:
            fail(f"{csv_path}: not valid CSV: {e}")

    for i, (want, got) in enumerate(zip(expected, actual), start=1):
        if want != got:
            fail(f"{csv_path}: record {i}: expected {want!r}, read {got!r}")
    if len(expected) != len(actual):
        fail(f"{csv_path}: expected {len(expected)} records, read {len(actual)}")
    print(f"csv_roundtrip: {os.path.basename(csv_path)}: {len(actual)} records match")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
