//! The whole case transition table, compared with the committed snapshot `tests/transitions.txt`.
//! A change to the lifecycle changes that file, so it shows up in review. To accept a deliberate
//! change, run this test with `UPDATE_SNAPSHOTS=1` and commit the file.

#[test]
fn transition_table_snapshot() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/transitions.txt");
    let now = vulndesk_core::case::table();
    if std::env::var_os("UPDATE_SNAPSHOTS").is_some() {
        std::fs::write(path, &now).expect("write snapshot");
    }
    let committed = std::fs::read_to_string(path).expect("the snapshot file exists (run with UPDATE_SNAPSHOTS=1 once)");
    assert_eq!(committed, now, "the transition table changed: review the diff, then run with UPDATE_SNAPSHOTS=1");
}
