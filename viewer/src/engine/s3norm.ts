// The ONE place the viewer talks to the s3norm npm package (its public `web` entry, exactly as an
// npm user imports it). Everything else goes through the functions below, so when the package
// gains the entry points described in DESIGN.md (`project`, `shape`), only this file changes.
// Runs inside the parse worker (the page imports types only).
import init, { abiVersion, coverageBuilder, normalize, salFields, transform, version } from 's3norm';
import type { Coverage, CoverageBuilder, CoverageReason, CoverageRow, ErrorRecord, NormalizeResult, OcsfApiActivity, SalField } from 's3norm';

export type { Coverage, CoverageReason, CoverageRow, ErrorRecord, OcsfApiActivity, SalField };

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
 * How the parse worker has pieces of a file normalized: whole lines of a line file numbered from
 * `firstLine` (read as lines whatever they start with, as the CLI reads a file it took for
 * lines), or one whole JSON document. Both answer with the module's response as JSON text
 * (parsed later, in the columns worker, so the two halves of the work run on two cores).
 */
export interface PieceReader {
  lines(text: string, logName: string, firstLine: number): string;
  doc(text: string, logName: string): string;
}

/**
 * The session's coverage report, built while its files are read: the package's
 * `coverageBuilder()`. Every piece of every loaded file goes through it exactly once, so each
 * piece is normalized once and its events are indexed as they are read (a few dozen bytes per
 * request in the module's memory, never an event). `report()` equals the package's
 * `correlate(inputs).coverage` (and `s3norm coverage --json`) for the files fed so far.
 */
export class CoverageSession implements PieceReader {
  private builder: CoverageBuilder = coverageBuilder();
  private open = false;

  /** Start a file; ends the one before. */
  begin(logName: string) {
    this.builder.beginInput(logName);
    this.open = true;
  }

  lines(text: string, logName: string, firstLine: number): string {
    return this.builder.normalizeJson(text, { log_name: logName, first_line: firstLine });
  }

  doc(text: string, logName: string): string {
    return this.builder.normalizeJson(text, { log_name: logName });
  }

  /** End the current file (also after a load stopped halfway: what was read counts). */
  end() {
    if (this.open) this.builder.endInput();
    this.open = false;
  }

  /**
   * The coverage report of every file fed so far. Only between files: the builder ends the
   * current input when it reports, so pieces fed after that would not count as that file's.
   */
  report(): Coverage {
    if (this.open) throw new Error('coverage report asked for in the middle of a file');
    return this.builder.report();
  }
}

/**
 * Pieces read exactly as a CoverageSession reads them, without counting them in the session's
 * report: for re-reading (export) and for locating events line by line. The package's only
 * whole-lines reading (no document guess) is the coverage builder's `first_line`, so each call
 * uses a builder of its own, freed at once. A `shape: 'lines'` option on `normalize` (DESIGN.md,
 * entry point 3) would make it a plain `normalize` call.
 */
export const scratchReader: PieceReader = {
  lines(text: string, logName: string, firstLine: number): string {
    const builder = coverageBuilder();
    try {
      return builder.normalizeJson(text, { log_name: logName, first_line: firstLine });
    } finally {
      builder.free();
    }
  },
  doc(text: string, logName: string): string {
    return transform(JSON.stringify({ input: text, options: { log_name: logName } }));
  },
};

/**
 * One line, or one whole document, with its original text in `raw_data`: the inspector's view
 * of one row. Plain `normalize` (never the session's builder). For a line that gave an event
 * when read as a line of its file, this gives the same events: such a line is a SAL line that
 * tokenizes or a `{` line that is one JSON value, which the module reads alone exactly as it
 * reads it among lines (a document guess on it falls back to lines: src/read.rs).
 */
export function normalizeText(text: string, logName: string, rawData = false): NormalizeResult {
  return normalize(text, { log_name: logName, raw_data: rawData });
}

/**
 * A server access log line's fields as the package's own tokenizer cut them (UTF-16 offsets into
 * the line, inside brackets and quotes), or null when the line is not SAL.
 */
export function labelSalLine(line: string): SalField[] | null {
  const r = salFields(line);
  return r.ok ? r.fields : null;
}
