//! Print the normalized events of a file as pretty JSON (for reviewing output by hand):
//! `cargo run --example show -- FILE [N]` prints every event, or only the Nth.

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let path = std::env::args().nth(1).ok_or("usage: show FILE [N]")?;
    let only: Option<usize> = std::env::args().nth(2).and_then(|s| s.parse().ok());
    let file = std::fs::File::open(&path)?;
    let mut n = 0;
    let mut buf = Vec::new();
    let stats = s3norm::Normalizer::default().read(
        file,
        &mut s3norm::sink_fn(|out| match out {
            s3norm::Output::Event(event) => {
                n += 1;
                if only.is_none_or(|wanted| wanted == n) {
                    buf.clear();
                    s3norm::write_event(&mut buf, event);
                    match serde_json::from_slice::<serde_json::Value>(&buf) {
                        Ok(value) => println!("{value:#}"),
                        Err(e) => eprintln!("event {n}: {e}"),
                    }
                }
            }
            s3norm::Output::Error(error) => eprintln!("{error}"),
            s3norm::Output::Skip(skip) => eprintln!("skipped: {} {}", skip.event_source, skip.event_name),
        }),
    )?;
    eprintln!("{stats}");
    Ok(())
}
