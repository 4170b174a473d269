// The ONE place the viewer talks to the s3norm npm package (its public `web` entry, exactly as an
// npm user imports it). Everything else goes through the functions below, so when the package
// gains the entry points described in DESIGN.md (`project`, `correlate`), only this file changes.
// Runs inside the parse worker.
import init, { normalize, operations, salFields, transform, version, abiVersion } from 's3norm';
import type { ErrorRecord, NormalizeResult, OcsfApiActivity, Operation, SalField } from 's3norm';

export type { ErrorRecord, OcsfApiActivity, Operation, SalField };

let ready: Promise<void> | undefined;

/** Instantiate the WebAssembly module once (fetches s3norm_bg.wasm from the page's own origin). */
export function initEngine(): Promise<void> {
  if (!ready) ready = init();
  return ready;
}

/** Package and ABI versions, for the About line. */
export function engineVersion(): { version: string; abi: number } {
  return { version: version(), abi: abiVersion() };
}

/**
 * Normalize a piece of log text (complete SAL lines, NDJSON lines, or one whole JSON document).
 * Today: `normalize` (the ABI's fast path: no JS-side escaping) and a JSON.parse of the whole
 * response. A future `project(text, options)` would return the compact columns directly.
 */
export function normalizeText(text: string, logName: string, rawData = false): NormalizeResult {
  return normalize(text, { log_name: logName, raw_data: rawData });
}

/**
 * The same as normalizeText, but the response stays JSON text (parsed later, in the columns
 * worker, so the two halves of the work run in parallel).
 */
export function transformText(text: string, logName: string): string {
  return transform(JSON.stringify({ input: text, options: { log_name: logName } }));
}

/** The operation table (SAL spelling, CloudTrail eventName, how CloudTrail logs it). */
export function operationTable(): Operation[] {
  return operations();
}

/**
 * A server access log line's fields as the package's own tokenizer cut them (UTF-16 offsets into
 * the line, inside brackets and quotes), or null when the line is not SAL.
 */
export function labelSalLine(line: string): SalField[] | null {
  const r = salFields(line);
  return r.ok ? r.fields : null;
}
