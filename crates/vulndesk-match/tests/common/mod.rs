//! Helpers shared by the integration tests: finding the shared data folder.

use std::path::PathBuf;

/// The shared data folder, which sits beside the checkout (`../shared/data`).
///
/// The tests read the fixtures in place rather than copying them into the repository, so a
/// missing folder is a broken test setup and fails loudly instead of passing silently.
pub(crate) fn data_dir(sub: &str) -> PathBuf {
    let dir = PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/data")).join(sub);
    assert!(
        dir.is_dir(),
        "the shared test data folder {} is missing; it must sit beside the checkout as \
         ../shared/data (see the vulndesk-match tests)",
        dir.display()
    );
    dir
}
