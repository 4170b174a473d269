#!/usr/bin/env python3
"""Write the seed corpora of the fuzz targets into fuzz/corpus/<target>/ from tests/fixtures/.

The corpora are not committed (fuzz/.gitignore): this script makes them again, the same bytes
each time, and libFuzzer adds what it finds beside them. Each seed is named by the SHA-1 of its
bytes, as libFuzzer names its own, so running this twice changes nothing.

Seeds per target (see fuzz/README.md for what each target asserts):
  sal_line          every SAL line of the fixtures, and the written pairs' SAL lines
  read_bytes        a choice byte (options, chunk size) + every fixture file and every line
  cloudtrail_value  a choice byte + every CloudTrail record, container and fixture document
  abi_transform     ABI requests: text, shipper events, records, wrapped requests, batches
  raw_exports       16 bytes of pointers and lengths + Fluent Bit records ({"log": line}, records, MessagePack)
  correlate         a choice byte + SAL and CloudTrail texts joined by 0x1e: the correlation fixtures, unified pairs
"""
import hashlib
import json
import os
import struct

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
FIXTURES = os.path.join(ROOT, "tests", "fixtures")
CORPUS = os.path.join(ROOT, "fuzz", "corpus")


def files(subdir, suffixes):
    d = os.path.join(FIXTURES, subdir)
    return sorted(os.path.join(d, n) for n in os.listdir(d) if n.endswith(suffixes))


def read(path):
    with open(path, "rb") as f:
        return f.read()


def lines(data):
    return [l for l in data.split(b"\n") if l.strip()]


def cloudtrail_records(value):
    """Every record inside a fixture value, and the containers themselves."""
    out = [value]
    if isinstance(value, list):
        for v in value:
            out += cloudtrail_records(v)
    elif isinstance(value, dict):
        for key in ("Records", "logEvents"):
            if isinstance(value.get(key), list):
                for v in value[key]:
                    out += cloudtrail_records(v)
        for key in ("detail", "record"):
            if isinstance(value.get(key), dict):
                out += cloudtrail_records(value[key])
    return out


def write(target, seeds):
    d = os.path.join(CORPUS, target)
    os.makedirs(d, exist_ok=True)
    for seed in seeds:
        with open(os.path.join(d, hashlib.sha1(seed).hexdigest()), "wb") as f:
            f.write(seed)
    return len(set(seeds))


def main():
    sal_files = files("s3-access-logs", (".log",))
    ct_files = files("cloudtrail", (".json", ".ndjson")) + files("written", (".json",))
    broken = files("broken", (".json",))
    sal_lines = [l for p in sal_files for l in lines(read(p))]
    pairs = json.loads(read(os.path.join(FIXTURES, "written", "unified_pairs.json")))
    sal_lines += [p["sal"].encode() for p in pairs]

    values = []
    for p in ct_files:
        data = read(p)
        try:
            values += cloudtrail_records(json.loads(data))
        except ValueError:
            for l in lines(data):
                values += cloudtrail_records(json.loads(l))
    values += [p["cloudtrail"] for p in pairs]
    compact = [json.dumps(v, separators=(",", ":")).encode() for v in values]

    documents = [read(p) for p in sal_files + ct_files + broken]
    counts = {}
    counts["sal_line"] = write("sal_line", sal_lines)
    counts["read_bytes"] = write(
        "read_bytes",
        [bytes([c]) + d for d in documents for c in (0, 4)] + [b"\x00" + l for l in sal_lines + compact]
        # A damaged first line before good ones, and the smallest documents.
        + [b"\x00" + b'{"eventVersion":"1.0\n' + sal_lines[0] + b"\n" + compact[0] + b"\n", b"\x00[", b"\x00{\n", b"\x00a: 1\n"],
    )
    counts["cloudtrail_value"] = write("cloudtrail_value", [b"\x00" + c for c in compact] + [b"\x01" + c for c in compact[:20]])
    requests = [json.dumps(l.decode()) for l in sal_lines]
    requests += [json.dumps({"message": l.decode(), "file": "/var/log/s3/access.log", "host": "h"}) for l in sal_lines[:20]]
    requests += [json.dumps({"log": l.decode()}) for l in sal_lines[:10]]
    requests += [c.decode() for c in compact]
    requests += [json.dumps({"input": d.decode("utf-8", "replace"), "options": {"raw_data": True, "log_name": "x"}}) for d in documents[:8]]
    requests += [json.dumps([l.decode() for l in sal_lines[:3]] + values[:3]), '{"input":[1,"x"],"options":{"rawdata":true}}']
    counts["abi_transform"] = write("abi_transform", [r.encode() for r in requests])
    pointers = [struct.pack("<IIII", 65536, 16, 2, 65536), struct.pack("<IIII", 0, 9, 1, 0), struct.pack("<IIII", 0xFFFFFFF0, 0x20, 65536, 0xFFFFFFFF)]
    records = [json.dumps({"log": l.decode(), "file": "/var/log/s3/a.log"}).encode() for l in sal_lines[:30]] + compact[:30]
    # event_format msgpack records: {"log": "abc"} (fixmap) and a map16 header, which the filter refuses in MessagePack.
    msgpack = [b"\x81\xa3log\xa3abc", b"\xde\x00\x01\xa3log\xa3abc"]
    counts["raw_exports"] = write("raw_exports", [p + r for p in pointers for r in records] + [pointers[0] + r for r in [b'{"log":'] + msgpack])
    correlation = os.path.join(FIXTURES, "written", "correlation")
    sal_logs = [read(os.path.join(correlation, "sal", n)) for n in sorted(os.listdir(os.path.join(correlation, "sal")))]
    trails = [read(os.path.join(correlation, "cloudtrail", n)) for n in sorted(os.listdir(os.path.join(correlation, "cloudtrail")))]
    joined = [b"\x1e".join([a, b]) for a in sal_logs for b in trails]
    joined += [p["sal"].encode() + b"\x1e" + json.dumps(p["cloudtrail"]).encode() for p in pairs]
    joined.append(b"\x1e".join(sal_logs[:2] + trails[:2]))
    counts["correlate"] = write("correlate", [bytes([c]) + j for j in joined for c in (0, 3)])
    print(" ".join(f"{t}:{n}" for t, n in counts.items()), "seeds in fuzz/corpus/")


if __name__ == "__main__":
    main()
