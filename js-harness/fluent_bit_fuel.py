#!/usr/bin/env python3
"""Instructions per record of the Fluent Bit filter, counted as Wasmtime fuel.

    python fluent_bit_fuel.py MODULE.wasm [--json]

Fuel is Wasmtime's count of executed WebAssembly instructions (roughly one unit per instruction),
so it is the same on every run and every machine: the proxy for the filter's cost in an
interpreter such as Fluent Bit's WAMR, where time per record is close to proportional to it.

Records, made from the repository's fixtures the way Fluent Bit hands them to the filter:
  sal          every SAL fixture line as {"log": LINE} (tail input, no parser)
  ct_object    every S3 CloudTrail fixture record as the record object (tail with a json parser)
  ct_wrapped   the same records as {"log": RECORD_TEXT} (tail input, no parser)

Each record is copied, NUL-terminated, into memory the module's allocator does not own (as WAMR's
app heap is), then `s3norm_fluent_bit_filter` is called on one instance for all records. Prints
mean, median and max fuel per record for each set. The instance's first call (one SAL record and
one CloudTrail record, not counted) pays for what is built once per instance (the operation
table's indexes); its fuel is reported as `first_call`.
"""
import json
import statistics
import sys
from pathlib import Path

import wasmtime

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "tests" / "fixtures"
PAGE = 65536
FUEL = 10**12


def sal_lines():
    for path in sorted((FIXTURES / "s3-access-logs").glob("*.log")):
        for line in path.read_text(encoding="utf-8").split("\n"):
            if line.strip():
                yield line


def cloudtrail_records():
    def collect(v):
        if isinstance(v, list):
            for item in v:
                yield from collect(item)
        elif isinstance(v, dict):
            if "eventName" in v:
                yield v
            else:
                for key in ("Records", "detail", "record"):
                    if key in v:
                        yield from collect(v[key])

    for path in sorted((FIXTURES / "cloudtrail").iterdir()):
        text = path.read_text(encoding="utf-8")
        docs = [json.loads(l) for l in text.split("\n") if l.strip()] if path.suffix == ".ndjson" else [json.loads(text)]
        for doc in docs:
            for record in collect(doc):
                if str(record.get("eventSource", "")).startswith("s3"):
                    yield record


def main() -> int:
    module_path = sys.argv[1]
    config = wasmtime.Config()
    config.consume_fuel = True
    engine = wasmtime.Engine(config)
    store = wasmtime.Store(engine)
    store.set_fuel(FUEL)
    instance = wasmtime.Instance(store, wasmtime.Module.from_file(engine, module_path), [])
    ex = instance.exports(store)
    memory, filt = ex["memory"], ex["s3norm_fluent_bit_filter"]
    heap = {"base": 0, "size": 0}

    def call(record: bytes) -> int:
        tag = b"s3\0"
        need = len(tag) + len(record) + 1
        if need > heap["size"]:
            pages = -(-need // PAGE) + 1
            heap["base"], heap["size"] = memory.grow(store, pages) * PAGE, pages * PAGE
        base = heap["base"]
        memory.write(store, tag, base)
        memory.write(store, record + b"\0", base + len(tag))
        before = store.get_fuel()
        result = filt(store, base, len(tag) - 1, 1700000000, 0, base + len(tag), len(record)) & 0xFFFFFFFF
        used = before - store.get_fuel()
        out = bytes(memory.read(store, result, min(result + 4096, memory.data_len(store))))
        if not out.startswith(b"{"):
            raise RuntimeError(f"filter answered {out[:80]!r}")
        return used

    sets = {
        "sal": [json.dumps({"log": line}).encode() for line in sal_lines()],
        "ct_object": [json.dumps(r).encode() for r in cloudtrail_records()],
        "ct_wrapped": [json.dumps({"log": json.dumps(r)}).encode() for r in cloudtrail_records()],
    }
    report = {}
    # Once per instance, not per record: the first call builds the operation table's indexes.
    report["first_call"] = {"records": 2, "fuel": call(sets["sal"][0]) + call(sets["ct_object"][0])}
    for name, records in sets.items():
        fuel = [call(r) for r in records]
        report[name] = {"records": len(fuel), "mean": round(statistics.mean(fuel)), "median": round(statistics.median(fuel)), "max": max(fuel)}
    if "--json" in sys.argv[2:]:
        print(json.dumps(report))
    else:
        print(f"first call of the instance (one SAL, one CloudTrail record): {report['first_call']['fuel']:,} fuel")
        print(f"{'records':<12} {'n':>5} {'mean fuel':>12} {'median':>12} {'max':>12}")
        for name, r in report.items():
            if name != "first_call":
                print(f"{name:<12} {r['records']:>5} {r['mean']:>12,} {r['median']:>12,} {r['max']:>12,}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
