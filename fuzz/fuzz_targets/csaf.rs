//! CSAF 2.0 documents as fed and uploaded: the mandatory-test validator (`csaf::check` on the
//! parsed JSON), the reader (`csaf::read`), and the VEX reader (`vex::read`, `vex::format_of`)
//! that takes CSAF VEX and CycloneDX VEX.
//!
//! Properties: nothing panics; a document `csaf::read` accepts writes (`csaf::write`, both
//! profiles) to JSON that `csaf::read` accepts again, and writing what was read back gives
//! the same JSON (write-read-write is stable); `vex::format_of` names a format for every
//! document `vex::read` accepts.
#![no_main]

use libfuzzer_sys::fuzz_target;
use vulndesk_formats::advisory::Profile;
use vulndesk_formats::{csaf, vex};

fuzz_target!(|data: &[u8]| {
    // The feed and upload paths: JSON first, the mandatory tests, then the reader.
    if let Ok(json) = serde_json::from_slice::<serde_json::Value>(data) {
        for failure in csaf::check(&json) {
            let _ = (failure.test, failure.path, failure.message);
        }
    }
    match csaf::read(data) {
        Ok(doc) => {
            for profile in [Profile::SecurityAdvisory, Profile::Vex] {
                let written = csaf::write(&doc, profile);
                let bytes = serde_json::to_vec(&written).expect("a JSON value serialises");
                let back = match csaf::read(&bytes) {
                    Ok(back) => back,
                    Err(e) => panic!("csaf::write output does not read back ({profile:?}): {e}"),
                };
                assert_eq!(csaf::write(&back, profile), written, "write-read-write changes the document ({profile:?})");
                let _ = csaf::check(&written);
            }
        }
        Err(e) => {
            let _ = e.to_string();
        }
    }

    match vex::read(data) {
        Ok(statements) => {
            assert!(vex::format_of(data).is_some(), "vex::read accepts a document format_of cannot name");
            let _ = format!("{statements:?}");
        }
        Err(e) => {
            let _ = e.to_string();
        }
    }
});
