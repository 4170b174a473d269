#!/usr/bin/env python3
"""Fluent Bit's WASM filter, as close as Wasmtime (PyPI `wasmtime`) can play it.

    python fluent_bit_host.py MODULE.wasm CALLS.json > RESULTS.json

What it copies from Fluent Bit 5.1 (plugins/filter_wasm, src/wasm/flb_wasm.c) and its WAMR 2.4.1:
  - one instance for every record, kept after a trap (the record whose call trapped is dropped);
  - each record's copy made the way WAMR's wasm_runtime_module_dup_data makes it: with the
    module's exported `malloc(i32)->i32` / `free(i32)` when it has both, else from a fixed app
    heap of `heap` bytes (Fluent Bit's wasm_heap_size, 8 KiB by default) outside the module's
    allocator; a copy that does not fit is passed as pointer 0 (Fluent Bit does not check);
  - event_format json: tag and record copied with a trailing NUL (lengths without it), the
    result read as a NUL-terminated string (strdup), never freed; the copies freed after the call;
  - event_format msgpack: the record's MessagePack copied without a NUL, the result taken up to
    its first NUL byte;
  - a small interpreter stack: Wasmtime's `max_wasm_stack` (native bytes, not WAMR's frames, so
    only a stand-in) set to `max_wasm_stack`.
It cannot copy WAMR's interpreter frames or its auxiliary-stack bounds check (the shadow stack is
watched here through an exported copy of `__stack_pointer` instead, when the module has one).

CALLS.json: {"max_wasm_stack": N, "heap": N, "use_malloc": true, "calls": [...]}, each call
  {"op": "record", "record_b64": ..., "format": "json"|"msgpack", "fuel": N (optional: run out of
   fuel after N instructions, a way to trap anywhere)}
  {"op": "stack_pointer"}      the value of the exported `test_stack_pointer` global
Results: one per call: {"ok": true, "output_b64": ..., "fuel": N} or {"ok": false, "trap": ...}
(for "record"), {"value": N} (for "stack_pointer"). Also "copy": "malloc"|"heap"|"failed".
"""
import base64
import json
import sys

import wasmtime

FUEL = 10**12
PAGE = 65536


def main() -> int:
    module_path, calls_path = sys.argv[1], sys.argv[2]
    spec = json.load(open(calls_path))
    config = wasmtime.Config()
    config.consume_fuel = True
    config.max_wasm_stack = spec.get("max_wasm_stack", 512 * 1024)
    engine = wasmtime.Engine(config)
    module = wasmtime.Module.from_file(engine, module_path)
    store = wasmtime.Store(engine)
    store.set_fuel(FUEL)
    instance = wasmtime.Instance(store, module, [])
    ex = instance.exports(store)
    memory, filt = ex["memory"], ex["s3norm_fluent_bit_filter"]
    names = {e.name for e in module.exports}
    use_malloc = spec.get("use_malloc", True) and "malloc" in names and "free" in names
    heap_size = spec.get("heap", 8192)
    # WAMR's app heap: a region of linear memory the module's allocator does not own.
    heap_base = memory.grow(store, -(-heap_size // PAGE) + 1) * PAGE if not use_malloc else 0

    def copy(data: bytes) -> (int, str):
        if use_malloc:
            p = ex["malloc"](store, len(data)) & 0xFFFFFFFF
            if p == 0:
                return 0, "failed"
            memory.write(store, data, p)
            return p, "malloc"
        # The app heap holds one record at a time here (Fluent Bit frees it after each call).
        if len(data) > heap_size:
            return 0, "failed"
        memory.write(store, data, heap_base)
        return heap_base, "heap"

    def i32(v: int) -> int:
        v &= 0xFFFFFFFF
        return v - (1 << 32) if v >= 1 << 31 else v

    results = []
    for call in spec["calls"]:
        if call["op"] == "stack_pointer":
            results.append({"value": ex["test_stack_pointer"].value(store) & 0xFFFFFFFF})
            continue
        record = base64.b64decode(call["record_b64"])
        msgpack = call.get("format") == "msgpack"
        tag = b"s3.logs"
        tag_p, _ = (0, None)
        fuel_before = store.get_fuel()
        try:
            if use_malloc:
                tag_p = ex["malloc"](store, len(tag) + 1) & 0xFFFFFFFF
                memory.write(store, tag + b"\0", tag_p)
                rec_p, how = copy(record if msgpack else record + b"\0")
            else:
                # Tag and record share the app heap: the record after the tag.
                rec_p, how = (0, "failed") if len(record) + len(tag) + 2 > heap_size else (heap_base + len(tag) + 1, "heap")
                tag_p = heap_base
                memory.write(store, tag + b"\0", tag_p)
                if rec_p:
                    memory.write(store, record if msgpack else record + b"\0", rec_p)
            if "fuel" in call:
                store.set_fuel(call["fuel"])
            res = filt(store, i32(tag_p), len(tag), 1700000000, 0, i32(rec_p), len(record)) & 0xFFFFFFFF
            used = (call.get("fuel", fuel_before)) - store.get_fuel()
            store.set_fuel(FUEL)
            size = memory.data_len(store)
            out = bytearray()
            while True:
                chunk = bytes(memory.read(store, res + len(out), min(res + len(out) + 65536, size)))
                i = chunk.find(b"\0")
                if i >= 0:
                    out += chunk[:i]
                    break
                out += chunk
                if res + len(out) >= size:
                    raise RuntimeError("result is not NUL-terminated")
            if use_malloc:
                ex["free"](store, i32(tag_p))
                if rec_p:
                    ex["free"](store, i32(rec_p))
            results.append({"ok": True, "output_b64": base64.b64encode(bytes(out)).decode(), "fuel": used, "copy": how})
        except (wasmtime.Trap, wasmtime.WasmtimeError) as e:
            store.set_fuel(FUEL)
            results.append({"ok": False, "trap": " ".join(str(e).split())})
    print(json.dumps({"exports": sorted(names), "use_malloc": use_malloc, "results": results}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
