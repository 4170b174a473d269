#!/usr/bin/env python3
"""Drive the raw s3norm module with Wasmtime (PyPI `wasmtime`), a second, independent engine.

    python wasmtime_driver.py MODULE.wasm REQUESTS.json > RESULTS.json

REQUESTS.json is a JSON array of calls, run in order on ONE instance (so a bad call must leave
the instance usable for the next):

    {"op": "transform", "input_b64": "..."}              alloc + copy + s3norm_transform + dealloc
    {"op": "transform_at", "ptr": P, "len": N}           s3norm_transform at raw (ptr, len)
    {"op": "fluent_bit", "tag": "t", "record_b64": "..."} Fluent Bit's way: NUL-terminated copies
    {"op": "fluent_bit_at", "tag_ptr": P, "tag_len": N, "rec_ptr": P, "rec_len": N}
    {"op": "alloc", "len": N}                            returns the pointer
    {"op": "dealloc", "ptr": P, "len": N}
    {"op": "abi_version"}
    {"op": "memory_size"}                                bytes of linear memory

Each result is {"ok": true, "output_b64": ...} / {"ok": true, "value": ...}, or {"ok": false,
"trap": "..."} when the call trapped. The first line of stdout is a JSON object describing the
module (imports, exports); the second is the array of results.
"""
import base64
import json
import sys

import wasmtime

PAGE = 65536


def main() -> int:
    module_path, requests_path = sys.argv[1], sys.argv[2]
    engine = wasmtime.Engine()
    module = wasmtime.Module.from_file(engine, module_path)
    info = {
        "imports": [f"{i.module}.{i.name}" for i in module.imports],
        "exports": [e.name for e in module.exports],
    }
    store = wasmtime.Store(engine)
    # An empty import list: the raw module must need nothing from its host.
    instance = wasmtime.Instance(store, module, [])
    ex = instance.exports(store)
    memory = ex["memory"]
    alloc, dealloc = ex["s3norm_alloc"], ex["s3norm_dealloc"]
    transform, filt = ex["s3norm_transform"], ex["s3norm_fluent_bit_filter"]

    def u32(v: int) -> int:
        return v & 0xFFFFFFFF

    def i32(v: int) -> int:
        v &= 0xFFFFFFFF
        return v - (1 << 32) if v >= 1 << 31 else v

    def read(ptr: int, n: int) -> bytes:
        return bytes(memory.read(store, ptr, ptr + n))

    def write(ptr: int, data: bytes) -> None:
        memory.write(store, data, ptr)

    def transform_at(ptr: int, n: int) -> bytes:
        packed = transform(store, i32(ptr), i32(n)) & 0xFFFFFFFFFFFFFFFF
        rp, rl = packed >> 32, packed & 0xFFFFFFFF
        out = read(rp, rl)
        dealloc(store, i32(rp), i32(rl))
        return out

    def filter_at(tp: int, tl: int, rp: int, rl: int, sec: int = 0, nsec: int = 0) -> bytes:
        res = u32(filt(store, i32(tp), i32(tl), i32(sec), i32(nsec), i32(rp), i32(rl)))
        size = memory.data_len(store)
        if res == 0 or res >= size:
            raise RuntimeError(f"filter returned invalid pointer {res}")
        out = bytearray()
        # strdup: read up to the NUL.
        while True:
            chunk = read(res + len(out), min(4096, size - res - len(out)))
            i = chunk.find(b"\0")
            if i >= 0:
                out += chunk[:i]
                return bytes(out)
            out += chunk
            if res + len(out) >= size:
                raise RuntimeError("filter result is not NUL-terminated")

    host_heap = {"base": 0, "size": 0}

    def host_alloc(n: int) -> int:
        # WAMR's app heap: memory the module's allocator does not own.
        if n > host_heap["size"]:
            pages = -(-n // PAGE) + 1
            before = memory.grow(store, pages)
            host_heap["base"], host_heap["size"] = before * PAGE, pages * PAGE
        return host_heap["base"]

    results = []
    for req in json.load(open(requests_path)):
        op = req["op"]
        try:
            if op == "transform":
                data = base64.b64decode(req["input_b64"])
                p = u32(alloc(store, len(data))) if data else 0
                if data and p == 0:
                    raise RuntimeError("s3norm_alloc returned 0")
                write(p, data)
                out = transform_at(p, len(data))
                dealloc(store, i32(p), len(data))
                results.append({"ok": True, "output_b64": base64.b64encode(out).decode()})
            elif op == "transform_at":
                out = transform_at(req["ptr"], req["len"])
                results.append({"ok": True, "output_b64": base64.b64encode(out).decode()})
            elif op == "fluent_bit":
                tag = req["tag"].encode() + b"\0"
                rec = base64.b64decode(req["record_b64"]) + b"\0"
                base = host_alloc(len(tag) + len(rec))
                write(base, tag)
                write(base + len(tag), rec)
                out = filter_at(base, len(tag) - 1, base + len(tag), len(rec) - 1, 1700000000, 5)
                results.append({"ok": True, "output_b64": base64.b64encode(out).decode()})
            elif op == "fluent_bit_at":
                out = filter_at(req["tag_ptr"], req["tag_len"], req["rec_ptr"], req["rec_len"])
                results.append({"ok": True, "output_b64": base64.b64encode(out).decode()})
            elif op == "alloc":
                results.append({"ok": True, "value": u32(alloc(store, i32(req["len"])))})
            elif op == "dealloc":
                dealloc(store, i32(req["ptr"]), i32(req["len"]))
                results.append({"ok": True, "value": None})
            elif op == "abi_version":
                results.append({"ok": True, "value": ex["s3norm_abi_version"](store)})
            elif op == "memory_size":
                results.append({"ok": True, "value": memory.data_len(store)})
            else:
                results.append({"ok": False, "trap": f"unknown op {op}"})
        except wasmtime.Trap as e:  # a trap is a test failure, reported, not a crash of the driver
            results.append({"ok": False, "trap": str(e)})
        except wasmtime.WasmtimeError as e:
            results.append({"ok": False, "trap": str(e)})
    print(json.dumps(info))
    print(json.dumps(results))
    return 0


if __name__ == "__main__":
    sys.exit(main())
