// Browsers and bundlers: `import init, { normalize } from 's3norm'; await init();`
// init() fetches s3norm_bg.wasm next to this file (new URL(..., import.meta.url), which bundlers
// such as webpack 5, Vite, Rollup and esbuild understand); pass a URL, Response, BufferSource or
// WebAssembly.Module to load it from elsewhere.
import wbgInit, { initSync as wbgInitSync } from './s3norm_web.mjs';
import * as glue from './s3norm_web.mjs';
import { createApi } from './api.mjs';

let initialized = false;
let pending;

/** Instantiate the module once; later calls return the same promise. */
export default function init(moduleOrPath) {
  if (initialized) return Promise.resolve();
  if (pending === undefined) {
    const arg = moduleOrPath === undefined ? undefined : { module_or_path: moduleOrPath };
    pending = wbgInit(arg).then(
      () => {
        initialized = true;
      },
      (e) => {
        pending = undefined;
        throw e;
      },
    );
  }
  return pending;
}

/** Instantiate synchronously from a WebAssembly.Module or the .wasm bytes. */
export function initSync(module) {
  if (initialized) return;
  wbgInitSync({ module });
  initialized = true;
}

export { init };

function ready() {
  if (!initialized) {
    throw new Error('s3norm: call `await init()` once before using it (browsers and bundlers)');
  }
}

export const { transform, normalize, salFields, correlate, coverageBuilder, operations, version, abiVersion } = createApi(glue, ready);
