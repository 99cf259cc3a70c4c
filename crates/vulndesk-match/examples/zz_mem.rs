//! Temporary memory probe.
fn main() {
    let p = std::env::args().nth(1).map(std::path::PathBuf::from).expect("path");
    let (index, report) = vulndesk_match::load_paths(&[p], |_| {}).expect("load");
    let status = std::fs::read_to_string("/proc/self/status").expect("status");
    for l in status.lines().filter(|l| l.starts_with("VmRSS") || l.starts_with("VmHWM")) {
        println!("{l}");
    }
    println!("{} {}", index.database().len(), report.listed_versions);
}
