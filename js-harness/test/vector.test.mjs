// vector-example/: the configs parse and are wired consistently, and `s3norm serve` behaves as
// they need when both Vector ends around it are played as Vector plays them (lib/vector.mjs):
// every fixture as Vector's aws_s3 source sends it, the laptop setup over the bundled fixtures,
// restarts, half-closed connections, 100 000 lines.
import test from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createServer } from 'node:net';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { CLI, FIXTURES, ROOT, fixtures, loadPkg, parses, readText, requireFile, tempDir } from '../lib/common.mjs';
import { ExecSource, SocketSink, VECTOR_EXAMPLE, awsS3Events, components, condition, fileEvents, loadConfig, remap, withPort } from '../lib/vector.mjs';

const s3 = loadPkg();

async function freePort() {
  const server = createServer();
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address();
  await new Promise((r) => server.close(r));
  return port;
}

/** The pieces of a config the harness plays: exec command, socket address, route, remap. */
function plumbing(config) {
  const { ids } = components(config);
  const execs = [...ids.entries()].filter(([, c]) => c.type === 'exec');
  const sockets = [...ids.entries()].filter(([, c]) => c.type === 'socket');
  assert.equal(execs.length, 1, 'one exec source');
  assert.equal(sockets.length, 1, 'one socket sink');
  const [execId, exec] = execs[0];
  const [, socket] = sockets[0];
  const routes = [...ids.entries()].filter(([, c]) => c.type === 'route' && c.inputs.includes(execId));
  assert.equal(routes.length, 1, 'one route on the exec source');
  const [routeId, route] = routes[0];
  const transform = {};
  for (const [, c] of ids) {
    if (c.type !== 'remap') continue;
    for (const input of c.inputs) {
      const [from, name] = input.split('.');
      if (from === routeId) transform[name] = remap(c.source);
    }
  }
  return {
    exec,
    socket,
    routeId,
    route: Object.fromEntries(Object.entries(route.route).map(([name, src]) => [name, condition(src)])),
    transform,
    sinkOf: (output) => [...ids.entries()].filter(([, c]) => c.kind === 'sinks' && c.inputs.includes(output)).map(([id, c]) => ({ id, ...c })),
  };
}

/** The command with the CLI under test for `s3norm` (the configs run it from PATH). */
function command(exec, port) {
  requireFile(CLI, 'cargo build --release');
  assert.equal(exec.command[0], 's3norm');
  return [CLI, ...withPort(exec.command, port).slice(1)];
}

/** What `transform` gives for each event sent: the events and error records s3norm serve must write. */
function expected(sent) {
  const events = [];
  const errors = [];
  for (const e of sent) {
    const r = JSON.parse(s3.transform(JSON.stringify(e)));
    events.push(...r.events);
    errors.push(...r.errors);
  }
  return { events, errors };
}

/** An error record without the exec source's fields and the connection's line number (the
 * request to `transform` has no lines). */
const strip = (e) => {
  const out = { ...e };
  for (const k of ['stream', 'pid', 'command', 'host', 'source_type', 'timestamp', 'line']) delete out[k];
  return out;
};
const byKey = (a, b) => (JSON.stringify(a) < JSON.stringify(b) ? -1 : 1);

test('both configs parse, name only defined components, and wire s3norm serve both ways', () => {
  for (const name of ['vector.yaml', 'vector-local.yaml']) {
    const { text, config } = loadConfig(name);
    assert.ok(!text.includes('${'), `${name}: no \${VAR} interpolation (off by default since Vector 0.57)`);
    const { ids, outputs } = components(config);
    for (const [id, c] of ids) {
      if (c.kind === 'sources') continue;
      assert.ok(Array.isArray(c.inputs) && c.inputs.length > 0, `${name}: ${id} has inputs`);
      for (const input of c.inputs) assert.ok(outputs.has(input), `${name}: ${id} takes ${input}, which no component defines`);
    }
    // Every output is used: nothing a component emits is dropped unseen.
    const used = new Set([...ids.values()].flatMap((c) => c.inputs || []));
    for (const output of outputs) assert.ok(used.has(output), `${name}: ${output} goes nowhere`);
    const p = plumbing(config);
    assert.deepEqual(p.exec.command.slice(0, 3), ['s3norm', 'serve', '--listen']);
    assert.equal(p.exec.command[3], p.socket.address, `${name}: the socket sink sends where s3norm serve listens`);
    assert.equal(p.exec.mode, 'streaming');
    assert.equal(p.exec.decoding.codec, 'json');
    assert.notEqual(p.exec.include_stderr, false, 'error records come on stderr');
    assert.equal(p.socket.mode, 'tcp');
    assert.equal(p.socket.encoding.codec, 'json');
    assert.equal(p.socket.healthcheck.enabled, false, 'the sidecar may not listen yet at start');
    // The route separates what the exec source really emits (its field is `stream`).
    assert.equal(p.route.events({ stream: 'stdout', class_uid: 6003 }), true);
    assert.equal(p.route.events({ stream: 'stderr', kind: 'sal_syntax' }), false);
    assert.equal(p.route.errors({ stream: 'stderr', kind: 'sal_syntax' }), true);
    assert.equal(p.route.errors({ stream: 'stderr', s3norm: 'listening' }), false);
    assert.deepEqual(Object.keys(p.transform), ['events']);
    assert.equal(p.sinkOf(`${p.routeId}.errors`).length, 1, `${name}: a dead-letter sink`);
    assert.equal(p.sinkOf(`${p.routeId}._unmatched`).length, 1, `${name}: the notices go somewhere`);
  }
  const local = loadConfig('vector-local.yaml').config;
  assert.equal(local.data_dir, 'data');
  assert.deepEqual(local.sources.files.include, ['input/*']);
  for (const sink of Object.values(local.sinks).filter((s) => s.type === 'file')) {
    assert.match(sink.path, /^output\/[^/{}%]+$/, 'file sinks write under output/, no templates');
  }
  const aws = loadConfig('vector.yaml').config;
  assert.equal(aws.sources.s3_logs.type, 'aws_s3');
  assert.ok(aws.sources.s3_logs.sqs.queue_url);
});

/** Run `events` (per connection) through s3norm serve as the config wires it; the routed outputs. */
async function throughServe(configName, connections) {
  const p = plumbing(loadConfig(configName).config);
  const port = await freePort();
  const exec = new ExecSource(command(p.exec, port), { route: p.route, transform: p.transform });
  await exec.start();
  const sinks = connections.map(() => new SocketSink(`127.0.0.1:${port}`));
  await Promise.all(connections.map((events, i) => sinks[i].send(events).then(() => sinks[i].end())));
  const total = expected(connections.flat());
  const count = () => (exec.routed.events || []).length + (exec.routed.errors || []).length;
  await exec.until(() => count() >= total.events.length + total.errors.length, 120000, 'every input out');
  const exit = await exec.stop();
  return { exec, total, exit };
}

test('every fixture as Vector\'s aws_s3 source sends it: each input out once, log_name from the object', async () => {
  const sent = [];
  for (const f of fixtures()) {
    let text = readText(f.path);
    // CloudTrail writes each file as one line; the bundled JSON files are pretty-printed.
    // (The broken AWS examples of tests/fixtures/broken/ are not JSON: they go as they are.)
    if (f.rel.endsWith('.json') && parses(text)) text = JSON.stringify(JSON.parse(text)) + '\n';
    if (f.rel.endsWith('.tsv')) continue; // a peer's expected output, not a log
    const key = `AWSLogs/123456789012/${relative(FIXTURES, f.path)}`;
    sent.push(...awsS3Events(text, { bucket: 'example-logs', key }));
  }
  const { exec, total, exit } = await throughServe('vector.yaml', [sent]);
  assert.deepEqual(exec.notJson, [], 'every line s3norm serve writes is JSON');
  assert.equal(exit.code, 0);
  const events = exec.routed.events;
  const errors = exec.routed.errors;
  // Byte for byte what transform gives, in order (one connection), with the exec fields removed.
  assert.deepEqual(events, total.events);
  // Line numbers differ by design: serve numbers its connection's lines, transform a message's.
  assert.deepEqual(errors.map(strip), total.errors.map(strip));
  assert.ok(events.length >= 150 && errors.length >= 1, `${events.length} events, ${errors.length} errors`);
  // Each event's log_name is the object it came from, and it carries the other fields.
  const keys = new Set(sent.map((e) => e.object));
  for (const e of events) {
    assert.ok(keys.has(e.metadata.log_name), e.metadata.log_name);
    assert.equal(e.unmapped.source_event.bucket, 'example-logs');
    assert.equal(e.unmapped.source_event.object, e.metadata.log_name);
  }
  for (const e of errors) assert.ok(keys.has(e.log_name) && e.stream === 'stderr', JSON.stringify(e));
  // Every unit once: the counts s3norm serve reports at exit are the units sent.
  const units = total.events.length + total.errors.length;
  const stopped = exec.routed._unmatched.find((n) => n.s3norm === 'stopped');
  assert.equal(stopped.stats.inputs, units + stopped.stats.skipped);
  assert.equal(stopped.stats.events, events.length);
  assert.equal(stopped.stats.errors, errors.length);
});

test('restarts: SIGTERM between batches, the sink reconnects, every line out once', async () => {
  const p = plumbing(loadConfig('vector.yaml').config);
  const port = await freePort();
  const lines = readFileSync(join(FIXTURES, 's3-access-logs', 'kdgm__logstash-plugins__s3_access_log_spec_sample_lines.log'), 'utf8');
  const batch = (n) => awsS3Events(lines, { bucket: 'b', key: `restart/${n}.log` });
  const exec = new ExecSource(command(p.exec, port), { route: p.route, transform: p.transform });
  const sink = new SocketSink(`127.0.0.1:${port}`);
  let sent = 0;
  for (let round = 0; round < 3; round++) {
    await exec.start();
    const events = batch(round);
    await sink.send(events);
    sent += events.length;
    await exec.until(() => (exec.routed.events || []).length >= sent, 60000, `round ${round}`);
    // Vector stops (or s3norm serve is restarted): SIGTERM, then the exec source respawns it.
    const exit = await exec.stop('SIGTERM');
    assert.equal(exit.code, 0);
  }
  // After the restart the sink's old connection is dead: its next write fails and it reconnects.
  await exec.start();
  const last = batch(3);
  await sink.send(last.slice(0, 1)).catch(() => {});
  await sink.send(last);
  await sink.end();
  sent += last.length;
  await exec.until(() => (exec.routed.events || []).length >= sent - 1, 60000, 'after reconnect');
  await exec.stop();
  const names = exec.routed.events.map((e) => e.metadata.log_name);
  // No duplicates beyond what the sink itself sent twice, and nothing lost from a clean restart.
  for (let round = 0; round < 3; round++) {
    assert.equal(names.filter((n) => n === `restart/${round}.log`).length, batch(round).length, `round ${round}`);
  }
  const lastCount = names.filter((n) => n === 'restart/3.log').length;
  assert.ok(lastCount >= last.length && lastCount <= last.length + 1, `last batch ${lastCount} of ${last.length} (+1 written to the dead connection)`);
  assert.deepEqual(exec.notJson, []);
});

test('a sidecar killed while lines are in flight: no line twice, no line garbled', async () => {
  const p = plumbing(loadConfig('vector.yaml').config);
  const port = await freePort();
  const exec = new ExecSource(command(p.exec, port), { route: p.route, transform: p.transform });
  await exec.start();
  const sal = readFileSync(join(FIXTURES, 's3-access-logs', 'awsdocs__amazon-s3-userguide__LogFormat__example_lines.log'), 'utf8').trim().split('\n');
  const events = Array.from({ length: 20000 }, (_, i) => ({ bucket: 'b', message: sal[i % sal.length], object: `kill/${i}`, region: 'us-east-1', source_type: 'aws_s3', timestamp: '2024-05-01T12:00:00Z' }));
  const sending = new SocketSink(`127.0.0.1:${port}`).send(events).catch(() => {});
  await exec.until(() => (exec.routed.events || []).length >= 1000, 60000, 'first events');
  exec.child.kill('SIGKILL');
  await exec.exited;
  await Promise.race([sending, new Promise((r) => setTimeout(r, 2000))]);
  const names = exec.routed.events.map((e) => e.metadata.log_name);
  assert.equal(new Set(names).size, names.length, 'no line twice');
  // What came out is a prefix of what was sent, in order: the rest was in flight (see README).
  names.forEach((n, i) => assert.equal(n, `kill/${i}`));
  for (const e of exec.routed.errors || []) assert.fail(`unexpected error record ${JSON.stringify(e)}`);
  // A process killed mid-write may leave its last line torn (Vector drops such a frame too).
  assert.ok(exec.notJson.length <= 1, JSON.stringify(exec.notJson));
  if (exec.notJson.length) assert.equal(exec.notJson[0].text, exec.raw[exec.notJson[0].stream].at(-1));
});

test('100 000 lines over two connections at once, without loss', async () => {
  const sal = readFileSync(join(FIXTURES, 's3-access-logs', 'kdgm__logstash-plugins__s3_access_log_spec_sample_lines.log'), 'utf8').trim().split('\n');
  const connection = (c) => Array.from({ length: 50000 }, (_, i) => ({ bucket: 'b', message: sal[i % sal.length], object: `c${c}/${i}`, region: 'us-east-1', source_type: 'aws_s3', timestamp: '2024-05-01T12:00:00Z' }));
  const p = plumbing(loadConfig('vector.yaml').config);
  const port = await freePort();
  const exec = new ExecSource(command(p.exec, port), { route: p.route, transform: p.transform });
  await exec.start();
  const sinks = [0, 1].map(() => new SocketSink(`127.0.0.1:${port}`));
  await Promise.all([0, 1].map((c) => sinks[c].send(connection(c)).then(() => sinks[c].end())));
  await exec.until(() => (exec.routed.events || []).length >= 100000, 300000, '100 000 events');
  const exit = await exec.stop();
  assert.equal(exit.code, 0);
  const seen = new Set(exec.routed.events.map((e) => e.metadata.log_name));
  assert.equal(seen.size, 100000);
  assert.equal(exec.routed.events.length, 100000);
  assert.equal((exec.routed.errors || []).length, 0);
  // Each connection's lines come out in order.
  for (const c of [0, 1]) {
    const order = exec.routed.events.map((e) => e.metadata.log_name).filter((n) => n.startsWith(`c${c}/`)).map((n) => Number(n.split('/')[1]));
    assert.ok(order.every((v, i) => v === i), `connection ${c} in order`);
  }
});

test('vector-local.yaml on the bundled fixtures (setup.sh), as Vector would run it', async () => {
  const dir = tempDir('vector-local');
  const setup = spawnSync(join(VECTOR_EXAMPLE, 'setup.sh'), [dir], { encoding: 'utf8' });
  assert.equal(setup.status, 0, setup.stderr);
  assert.ok(existsSync(join(dir, 'vector-local.yaml')) && existsSync(join(dir, 'data')));
  const { config } = loadConfig('vector-local.yaml');
  const p = plumbing(config);
  const port = await freePort();
  const exec = new ExecSource(command(p.exec, port), { route: p.route, transform: p.transform });
  await exec.start();
  // The file source over input/*, paths as the glob gives them (relative to where Vector runs).
  const files = readdirSync(join(dir, 'input')).sort().map((n) => `input/${n}`);
  assert.ok(files.length >= 15, files.join(' '));
  const sent = files.flatMap((file) => fileEvents(readFileSync(join(dir, file), 'utf8'), file));
  const sink = new SocketSink(`127.0.0.1:${port}`);
  await sink.send(sent);
  await sink.end();
  const total = expected(sent);
  await exec.until(() => (exec.routed.events || []).length + (exec.routed.errors || []).length >= total.events.length + total.errors.length, 120000, 'every input out');
  await exec.stop();
  // The file sinks, as configured (paths relative to the directory Vector starts in).
  for (const [output, rows] of [['events', exec.routed.events], ['errors', exec.routed.errors], ['_unmatched', exec.routed._unmatched]]) {
    const [sinkConfig] = p.sinkOf(output === 'events' ? 'ocsf_fields' : `${p.routeId}.${output}`);
    writeFileSync(join(dir, sinkConfig.path), rows.map((r) => JSON.stringify(r) + '\n').join(''));
  }
  const written = (name) => readFileSync(join(dir, 'output', name), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
  const events = written('events.ndjson');
  assert.deepEqual(events.slice().sort(byKey), total.events.slice().sort(byKey));
  for (const e of events) assert.ok(files.includes(e.metadata.log_name), e.metadata.log_name);
  // The S3 Event Notification is in the dead-letter file, with its text and its file.
  const errors = written('errors.ndjson');
  assert.deepEqual(errors.map(strip).sort(byKey), total.errors.slice().sort(byKey));
  const notification = errors.find((e) => e.kind === 's3_event_notification');
  assert.equal(notification.log_name, 'input/s3_event_notification.json');
  // Same events as the CLI gives for the same files.
  const cli = spawnSync(CLI, ['normalize', ...files], { cwd: dir, encoding: 'utf8', maxBuffer: 1 << 28 });
  const cliEvents = cli.stdout.trim().split('\n').map((l) => JSON.parse(l));
  const nameless = (e) => ({ ...e, metadata: { ...e.metadata, log_name: undefined }, unmapped: { ...e.unmapped, source_event: undefined } });
  assert.deepEqual(events.map(nameless).sort(byKey), cliEvents.map(nameless).sort(byKey));
});
