//! wasm-bindgen exports for Node and browsers (feature `js`).
//!
//! Every export takes and returns strings or numbers only, so the glue stays small and no
//! `js-sys`/`serde-wasm-bindgen` is needed; the package's entry wrappers (pkg-config/) turn the
//! JSON into JS objects and give the public names (`transform`, `normalize`, `operations`,
//! `version`, `abiVersion`). See docs/abi.md.

use wasm_bindgen::prelude::*;

/// The ABI: request JSON in, response JSON out (docs/abi.md). Never throws.
#[wasm_bindgen]
pub fn transform(input: &str) -> String {
    crate::abi::transform(input)
}

/// Normalize log text (SAL lines or CloudTrail JSON) without the caller building a request:
/// the same as `transform({"input": text, "options": {"raw_data": .., "log_name": ..}})`, minus
/// the JSON escaping of the text on the JS side.
#[wasm_bindgen(js_name = normalizeText)]
pub fn normalize_text(text: &str, raw_data: bool, log_name: Option<String>) -> String {
    crate::abi::transform(&text_request(text, raw_data, log_name.as_deref()))
}

/// The operation table as a JSON array.
#[wasm_bindgen(js_name = operationsJson)]
pub fn operations_json() -> String {
    serde_json::to_string(crate::operations::table()).unwrap_or_else(|_| String::from("[]"))
}

/// The crate version.
#[wasm_bindgen]
pub fn version() -> String {
    crate::VERSION.to_owned()
}

/// The ABI version (`abi_version` in every response).
#[wasm_bindgen(js_name = abiVersion)]
pub fn abi_version() -> u32 {
    crate::abi::ABI_VERSION
}

/// `{"input": text, "options": {...}}` as JSON text.
fn text_request(text: &str, raw_data: bool, log_name: Option<&str>) -> String {
    let mut options = serde_json::Map::new();
    options.insert("raw_data".to_owned(), serde_json::Value::Bool(raw_data));
    if let Some(name) = log_name {
        options.insert("log_name".to_owned(), serde_json::Value::String(name.to_owned()));
    }
    let mut out = String::with_capacity(text.len() + 64);
    out.push_str("{\"input\":");
    // Serializing a &str cannot fail.
    out.push_str(&serde_json::to_string(text).unwrap_or_else(|_| String::from("\"\"")));
    out.push_str(",\"options\":");
    out.push_str(&serde_json::to_string(&options).unwrap_or_else(|_| String::from("{}")));
    out.push('}');
    out
}
