// s3norm's raw module (s3norm_raw.wasm: zero imports) with nothing but the standard WebAssembly
// and Fetch APIs: no glue, no bundler, no Node built-ins. It runs as an edge worker's module
// (Cloudflare Workers, Deno Deploy, Fastly's JS runtime, ...) or in any JS runtime.
//
//   const s3norm = await loadS3norm(bytesOrModule);  // an ArrayBuffer/Uint8Array or a WebAssembly.Module
//   const responseJson = s3norm.transform(JSON.stringify({ input: logText }));
//
// As a worker: `export default` below answers POST with the ABI response for the body (raw log
// text: SAL lines or CloudTrail JSON). Bind the module as S3NORM_WASM (Workers: a `wasm_modules`
// / CompiledWasm binding), or pass its bytes. The ABI is docs/abi.md of the s3norm repository.

/** Instantiate the raw module; its transform as a function of request text to response text. */
export async function loadS3norm(source) {
  const instance =
    source instanceof WebAssembly.Module ? await WebAssembly.instantiate(source, {}) : (await WebAssembly.instantiate(source, {})).instance;
  const x = instance.exports;
  const encoder = new TextEncoder();
  const decoder = new TextDecoder();

  /** One ABI call: the request's UTF-8 bytes in, the response text out (docs/abi.md). */
  function transform(requestText) {
    const request = encoder.encode(requestText);
    const ptr = x.s3norm_alloc(request.length) >>> 0;
    if (request.length > 0 && ptr === 0) throw new Error('s3norm: out of memory');
    // Views of memory are taken after each call: memory.grow detaches the old buffer.
    new Uint8Array(x.memory.buffer, ptr, request.length).set(request);
    const packed = BigInt.asUintN(64, x.s3norm_transform(ptr, request.length));
    const [rp, rl] = [Number(packed >> 32n), Number(packed & 0xffffffffn)];
    const response = decoder.decode(new Uint8Array(x.memory.buffer, rp, rl));
    x.s3norm_dealloc(rp, rl);
    x.s3norm_dealloc(ptr, request.length);
    return response;
  }

  return {
    transform,
    /** Log text (SAL lines or CloudTrail JSON) with options: the parsed response. */
    normalize: (text, options = {}) => JSON.parse(transform(JSON.stringify({ input: text, options }))),
    abiVersion: () => x.s3norm_abi_version(),
  };
}

let loaded;

export default {
  /** POST raw log text; get `{"abi_version":1,"events":[...],"errors":[...],"stats":{...}}`. */
  async fetch(request, env = {}) {
    if (request.method !== 'POST') return new Response('POST S3 access log or CloudTrail text\n', { status: 405 });
    loaded ||= loadS3norm(env.S3NORM_WASM);
    const s3norm = await loaded;
    const name = new URL(request.url).searchParams.get('log_name');
    const body = JSON.stringify({ input: await request.text(), options: name ? { log_name: name } : {} });
    return new Response(s3norm.transform(body), { headers: { 'content-type': 'application/json' } });
  },
};
