//! The JSON-in/JSON-out ABI shared by every binding (native, wasm-bindgen, raw WebAssembly).
//! The contract, with examples, is `docs/abi.md`; this module is its one implementation.
//!
//! A request is a JSON value: raw log text (a string), a shipper event (`{"message": …}` or
//! Fluent Bit's `{"log": …}` with other fields carried along), a CloudTrail record or container,
//! `{"input": …, "options": {…}}`, or an array of these (a batch). The response is always
//! `{"abi_version":1,"events":[…],"errors":[…],"stats":{…}}` with keys in that order; events are
//! serialized exactly as the CLI writes them, so a response can be compared byte for byte with
//! the CLI's NDJSON. Nothing a caller sends makes `transform` fail or panic.

use crate::error::{ErrorKind, ErrorRecord};
use crate::json::{self, ParseError};
use crate::normalize::{Location, Normalizer, Options};
use crate::ocsf::{write_error, write_event, Event};
use crate::sink::{Counter, Sink, Skip, Stats};
use serde_json::{Map, Value};

/// ABI version reported by every binding; bump on any incompatible change of request or response.
pub const ABI_VERSION: u32 = 1;

/// Largest request accepted, in bytes. Larger requests get one `too_large` error, and so do
/// requests of more than [`crate::MAX_JSON_VALUES`] JSON values.
pub const MAX_REQUEST_BYTES: usize = 256 << 20;

/// Largest response written, in bytes. A request whose response would be larger gets one
/// `too_large` error instead, so a flood of tiny units (a million one-letter lines) cannot make a
/// response that no host can hold: a JavaScript string holds at most 2^29 - 24 characters in V8,
/// and a 32-bit WebAssembly instance has 4 GiB for everything. Natively, [`crate::Normalizer::read`]
/// streams outputs to a sink and has no such limit.
pub const MAX_RESPONSE_BYTES: usize = 512 << 20;

/// Normalize the request `input_json` and return the response JSON.
pub fn transform(input_json: &str) -> String {
    transform_within(input_json, MAX_RESPONSE_BYTES)
}

/// [`transform`] with a response limit of `max_response` bytes.
fn transform_within(input_json: &str, max_response: usize) -> String {
    let mut response = Response { max_bytes: max_response, ..Response::default() };
    let mut out = Counter::new(&mut response);
    if input_json.len() > MAX_REQUEST_BYTES {
        let message = format!("request is {} bytes, over the {MAX_REQUEST_BYTES}-byte limit", input_json.len());
        out.error(ErrorRecord::new(ErrorKind::TooLarge, message, input_json));
    } else {
        match json::parse(input_json, None) {
            Ok(request) => unit(&request, &RequestOptions::default(), None, &mut out),
            Err(e @ ParseError::TooManyValues) => {
                out.error(ErrorRecord::new(ErrorKind::TooLarge, format!("request is not read: {e}"), input_json))
            }
            Err(e) => out.error(ErrorRecord::new(ErrorKind::JsonSyntax, format!("request is not valid JSON: {e}"), input_json)),
        }
    }
    let stats = out.stats;
    response.finish(stats).unwrap_or_else(|| response_too_large(input_json))
}

/// The answer to a request whose response would be over [`MAX_RESPONSE_BYTES`]: the request is
/// the one unit, refused whole.
fn response_too_large(request: &str) -> String {
    let message = format!("the response would be over the {MAX_RESPONSE_BYTES}-byte limit (ABI limits, docs/abi.md): split the request");
    error_response(ErrorRecord::new(ErrorKind::TooLarge, message, request))
}

/// [`transform`] for bytes that may not be UTF-8 (the raw WebAssembly module's entry point).
pub fn transform_bytes(input: &[u8]) -> String {
    match std::str::from_utf8(input) {
        Ok(text) => transform(text),
        Err(e) => {
            let message = format!("request is not UTF-8 (invalid byte at offset {})", e.valid_up_to());
            error_response(ErrorRecord::new(ErrorKind::InvalidUtf8, message, &String::from_utf8_lossy(input)))
        }
    }
}

/// The response to `{"input": text, "options": …}` without building, escaping and parsing that
/// request: log text straight to the normalizer (the npm package's `normalize` of a string).
pub fn transform_text(text: &str, options: Options) -> String {
    if text.len() > MAX_REQUEST_BYTES {
        let message = format!("request is {} bytes, over the {MAX_REQUEST_BYTES}-byte limit", text.len());
        return error_response(ErrorRecord::new(ErrorKind::TooLarge, message, text));
    }
    let mut response = Response::default();
    let stats = Normalizer::new(options).read_str(text, &mut response);
    response.finish(stats).unwrap_or_else(|| response_too_large(text))
}

/// The response to whatever `read` sends to the sink it is given, with the counts it returns
/// (also returned): for bindings that read in their own way (pieces of a large file, say) and
/// answer in the ABI's shape. A response over [`MAX_RESPONSE_BYTES`] becomes one `too_large` error.
pub fn response_of(read: impl FnOnce(&mut dyn Sink) -> Stats) -> (String, Stats) {
    let mut response = Response::default();
    let stats = read(&mut response);
    (response.finish(stats).unwrap_or_else(|| response_too_large("")), stats)
}

/// The response for a request refused before it reached the normalizer (the raw module's bad
/// pointers, for example): the same shape, one error.
pub fn error_response(record: ErrorRecord) -> String {
    let mut response = Response::default();
    let mut out = Counter::new(&mut response);
    out.error(record);
    let stats = out.stats;
    // One error record (its input cut to 64 KiB) is far below the response limit.
    response.finish(stats).unwrap_or_default()
}

/// Normalize an already parsed request into `sink`, as [`transform`] would: for hosts that hold
/// the request as a value already (the Fluent Bit filter).
pub fn process(request: &Value, sink: &mut dyn Sink) -> Stats {
    let mut out = Counter::new(sink);
    unit(request, &RequestOptions::default(), None, &mut out);
    out.stats
}

/// Options a request may set. Unknown option keys are refused, so a typo is not silently ignored.
#[derive(Clone, Debug, Default)]
struct RequestOptions {
    raw_data: bool,
    log_name: Option<String>,
}

impl RequestOptions {
    fn parse(value: &Value, inherited: &RequestOptions) -> Result<RequestOptions, String> {
        let Value::Object(map) = value else { return Err("`options` must be an object".into()) };
        let mut options = inherited.clone();
        for (key, v) in map {
            match (key.as_str(), v) {
                ("raw_data", Value::Bool(b)) => options.raw_data = *b,
                ("log_name", Value::String(s)) => options.log_name = Some(s.clone()),
                ("log_name", Value::Null) => options.log_name = None,
                ("raw_data" | "log_name", _) => return Err(format!("option `{key}` has the wrong type")),
                _ => return Err(format!("unknown option `{key}` (known: raw_data, log_name)")),
            }
        }
        Ok(options)
    }

    fn normalizer(&self) -> Normalizer {
        let mut options = Options::default().raw_data(self.raw_data);
        options.log_name.clone_from(&self.log_name);
        Normalizer::new(options)
    }
}

/// Process one request unit. `batch_index` is its place in a batch, stamped on errors that have
/// no index of their own.
fn unit(request: &Value, options: &RequestOptions, batch_index: Option<u64>, out: &mut Counter<'_>) {
    let outer_index = out.default_index;
    out.default_index = batch_index;
    match request {
        Value::String(text) => options.normalizer().slice_str(text, out),
        Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                if out.stopped() {
                    break;
                }
                unit(item, options, Some(i as u64), out);
            }
        }
        Value::Object(map) if is_wrapped_request(map) => {
            let parsed = map.get("options").map(|o| RequestOptions::parse(o, options)).unwrap_or_else(|| Ok(options.clone()));
            match (parsed, map.get("input")) {
                (Ok(inner), Some(input)) => unit(input, &inner, batch_index, out),
                (Ok(_), None) => out.error(invalid_request("`options` given without `input`", request)),
                (Err(why), _) => out.error(invalid_request(&why, request)),
            }
        }
        // A shipper's event or a CloudTrail record or container (the normalizer tells them apart).
        Value::Object(_) => options.normalizer().value(request, None, Location::default(), out),
        _ => out.error(invalid_request("a request is a string, an object or an array", request)),
    }
    out.default_index = outer_index;
}

/// `{"input": …}` with at most `options` beside it.
fn is_wrapped_request(map: &Map<String, Value>) -> bool {
    (map.contains_key("input") || map.contains_key("options")) && map.keys().all(|k| k == "input" || k == "options")
}

fn invalid_request(why: &str, request: &Value) -> ErrorRecord {
    ErrorRecord::new(ErrorKind::InvalidRequest, format!("invalid request: {why}"), &request.to_string())
}

/// The response being written: events and errors serialized as they arrive. The events go
/// straight into the response text (which starts with its header), and the errors into a text
/// that starts with the header of a response without events; finishing appends the errors and
/// counts to the first, or, when there are no events, the counts to the second, so the larger
/// part (hundreds of megabytes of events, or of errors in a flood of garbage) is never copied.
/// Past [`MAX_RESPONSE_BYTES`] both are dropped, and the reader is told to stop.
struct Response {
    out: Vec<u8>,
    errors: Vec<u8>,
    has_events: bool,
    has_errors: bool,
    over_limit: bool,
    /// [`MAX_RESPONSE_BYTES`], but in tests.
    max_bytes: usize,
}

/// `{"abi_version":1,"events":[`
fn header() -> Vec<u8> {
    format!("{{\"abi_version\":{ABI_VERSION},\"events\":[").into_bytes()
}

const ERRORS_KEY: &[u8] = b"],\"errors\":[";

impl Default for Response {
    fn default() -> Self {
        let mut errors = header();
        errors.extend_from_slice(ERRORS_KEY);
        Response { out: header(), errors, has_events: false, has_errors: false, over_limit: false, max_bytes: MAX_RESPONSE_BYTES }
    }
}

impl Response {
    /// The response text, or `None` when it went over [`MAX_RESPONSE_BYTES`].
    fn finish(self, stats: Stats) -> Option<String> {
        if self.over_limit {
            return None;
        }
        let mut out = if self.has_events {
            let mut out = self.out;
            let errors = &self.errors[header().len() + ERRORS_KEY.len()..];
            out.reserve(ERRORS_KEY.len() + errors.len() + 96);
            out.extend_from_slice(ERRORS_KEY);
            out.extend_from_slice(errors);
            out
        } else {
            self.errors
        };
        out.extend_from_slice(b"],\"stats\":");
        // Serializing plain structs into a Vec cannot fail.
        let _ = serde_json::to_writer(&mut out, &stats);
        out.push(b'}');
        // Only serde_json output and ASCII were written, so this is UTF-8.
        String::from_utf8(out).ok()
    }

    /// After a write: past the limit, drop everything (the answer will be one error).
    fn check_size(&mut self) {
        if self.out.len() + self.errors.len() > self.max_bytes {
            self.over_limit = true;
            self.out = Vec::new();
            self.errors = Vec::new();
        }
    }
}

impl Sink for Response {
    fn event(&mut self, event: &Event<'_>) {
        if self.over_limit {
            return;
        }
        if self.has_events {
            self.out.push(b',');
        }
        self.has_events = true;
        write_event(&mut self.out, event);
        self.check_size();
    }

    fn error(&mut self, error: ErrorRecord) {
        if self.over_limit {
            return;
        }
        if self.has_errors {
            self.errors.push(b',');
        }
        self.has_errors = true;
        write_error(&mut self.errors, &error);
        self.check_size();
    }

    fn skip(&mut self, _: Skip) {}

    fn stopped(&self) -> bool {
        self.over_limit
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const LINE: &str = r#"79a5 mybucket [06/Feb/2014:00:00:38 +0000] 192.0.2.3 79a5 3E57427F3EXAMPLE REST.GET.VERSIONING - "GET /mybucket?versioning HTTP/1.1" 200 - 113 - 7 - "-" "S3Console/0.4" -"#;

    fn call(request: &Value) -> Value {
        serde_json::from_str(&transform(&request.to_string())).unwrap()
    }

    #[test]
    fn response_has_fixed_key_order() {
        let out = transform("\"\"");
        assert_eq!(out, r#"{"abi_version":1,"events":[],"errors":[],"stats":{"inputs":0,"events":0,"errors":0,"skipped":0}}"#);
    }

    #[test]
    fn shipper_event_carries_fields_and_log_name() {
        let r = call(&serde_json::json!({"message": LINE, "file": "/var/log/s3/x.log", "host": "h1"}));
        assert_eq!(r["stats"]["events"], 1);
        let e = &r["events"][0];
        assert_eq!(e["metadata"]["log_name"], "/var/log/s3/x.log");
        assert_eq!(e["unmapped"]["source_event"], serde_json::json!({"file": "/var/log/s3/x.log", "host": "h1"}));
    }

    #[test]
    fn options_and_batches() {
        let r = call(&serde_json::json!({"input": [LINE, "junk", 3], "options": {"raw_data": true, "log_name": "k"}}));
        assert_eq!(r["stats"], serde_json::json!({"inputs": 3, "events": 1, "errors": 2, "skipped": 0}));
        assert_eq!(r["events"][0]["raw_data"], LINE);
        assert_eq!(r["errors"][0]["index"], 1);
        assert_eq!(r["errors"][0]["line"], 1);
        assert_eq!(r["errors"][1]["kind"], "invalid_request");
        assert_eq!(r["errors"][1]["index"], 2);
        let bad = call(&serde_json::json!({"input": LINE, "options": {"rawdata": true}}));
        assert_eq!(bad["errors"][0]["kind"], "invalid_request");
        assert_eq!(bad["stats"]["inputs"], 1);
    }

    /// The reader's fallback holds through the ABI: a damaged leading line costs only itself, a
    /// broken document is one error, in a string request, a shipper event and a batch alike.
    #[test]
    fn a_damaged_first_line_costs_only_itself() {
        let damaged = format!("{{\"eventVersion\":\"1.08\",\"eventSo\n{LINE}\n{LINE}\n");
        let broken = "\neventVersion:\"1.09\",\n  userIdentity:{\n    type:\"AWSService\"\n  }\n}\n";
        for request in [json!(damaged), json!({"message": damaged}), json!([damaged, broken]), json!({"input": [broken], "options": {}})] {
            let r = call(&request);
            let with_broken = request.to_string().contains("AWSService");
            let with_damaged = request.to_string().contains("eventSo");
            let expected = (2 * u64::from(with_damaged), u64::from(with_damaged) + u64::from(with_broken));
            assert_eq!((r["stats"]["events"].as_u64(), r["stats"]["errors"].as_u64()), (Some(expected.0), Some(expected.1)), "{request}");
            assert!(r["errors"].as_array().unwrap().iter().all(|e| e["kind"] == "json_syntax"), "{r}");
        }
    }

    /// A request that would cost more than its bytes suggest is one `too_large` error: too many
    /// JSON values to parse, or a response over the limit (a flood of one-letter lines).
    #[test]
    fn requests_over_the_limits_are_one_error() {
        let values = format!("[{}1]", "1,".repeat(crate::MAX_JSON_VALUES));
        let r: Value = serde_json::from_str(&transform(&values)).unwrap();
        assert_eq!(r["stats"], json!({"inputs": 1, "events": 0, "errors": 1, "skipped": 0}));
        assert_eq!(r["errors"][0]["kind"], "too_large");
        assert!(r["errors"][0]["message"].as_str().unwrap().contains("JSON values"), "{}", r["errors"][0]["message"]);

        let flood = json!(vec!["a"; 1000]).to_string();
        let whole: Value = serde_json::from_str(&transform(&flood)).unwrap();
        assert_eq!(whole["stats"]["errors"], 1000);
        let size = transform(&flood).len();
        let r: Value = serde_json::from_str(&transform_within(&flood, size / 2)).unwrap();
        assert_eq!(r["stats"], json!({"inputs": 1, "events": 0, "errors": 1, "skipped": 0}));
        assert!(r["errors"][0]["message"].as_str().unwrap().starts_with("the response would be over"));
        assert_eq!(r["errors"][0]["input"], flood.as_str());
        // Just enough room: the whole response, byte for byte.
        assert_eq!(transform_within(&flood, size), transform(&flood));
    }

    #[test]
    fn garbage_is_an_error_not_a_failure() {
        for junk in ["", "{", "[1,", "nul", "\"unterminated"] {
            let r: Value = serde_json::from_str(&transform(junk)).unwrap();
            assert_eq!(r["errors"][0]["kind"], "json_syntax", "{junk}");
            assert_eq!(r["errors"][0]["input"], junk);
        }
        let r: Value = serde_json::from_str(&transform_bytes(b"\"\xff\"")).unwrap();
        assert_eq!(r["errors"][0]["kind"], "invalid_utf8");
        let deep = "[".repeat(100_000);
        let r: Value = serde_json::from_str(&transform(&deep)).unwrap();
        assert_eq!(r["errors"][0]["kind"], "json_syntax");
    }
}
