// Type definitions for s3norm (hand-written; mirror src/ocsf/mod.rs, src/error.rs,
// src/operations.rs and docs/abi.md). js-harness/test/types.test.mjs compiles every event the
// fixtures produce against `OcsfApiActivity` with excess-property checks, so a drift between this
// file and the real output fails a test.

// ---------------------------------------------------------------------------------------------
// Functions
// ---------------------------------------------------------------------------------------------

/**
 * The ABI (docs/abi.md): request JSON text in, response JSON text out, the same bytes as the
 * native crate and the raw module. A non-string argument is sent as its `JSON.stringify` text.
 * Never throws on bad data; it comes back as error records.
 */
export function transform(request: string | AbiRequest): string;

/**
 * Normalize log text (SAL lines, CloudTrail JSON text) or a parsed value (record, trail file,
 * envelope, shipper event, batch) and return the parsed response.
 */
export function normalize(input: AbiInput, options?: NormalizeOptions): NormalizeResult;

/**
 * A server access log line's fields, labelled by the tokenizer itself (the inspector's view of a
 * line): UTF-16 offsets into `line`, the text inside brackets or quotes. A line that is not SAL
 * gives the error record the normalizer would.
 */
export function salFields(line: string): SalFields;

export type SalFields =
  | { ok: true; fields: SalField[]; extra?: { start: number; end: number } }
  | { ok: false; error: ErrorRecord };

export interface SalField {
  /** 1-based position in the line (the numbering of AWS's log format documentation). */
  n: number;
  /** The field's name in AWS's documentation: "Bucket Owner", "Request-URI", "aclRequired", … */
  name: string;
  /** UTF-16 offset of the field's first character in the line. */
  start: number;
  /** UTF-16 offset just past the field's last character. */
  end: number;
  /** The field was written in quotes (Request-URI, Referer, User-Agent). */
  quoted: boolean;
}

/**
 * Correlate log texts (server access logs and CloudTrail): one event per request, and the
 * coverage report of what each log missed and why. The same events and report as
 * `s3norm correlate` / `s3norm coverage --json` give for files of those texts and names.
 */
export function correlate(inputs: CorrelateInput[], options?: CorrelateOptions): CorrelateResult;

/**
 * The coverage report of inputs fed in pieces as they are read (files too large to hand over
 * whole, as a browser reads them): each piece is normalized once, its response returned and its
 * events indexed (a few dozen bytes per request, never an event). `report()` equals
 * `correlate(inputs).coverage` for the whole inputs.
 */
export function coverageBuilder(): CoverageBuilder;

export interface CoverageBuilder {
  /** Start an input (a file); ends the one before. */
  beginInput(logName?: string | null): void;
  /**
   * Normalize a piece of the current input and index its events; the response as JSON text.
   * `first_line` (1-based): the piece is whole lines of a line input starting at that line;
   * without it the piece is a whole text, read as `normalize` reads text.
   */
  normalizeJson(text: string, options?: { log_name?: string | null; first_line?: number }): string;
  /** `normalizeJson`, parsed. */
  normalize(text: string, options?: { log_name?: string | null; first_line?: number }): NormalizeResult;
  endInput(): void;
  /** The coverage report of everything fed so far. */
  report(): Coverage;
  /** Release the module memory it holds. */
  free(): void;
}

/** The operation table: each S3 operation's SAL spelling, CloudTrail eventName and activity. */
export function operations(): Operation[];

/** The s3norm crate version, e.g. "0.1.0". */
export function version(): string;

/** The ABI version: the `abi_version` of every response. */
export function abiVersion(): number;

/**
 * What `init` accepts: a URL (string or URL object), a fetch `Response` or `Request`, the .wasm
 * bytes, a compiled `WebAssembly.Module`, or a promise of one of these. Typed with ES-library
 * names only (`object` stands for URL, Request, Response and WebAssembly.Module) so the types
 * compile with or without the DOM library.
 */
export type InitInput = string | ArrayBuffer | ArrayBufferView | object;

/**
 * Browsers and bundlers: instantiate the module once (`await init()`), fetching `s3norm_bg.wasm`
 * next to the entry unless told otherwise. In Node a no-op: the module is ready on import.
 */
export function init(moduleOrPath?: InitInput | Promise<InitInput>): Promise<void>;
export default init; // esm-only (index.d.cts, the CommonJS types, has no default export)

/** Instantiate synchronously from a compiled `WebAssembly.Module` or the .wasm bytes (no-op in Node). */
export function initSync(module: ArrayBuffer | ArrayBufferView | object): void;

// ---------------------------------------------------------------------------------------------
// ABI request and response
// ---------------------------------------------------------------------------------------------

export interface NormalizeOptions {
  /** Put the original line or record text into `raw_data`. Default false. */
  raw_data?: boolean;
  /** Origin of the input (file path, S3 object key) for `metadata.log_name`. */
  log_name?: string;
}

/** An event as a log shipper hands it to a transform (Vector `message`, Fluent Bit record). */
export interface ShipperEvent {
  /** The log text: SAL line(s) or CloudTrail JSON text. */
  message: string;
  /** File path; goes to `metadata.log_name`. */
  file?: string;
  /** S3 object key the log came from; goes to `metadata.log_name`. */
  object?: string;
  bucket?: string;
  host?: string;
  timestamp?: string;
  /** Every field other than `message` is carried as `unmapped.source_event`. */
  [field: string]: unknown;
}

/** A CloudTrail record (only the fields s3norm reads are named). */
export interface CloudTrailRecord {
  eventVersion?: string;
  eventTime: string;
  eventSource: string;
  eventName: string;
  awsRegion?: string;
  sourceIPAddress?: string;
  userAgent?: string;
  requestID?: string;
  eventID?: string;
  userIdentity?: Record<string, unknown>;
  requestParameters?: Record<string, unknown> | null;
  responseElements?: Record<string, unknown> | null;
  additionalEventData?: Record<string, unknown>;
  resources?: Array<Record<string, unknown>>;
  errorCode?: string;
  errorMessage?: string;
  [field: string]: unknown;
}

/** CloudTrail containers: a trail file, an EventBridge envelope, a CloudWatch Logs payload. */
export type CloudTrailContainer =
  | { Records: CloudTrailRecord[] }
  | { 'detail-type': string; detail: CloudTrailRecord; [field: string]: unknown }
  | { messageType: string; logEvents: Array<{ id?: string; timestamp?: number; message: string }>; [field: string]: unknown };

/** One unit of ABI input, or a batch of them. */
export type AbiInput = string | ShipperEvent | CloudTrailRecord | CloudTrailContainer | AbiInput[];

/** The whole ABI request: an input, optionally with options. */
export type AbiRequest = AbiInput | { input: AbiInput; options?: NormalizeOptions };

export type ErrorKind =
  | 'sal_syntax'
  | 'json_syntax'
  | 'not_cloudtrail'
  | 's3_event_notification'
  | 'invalid_record'
  | 'too_large'
  | 'invalid_utf8'
  | 'invalid_request';

/** One refused input unit. */
export interface ErrorRecord {
  kind: ErrorKind;
  /** What was wrong, for a person. */
  message: string;
  /** Where the input came from, when known. */
  log_name?: string;
  /** 1-based line number within its text, for line-based input. */
  line?: number;
  /** 0-based index within its container or batch. */
  index?: number;
  /** The original text (at most 64 KiB, cut on a character boundary). */
  input: string;
  /** Present (true) when `input` was cut. */
  input_truncated?: true;
}

/** Counts of one call. Invariant: inputs === events + errors + skipped. */
export interface Stats {
  inputs: number;
  events: number;
  errors: number;
  /** CloudTrail records of other services (IAM, EC2, …): counted, not events. */
  skipped: number;
}

/** The response, as `normalize` returns it (and `transform` as JSON text, keys in this order). */
export interface NormalizeResult {
  abi_version: number;
  events: OcsfApiActivity[];
  errors: ErrorRecord[];
  stats: Stats;
}

// ---------------------------------------------------------------------------------------------
// Correlation (docs/abi.md, "correlate")
// ---------------------------------------------------------------------------------------------

/** One log text: a file's contents, and its name (delivery lag is read from AWS-style names). */
export type CorrelateInput = string | { text: string; log_name?: string | null };

export interface CorrelateOptions {
  /** Bytes of SAL lines held while their requests wait for CloudTrail's record. Default 256 MiB. */
  merge_memory?: number;
}

/** Why a request is in one log and not the other. */
export type CoverageReason =
  | 'not_logged_by_cloudtrail'
  | 'not_logged_by_sal'
  | 'cloudtrail_name_unknown'
  | 'cloudtrail_data_events_off'
  | 'cloudtrail_management_events_off'
  | 'missing_from_sal'
  | 'missing_from_cloudtrail'
  | 'outside_overlap'
  | 'unverified'
  | 'host_id_mismatch'
  | 'no_request_id';

/** Counts per reason (only the non-zero ones are present). */
export type ReasonCounts = Partial<Record<CoverageReason, number>>;

export interface CoverageRow {
  /** CloudTrail's name when CloudTrail saw the request; `(all)` for the totals. */
  operation: string;
  both: number;
  sal_only: number;
  cloudtrail_only: number;
  sal_only_reasons: ReasonCounts;
  cloudtrail_only_reasons: ReasonCounts;
}

export interface BucketSpan {
  records: number;
  /** RFC 3339 UTC. */
  first: string;
  last: string;
}

export interface DeliveryLag {
  records: number;
  /** Seconds. */
  p50: number;
  p90: number;
  p99: number;
  max: number;
}

export interface Coverage {
  inputs: { units: number; events: number; errors: number; skipped: number; server_access_log: number; cloudtrail: number };
  requests: CoverageRow;
  operations: CoverageRow[];
  buckets: Array<{ bucket: string; server_access_log?: BucketSpan; cloudtrail?: BucketSpan }>;
  delivery_lag: { server_access_log?: DeliveryLag; cloudtrail?: DeliveryLag };
}

/** Counts of a correlation. inputs === records + errors + skipped; records === merged_records + events - merged_events. */
export interface CorrelateStats {
  inputs: number;
  records: number;
  errors: number;
  skipped: number;
  events: number;
  both: number;
  sal_only: number;
  cloudtrail_only: number;
  merged_events: number;
  merged_records: number;
  unmerged: number;
  rounds: number;
  held_peak_bytes: number;
  changed_inputs: number;
}

export interface CorrelateResult {
  abi_version: number;
  /** One event per request; `unmapped.s3.sources` says which logs it came from. */
  events: OcsfApiActivity[];
  errors: ErrorRecord[];
  coverage: Coverage;
  stats: CorrelateStats;
}

// ---------------------------------------------------------------------------------------------
// The OCSF 1.8.0 API Activity event (class 6003, profiles cloud + datetime)
// ---------------------------------------------------------------------------------------------

export type ActivityId = 1 | 2 | 3 | 4 | 99;
export type ActivityName = 'Create' | 'Read' | 'Update' | 'Delete' | 'Other';

/** JSON as CloudTrail wrote it (requestParameters, responseElements). */
export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

export interface OcsfApiActivity {
  class_uid: 6003;
  class_name: 'API Activity';
  category_uid: 6;
  category_name: 'Application Activity';
  activity_id: ActivityId;
  activity_name: ActivityName;
  /** 600300 + activity_id. */
  type_uid: 600301 | 600302 | 600303 | 600304 | 600399;
  type_name: 'API Activity: Create' | 'API Activity: Read' | 'API Activity: Update' | 'API Activity: Delete' | 'API Activity: Other';
  severity_id: 1;
  severity: 'Informational';
  /** 1 Success, 2 Failure (HTTP status >= 400 or an error code). */
  status_id: 1 | 2;
  status: 'Success' | 'Failure';
  /** Error code text, when there is one. */
  status_code?: string;
  /** Error message, when there is one. */
  status_detail?: string;
  /** Epoch milliseconds. */
  time: number;
  /** RFC 3339 UTC text of `time`. */
  time_dt: string;
  /** SAL Total Time, milliseconds. */
  duration?: number;
  metadata: OcsfMetadata;
  api: OcsfApi;
  actor: OcsfActor;
  src_endpoint: OcsfEndpoint;
  dst_endpoint?: OcsfEndpoint;
  http_request?: OcsfHttpRequest;
  http_response?: OcsfHttpResponse;
  resources?: OcsfResource[];
  cloud: OcsfCloud;
  unmapped: OcsfUnmapped;
  /** The original line or record text, when asked for (`raw_data: true`). */
  raw_data?: string;
}

export interface OcsfMetadata {
  version: '1.8.0';
  profiles: ['cloud', 'datetime'];
  product: {
    vendor_name: 'AWS';
    name: 'Amazon S3' | 'AWS CloudTrail';
    feature?: { name: 'Server Access Logging' | 'Data Events' | 'Management Events' };
  };
  /** The source's own operation text: `REST.GET.OBJECT` or the eventName. */
  event_code: string;
  /** CloudTrail eventID; never set for SAL. */
  uid?: string;
  /** The S3 request ID: the join key between the two sources. */
  correlation_uid?: string;
  /** The source's time text as written. */
  original_time: string;
  /** Where the record came from when the host said so (file, S3 object key). */
  log_name?: string;
}

export interface OcsfApi {
  /** CloudTrail eventName vocabulary (`GetObject`, `ListObjects`, …). */
  operation: string;
  request?: { uid: string; data?: JsonValue };
  response?: { error?: string; error_message?: string; data?: JsonValue };
  /** "s3.amazonaws.com", or the record's eventSource (e.g. s3express). */
  service: { name: string };
}

export interface OcsfAccount {
  uid: string;
}

export interface OcsfActor {
  user: {
    /** IAMUser, AssumedRole, Root, AWSService, AWSAccount, Anonymous, … */
    type: string;
    /** ARN, or the canonical user ID when that is all there is. */
    uid?: string;
    uid_alt?: string;
    name?: string;
    credential_uid?: string;
    account?: OcsfAccount;
  };
  session?: {
    issuer?: string;
    is_mfa?: boolean;
    created_time?: number;
    created_time_dt?: string;
  };
  app_name?: string;
}

export interface OcsfEndpoint {
  /** Only ever an IP address. */
  ip?: string;
  hostname?: string;
  /** A SAL remote IP masked by whoever shared the log ("xx.xx.41.39"): never an address. */
  name?: string;
  /** A service caller ("config.amazonaws.com", "AWS Internal"). */
  svc_name?: string;
  /** VPC endpoint ID. */
  uid?: string;
}

export interface OcsfHttpRequest {
  http_method?: string;
  url?: { hostname?: string; path: string; query_string?: string };
  version?: string;
  referrer?: string;
  user_agent?: string;
}

export interface OcsfHttpResponse {
  code: number;
  length?: number;
  latency?: number;
}

export interface OcsfResource {
  /** "AWS::S3::Bucket", "AWS::S3::Object", or a CloudTrail resource type. */
  type: string;
  /** ARN: `arn:aws:s3:::BUCKET` or `arn:aws:s3:::BUCKET/KEY` (a directory bucket's object:
   *  `arn:aws:s3express:REGION:ACCOUNT:bucket/BUCKET/KEY`). */
  uid: string;
  /** Bucket name or object key (decoded once). */
  name?: string;
  /** Object version ID. */
  version?: string;
  owner?: { uid?: string; account?: OcsfAccount };
  /** 99 (Other) on the source bucket and object of a copy; absent on what the call acts on. */
  role_id?: 99;
  /** "Copy Source" with role_id 99. */
  role?: 'Copy Source';
}

export interface OcsfCloud {
  provider: 'AWS';
  region?: string;
  account?: OcsfAccount;
}

export interface OcsfUnmapped {
  /** Fields with no OCSF home, same keys for both sources. */
  s3: {
    bucket_owner?: string;
    host_id?: string;
    signature_version?: string;
    cipher_suite?: string;
    authentication_type?: string;
    tls_version?: string;
    acl_required?: string;
    access_point_arn?: string;
    bytes_in?: number;
    bytes_out?: number;
    object_size?: number;
    source_region?: string;
    /** false for operations CloudTrail never logs (lifecycle expiry, website, …). */
    cloudtrail_equivalent?: boolean;
    /** Which logs the event came from: set on every event of `correlate`. */
    sources?: Array<'cloudtrail' | 'server_access_log'>;
  };
  /** Only in server access log events. */
  s3_access_log?: {
    /** The request-URI field when it is not `METHOD target HTTP/x.y`. */
    request_uri?: string;
    /** Fields past the 27th, in order, as written ("-" included). */
    extra_fields?: string[];
    /** On a merged event: SAL's operation text (metadata.event_code is CloudTrail's). */
    event_code?: string;
    /** On a merged event: where the SAL line came from (metadata.log_name is CloudTrail's). */
    log_name?: string;
    /** Fields masked by whoever shared the log, kept as written. */
    masked_fields?: Array<'remote_ip' | 'bucket_owner' | 'requester' | 'request_id' | 'host_id'>;
  };
  /** Only in CloudTrail events. */
  cloudtrail?: {
    event_version?: string;
    event_type?: string;
    event_category?: string;
    read_only?: boolean;
    management_event?: boolean;
    shared_event_id?: string;
    vpc_endpoint_account_id?: string;
    arn_prefixes?: string[];
  };
  /** The shipper event's fields other than `message`, when the input was one. */
  source_event?: { [field: string]: JsonValue };
}

// ---------------------------------------------------------------------------------------------
// The operation table (src/operations.rs, serialized as is)
// ---------------------------------------------------------------------------------------------

/** How rows sharing one SAL operation are told apart. */
export type OperationRule =
  | 'Always'
  | 'KeyPresent'
  | 'KeyAbsent'
  | { QueryHas: string }
  | { QueryLacks: string };

export interface Operation {
  /** Canonical `api.operation` (CloudTrail eventName vocabulary). */
  operation: string;
  /** SAL Operation text; null when SAL never logs it (or its spelling is not known). */
  sal: string | null;
  rule: OperationRule;
  activity: ActivityName;
  /**
   * Whether and how CloudTrail logs it; 'UnknownName' when AWS says CloudTrail logs it but no
   * document names the eventName (CORS preflight).
   */
  cloudtrail: 'Data' | 'Management' | 'No' | 'UnknownName';
  /** Whether a server access log can hold a successful request of this operation. */
  sal_logs: boolean;
  /** What no AWS document or real log confirms: the CloudTrail eventName, or that the two SAL records of one request share its request ID. */
  unverified: 'CloudTrailName' | 'SharedRequestId' | null;
  /** Evidence and confidence, or why the name was chosen. */
  note: string;
}
