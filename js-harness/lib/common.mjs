// Shared paths and helpers of the js-harness tests. Everything is found relative to the repository
// (a clean clone must pass on its own): fixtures from tests/fixtures, the package from pkg/
// (scripts/build-wasm.sh), the native CLI from target/release/s3norm (cargo build --release).
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { createRequire } from 'node:module';
import { dirname, join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { spawnSync } from 'node:child_process';

export const HARNESS = dirname(dirname(fileURLToPath(import.meta.url)));
export const ROOT = dirname(HARNESS);
export const PKG = process.env.S3NORM_PKG || join(ROOT, 'pkg');
export const RAW_WASM = join(PKG, 's3norm_raw.wasm');
export const FIXTURES = join(ROOT, 'tests', 'fixtures');
export const CLI = process.env.S3NORM_CLI || join(ROOT, 'target', 'release', 's3norm');
export const TMP = join(HARNESS, '.tmp');

/** The prefix every response starts with (docs/abi.md). */
export const RESPONSE_PREFIX = '{"abi_version":1,"events":[';

/** Fail with a message that says what to run, when a build artifact is missing. */
export function requireFile(path, howToMakeIt) {
  if (!existsSync(path)) {
    throw new Error(`missing ${relative(ROOT, path) || path}: run \`${howToMakeIt}\` first`);
  }
  return path;
}

export function requirePkg() {
  requireFile(join(PKG, 'package.json'), 'scripts/build-wasm.sh');
  requireFile(RAW_WASM, 'scripts/build-wasm.sh');
  return PKG;
}

/** The package built in pkg/, loaded through its CommonJS entry. */
export function loadPkg() {
  requirePkg();
  return createRequire(import.meta.url)(join(PKG, 'index.cjs'));
}

const tempDirs = [];
process.on('exit', () => {
  if (process.env.S3NORM_KEEP_TMP) return;
  for (const d of tempDirs) rmSync(d, { recursive: true, force: true });
});

/**
 * A fresh directory under js-harness/.tmp (git-ignored), removed when the test process exits
 * unless S3NORM_KEEP_TMP is set (to inspect it).
 */
export function tempDir(prefix) {
  mkdirSync(TMP, { recursive: true });
  const d = mkdtempSync(join(TMP, `${prefix}-`));
  tempDirs.push(d);
  return d;
}

/**
 * Every fixture file under tests/fixtures (recursively, sorted; README files are documentation,
 * not fixtures). `rel` is the path relative to the repository root, with forward slashes: the
 * path string given to the CLI and used as log_name.
 */
export function fixtures() {
  if (!existsSync(FIXTURES)) throw new Error(`no fixtures at ${FIXTURES}`);
  const out = [];
  const walk = (dir) => {
    for (const name of readdirSync(dir).sort()) {
      const p = join(dir, name);
      if (statSync(p).isDirectory()) walk(p);
      else if (!/\.md$/i.test(name)) out.push({ path: p, rel: relative(ROOT, p).split(sep).join('/') });
    }
  };
  walk(FIXTURES);
  if (out.length === 0) throw new Error(`no fixture files under ${FIXTURES}`);
  return out;
}

/** The ABI request for a file: its text with the path as log_name. */
export function fileRequest(text, logName) {
  return JSON.stringify({ input: text, options: { log_name: logName } });
}

/**
 * Run the native CLI on one file path (as given, relative to the repository root), returning its
 * stdout NDJSON lines. Fails clearly when target/release/s3norm is missing.
 */
export function cliEvents(rel) {
  requireFile(CLI, 'cargo build --release');
  const r = spawnSync(CLI, ['normalize', rel], { cwd: ROOT, encoding: 'utf8', maxBuffer: 1 << 30 });
  if (r.error) throw r.error;
  // The exit status may say that some records were refused; a crash is a failure.
  if (r.signal || r.status === 101) {
    throw new Error(`${CLI} normalize ${rel}: ${r.signal || 'panic'}\n${r.stderr.slice(-2000)}`);
  }
  const lines = r.stdout.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  return lines;
}

/** Python with the wasmtime package (scripts/setup.sh makes target/wasmtime-venv). */
export function python() {
  if (process.env.S3NORM_PYTHON) return process.env.S3NORM_PYTHON;
  const venv = join(ROOT, 'target', 'wasmtime-venv', 'bin', 'python');
  return existsSync(venv) ? venv : 'python3';
}

/** One SAL line (AWS documentation's example) and one CloudTrail record, for smoke tests. */
export const SAL_LINE =
  '79a59df900b949e55d96a1e698fbacedfd6e09d98eacf8f8d5218e7cd47ef2be awsexamplebucket1 [06/Feb/2019:00:00:38 +0000] 192.0.2.3 79a59df900b949e55d96a1e698fbacedfd6e09d98eacf8f8d5218e7cd47ef2be 3E57427F3EXAMPLE REST.GET.VERSIONING - "GET /awsexamplebucket1?versioning HTTP/1.1" 200 - 113 - 7 - "-" "S3Console/0.4" - s9lzHYrFp76ZVxRcpX9+5cjAnEH2ROuNkd2BHfIa6UkFVdtjf5mKR3/eTPFvsiP/XV/VLi31234= SigV4 ECDHE-RSA-AES128-GCM-SHA256 AuthHeader awsexamplebucket1.s3.us-west-1.amazonaws.com TLSV1.2 arn:aws:s3:us-west-1:123456789012:accesspoint/example-AP Yes us-east-1';

export const CLOUDTRAIL_RECORD = {
  eventVersion: '1.08',
  userIdentity: {
    type: 'IAMUser',
    principalId: 'AIDAEXAMPLE',
    arn: 'arn:aws:iam::111122223333:user/alice',
    accountId: '111122223333',
    accessKeyId: 'AKIAEXAMPLE',
    userName: 'alice',
  },
  eventTime: '2019-02-06T00:00:38Z',
  eventSource: 's3.amazonaws.com',
  eventName: 'GetObject',
  awsRegion: 'us-west-1',
  sourceIPAddress: '192.0.2.3',
  userAgent: '[aws-cli/2.15.0]',
  requestParameters: { bucketName: 'awsexamplebucket1', key: 'photos/cat.jpg', Host: 'awsexamplebucket1.s3.us-west-1.amazonaws.com' },
  responseElements: null,
  additionalEventData: { SignatureVersion: 'SigV4', CipherSuite: 'ECDHE-RSA-AES128-GCM-SHA256', bytesTransferredIn: 0, bytesTransferredOut: 1024, AuthenticationMethod: 'AuthHeader', 'x-amz-id-2': 'EXAMPLEhostid=' },
  requestID: '3E57427F3EXAMPLE',
  eventID: '7a1e6a8a-1111-2222-3333-444455556666',
  readOnly: true,
  resources: [
    { type: 'AWS::S3::Object', ARN: 'arn:aws:s3:::awsexamplebucket1/photos/cat.jpg' },
    { accountId: '111122223333', type: 'AWS::S3::Bucket', ARN: 'arn:aws:s3:::awsexamplebucket1' },
  ],
  eventType: 'AwsApiCall',
  managementEvent: false,
  recipientAccountId: '111122223333',
  eventCategory: 'Data',
  tlsDetails: { tlsVersion: 'TLSv1.2', cipherSuite: 'ECDHE-RSA-AES128-GCM-SHA256', clientProvidedHostHeader: 'awsexamplebucket1.s3.us-west-1.amazonaws.com' },
};

/** Read a file as UTF-8 text. */
export function readText(path) {
  // A gzip fixture is read as a user would hand it over: decompressed (the CLI detects gzip itself).
  if (path.endsWith('.gz')) return gunzipSync(readFileSync(path)).toString('utf8');
  return readFileSync(path, 'utf8');
}

/** The error kinds of docs/abi.md. */
export const ERROR_KINDS = ['sal_syntax', 'json_syntax', 'not_cloudtrail', 's3_event_notification', 'invalid_record', 'too_large', 'invalid_utf8', 'invalid_request'];

/** Check the response invariants every response must satisfy (docs/abi.md). */
export function checkResponseShape(assert, text) {
  assert.ok(text.startsWith(RESPONSE_PREFIX), `response starts with ${RESPONSE_PREFIX}: ${text.slice(0, 200)}`);
  const r = JSON.parse(text);
  assert.deepEqual(Object.keys(r), ['abi_version', 'events', 'errors', 'stats']);
  assert.deepEqual(Object.keys(r.stats), ['inputs', 'events', 'errors', 'skipped']);
  assert.equal(r.stats.events, r.events.length);
  assert.equal(r.stats.errors, r.errors.length);
  assert.equal(r.stats.inputs, r.stats.events + r.stats.errors + r.stats.skipped, 'inputs = events + errors + skipped');
  for (const e of r.errors) {
    assert.ok(ERROR_KINDS.includes(e.kind), `error kind ${JSON.stringify(e.kind)} is one of docs/abi.md's`);
    assert.equal(typeof e.message, 'string');
    assert.equal(typeof e.input, 'string');
  }
  return r;
}

/** Whether text is JSON. */
export function parses(text) {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}
