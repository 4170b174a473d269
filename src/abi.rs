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
use crate::normalize::{Location, Normalizer, Options};
use crate::ocsf::{write_error, write_event, Event};
use crate::sink::{Counter, Sink, Skip, Stats};
use serde_json::{Map, Value};

/// ABI version reported by every binding; bump on any incompatible change of request or response.
pub const ABI_VERSION: u32 = 1;

/// Largest request accepted, in bytes. Larger requests get one `too_large` error.
pub const MAX_REQUEST_BYTES: usize = 256 << 20;

/// Keys of a shipper event that name where the text came from, in order of preference.
const LOG_NAME_KEYS: [&str; 3] = ["log_name", "file", "object"];
/// Keys of a shipper event that hold the log text: Vector's `message`, Fluent Bit's `log`.
const MESSAGE_KEYS: [&str; 2] = ["message", "log"];

/// Normalize the request `input_json` and return the response JSON.
pub fn transform(input_json: &str) -> String {
    let mut response = Response::default();
    let mut out = Counter::new(&mut response);
    if input_json.len() > MAX_REQUEST_BYTES {
        let message = format!("request is {} bytes, over the {MAX_REQUEST_BYTES}-byte limit", input_json.len());
        out.error(ErrorRecord::new(ErrorKind::TooLarge, message, input_json));
    } else {
        match serde_json::from_str::<Value>(input_json) {
            Ok(request) => unit(&request, &RequestOptions::default(), None, &mut out),
            Err(e) => out.error(ErrorRecord::new(ErrorKind::JsonSyntax, format!("request is not valid JSON: {e}"), input_json)),
        }
    }
    let stats = out.stats;
    response.finish(stats)
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
    response.finish(stats)
}

/// The response for a request refused before it reached the normalizer (the raw module's bad
/// pointers, for example): the same shape, one error.
pub fn error_response(record: ErrorRecord) -> String {
    let mut response = Response::default();
    let mut out = Counter::new(&mut response);
    out.error(record);
    let stats = out.stats;
    response.finish(stats)
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
        Value::String(text) => options.normalizer().slice(text.as_bytes(), out),
        Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
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
        Value::Object(map) => match shipper_message(map) {
            Some((key, text)) => {
                let mut options = options.clone();
                if options.log_name.is_none() {
                    options.log_name = LOG_NAME_KEYS.iter().find_map(|k| map.get(*k).and_then(Value::as_str)).map(str::to_owned);
                }
                // Everything but the text itself, which can be large and is normalized instead.
                let carried: Map<String, Value> =
                    map.iter().filter(|(k, _)| k.as_str() != key).map(|(k, v)| (k.clone(), v.clone())).collect();
                options.normalizer().with_source_event(carried).slice(text.as_bytes(), out);
            }
            None => options.normalizer().walk(request, None, Location::default(), out),
        },
        _ => out.error(invalid_request("a request is a string, an object or an array", request)),
    }
    out.default_index = outer_index;
}

/// `{"input": …}` with at most `options` beside it.
fn is_wrapped_request(map: &Map<String, Value>) -> bool {
    (map.contains_key("input") || map.contains_key("options")) && map.keys().all(|k| k == "input" || k == "options")
}

/// A shipper event's text: `message` or `log` as a string, when the object is not a record.
fn shipper_message(map: &Map<String, Value>) -> Option<(&'static str, &str)> {
    if map.contains_key("eventName") {
        return None;
    }
    MESSAGE_KEYS.iter().find_map(|k| map.get(*k).and_then(Value::as_str).map(|text| (*k, text)))
}

fn invalid_request(why: &str, request: &Value) -> ErrorRecord {
    ErrorRecord::new(ErrorKind::InvalidRequest, format!("invalid request: {why}"), &request.to_string())
}

/// The response being written: events and errors serialized as they arrive. The events go
/// straight into the response text (which starts with its header), so finishing it appends the
/// errors and counts instead of copying the events, which can be hundreds of megabytes.
struct Response {
    out: Vec<u8>,
    errors: Vec<u8>,
    has_events: bool,
}

impl Default for Response {
    fn default() -> Self {
        let out = format!("{{\"abi_version\":{ABI_VERSION},\"events\":[").into_bytes();
        Response { out, errors: Vec::new(), has_events: false }
    }
}

impl Response {
    fn finish(self, stats: Stats) -> String {
        let mut out = self.out;
        out.reserve(self.errors.len() + 96);
        out.extend_from_slice(b"],\"errors\":[");
        out.extend_from_slice(&self.errors);
        out.extend_from_slice(b"],\"stats\":");
        // Serializing plain structs into a Vec cannot fail.
        let _ = serde_json::to_writer(&mut out, &stats);
        out.push(b'}');
        // Only serde_json output and ASCII were written, so this is UTF-8.
        String::from_utf8(out).unwrap_or_default()
    }
}

impl Sink for Response {
    fn event(&mut self, event: &Event<'_>) {
        if self.has_events {
            self.out.push(b',');
        }
        self.has_events = true;
        write_event(&mut self.out, event);
    }

    fn error(&mut self, error: ErrorRecord) {
        if !self.errors.is_empty() {
            self.errors.push(b',');
        }
        write_error(&mut self.errors, &error);
    }

    fn skip(&mut self, _: Skip) {}
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
