//! wasm-bindgen exports for Node and browsers: the npm package's native half.
//!
//! Every export takes and returns strings, bytes or numbers only, so the glue stays small and no
//! `js-sys`/`serde-wasm-bindgen` is needed; the package's entry wrappers (`pkg-config/`) turn the
//! JSON into JS objects and give the public names (`transform`, `normalize`, `correlate`,
//! `operations`, `version`, `abiVersion`). The contract is `docs/abi.md`. Each export calls the library
//! directly: log text goes to the normalizer as it is, never wrapped in a JSON request first.

use wasm_bindgen::prelude::*;

/// Normalize log text (SAL lines or CloudTrail JSON): the response `transform` gives for
/// `{"input": text, "options": {"raw_data": .., "log_name": ..}}`.
fn normalize_text(text: &str, raw_data: bool, log_name: Option<String>) -> String {
    let mut options = s3norm::Options::default().raw_data(raw_data);
    options.log_name = log_name;
    s3norm::abi::transform_text(text, options)
}

/// The ABI: request JSON in, response JSON out (docs/abi.md). Never throws. The request comes as
/// UTF-8 bytes: the package's wrapper encodes it with `TextEncoder`, which copies a large string
/// into memory several times faster than the glue's own string passing (a JS loop over every
/// character until the first non-ASCII one); bytes that are not UTF-8 get an `invalid_utf8` error.
#[wasm_bindgen(js_name = transformUtf8)]
pub fn transform_utf8(input: &[u8]) -> String {
    s3norm::abi::transform_bytes(input)
}

/// Normalize log text (SAL lines or CloudTrail JSON) the caller encoded as UTF-8 (see
/// [`transform_utf8`]): the response the ABI gives for `{"input": text, "options": {"raw_data":
/// .., "log_name": ..}}`; bytes that are not UTF-8 get the response `transformUtf8` gives such a
/// request.
#[wasm_bindgen(js_name = normalizeUtf8)]
pub fn normalize_utf8(text: &[u8], raw_data: bool, log_name: Option<String>) -> String {
    match std::str::from_utf8(text) {
        Ok(text) => normalize_text(text, raw_data, log_name),
        Err(_) => s3norm::abi::transform_bytes(text),
    }
}

/// A SAL line's fields, labelled: `{"ok":true,"fields":[{"n":1,"name":"Bucket Owner","start":0,
/// "end":64,"quoted":false},…],"extra":{"start":…,"end":…}}` with UTF-16 offsets into `line`
/// (what JS strings index), the tokenizer's own boundaries; or `{"ok":false,"error":{…}}` with
/// the error record the normalizer gives that line.
#[wasm_bindgen(js_name = salFields)]
pub fn sal_fields(line: &str) -> String {
    let record = match s3norm::sal::parse_line(line) {
        Ok(record) => record,
        Err(e) => {
            let error = s3norm::ErrorRecord::new(s3norm::ErrorKind::SalSyntax, format!("not an S3 server access log record: {e}"), line);
            let mut out = String::from("{\"ok\":false,\"error\":");
            out.push_str(&serde_json::to_string(&error).unwrap_or_else(|_| String::from("null")));
            out.push('}');
            return out;
        }
    };
    let utf16 = |byte: usize| line.get(..byte).map_or(0, |s| s.encode_utf16().count());
    // Written by hand (numbers and the documented names only): no JSON tree for one line.
    let mut out = String::from("{\"ok\":true,\"fields\":[");
    for (i, name) in s3norm::sal::field::NAMES.iter().enumerate() {
        let Some(span) = record.span(line, i) else { continue };
        let quoted = span.start > 0 && line.as_bytes()[span.start - 1] == b'"';
        if !out.ends_with('[') {
            out.push(',');
        }
        let (start, end) = (utf16(span.start), utf16(span.end));
        out.push_str(&format!("{{\"n\":{},\"name\":\"{name}\",\"start\":{start},\"end\":{end},\"quoted\":{quoted}}}", i + 1));
    }
    out.push(']');
    if let Some(span) = record.extra_span(line) {
        out.push_str(&format!(",\"extra\":{{\"start\":{},\"end\":{}}}", utf16(span.start), utf16(span.end)));
    }
    out.push('}');
    out
}

/// Correlate log texts: `[{"text": …, "log_name": …}, …]` in, `{abi_version, events, errors,
/// coverage, stats}` out (docs/abi.md, "correlate"). Never throws.
#[wasm_bindgen(js_name = correlateJson)]
pub fn correlate_json(request: &str) -> String {
    s3norm::correlate::correlate_json(request)
}

/// The operation table as a JSON array.
#[wasm_bindgen(js_name = operationsJson)]
pub fn operations_json() -> String {
    serde_json::to_string(s3norm::operations::OPERATIONS).unwrap_or_else(|_| String::from("[]"))
}

/// The crate version.
#[wasm_bindgen]
pub fn version() -> String {
    s3norm::VERSION.to_owned()
}

/// The ABI version (`abi_version` in every response).
#[wasm_bindgen(js_name = abiVersion)]
pub fn abi_version() -> u32 {
    s3norm::abi::ABI_VERSION
}

/// The coverage report of inputs fed in pieces, as they are read: the viewer's "both logs" view
/// of files too large to hand over whole. Each piece is normalized once; its events go into the
/// ABI response the caller gets back and into the correlation index, which keeps a few dozen
/// bytes per request (never an event). `report()` is `s3norm coverage --json` of what was fed.
#[wasm_bindgen(js_name = CoverageBuilder)]
pub struct CoverageBuilder {
    index: s3norm::correlate::Index,
    /// The counts of the input being fed (summed over its pieces).
    stats: s3norm::Stats,
    open: bool,
}

impl Default for CoverageBuilder {
    fn default() -> Self {
        CoverageBuilder { index: s3norm::correlate::Index::new(), stats: s3norm::Stats::default(), open: false }
    }
}

#[wasm_bindgen(js_class = CoverageBuilder)]
impl CoverageBuilder {
    #[wasm_bindgen(constructor)]
    pub fn new() -> CoverageBuilder {
        CoverageBuilder::default()
    }

    /// Start an input (a file) named `log_name`; ends the one before, if any.
    #[wasm_bindgen(js_name = beginInput)]
    pub fn begin_input(&mut self, log_name: Option<String>) {
        self.end_input();
        self.index.begin_input(log_name.as_deref());
        self.open = true;
    }

    /// Normalize a piece of the current input and index its events: the ABI response for it.
    /// `first_line` > 0: the piece is whole lines of a line input, numbered from `first_line`;
    /// 0: the piece is a whole text, read as any text is (lines or one JSON document).
    pub fn normalize(&mut self, text: &str, log_name: Option<String>, first_line: u32) -> String {
        let mut options = s3norm::Options::default();
        options.log_name = log_name;
        let normalizer = s3norm::Normalizer::new(options);
        let index = &mut self.index;
        let (response, stats) = s3norm::abi::response_of(|response| {
            let mut tee = Tee { index, response };
            if first_line > 0 {
                normalizer.read_lines(text.as_bytes(), u64::from(first_line), &mut tee)
            } else {
                normalizer.read_str(text, &mut tee)
            }
        });
        self.stats.add(stats);
        response
    }

    /// End the current input.
    #[wasm_bindgen(js_name = endInput)]
    pub fn end_input(&mut self) {
        if std::mem::take(&mut self.open) {
            self.index.end_input(std::mem::take(&mut self.stats), None);
        }
    }

    /// The coverage report (JSON) of everything fed so far, the current input's pieces included;
    /// the current input stays open for more.
    pub fn report(&mut self) -> String {
        if self.open {
            // Records the counts so far; ending the input later records them again, complete.
            self.index.end_input(self.stats, None);
        }
        serde_json::to_string(&self.index.coverage()).unwrap_or_else(|_| String::from("null"))
    }
}

/// Every output to the response; events to the index as well.
struct Tee<'a> {
    index: &'a mut s3norm::correlate::Index,
    response: &'a mut dyn s3norm::Sink,
}

impl s3norm::Sink for Tee<'_> {
    fn event(&mut self, event: &s3norm::Event<'_>) {
        self.index.add(event);
        self.response.event(event);
    }
    fn error(&mut self, error: s3norm::ErrorRecord) {
        self.response.error(error);
    }
    fn skip(&mut self, skip: s3norm::Skip) {
        self.response.skip(skip);
    }
}
