//! wasm-bindgen exports for Node and browsers: the npm package's native half.
//!
//! Every export takes and returns strings or numbers only, so the glue stays small and no
//! `js-sys`/`serde-wasm-bindgen` is needed; the package's entry wrappers (`pkg-config/`) turn the
//! JSON into JS objects and give the public names (`transform`, `normalize`, `correlate`,
//! `operations`, `version`, `abiVersion`). The contract is `docs/abi.md`. Each export calls the library
//! directly: log text goes to the normalizer as it is, never wrapped in a JSON request first.

use wasm_bindgen::prelude::*;

/// The ABI: request JSON in, response JSON out (docs/abi.md). Never throws.
#[wasm_bindgen]
pub fn transform(input: &str) -> String {
    s3norm::abi::transform(input)
}

/// Normalize log text (SAL lines or CloudTrail JSON): the response `transform` gives for
/// `{"input": text, "options": {"raw_data": .., "log_name": ..}}`.
#[wasm_bindgen(js_name = normalizeText)]
pub fn normalize_text(text: &str, raw_data: bool, log_name: Option<String>) -> String {
    let mut options = s3norm::Options::default().raw_data(raw_data);
    options.log_name = log_name;
    s3norm::abi::transform_text(text, options)
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
