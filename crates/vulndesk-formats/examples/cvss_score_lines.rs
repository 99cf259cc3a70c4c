//! Reads CVSS vectors from standard input, one per line, and writes one JSON
//! object per line with `vulndesk_formats::score_line`, skipping empty
//! lines as `vulndesk cvss score` does. Used by
//! `tests/referee/cvss_referee.py` to compare vulndesk's scores with Red
//! Hat's `cvss` library.

use std::io::{self, BufRead, BufWriter, Write};

fn main() -> io::Result<()> {
    let stdin = io::stdin();
    let mut out = BufWriter::new(io::stdout().lock());
    for line in stdin.lock().lines() {
        let line = line?;
        if line.trim().is_empty() {
            continue;
        }
        serde_json::to_writer(&mut out, &vulndesk_formats::score_line(&line))?;
        out.write_all(b"\n")?;
    }
    out.flush()
}
