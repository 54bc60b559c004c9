#!/usr/bin/env python3
"""Writes the seed corpora fuzz/corpus/{fuzz_line,fuzz_pipeline}/ from fixtures/.

Run from the repository root: python3 fuzz/make_corpus.py
The output is committed; rerun only to change the seeds. Deterministic.
"""
import gzip
import hashlib
import json
import os
import shutil

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
FIX = os.path.join(ROOT, "fixtures")
OUT = os.path.join(ROOT, "fuzz", "corpus")


def lines_of(path):
    with open(os.path.join(FIX, path), "rb") as f:
        return f.read().split(b"\n")


def is_valid(line):
    try:
        return isinstance(json.loads(line.decode("utf-8")), dict)
    except (ValueError, UnicodeDecodeError):
        return False


def type_of(line):
    try:
        return json.loads(line.decode("utf-8")).get("type", "")
    except (ValueError, UnicodeDecodeError, AttributeError):
        return "?"


def write(target, data):
    d = os.path.join(OUT, target)
    os.makedirs(d, exist_ok=True)
    name = hashlib.sha1(data).hexdigest()[:16]
    with open(os.path.join(d, name), "wb") as f:
        f.write(data)


def main():
    shutil.rmtree(OUT, ignore_errors=True)

    # --- line: one line each ---------------------------------------------
    eras = sorted(os.listdir(os.path.join(FIX, "eras")))
    for era in eras:
        if not era.endswith(".json"):
            continue
        seen = {}
        for line in lines_of(os.path.join("eras", era)):
            if not line or len(line) > 1500:
                continue
            t = type_of(line)
            if seen.get(t, 0) >= 2:  # two lines per type per Ruby version
                continue
            seen[t] = seen.get(t, 0) + 1
            write("fuzz_line", line)
    values = [l for l in lines_of("edge_values.json") if l and len(l) <= 1500]
    seen = {}
    for line in values:
        t = type_of(line)
        if seen.get(t, 0) >= 3:
            continue
        seen[t] = seen.get(t, 0) + 1
        write("fuzz_line", line)
    # Every invalid line of the broken-path fixture (Ruby 3.1's unescaped "file").
    for line in lines_of("edge_badjson_path.json"):
        if line and not is_valid(line) and len(line) <= 1500:
            write("fuzz_line", line)
    # The cut-off last line of the truncated fixture (its tail).
    write("fuzz_line", lines_of("edge_truncated.json")[-1][-1200:])
    for path in ("leak_plain.0.json", "slot_reuse.0.json", "edge_since.json"):
        for line in [l for l in lines_of(path) if l and len(l) <= 800][:6]:
            write("fuzz_line", line)
    obj = b'{"address":"0x7f3a1c2b4d50", "type":"STRING", "class":"0x7f3a1c2b4d00", "value":"a", "file":"x.rb", "line":3, "generation":7, "memsize":40, "references":["0x1", "zz", 5]}'
    hostile = [
        b"\xef\xbb\xbf" + obj,                      # BOM
        obj + b"\r",                                # CRLF (the reader strips only '\n')
        obj[:40] + b"\x00" + obj[40:],              # NUL inside the line
        b'{"address":"0x1", "address":"0x2", "type":"ARRAY", "type":"HASH", "memsize":1, "memsize":null}',
        b'{"address":"0x1", "generation":18446744073709551616, "memsize":-1}',
        b'{"address":"0x1", "line":1.5, "memsize":1e400}',
        b'{"address":"0x", "class":"0x12345678901234567"}',
        b'{"address":"0x1", "file":"a\\"b\\\\c\\u0000\\ud800", "value":"\\u2028"}',
        b'{"type":"ROOT", "root":"vm", "references":[]}',
        b"[1,2,3]",
        b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR",
        b"",
        b"{}",
        b'{"address":"0x1\\nheapdump: fake\\u001b[31m", "type":"STRING"}',  # control chars in a message
        b'{"a":' * 40 + b"1" + b"}" * 40,
        # Terminal controls in every text field the renderers show.
        b'{"address":"0x10", "type":"OBJECT", "class":"0x10", "file":"f\\u001b]0;PWNED\\u0007.rb", '
        b'"line":1, "method":"m\\u001b[2J\\r", "generation":1, "memsize":9}',
        b'{"address":"0x10", "type":"CLASS", "class":"0x10", "name":"C\\u001b]52;c;eA==\\u0007\xe2\x80\xae", '
        b'"file":"\xc2\x9b\\u0000\\u007f.rb", "memsize":1}',
        b'{"address":"0x18", "type":"STRING", "value":"v\\u009b\\u202e\\u2066\\n", "file":"a\\nb.rb", '
        b'"line":2, "generation":1, "memsize":4}',
        b'{"type":"ROOT", "root":"vm\\u001b[31m", "references":["0x10"]}',
        b'{"address":"0x20", "type":"DATA", "struct":"S\\u001b", "file":"x.rb", "memsize":1}',
    ]
    for h in hostile:
        write("fuzz_line", h)

    # --- pipeline: whole small dumps --------------------------------------
    for era in eras:
        if era.endswith(".json"):
            with open(os.path.join(FIX, "eras", era), "rb") as f:
                write("fuzz_pipeline", f.read())

    def head(path, n, start=0):
        ls = [l for l in lines_of(path)[start:] if len(l) <= 2000]
        return b"\n".join(ls[:n]) + b"\n"

    write("fuzz_pipeline", head("edge_values.json", 40, 1))
    write("fuzz_pipeline", head("edge_badjson_path.json", 40, 0))
    write("fuzz_pipeline", head("edge_since.json", 40, 0))
    write("fuzz_pipeline", lines_of("edge_truncated.json")[-1][-1500:])
    write("fuzz_pipeline", b"")
    write("fuzz_pipeline", b"\n\n\n\n")
    write("fuzz_pipeline", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89\x00\x00\x00\nIDATx\x9cc\x00\x01\x00\x00\x05\x00\x01\r\n-\xb4\x00\x00\x00\x00IEND\xaeB`\x82")
    crlf = head("leak_plain.1.json", 30, 200).replace(b"\n", b"\r\n")
    write("fuzz_pipeline", b"\xef\xbb\xbf" + crlf)
    nul = bytearray(head("leak_plain.1.json", 10, 300))
    nul[50] = 0
    write("fuzz_pipeline", bytes(nul))

    # diff seeds: BEFORE --AFTER-- AFTER [--RETAINED-- RETAINED]; objects of
    # one window of a real dump, so that some are new and some are not.
    for path, start in (("leak_plain.1.json", 1000), ("slot_reuse.1.json", 500)):
        ls = [l for l in lines_of(path)[start:] if l and len(l) <= 1000][:60]
        before = b"\n".join(ls[:40]) + b"\n"
        after = b"\n".join(ls[20:60]) + b"\n"
        retained = b"\n".join(ls[30:50]) + b"\n"
        write("fuzz_pipeline", before + b"--AFTER--\n" + after)
        write("fuzz_pipeline", before + b"--AFTER--\n" + after + b"--RETAINED--\n" + retained)
    # A reused slot: same address, another generation / type.
    a = b'{"address":"0x10", "type":"STRING", "file":"a.rb", "line":1, "generation":1, "memsize":40}\n'
    b = b'{"address":"0x10", "type":"STRING", "file":"a.rb", "line":2, "generation":2, "memsize":40}\n'
    c = b'{"address":"0x10", "type":"ARRAY", "file":"a.rb", "line":1, "generation":1, "memsize":40}\n'
    write("fuzz_pipeline", a + b"--AFTER--\n" + a + b + c + b"--RETAINED--\n" + b + c)
    # Regression (found by fuzz_pipeline): one MODULE address named twice; the
    # later name must win on any number of threads.
    mod = b'{"address":"0x20", "type":"MODULE", "name":"%s"}\n'
    objs = b"".join(b'{"address":"0x%x", "type":"OBJECT", "class":"0x20", "file":"m.rb", "line":1}\n' % (0x100 + i) for i in range(8))
    write("fuzz_pipeline", mod % b"IO::generic_readable" + objs + mod % b"IO::generic_rea?dable" + objs)
    # Terminal controls in class names, files, methods, values (text output
    # must stay terminal-safe: fuzz/terminal_check.hpp).
    evil = (b'{"address":"0x30", "type":"CLASS", "name":"E\\u001b]0;T\\u0007\\u202e", "memsize":1}\n'
            b'{"address":"0x40", "type":"STRING", "class":"0x30", "value":"\\u009b2J\\r", '
            b'"file":"f\\u001b[2J\\n.rb", "line":1, "method":"\\u0000m", "generation":1, "memsize":5}\n'
            b'{"address":"0x48", "type":"STRING", "class":"0x30", "value":"\\u009b2J\\r", '
            b'"file":"f\\u001b[2J\\n.rb", "line":1, "method":"\\u0000m", "generation":1, "memsize":5}\n')
    write("fuzz_pipeline", evil + b"--AFTER--\n" + evil.replace(b"0x4", b"0x5"))

    # Compressed input (decoded like InputSource::open): gzip with two
    # members, zero padding, cut short; zstd frames written by hand (raw and
    # RLE blocks; stdlib only), a skippable frame, cut short.
    dump = head("leak_plain.1.json", 12, 100)
    g = gzip.compress(dump[:700], mtime=0) + gzip.compress(dump[700:], mtime=0)
    write("fuzz_pipeline", g)
    write("fuzz_pipeline", g + b"\0" * 16)
    write("fuzz_pipeline", g[: len(g) - 5])

    def zstd_frame(blocks):
        # Magic, Frame_Header_Descriptor 0 (no checksum, no content size),
        # Window_Descriptor 0x38 (128 KB); each block: 3-byte header
        # (last, type: 0 raw / 1 RLE, size) and its content.
        out = b"\x28\xb5\x2f\xfd\x00\x38"
        for i, (kind, data, size) in enumerate(blocks):
            last = 1 if i == len(blocks) - 1 else 0
            out += (last | kind << 1 | size << 3).to_bytes(3, "little") + data
        return out

    z = (b"\x50\x2a\x4d\x18\x02\x00\x00\x00hi"
         + zstd_frame([(0, dump[:500], 500), (1, b" ", 30), (0, dump[500:], len(dump) - 500)])
         + zstd_frame([(0, dump[:300], 300)]))
    write("fuzz_pipeline", z)
    write("fuzz_pipeline", z[: len(z) - 40])


if __name__ == "__main__":
    main()
