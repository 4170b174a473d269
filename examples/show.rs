// Print the normalized events of a file as pretty JSON (for reviewing output by hand).
fn main() {
    let path = std::env::args().nth(1).expect("usage: show FILE [LINE]");
    let only: Option<usize> = std::env::args().nth(2).and_then(|s| s.parse().ok());
    let text = std::fs::read_to_string(&path).expect("read");
    let (events, errors, stats) = s3norm::normalize::normalize_to_values(&text, s3norm::Options::default());
    for (i, e) in events.iter().enumerate() {
        if only.is_none_or(|n| n == i + 1) {
            println!("{}", serde_json::to_string_pretty(e).unwrap());
        }
    }
    for e in errors {
        eprintln!("{}", serde_json::to_string(&e).unwrap());
    }
    eprintln!("{stats:?}");
}
