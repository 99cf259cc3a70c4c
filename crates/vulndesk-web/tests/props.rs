//! Property tests for what the web layer makes of untrusted input: file names, content sniffing,
//! Markdown from reporters, and the local-redirect check.

use proptest::prelude::*;

proptest! {
    #![proptest_config(ProptestConfig::with_cases(1500))]

    #[test]
    fn cleaned_file_names_are_safe_for_headers_and_disks(name in "\\PC{0,300}") {
        let clean = vulndesk_web::testing::clean_filename(&name);
        prop_assert!(!clean.is_empty() && clean.chars().count() <= 120);
        prop_assert!(!clean.contains(['/', '\\', '"', ';', '<', '>']));
        prop_assert!(!clean.chars().any(char::is_control));
        prop_assert!(!clean.starts_with('.'));
    }

    #[test]
    fn sniffing_never_panics_and_names_a_type(bytes in prop::collection::vec(any::<u8>(), 0..512)) {
        let t = vulndesk_web::testing::sniff(&bytes);
        prop_assert!(t.contains('/'));
    }

    #[test]
    fn reporter_markdown_never_carries_anything_active(md in "\\PC{0,300}", attr in "(on[a-z]{2,10})|(javascript)|(script)") {
        let html = vulndesk_web::testing::safe_markdown(&format!("{md} <a href=\"{attr}:x\" {attr}=\"y\">z</a> <{attr}>w</{attr}>"));
        let lower = html.to_ascii_lowercase();
        prop_assert!(!lower.contains("<script"), "{}", html);
        prop_assert!(!lower.contains("javascript:"), "{}", html);
        prop_assert!(!lower.contains(" on") || !lower.contains("=\"y\""), "{}", html);
    }

    #[test]
    fn only_paths_on_this_site_are_followed(next in "\\PC{0,80}") {
        if let Some(p) = vulndesk_web::testing::local_path(&next) {
            prop_assert!(p.starts_with('/') && !p.starts_with("//") && !p.contains('\\'));
            prop_assert!(!p.chars().any(char::is_control));
        }
    }
}
