// s3norm public JS API over the wasm-bindgen glue. Shared by the Node (CommonJS, ESM) and the
// browser entries: scripts/build-wasm.sh turns this one file into api.cjs and api.mjs by appending
// the matching export line, so the two flavours cannot drift apart.
//
// glue:  the wasm-bindgen exports (transformUtf8, normalizeUtf8, salFields, correlateJson,
//        CoverageBuilder, operationsJson, version, abiVersion).
// ready: throws when the module is not instantiated yet (browsers before `await init()`).

function createApi(glue, ready) {
  'use strict';

  // Log text and requests reach the module as UTF-8 bytes from TextEncoder (native code), not
  // through the glue's string passing, a JS loop per character: 16 MB of SAL, 46 ms -> ~10 ms.
  const utf8 = new TextEncoder();

  // A response for a request that never reached the module (an argument JSON cannot carry).
  // Same shape and key order as every response of the ABI (docs/abi.md).
  function requestError(message) {
    return JSON.stringify({
      abi_version: glue.abiVersion(),
      events: [],
      errors: [{ kind: 'invalid_request', message, input: '' }],
      stats: { inputs: 1, events: 0, errors: 1, skipped: 0 },
    });
  }

  // The request as JSON text, or an error response (as { error }).
  function requestText(value) {
    let text;
    try {
      text = JSON.stringify(value);
    } catch (e) {
      return { error: requestError(`request is not JSON-serializable: ${e && e.message}`) };
    }
    if (typeof text !== 'string') {
      return { error: requestError(`request is ${typeof value}, not a JSON value`) };
    }
    return { text };
  }

  /**
   * The ABI: request JSON text in, response JSON text out. A non-string argument is sent as its
   * JSON.stringify text. Never throws on bad data: it comes back as error records.
   */
  function transform(input) {
    ready();
    if (typeof input !== 'string') {
      const r = requestText(input);
      if (r.error !== undefined) return r.error;
      input = r.text;
    }
    return glue.transformUtf8(utf8.encode(input));
  }

  /**
   * Normalize log text (SAL lines, CloudTrail JSON text) or an already parsed value (a record,
   * trail file, envelope, shipper event or a batch) into { abi_version, events, errors, stats }.
   */
  function normalize(input, options) {
    ready();
    const o = options === undefined || options === null ? {} : options;
    const simple =
      typeof input === 'string' &&
      typeof o === 'object' &&
      (o.raw_data === undefined || typeof o.raw_data === 'boolean') &&
      (o.log_name === undefined || o.log_name === null || typeof o.log_name === 'string') &&
      Object.keys(o).every((k) => k === 'raw_data' || k === 'log_name');
    let response;
    if (simple) {
      // Fast path: the text goes to the module as is, without JSON escaping on this side.
      response = glue.normalizeUtf8(utf8.encode(input), o.raw_data === true, o.log_name === null ? undefined : o.log_name);
    } else {
      // Everything else goes through the ABI request, so the module judges it like any host's.
      const request = options === undefined ? { input } : { input, options };
      const r = requestText(request);
      response = r.error !== undefined ? r.error : glue.transformUtf8(utf8.encode(r.text));
    }
    return JSON.parse(response);
  }

  /**
   * Correlate log texts (server access logs and CloudTrail, any number of each): one event per
   * request and the coverage report, { abi_version, events, errors, coverage, stats }. `inputs`
   * is an array of { text, log_name } (or of strings); options: { merge_memory } in bytes.
   */
  function correlate(inputs, options) {
    ready();
    const request = options === undefined || options === null ? inputs : { inputs, options };
    let text;
    try {
      text = JSON.stringify(request);
    } catch (e) {
      text = undefined;
    }
    // What JSON cannot carry is sent as `null`: the module answers with an invalid_request error
    // in the response's usual shape.
    return JSON.parse(glue.correlateJson(typeof text === 'string' ? text : 'null'));
  }

  /**
   * The coverage report of inputs fed in pieces as they are read (files too large to hand over
   * whole): each piece is normalized once, its response returned, its events indexed. `report()`
   * is what `correlate(inputs).coverage` (and `s3norm coverage --json`) gives for the whole inputs.
   */
  function coverageBuilder() {
    ready();
    const builder = new glue.CoverageBuilder();
    const name = (n) => (typeof n === 'string' ? n : undefined);
    return {
      /** Start an input (a file); ends the one before. */
      beginInput(logName) {
        builder.beginInput(name(logName));
      },
      /**
       * Normalize a piece of the current input; the response as JSON text. `first_line` (1-based)
       * says the piece is whole lines of a line input starting at that line; without it the piece
       * is a whole text, read as `normalize` reads text.
       */
      normalizeJson(text, options) {
        const o = options ?? {};
        const first = Number.isInteger(o.first_line) && o.first_line > 0 ? Math.min(o.first_line, 0xffffffff) : 0;
        return builder.normalize(String(text), name(o.log_name), first);
      },
      /** `normalizeJson`, parsed. */
      normalize(text, options) {
        return JSON.parse(this.normalizeJson(text, options));
      },
      endInput() {
        builder.endInput();
      },
      /** The coverage report of everything fed so far. */
      report() {
        return JSON.parse(builder.report());
      },
      /** Release the module memory it holds. */
      free() {
        builder.free();
      },
    };
  }

  let operationsText;
  /** The operation table (SAL operation and CloudTrail eventName side by side), a fresh copy. */
  function operations() {
    ready();
    if (operationsText === undefined) operationsText = glue.operationsJson();
    return JSON.parse(operationsText);
  }

  /**
   * A SAL line's fields, labelled by the tokenizer itself: `{ ok: true, fields: [{ n, name, start,
   * end, quoted }], extra? }` (UTF-16 offsets into the line, as JS strings index), or
   * `{ ok: false, error }` with the error record the normalizer gives that line.
   */
  function salFields(line) {
    ready();
    if (typeof line !== 'string') {
      return { ok: false, error: { kind: 'invalid_request', message: `salFields takes a string, not ${typeof line}`, input: '' } };
    }
    return JSON.parse(glue.salFields(line));
  }

  /** The s3norm crate version. */
  function version() {
    ready();
    return glue.version();
  }

  /** The ABI version, the `abi_version` of every response. */
  function abiVersion() {
    ready();
    return glue.abiVersion();
  }

  return { transform, normalize, salFields, correlate, coverageBuilder, operations, version, abiVersion };
}
