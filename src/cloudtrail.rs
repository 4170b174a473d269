//! CloudTrail records and the containers they arrive in.
//!
//! A parsed JSON value is one of these shapes, told apart by the keys each documents:
//!
//! | shape | how it is recognised | what it holds |
//! |---|---|---|
//! | record | `eventName` and (`eventSource` or `eventTime`) | one record |
//! | trail file | `Records` array | records |
//! | EventBridge envelope | `detail-type` and `detail` object | one record in `detail` |
//! | CloudWatch Logs payload (decoded) | `messageType` and `logEvents` array | records as JSON text in `logEvents[].message` |
//! | wrapper | a lone `record` object beside `_`-prefixed keys (Panther's rule-test files) | one record |
//! | array | a JSON array | any of the above |
//!
//! S3 Event Notifications look like trail files (`{"Records":[…]}`) but their records say
//! `eventSource: "aws:s3"`; EventBridge delivers them with a `detail-type` such as "Object Created".
//! They are a different product and are refused by name, not skipped.

use serde_json::{Map, Value};

/// The `detail-type` EventBridge gives CloudTrail records.
pub const EVENTBRIDGE_CLOUDTRAIL: &str = "AWS API Call via CloudTrail";

/// What a JSON value is.
#[derive(Debug)]
pub enum Shape<'a> {
    Record(&'a Map<String, Value>),
    /// A list of units: a trail file's `Records`, or a JSON array.
    List(&'a [Value]),
    /// One unit inside an envelope (EventBridge `detail`, a wrapper's `record`).
    Wrapped(&'a Value),
    /// CloudWatch Logs data message: each `logEvents[].message` is a record's JSON text.
    LogEvents(&'a [Value]),
    /// CloudWatch Logs control message (a health check, not data): skipped.
    ControlMessage,
    /// An S3 Event Notification (not CloudTrail), with what identified it.
    S3EventNotification(&'static str),
    /// Anything else, with why it was not recognised.
    Unknown(&'static str),
}

pub fn shape(v: &Value) -> Shape<'_> {
    let map = match v {
        Value::Object(map) => map,
        Value::Array(items) => return Shape::List(items),
        _ => return Shape::Unknown("a JSON value that is not an object or array"),
    };
    if map.get("eventName").is_some_and(Value::is_string) && (map.contains_key("eventSource") || map.contains_key("eventTime")) {
        return Shape::Record(map);
    }
    if let Some(Value::Array(records)) = map.get("Records") {
        return Shape::List(records);
    }
    if let (Some(detail_type), Some(detail @ Value::Object(_))) = (map.get("detail-type").and_then(Value::as_str), map.get("detail")) {
        if detail_type == EVENTBRIDGE_CLOUDTRAIL {
            return Shape::Wrapped(detail);
        }
        if map.get("source").and_then(Value::as_str) == Some("aws.s3") {
            return Shape::S3EventNotification("EventBridge S3 event (detail-type is not \"AWS API Call via CloudTrail\")");
        }
        return Shape::Unknown("an EventBridge event that is not \"AWS API Call via CloudTrail\"");
    }
    if let (Some(message_type), Some(Value::Array(events))) = (map.get("messageType").and_then(Value::as_str), map.get("logEvents")) {
        return match message_type {
            "CONTROL_MESSAGE" => Shape::ControlMessage,
            _ => Shape::LogEvents(events),
        };
    }
    if let Some(record @ Value::Object(_)) = map.get("record") {
        if map.keys().all(|k| k == "record" || k.starts_with('_')) {
            return Shape::Wrapped(record);
        }
    }
    Shape::Unknown("neither a CloudTrail record nor a container of records (Records, EventBridge, CloudWatch Logs)")
}

/// How a record's `eventSource` decides its fate.
#[derive(Debug, PartialEq, Eq)]
pub enum Source {
    /// An S3 API call: normalize it.
    S3,
    /// `aws:s3`: an S3 Event Notification record.
    EventNotification,
    /// Another service (IAM, EC2, …): skip and count.
    Other,
}

pub fn classify_source(event_source: Option<&str>) -> Source {
    match event_source {
        Some("s3.amazonaws.com" | "s3express.amazonaws.com" | "s3-outposts.amazonaws.com") => Source::S3,
        Some("aws:s3") => Source::EventNotification,
        _ => Source::Other,
    }
}

/// A string member that says something: not empty, and not `-` (AWS logs' word for absent; an
/// event never carries it, so an S3 key named `-` is as unnamed here as in a server access log).
pub fn str_of<'a>(map: &'a Map<String, Value>, key: &str) -> Option<&'a str> {
    map.get(key).and_then(Value::as_str).filter(|s| !s.is_empty() && *s != "-")
}

/// A non-null object member.
pub fn obj_of<'a>(map: &'a Map<String, Value>, key: &str) -> Option<&'a Map<String, Value>> {
    map.get(key).and_then(Value::as_object)
}

/// A byte count written as a number (`197`, or `500.0` after Logstash) or a string (`"197"`).
pub fn count_of(v: Option<&Value>) -> Option<u64> {
    match v? {
        Value::Number(n) => n.as_u64().or_else(|| n.as_f64().filter(|f| f.fract() == 0.0 && *f >= 0.0 && *f < 1.8e19).map(|f| f as u64)),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

/// A boolean written as `true` or `"true"` (CloudTrail writes `mfaAuthenticated` as a string).
pub fn bool_of(v: Option<&Value>) -> Option<bool> {
    match v? {
        Value::Bool(b) => Some(*b),
        Value::String(s) if s.eq_ignore_ascii_case("true") => Some(true),
        Value::String(s) if s.eq_ignore_ascii_case("false") => Some(false),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn shapes() {
        let record = json!({"eventSource": "s3.amazonaws.com", "eventName": "GetObject"});
        assert!(matches!(shape(&record), Shape::Record(_)));
        assert!(matches!(shape(&json!({"Records": [record.clone()]})), Shape::List(l) if l.len() == 1));
        assert!(matches!(shape(&json!({"detail-type": EVENTBRIDGE_CLOUDTRAIL, "detail": record.clone()})), Shape::Wrapped(_)));
        assert!(matches!(
            shape(&json!({"detail-type": "Object Created", "source": "aws.s3", "detail": {}})),
            Shape::S3EventNotification(_)
        ));
        assert!(matches!(shape(&json!({"messageType": "DATA_MESSAGE", "logEvents": []})), Shape::LogEvents(_)));
        assert!(matches!(shape(&json!({"messageType": "CONTROL_MESSAGE", "logEvents": []})), Shape::ControlMessage));
        assert!(matches!(shape(&json!({"_test_name": "x", "record": record})), Shape::Wrapped(_)));
        assert!(matches!(shape(&json!({"hello": 1})), Shape::Unknown(_)));
        assert!(matches!(shape(&json!(3)), Shape::Unknown(_)));
    }

    #[test]
    fn counts_and_bools() {
        assert_eq!(count_of(Some(&json!(197))), Some(197));
        assert_eq!(count_of(Some(&json!(500.0))), Some(500));
        assert_eq!(count_of(Some(&json!("42"))), Some(42));
        assert_eq!(count_of(Some(&json!(0.5))), None);
        assert_eq!(count_of(Some(&json!(-1))), None);
        assert_eq!(bool_of(Some(&json!("false"))), Some(false));
        assert_eq!(bool_of(Some(&json!(true))), Some(true));
        assert_eq!(bool_of(Some(&json!("maybe"))), None);
    }

    #[test]
    fn strings_that_say_nothing_are_absent() {
        let m = json!({"a": "x", "b": "", "c": "-", "d": null, "e": 1});
        let m = m.as_object().unwrap();
        assert_eq!(["a", "b", "c", "d", "e", "f"].map(|k| str_of(m, k)), [Some("x"), None, None, None, None, None]);
    }
}
