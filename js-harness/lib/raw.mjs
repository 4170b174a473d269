// The raw module through Node's plain WebAssembly API: no glue, no imports. This is what any
// non-JS host does (docs/abi.md, "Raw module").
import { readFileSync } from 'node:fs';
import { RAW_WASM, requirePkg } from './common.mjs';

const PAGE = 65536;

export function rawModule() {
  requirePkg();
  return new WebAssembly.Module(readFileSync(RAW_WASM));
}

/** A fresh instance with an empty import object and helpers for the ABI. */
export function rawInstance(module = rawModule()) {
  const instance = new WebAssembly.Instance(module, {});
  const x = instance.exports;
  const bytes = () => new Uint8Array(x.memory.buffer);

  /** The host side of s3norm_transform: alloc, copy, call, read, free. */
  function transformBytes(input) {
    const len = input.length;
    const p = x.s3norm_alloc(len) >>> 0;
    if (len > 0 && p === 0) throw new Error(`s3norm_alloc(${len}) returned 0`);
    bytes().set(input, p);
    const out = transformAt(p, len);
    x.s3norm_dealloc(p, len);
    return out;
  }

  /** s3norm_transform at an arbitrary (ptr, len); returns the response text and frees it. */
  function transformAt(ptr, len) {
    const packed = x.s3norm_transform(ptr | 0, len | 0);
    const rp = Number(BigInt.asUintN(64, packed) >> 32n);
    const rl = Number(BigInt.asUintN(64, packed) & 0xffffffffn);
    const text = Buffer.from(bytes().subarray(rp, rp + rl)).toString('utf8');
    x.s3norm_dealloc(rp, rl);
    return text;
  }

  function transform(text) {
    return transformBytes(Buffer.from(text, 'utf8'));
  }

  // Fluent Bit's WAMR keeps its own heap inside linear memory, outside the module's allocator
  // (module_malloc, since the module exports no malloc/free). Emulate it: a host-owned region
  // of pages grown by the host, which the module's allocator never hands out.
  let hostHeap = 0;
  let hostHeapSize = 0;
  function hostAlloc(n) {
    if (n > hostHeapSize) {
      const pages = Math.ceil(n / PAGE) + 1;
      const before = x.memory.grow(pages);
      hostHeap = before * PAGE;
      hostHeapSize = pages * PAGE;
    }
    return hostHeap;
  }

  /**
   * Call the Fluent Bit filter the way Fluent Bit (filter_wasm, event_format json) does: tag and
   * record duplicated into module memory with a trailing NUL (lengths without it), then the
   * NUL-terminated result is copied out (strdup) and never freed.
   * `where`: 'host' (WAMR-style host-owned memory) or 'module' (blocks from s3norm_alloc).
   */
  function fluentBit(tag, record, { sec = 1700000000, nsec = 123456789, where = 'host' } = {}) {
    const t = Buffer.concat([Buffer.from(tag, 'utf8'), Buffer.from([0])]);
    const r = Buffer.concat([typeof record === 'string' ? Buffer.from(record, 'utf8') : record, Buffer.from([0])]);
    let tp, rp;
    if (where === 'host') {
      const base = hostAlloc(t.length + r.length);
      tp = base;
      rp = base + t.length;
    } else {
      tp = x.s3norm_alloc(t.length) >>> 0;
      rp = x.s3norm_alloc(r.length) >>> 0;
    }
    bytes().set(t, tp);
    bytes().set(r, rp);
    const out = fluentBitAt(tp, t.length - 1, rp, r.length - 1, sec, nsec);
    if (where !== 'host') {
      x.s3norm_dealloc(tp, t.length);
      x.s3norm_dealloc(rp, r.length);
    }
    return out;
  }

  /** The filter at arbitrary pointers; reads the NUL-terminated result (strdup). */
  function fluentBitAt(tagPtr, tagLen, recPtr, recLen, sec = 0, nsec = 0) {
    const res = x.s3norm_fluent_bit_filter(tagPtr | 0, tagLen | 0, sec | 0, nsec | 0, recPtr | 0, recLen | 0) >>> 0;
    const mem = bytes();
    if (res === 0 || res >= mem.length) throw new Error(`filter returned invalid pointer ${res}`);
    const end = mem.indexOf(0, res);
    if (end < 0) throw new Error('filter result is not NUL-terminated');
    return Buffer.from(mem.subarray(res, end)).toString('utf8');
  }

  return { instance, exports: x, bytes, transform, transformBytes, transformAt, fluentBit, fluentBitAt };
}
