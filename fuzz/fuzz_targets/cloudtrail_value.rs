//! The CloudTrail reader (`read_value`) on arbitrary JSON values: one output per record, counted
//! by the container rules; the same value as text gives the same counts.
#![no_main]

use libfuzzer_sys::fuzz_target;
use s3norm::Normalizer;
use s3norm_fuzz::{check_run, collect, options_from, units_in_unit};
use serde_json::Value;

fuzz_target!(|data: &[u8]| {
    let Some((&choice, json)) = data.split_first() else { return };
    let Ok(value) = serde_json::from_slice::<Value>(json) else { return };
    let options = options_from(choice & 1);
    let normalizer = Normalizer::new(options.clone());
    let run = collect(|sink| normalizer.read_value(&value, sink));
    check_run(&run);
    assert_eq!(run.stats.inputs, units_in_unit(&value, &options), "units");
    if value.is_object() || value.is_array() {
        // Compact text is one line taken for a document: the same units, the same counts.
        let text = collect(|sink| normalizer.read_str(&value.to_string(), sink));
        assert_eq!(text.stats, run.stats, "read_value and read_str disagree");
    }
});
