//! A log shipper's event: what Vector (`{"message": …, "bucket": …, "object": …}`) or Fluent Bit's
//! tail input (`{"log": …}`) hands on for one line of a log file. The one definition every reader
//! shares: a `{` line of the CLI's input, a line sent to `s3norm serve`, an ABI request, a record
//! in the Fluent Bit filter.
//!
//! An object is a shipper event when it has no `eventName` (a CloudTrail record has one) and its
//! `message` (else `log`) is a string. That string is the log text, read like any text (SAL lines,
//! CloudTrail JSON); every other field is carried into each event as `unmapped.source_event`; the
//! first string among `log_name`, `file`, `object` names the source (`metadata.log_name`) unless
//! the caller named it already ([`crate::Options::log_name`]). A shipper's text is not examined
//! for shipper events in turn, so nothing nests.
//!
//! [`ShipperEvent::from_json`] recognises one from its JSON text without parsing the text as a
//! whole (the top level is scanned, the other fields parsed one by one, the log text unescaped
//! once), which is most of the cost of a line a shipper sends. [`ShipperEvent::from_map`] does the
//! same for an object already parsed. Both give the same event for the same object.

use crate::json;
use crate::normalize::{Location, Normalizer};
use crate::sink::{Counter, Sink, Stats};
use serde_json::{Map, Value};
use std::borrow::Cow;

/// Keys that hold the log text, in order of preference: Vector's `message`, Fluent Bit's `log`.
pub const MESSAGE_KEYS: [&str; 2] = ["message", "log"];
/// Keys that name where the text came from, in order of preference.
pub const LOG_NAME_KEYS: [&str; 3] = ["log_name", "file", "object"];
/// A key that makes an object a CloudTrail record rather than a shipper's event.
const RECORD_KEY: &str = "eventName";

/// A top-level member's value as the scan keeps it.
enum Member<'a> {
    /// A string, read (with whether it holds a `\n`).
    String(Cow<'a, str>, bool),
    /// Any other value's text, parsed when it is carried.
    Raw(&'a str),
}

/// One shipper event, ready to be read: see the module documentation.
#[derive(Debug, Clone)]
pub struct ShipperEvent<'a> {
    text: Cow<'a, str>,
    multiline: bool,
    log_name: Option<Cow<'a, str>>,
    fields: Map<String, Value>,
}

impl<'a> ShipperEvent<'a> {
    /// The event in a JSON object's text, found without parsing the whole text. `None` when the
    /// text is not a shipper event, or is not one this scan reads (invalid JSON, duplicate keys):
    /// parse it and use [`ShipperEvent::from_map`]. `flatten_below` is how the other fields are
    /// parsed ([`crate::Options::flatten_below`]): the same fields as a parse of the whole text.
    pub fn from_json(text: &'a str, flatten_below: Option<usize>) -> Option<Self> {
        let bytes = text.as_bytes();
        let mut i = json::skip_ws(bytes, 0);
        if bytes.get(i) != Some(&b'{') {
            return None;
        }
        // Top-level members: keys and string values read once; other values as raw slices.
        let mut members: Vec<(Cow<'a, str>, Member<'a>)> = Vec::new();
        i = json::skip_ws(bytes, i + 1);
        if bytes.get(i) == Some(&b'}') {
            return None; // `{}`: no text
        }
        loop {
            if bytes.get(i) != Some(&b'"') {
                return None;
            }
            let (key_end, key, _) = json::string_at(text, i)?;
            // A CloudTrail record (`eventName`; a first `eventVersion` or `Records` is as good a
            // sign): left to the parser, which decides the same way from the parsed object.
            if key == RECORD_KEY || (members.is_empty() && (key == "eventVersion" || key == "Records")) {
                return None;
            }
            i = json::skip_ws(bytes, key_end);
            if bytes.get(i) != Some(&b':') {
                return None;
            }
            let start = json::skip_ws(bytes, i + 1);
            let (end, member) = if bytes.get(start) == Some(&b'"') {
                let (end, s, multiline) = json::string_at(text, start)?;
                (end, Member::String(s, multiline))
            } else {
                let (end, depth) = json::value_end(bytes, start)?;
                if flatten_below.is_none() && depth >= json::SERDE_MAX_DEPTH {
                    return None; // the whole text would not parse
                }
                (end, Member::Raw(&text[start..end]))
            };
            members.push((key, member));
            i = json::skip_ws(bytes, end);
            match bytes.get(i) {
                Some(b',') => i = json::skip_ws(bytes, i + 1),
                Some(b'}') => break,
                _ => return None,
            }
        }
        if json::skip_ws(bytes, i + 1) != bytes.len() {
            return None;
        }
        for (n, (key, _)) in members.iter().enumerate() {
            if members[..n].iter().any(|(k, _)| k == key) {
                return None; // serde_json keeps the last of duplicates: let it decide
            }
        }
        let is_string = |m: &Member<'_>| matches!(m, Member::String(..));
        let message_at = MESSAGE_KEYS.iter().find_map(|k| members.iter().position(|(key, m)| key == k && is_string(m)))?;
        let log_name = LOG_NAME_KEYS.iter().find_map(|k| {
            members.iter().find_map(|(key, m)| match m {
                Member::String(s, _) if key == k => Some(s.clone()),
                _ => None,
            })
        });
        let mut fields = Map::new();
        let mut message = None;
        for (n, (key, member)) in members.into_iter().enumerate() {
            let value = match member {
                Member::String(s, multiline) if n == message_at => {
                    message = Some((s, multiline));
                    continue;
                }
                Member::String(s, _) => Value::String(s.into_owned()),
                // A member is one level below the object: its own levels start one deeper.
                Member::Raw(raw) => json::parse(raw, flatten_below.map(|n| n.saturating_sub(1))).ok()?,
            };
            fields.insert(key.into_owned(), value);
        }
        let (text, multiline) = message?;
        Some(ShipperEvent { text, multiline, log_name, fields })
    }

    /// The event in an already parsed object (its other fields are copied), or `None` when the
    /// object is not a shipper event.
    pub fn from_map(map: &'a Map<String, Value>) -> Option<Self> {
        if map.contains_key(RECORD_KEY) {
            return None;
        }
        let (key, text) = MESSAGE_KEYS.iter().find_map(|k| map.get(*k).and_then(Value::as_str).map(|text| (*k, text)))?;
        let log_name = LOG_NAME_KEYS.iter().find_map(|k| map.get(*k).and_then(Value::as_str)).map(Cow::Borrowed);
        // Everything but the text itself, which can be large and is normalized instead.
        let fields = map.iter().filter(|(k, _)| k.as_str() != key).map(|(k, v)| (k.clone(), v.clone())).collect();
        Some(ShipperEvent { text: Cow::Borrowed(text), multiline: text.contains('\n'), log_name, fields })
    }

    /// The log text.
    pub fn text(&self) -> &str {
        &self.text
    }

    /// The source the event names (`log_name`, `file` or `object`).
    pub fn log_name(&self) -> Option<&str> {
        self.log_name.as_deref()
    }

    /// The fields carried into `unmapped.source_event`.
    pub fn fields(&self) -> &Map<String, Value> {
        &self.fields
    }

    /// Whether the text holds more than one line.
    pub(crate) fn multiline(&self) -> bool {
        self.multiline
    }

    pub(crate) fn into_parts(self) -> (Cow<'a, str>, Option<Cow<'a, str>>, Map<String, Value>) {
        (self.text, self.log_name, self.fields)
    }
}

/// The source a record names beside its own fields (`log_name`, `file` or `object`, the first
/// that is a string): a shipper that parsed a JSON line adds its `file` (Fluent Bit's tail with a
/// JSON parser and `path_key`). CloudTrail records have no such top-level keys of their own.
pub(crate) fn named_source(map: &Map<String, Value>) -> Option<&str> {
    LOG_NAME_KEYS.iter().find_map(|k| map.get(*k).and_then(Value::as_str))
}

impl Normalizer {
    /// Read one shipper's event (from [`ShipperEvent::from_json`] or [`ShipperEvent::from_map`])
    /// as `transform` reads that object: the text with the event's name and fields.
    pub fn read_shipper_event(&self, event: ShipperEvent<'_>, sink: &mut dyn Sink) -> Stats {
        let mut out = Counter::new(sink);
        self.shipper(event, Location::default(), &mut out);
        out.stats
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Both ways of finding an event agree (text, name, fields with their order), or both refuse.
    fn both(text: &str) -> Option<(String, Option<String>, String)> {
        let parsed: Option<Value> = serde_json::from_str(text).ok();
        let from_map = parsed.as_ref().and_then(Value::as_object).and_then(ShipperEvent::from_map);
        let summary =
            |e: &ShipperEvent<'_>| (e.text().to_owned(), e.log_name().map(str::to_owned), Value::Object(e.fields().clone()).to_string());
        let slow = from_map.as_ref().map(summary);
        if let Some(fast) = ShipperEvent::from_json(text, None) {
            assert_eq!(Some(summary(&fast)), slow, "{text}");
            assert_eq!(fast.multiline, fast.text.contains('\n'), "{text}");
        }
        slow
    }

    #[test]
    fn vector_and_fluent_bit_events() {
        let v = both(
            r#"{"bucket":"b","message":"line one","object":"logs/2024-01-01","region":"us-east-1","source_type":"aws_s3","timestamp":"2024-01-01T00:00:00Z"}"#,
        );
        let (text, name, fields) = v.unwrap();
        assert_eq!((text.as_str(), name.as_deref()), ("line one", Some("logs/2024-01-01")));
        assert_eq!(
            fields,
            r#"{"bucket":"b","object":"logs/2024-01-01","region":"us-east-1","source_type":"aws_s3","timestamp":"2024-01-01T00:00:00Z"}"#
        );
        let f = both(r#" {"file": "/var/log/a.log", "log": "x \"q\" \u00e9\n2"} "#).unwrap();
        assert_eq!(f, ("x \"q\" é\n2".to_owned(), Some("/var/log/a.log".to_owned()), r#"{"file":"/var/log/a.log"}"#.to_owned()));
        assert_eq!(both(r#"{"log":"a","message":"b","n":[1,{"x":null}],"f":-1.5e3,"t":true}"#).unwrap().0, "b");
        assert_eq!(both(r#"{"log":"a","message":7,"object":5,"file":"f"}"#).unwrap().1.as_deref(), Some("f"));
    }

    #[test]
    fn not_shipper_events() {
        for text in
            [r#"{"eventName":"GetObject","message":"x"}"#, r#"{"message":["x"]}"#, r#"{"Records":[]}"#, r#"{}"#, r#"[{"message":"x"}]"#]
        {
            assert!(both(text).is_none(), "{text}");
        }
    }

    #[test]
    fn the_scan_leaves_hard_cases_to_the_parser() {
        // Duplicates, invalid JSON, trailing data, deep fields: the scan declines; a parse decides.
        for text in [
            r#"{"message":"a","message":"b"}"#,
            r#"{"message":"a","x":tru}"#,
            r#"{"message":"a"} x"#,
            r#"{"message":"a",}"#,
            r#"{"message":"a\x"}"#,
            "{\"message\":\"a\u{1}\"}",
        ] {
            assert!(ShipperEvent::from_json(text, None).is_none(), "{text}");
            both(text);
        }
        // Bounded: fields flattened as a parse of the whole text flattens them.
        let text = r#"{"message":"a","x":[[[1]]],"y":{"z":[2]}}"#;
        let fast = ShipperEvent::from_json(text, Some(3)).unwrap();
        let whole = json::parse(text, Some(3)).unwrap();
        let slow = ShipperEvent::from_map(whole.as_object().unwrap()).unwrap();
        assert_eq!(fast.fields(), slow.fields());
        assert_eq!(fast.fields()["x"], serde_json::json!([["[1]"]]));
        assert_eq!(both(r#"{"message":"a","message":"b"}"#).unwrap().0, "b");
    }

    const LINE: &str = r#"79a5 mybucket [06/Feb/2014:00:00:38 +0000] 192.0.2.3 79a5 3E57427F3EXAMPLE REST.GET.VERSIONING - "GET /mybucket?versioning HTTP/1.1" 200 - 113 - 7 - "-" "S3Console/0.4" -"#;
    /// `LINE` as a JSON string's contents.
    const LINE_ESCAPED: &str = r#"79a5 mybucket [06/Feb/2014:00:00:38 +0000] 192.0.2.3 79a5 3E57427F3EXAMPLE REST.GET.VERSIONING - \"GET /mybucket?versioning HTTP/1.1\" 200 - 113 - 7 - \"-\" \"S3Console/0.4\" -"#;
    const S3: &str = r#"{"eventSource":"s3.amazonaws.com","eventName":"GetObject","eventTime":"2020-01-01T00:00:00Z"}"#;

    /// One output: (kind, log_name, line, source_event).
    type Seen = (String, Option<String>, Option<u64>, Option<String>);

    /// What a reader gives for `text`.
    fn read(n: &Normalizer, text: &str) -> Vec<Seen> {
        let mut outs = Vec::new();
        n.read_str(
            text,
            &mut crate::sink_fn(|out| match out {
                crate::Output::Event(e) => outs.push((
                    "event".into(),
                    e.metadata.log_name.map(str::to_owned),
                    None,
                    e.unmapped.source_event.map(|m| Value::Object(m.clone()).to_string()),
                )),
                crate::Output::Error(e) => outs.push((e.kind.to_string(), e.log_name, e.line, None)),
                crate::Output::Skip(_) => outs.push(("skip".into(), None, None, None)),
            }),
        );
        outs
    }

    #[test]
    fn a_reader_takes_shipper_lines_as_the_abi_does() {
        let vector = serde_json::json!({"bucket": "logs", "message": LINE, "object": "2024/a.log", "source_type": "aws_s3"}).to_string();
        let bad = serde_json::json!({"log": "not a log line", "file": "/var/log/x"}).to_string();
        let trail = serde_json::json!({"message": format!("{{\"Records\":[{S3},{S3}]}}"), "object": "ct.json"}).to_string();
        let nested = serde_json::json!({"message": vector}).to_string();
        let text = format!("{LINE}\n{vector}\n{bad}\n{trail}\n{nested}\n");
        let outs = read(&Normalizer::default(), &text);
        let carried = r#"{"bucket":"logs","object":"2024/a.log","source_type":"aws_s3"}"#.to_owned();
        assert_eq!(outs[0], ("event".into(), None, None, None));
        assert_eq!(outs[1], ("event".into(), Some("2024/a.log".into()), None, Some(carried)));
        assert_eq!(outs[2], ("sal_syntax".into(), Some("/var/log/x".into()), Some(3), None));
        assert_eq!(outs[3].1.as_deref(), Some("ct.json"));
        assert_eq!(outs[4].1.as_deref(), Some("ct.json"));
        // A shipper's text is not read for shipper events in turn.
        assert_eq!(outs[5], ("not_cloudtrail".into(), None, Some(5), None));
        assert_eq!(outs.len(), 6);
        // The caller's name wins, as the ABI's `log_name` option does.
        let named = read(&Normalizer::new(crate::Options::default().log_name("given")), &text);
        assert!(named.iter().all(|o| o.1.as_deref() == Some("given")), "{named:?}");

        // The same events as `transform` gives for the objects.
        for object in [&vector, &trail] {
            let response = crate::abi::transform(object);
            let mut events = Vec::new();
            Normalizer::default().read_line(
                object.as_bytes(),
                1,
                &mut crate::sink_fn(|out| {
                    if let crate::Output::Event(e) = out {
                        let mut bytes = Vec::new();
                        crate::write_event(&mut bytes, e);
                        events.push(String::from_utf8(bytes).unwrap());
                    }
                }),
            );
            assert!(response.starts_with(&format!("{{\"abi_version\":1,\"events\":[{}]", events.join(","))), "{response}");
        }
    }

    #[test]
    fn a_parsed_record_takes_its_name_from_file() {
        let record = format!("{},\"file\":\"/var/log/ct/a.json\"}}", &S3[..S3.len() - 1]);
        let outs = read(&Normalizer::default(), &format!("{record}\n"));
        assert_eq!(outs, [("event".to_owned(), Some("/var/log/ct/a.json".to_owned()), None, None)]);
        let response: Value = serde_json::from_str(&crate::abi::transform(&record)).unwrap();
        assert_eq!(response["events"][0]["metadata"]["log_name"], "/var/log/ct/a.json");
        let named = read(&Normalizer::new(crate::Options::default().log_name("given")), &record);
        assert_eq!(named[0].1.as_deref(), Some("given"));
    }

    #[test]
    fn a_line_and_a_request_give_the_same_units() {
        let messages = [
            LINE.to_owned(),
            format!("[{S3},{S3},{{\"x\":1}}]"),
            format!("{{\"Records\":[{S3},{S3}]}}"),
            "junk".to_owned(),
            "[not json".to_owned(),
            format!("{LINE}\n{LINE}\njunk"),
            "   ".to_owned(),
        ];
        for message in messages {
            let object = serde_json::json!({"message": message, "object": "k"}).to_string();
            let response: Value = serde_json::from_str(&crate::abi::transform(&object)).unwrap();
            let stats = Normalizer::default().read_line(object.as_bytes(), 7, &mut crate::sink_fn(|_| {}));
            assert_eq!(serde_json::to_value(stats).unwrap(), response["stats"], "{message}");
        }
    }

    #[test]
    fn bounded_nesting_keeps_deep_parts_as_text() {
        let deep = format!("{}1{}", "{\"a\":".repeat(400), "}".repeat(400));
        let n = Normalizer::new(crate::Options::default().flatten_below(16));
        // Not a record either way, but read without recursing 400 levels.
        let outs = read(&n, &format!("{{\"message\":{}}}\n", serde_json::to_string(&deep).unwrap()));
        assert_eq!(outs, [("not_cloudtrail".to_owned(), None, Some(1), None)]);
        let outs = read(&n, &format!("{{\"message\":\"{LINE_ESCAPED}\",\"f\":{deep}}}\n"));
        assert_eq!(outs[0].0, "event");
        let carried: Value = serde_json::from_str(outs[0].3.as_deref().unwrap()).unwrap();
        let mut at = &carried["f"];
        for _ in 0..15 {
            at = &at["a"];
        }
        assert!(at.as_str().is_some_and(|s| s.starts_with("{\"a\":{")), "{at}");
        // serde_json's own limit, unbounded.
        assert_eq!(read(&Normalizer::default(), &format!("{deep}\n"))[0].0, "json_syntax");
    }
}
