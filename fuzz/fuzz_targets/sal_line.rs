//! The SAL tokenizer on arbitrary text, and the normalizer on that text as one line.
//!
//! Asserts: every field the tokenizer returns borrows from the line; absent fields are never `-`
//! or empty; numeric fields it accepted parse; an accepted line has at least 17 fields and becomes
//! exactly one event; a line it refused becomes exactly one error record carrying the line.
#![no_main]

use libfuzzer_sys::fuzz_target;
use s3norm::sal::{field, is_operation, parse_line};
use s3norm::{Normalizer, Options};
use s3norm_fuzz::{check_run, collect, units_in_line, Out};

fuzz_target!(|data: &[u8]| {
    let text = std::str::from_utf8(data).ok();
    let parsed = text.and_then(|line| parse_line(line).ok());
    if let (Some(line), Some(r)) = (text, &parsed) {
        let (start, end) = (line.as_ptr() as usize, line.as_ptr() as usize + line.len());
        for i in 0..field::KNOWN {
            let raw = r.raw(i);
            if !raw.is_empty() {
                let at = raw.as_ptr() as usize;
                assert!(at >= start && at + raw.len() <= end, "field {i} does not borrow from the line");
            }
            if let Some(value) = r.get(i) {
                assert!(value != "-" && !value.is_empty(), "field {i}: {value:?}");
            }
        }
        assert!(r.field_count >= field::MINIMUM, "{} fields", r.field_count);
        for i in [field::BYTES_SENT, field::OBJECT_SIZE, field::TOTAL_TIME, field::TURN_AROUND_TIME] {
            assert_eq!(r.get(i).is_some(), r.number(i).is_some(), "field {i}");
        }
        assert!(r.get(field::HTTP_STATUS).is_none_or(|s| s.len() == 3 && s.bytes().all(|b| b.is_ascii_digit())));
        assert!(is_operation(r.raw(field::OPERATION)), "{}", r.raw(field::OPERATION));
    }

    let options = Options::default().raw_data(true);
    let run = collect(|sink| Normalizer::new(options.clone()).read_line(data, 1, sink));
    check_run(&run);
    let line = data.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(data);
    assert_eq!(run.stats.inputs, units_in_line(line, &options), "units");
    let plain = text.is_some_and(|t| !t.starts_with('\u{FEFF}') && !t.trim_start().starts_with('{'));
    if plain && run.stats.inputs == 1 {
        // A line the tokenizer accepts is an event; one it refuses is an error carrying the line.
        assert_eq!(run.stats.events, u64::from(parsed.is_some()), "{:?}", run.outputs);
        if let (Some(t), [Out::Error(e)]) = (text, run.outputs.as_slice()) {
            let t = t.strip_suffix('\r').unwrap_or(t);
            assert!(t.starts_with(e.input.as_str()), "error input is not the line: {e:?}");
            assert_eq!(e.line, Some(1));
        }
    }
});
