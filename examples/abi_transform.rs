//! Run one ABI request through `s3norm::abi::transform` and report on the response, for
//! measuring the ABI's memory on hostile requests (scripts/limits.sh):
//! `cargo run --release --example abi_transform -- REQUEST_FILE` prints the response's size and
//! counts; `-` reads the request from standard input.

use std::io::Read;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let path = std::env::args().nth(1).ok_or("usage: abi_transform REQUEST_FILE|-")?;
    let mut request = Vec::new();
    if path == "-" {
        std::io::stdin().read_to_end(&mut request)?;
    } else {
        request = std::fs::read(&path)?;
    }
    let response = s3norm::abi::transform_bytes(&request);
    drop(request);
    // The counts are the response's last object: `…,"stats":{…}}`.
    let stats = response.rfind("\"stats\":").map_or("", |at| &response[at..response.len() - 1]);
    println!("response {} bytes, {stats}", response.len());
    Ok(())
}
