//! The reader on arbitrary bytes, shape detection included: a slice and a stream (fed in small
//! chunks) must give the same outputs, as many as the input units counted by the documented rules,
//! and a line's error record must carry that line.
#![no_main]

use libfuzzer_sys::fuzz_target;
use s3norm::{ErrorKind, Normalizer};
use s3norm_fuzz::{check_run, collect, options_from, shipper_text, units_in_text, Out};
use serde_json::Value;
use std::io::Read;

/// A reader that hands out at most `chunk` bytes per call, to cross every buffer boundary.
struct Chunked<'a> {
    data: &'a [u8],
    chunk: usize,
}

impl Read for Chunked<'_> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.chunk.min(buf.len()).min(self.data.len());
        buf[..n].copy_from_slice(&self.data[..n]);
        self.data = &self.data[n..];
        Ok(n)
    }
}

fuzz_target!(|data: &[u8]| {
    let Some((&choice, text)) = data.split_first() else { return };
    let options = options_from(choice);
    let normalizer = Normalizer::new(options.clone());
    let slice = collect(|sink| normalizer.read_bytes(text, sink));
    check_run(&slice);
    let chunk = 1 + usize::from(choice) * 7 % 97;
    let stream = collect(|sink| normalizer.read(Chunked { data: text, chunk }, sink).expect("reading memory cannot fail"));
    assert_eq!(slice, stream, "slice and stream disagree");
    assert_eq!(slice.stats.inputs, units_in_text(text, &options), "units");

    let body = text.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(text);
    let lines: Vec<&[u8]> = body.split(|&b| b == b'\n').collect();
    for out in &slice.outputs {
        let Out::Error(e) = out else { continue };
        match (e.line, e.index) {
            (Some(n), None) if e.kind != ErrorKind::TooLarge => {
                let line = lines[n as usize - 1];
                let line = String::from_utf8_lossy(line.strip_suffix(b"\r").unwrap_or(line));
                // A shipper's event on that line: its error carries the event's text (or a line of it).
                let shipped = serde_json::from_str::<Value>(&line).ok();
                if let Some(text) = shipped.as_ref().and_then(shipper_text) {
                    assert!(text.split('\n').any(|l| l.starts_with(e.input.as_str())), "line {n}'s shipper text is not carried: {e:?}");
                    continue;
                }
                assert!(line.starts_with(e.input.as_str()), "line {n}'s error does not carry it: {e:?}");
                assert_eq!(e.input_truncated, e.input.len() < line.len(), "{e:?}");
            }
            (None, None) if e.kind == ErrorKind::JsonSyntax => {
                // Or the text of the shipper's event the document is.
                let body = String::from_utf8_lossy(body);
                let shipped = serde_json::from_str::<Value>(&body).ok();
                let text = shipped.as_ref().and_then(shipper_text).unwrap_or(&body);
                assert!(text.starts_with(e.input.as_str()), "a document's error does not carry it: {e:?}");
            }
            _ => {}
        }
    }
});
