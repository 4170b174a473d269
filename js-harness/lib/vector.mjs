// Both ends of Vector around `s3norm serve`, as vector-example/*.yaml wire them, for tests that
// cannot run Vector itself. What each end does is taken from Vector's source (vectordotdev/vector,
// v0.57): see vector-example/README.md.
//
//   - the `exec` source (mode streaming): spawns the configured command with standard input closed,
//     decodes each line of its stdout and stderr as JSON (a line that is not JSON is dropped with
//     "Failed deserializing frame": here it fails the test), and adds `stream` ("stdout"/"stderr"),
//     `pid`, `command`, `host`, `source_type` ("exec") and `timestamp` where the event has none;
//   - the `socket` sink (mode tcp, codec json): each event as one line of JSON with its keys sorted
//     (Vector's log events are ordered maps), connecting lazily, reconnecting with a backoff after
//     a failure and going on with the events not yet written (what sat in a dead connection is
//     lost: the sink is "best effort");
//   - the `aws_s3` source: one event per line of an object (`message`, `bucket`, `object`,
//     `region`, `source_type`, `timestamp` = Last-Modified);
//   - the `file` source: one event per line (`file`, `host`, `message`, `source_type`, `timestamp`);
//   - `route` and `remap` with the few VRL forms the configs use (`.f == "s"`, `exists(.f)`, `&&`,
//     `del(.f)`): anything else in a config fails the test, so the configs stay within what is
//     tested here.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createConnection } from 'node:net';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { ROOT } from './common.mjs';

export const VECTOR_EXAMPLE = join(ROOT, 'vector-example');

/** A config file of vector-example/, parsed. */
export function loadConfig(name) {
  const text = readFileSync(join(VECTOR_EXAMPLE, name), 'utf8');
  return { text, config: parseYaml(text) };
}

/** Component ids, and the outputs other components may name in `inputs`. */
export function components(config) {
  const ids = new Map();
  for (const kind of ['sources', 'transforms', 'sinks']) {
    for (const [id, component] of Object.entries(config[kind] || {})) {
      if (ids.has(id)) throw new Error(`component id ${id} is used twice`);
      ids.set(id, { kind, ...component });
    }
  }
  const outputs = new Set();
  for (const [id, c] of ids) {
    if (c.kind === 'sinks') continue;
    if (c.type === 'route') {
      for (const route of Object.keys(c.route || {})) outputs.add(`${id}.${route}`);
      if (c.reroute_unmatched !== false) outputs.add(`${id}._unmatched`);
    } else {
      outputs.add(id);
    }
  }
  return { ids, outputs };
}

/** A `route` condition, in the VRL subset the configs use. */
export function condition(source) {
  const terms = source.split('&&').map((t) => t.trim());
  const tests = terms.map((term) => {
    let m = term.match(/^\.([A-Za-z_][A-Za-z0-9_]*)\s*==\s*"([^"\\]*)"$/);
    if (m) return (e) => e[m[1]] === m[2];
    m = term.match(/^exists\(\.([A-Za-z_][A-Za-z0-9_]*)\)$/);
    if (m) return (e) => Object.prototype.hasOwnProperty.call(e, m[1]);
    throw new Error(`VRL the harness does not evaluate: ${JSON.stringify(term)}`);
  });
  return (event) => tests.every((t) => t(event));
}

/** A `remap` program, in the VRL subset the configs use: `del(.field)` statements. */
export function remap(source) {
  const fields = source
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'))
    .map((l) => {
      const m = l.match(/^del\(\.([A-Za-z_][A-Za-z0-9_]*)\)$/);
      if (!m) throw new Error(`VRL the harness does not evaluate: ${JSON.stringify(l)}`);
      return m[1];
    });
  return (event) => {
    const out = { ...event };
    for (const f of fields) delete out[f];
    return out;
  };
}

/** Vector's `json` codec: the event's keys sorted, one line. */
export function vectorJson(event) {
  const sorted = {};
  for (const k of Object.keys(event).sort()) sorted[k] = event[k];
  return JSON.stringify(sorted);
}

/** `aws_s3` events for one object: one per line (newline framing), blank lines included. */
export function awsS3Events(text, { bucket, key, region = 'us-east-1', lastModified = '2024-05-01T12:00:00Z' }) {
  const lines = text.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  return lines.map((message) => ({ bucket, message, object: key, region, source_type: 'aws_s3', timestamp: lastModified }));
}

/** `file` source events for one file (a line is read once its newline is there). */
export function fileEvents(text, file) {
  const lines = text.split('\n');
  lines.pop(); // the part after the last newline: not a line yet
  return lines.map((message) => ({ file, host: hostname(), message, source_type: 'file', timestamp: new Date().toISOString() }));
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/**
 * The exec source running `command` (argv): events as Vector would route them, through the
 * config's route and remap. `onLine(stream, text)` sees each raw line first.
 */
export class ExecSource {
  constructor(command, { route, transform }) {
    this.command = command;
    this.route = route; // { name: predicate }
    this.transform = transform; // { routeName: fn }
    this.routed = {}; // route name (or _unmatched) -> events
    this.raw = { stdout: [], stderr: [] };
    this.notJson = [];
    this.exits = [];
    this.waiters = [];
  }

  /** Spawn the command (again); resolves with the address it listens on. */
  start() {
    const child = spawn(this.command[0], this.command.slice(1), { stdio: ['ignore', 'pipe', 'pipe'] });
    this.child = child;
    const exited = new Promise((resolve) => child.on('exit', (code, signal) => {
      this.exits.push({ code, signal });
      resolve({ code, signal });
    }));
    this.exited = exited;
    let listening;
    const address = new Promise((resolve, reject) => {
      listening = resolve;
      child.on('error', reject);
      exited.then(() => reject(new Error(`${this.command.join(' ')} exited before listening`)));
    });
    for (const stream of ['stdout', 'stderr']) {
      let pending = '';
      child[stream].setEncoding('utf8');
      child[stream].on('data', (chunk) => {
        pending += chunk;
        let nl;
        while ((nl = pending.indexOf('\n')) >= 0) {
          const line = pending.slice(0, nl);
          pending = pending.slice(nl + 1);
          this.line(stream, line, child.pid, listening);
        }
      });
      child[stream].on('end', () => {
        if (pending) this.line(stream, pending, child.pid, listening);
        pending = '';
      });
    }
    return address;
  }

  line(stream, text, pid, listening) {
    this.raw[stream].push(text);
    let event;
    try {
      event = JSON.parse(text);
    } catch {
      this.notJson.push({ stream, text });
      return;
    }
    if (typeof event !== 'object' || event === null || Array.isArray(event)) {
      this.notJson.push({ stream, text });
      return;
    }
    if (stream === 'stderr' && event.s3norm === 'listening') listening(event.address);
    // What the exec source adds, only where the event has no such field (InsertIfEmpty).
    const added = { stream, pid, command: this.command, host: hostname(), source_type: 'exec', timestamp: new Date().toISOString() };
    for (const [k, v] of Object.entries(added)) if (!(k in event)) event[k] = v;
    const matched = Object.entries(this.route).filter(([, test]) => test(event)).map(([name]) => name);
    for (const name of matched.length ? matched : ['_unmatched']) {
      const out = this.transform[name] ? this.transform[name](event) : event;
      (this.routed[name] ||= []).push(out);
    }
    for (const w of this.waiters.splice(0)) w();
  }

  /** Wait until `predicate()` holds (checked as lines arrive), or fail after `ms`. */
  async until(predicate, ms = 60000, what = 'output') {
    const deadline = Date.now() + ms;
    while (!predicate()) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
      await Promise.race([new Promise((r) => this.waiters.push(r)), sleep(200)]);
    }
  }

  /** SIGTERM (what Vector sends on shutdown); resolves with the exit. */
  async stop(signal = 'SIGTERM') {
    this.child.kill(signal);
    return this.exited;
  }
}

/**
 * The socket sink: writes events as JSON lines to `address`, connecting lazily and reconnecting
 * with Vector's backoff (from 0.5 s, doubling, here capped at 2 s) after a failure. `lost` counts
 * events written to a connection that then failed (Vector's sink loses those too).
 */
export class SocketSink {
  constructor(address) {
    this.address = address;
    this.socket = null;
    this.written = 0;
    this.failures = 0;
  }

  async connect() {
    let delay = 500;
    for (;;) {
      try {
        const [host, port] = [this.address.slice(0, this.address.lastIndexOf(':')), Number(this.address.slice(this.address.lastIndexOf(':') + 1))];
        const socket = await new Promise((resolve, reject) => {
          const s = createConnection({ host, port }, () => resolve(s));
          s.once('error', reject);
        });
        socket.on('error', () => {
          this.failures += 1;
          this.socket = null;
        });
        socket.on('close', () => {
          if (this.socket === socket) this.socket = null;
        });
        return (this.socket = socket);
      } catch {
        await sleep(delay);
        delay = Math.min(delay * 2, 2000);
      }
    }
  }

  /** Write events, waiting for the socket to take each chunk (backpressure, as Vector does). */
  async send(events, { chunk = 500 } = {}) {
    for (let i = 0; i < events.length; i += chunk) {
      const text = events.slice(i, i + chunk).map((e) => vectorJson(e) + '\n').join('');
      const socket = this.socket || (await this.connect());
      const ok = socket.write(text);
      this.written += Math.min(chunk, events.length - i);
      if (!ok) await new Promise((r) => socket.once('drain', r));
    }
  }

  /** Close the write side, as the sink does on shutdown (a half-closed connection). */
  async end() {
    const socket = this.socket;
    if (!socket) return;
    await new Promise((r) => socket.end(r));
  }
}

/** The config's command with its port swapped for `port` (tests pick a free one). */
export function withPort(argv, port) {
  return argv.map((a) => a.replace(/^127\.0\.0\.1:\d+$/, `127.0.0.1:${port}`));
}
