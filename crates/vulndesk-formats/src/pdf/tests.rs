//! Tests of the PDF writer. The referee tests check the output with independent tools: qpdf
//! (structure), and poppler's pdftotext and pdfinfo (text extraction through the Adobe-GB1 CMaps
//! of poppler-data, page count). They fail, with what to install, when a tool is missing.

use std::path::PathBuf;
use std::process::{Command, Output};
use std::sync::atomic::{AtomicUsize, Ordering};

use proptest::prelude::*;

use super::metrics::{Face, text_width};
use super::text::{clean, wrap};
use super::{Block, Document, layout};

const INSTALL: &str = "install the PDF referee tools: apt-get install -y qpdf poppler-utils poppler-data";

/// A rendered PDF in the temp directory, removed when dropped (also when a test fails).
struct TempPdf(PathBuf);

impl TempPdf {
    fn new(bytes: &[u8]) -> Self {
        static COUNTER: AtomicUsize = AtomicUsize::new(0);
        let n = COUNTER.fetch_add(1, Ordering::Relaxed);
        let path = std::env::temp_dir().join(format!("vulndesk-pdf-test-{}-{n}.pdf", std::process::id()));
        std::fs::write(&path, bytes).expect("write the temp PDF");
        Self(path)
    }
}

impl Drop for TempPdf {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

/// Runs `name` with `args` on the file (`-` after it for pdftotext: write to standard output).
fn tool(name: &str, args: &[&str], file: &TempPdf) -> Output {
    let stdout_dash: &[&str] = if name == "pdftotext" { &["-"] } else { &[] };
    match Command::new(name).args(args).arg(&file.0).args(stdout_dash).output() {
        Ok(out) => out,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => panic!("`{name}` is not installed: {INSTALL}"),
        Err(e) => panic!("cannot run `{name}`: {e}"),
    }
}

/// `qpdf --check` passes with no warnings.
fn qpdf_check(file: &TempPdf) {
    let out = tool("qpdf", &["--check"], file);
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "qpdf --check failed ({}):\n{stdout}\n{stderr}", out.status);
    assert!(stdout.contains("No syntax or stream encoding errors found"), "qpdf --check:\n{stdout}\n{stderr}");
    assert!(stderr.trim().is_empty(), "qpdf --check warned:\n{stderr}");
}

/// The text poppler extracts; fails if poppler-data (the CJK CMaps) is missing.
fn pdftotext(file: &TempPdf) -> String {
    let out = tool("pdftotext", &["-enc", "UTF-8"], file);
    let stderr = String::from_utf8_lossy(&out.stderr);
    let first = stderr.lines().next().unwrap_or_default();
    assert!(
        !["language pack", "character collection", "CMap"].iter().any(|s| stderr.contains(s)),
        "pdftotext cannot read the Adobe-GB1 (Chinese) text, poppler-data is missing: {INSTALL}\n{first}"
    );
    assert!(out.status.success(), "pdftotext failed ({}): {first}", out.status);
    assert!(stderr.trim().is_empty(), "pdftotext complained:\n{stderr}");
    String::from_utf8(out.stdout).expect("pdftotext -enc UTF-8 writes UTF-8")
}

/// `pdfinfo`'s fields (`Pages`, `Title`, …) with their values.
fn pdfinfo(file: &TempPdf) -> Vec<(String, String)> {
    let out = tool("pdfinfo", &[], file);
    assert!(out.status.success(), "pdfinfo failed: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.to_owned(), v.trim().to_owned()))
        .collect()
}

fn field<'a>(info: &'a [(String, String)], name: &str) -> &'a str {
    info.iter().find(|(k, _)| k == name).map_or("", |(_, v)| v.as_str())
}

fn pages(info: &[(String, String)]) -> usize {
    field(info, "Pages").parse().unwrap_or_else(|_| panic!("no page count in pdfinfo's output: {info:?}"))
}

/// Text extraction may put line breaks and spaces anywhere between cells and runs.
fn squeeze(text: &str) -> String {
    text.chars().filter(|c| !c.is_whitespace()).collect()
}

fn dossier() -> Document {
    let mut doc = Document::new("致谢函 Acknowledgement letter", "zh-CN")
        .author("vulndesk PSIRT 安全响应中心")
        .footer("演示网络公司 Demo Networks PSIRT · 机密 Confidential");
    doc.push(Block::Title("致谢函 Acknowledgement".into()))
        .push(Block::Paragraph(
            "尊敬的张三：\n感谢您向我们报告漏洞 CVE-2026-12345。您的报告帮助我们保护了用户。\n\
             Dear Zhang San, thank you for reporting CVE-2026-12345 (a heap overflow in the \
             firmware updater). Tabs\tbecome spaces, control\u{7}characters vanish, emoji 😀 becomes a \
             question mark, and (unbalanced parentheses \\ backslashes are escaped."
                .into(),
        ))
        .push(Block::Heading("案件信息 Case details".into()))
        .push(Block::Fields(vec![
            ("漏洞编号 ID".into(), "CVE-2026-12345".into()),
            ("严重程度 Severity".into(), "高危 High (CVSS 8.8)".into()),
            ("Affected".into(), "https://example.com/a/very/long/url/without/any/spaces/".repeat(6)),
        ]))
        .push(Block::Rule)
        .push(Block::Heading("受影响版本 Affected versions".into()))
        .push(Block::Table {
            header: vec!["序号 No.".into(), "产品 Product".into(), "版本 Version".into(), "状态 Status".into()],
            rows: (1..=120)
                .map(|i| {
                    vec![
                        format!("R{i:04}"),
                        format!("路由器 Router X{i}"),
                        format!("v{}.{}.{}", i / 10, i % 10, i % 7),
                        if i % 2 == 0 { "已修复 Fixed".into() } else { "受影响 Affected".into() },
                    ]
                })
                .collect(),
        })
        .push(Block::Spacer)
        .push(Block::Paragraph("此致敬礼 With best regards".into()));
    doc
}

#[test]
fn referee_bilingual_dossier_passes_qpdf_and_poppler() {
    let doc = dossier();
    let expected_pages = layout::lay_out(&doc).len();
    assert!(expected_pages >= 3, "the sample should span at least 3 pages, got {expected_pages}");
    let file = TempPdf::new(&doc.render());

    qpdf_check(&file);
    let info = pdfinfo(&file);
    assert_eq!(pages(&info), expected_pages);
    assert_eq!(field(&info, "Title"), "致谢函 Acknowledgement letter");
    assert_eq!(field(&info, "Author"), "vulndesk PSIRT 安全响应中心");
    assert_eq!(field(&info, "Producer"), "vulndesk");
    assert_eq!(field(&info, "Page size"), "595 x 842 pts (A4)");

    let text = pdftotext(&file);
    let flat = squeeze(&text);
    for expected in [
        "致谢函",
        "漏洞",
        "尊敬的张三：",
        "感谢您向我们报告漏洞CVE-2026-12345。",
        "Acknowledgement",
        "DearZhangSan,thankyouforreportingCVE-2026-12345",
        "Tabsbecomespaces,controlcharactersvanish,emoji?becomesaquestionmark",
        "(unbalancedparentheses\\backslashesareescaped.",
        "案件信息",
        "CVE-2026-12345",
        "高危High(CVSS8.8)",
        "此致敬礼Withbestregards",
        "演示网络公司DemoNetworksPSIRT",
    ] {
        assert!(flat.contains(expected), "pdftotext lacks {expected:?}:\n{text}");
    }
    for i in 1..=120 {
        assert!(flat.contains(&format!("R{i:04}")), "row R{i:04} missing:\n{text}");
    }
    for n in 1..=expected_pages {
        let label = squeeze(&layout::page_label(true, n, expected_pages));
        assert!(flat.contains(&label), "page label {label} missing:\n{text}");
    }
}

#[test]
fn referee_table_of_200_rows_spans_pages_and_keeps_every_row() {
    let mut doc = Document::new("Report", "en").footer("vulndesk report");
    doc.push(Block::Heading("Findings".into())).push(Block::Table {
        header: vec!["Key".into(), "Summary".into(), "漏洞".into()],
        rows: (0..200).map(|i| vec![format!("K{i:03}"), format!("finding number {i}"), format!("问题{i}")]).collect(),
    });
    let page_count = layout::lay_out(&doc).len();
    assert!(page_count > 1);
    let file = TempPdf::new(&doc.render());
    qpdf_check(&file);
    assert_eq!(pages(&pdfinfo(&file)), page_count);
    let text = pdftotext(&file);
    let flat = squeeze(&text);
    for i in 0..200 {
        for cell in [format!("K{i:03}"), format!("findingnumber{i}"), format!("问题{i}")] {
            assert!(flat.contains(&cell), "{cell} missing:\n{text}");
        }
    }
    // The header is repeated on every page.
    assert_eq!(text.matches("Summary").count(), page_count, "{text}");
    assert!(flat.contains(&format!("page{page_count}/{page_count}")), "{text}");
}

#[test]
fn referee_hostile_strings_still_make_a_valid_file() {
    let nasty = "(()\\)\\\\ \u{0}\u{1b}[31m\r\n\u{7f}\u{85}\u{2028}\u{feff}\u{fffe}😀𠀀 \t é ü ß Привет";
    let mut doc = Document::new(nasty, nasty).author(nasty).footer(nasty.repeat(20));
    for block in every_block(nasty) {
        doc.push(block);
    }
    let file = TempPdf::new(&doc.render());
    qpdf_check(&file);
    let text = pdftotext(&file);
    assert!(text.contains("Привет"), "{text}");
}

fn every_block(s: &str) -> Vec<Block> {
    vec![
        Block::Title(s.into()),
        Block::Heading(s.into()),
        Block::Paragraph(s.into()),
        Block::Fields(vec![(s.into(), s.into()), (String::new(), String::new())]),
        Block::Table {
            header: vec![s.into(), s.into()],
            rows: vec![vec![s.into()], vec![s.into(), s.into(), s.into()], vec![]],
        },
        Block::Spacer,
        Block::Rule,
    ]
}

#[test]
fn rendering_is_deterministic() {
    let doc = dossier();
    assert_eq!(doc.render(), doc.render());
    assert_eq!(doc.render(), doc.clone().render());
}

#[test]
fn fonts_and_metadata_are_as_the_standard_asks() {
    let bytes = dossier().render();
    let pdf = String::from_utf8_lossy(&bytes);
    for expected in [
        "/Type /Font\n  /Subtype /Type0\n  /BaseFont /STSong-Light-UniGB-UCS2-H\n  /Encoding /UniGB-UCS2-H",
        "/Subtype /CIDFontType0\n  /BaseFont /STSong-Light",
        "/Registry (Adobe)",
        "/Ordering (GB1)",
        "/Supplement 4",
        "/DW 1000",
        "/FontName /STSong-Light",
        "/Flags 6",
        "/FontBBox [-25 -254 1000 880]",
        "/Ascent 752",
        "/Descent -271",
        "/CapHeight 737",
        "/StemV 58",
        "/BaseFont /Helvetica\n  /Encoding /WinAnsiEncoding",
        "/BaseFont /Helvetica-Bold\n  /Encoding /WinAnsiEncoding",
        "/Lang (zh-CN)",
        "/Producer (vulndesk)",
    ] {
        assert!(pdf.contains(expected), "missing {expected:?}");
    }
    assert!(!pdf.contains("/CreationDate"));
    assert!(!pdf.contains("/FontFile"), "no font is embedded");
}

#[test]
fn language_tags_are_cleaned() {
    assert_eq!(Document::new("t", "zh_CN").lang, "zh-CN");
    assert_eq!(Document::new("t", "").lang, "en");
    assert_eq!(Document::new("t", "en)(/x").lang, "enx");
    assert!(Document::new("t", "ZH-cn").is_chinese());
    assert!(!Document::new("t", "en").is_chinese());
}

#[test]
fn clean_drops_controls_and_keeps_line_breaks() {
    assert_eq!(clean("a\tb\u{0}c\r\nd\re\u{2028}f😀"), "a bc\nd\ne\nf?");
    assert_eq!(clean("\u{feff}zero\u{200b}width\u{ad}\u{202e}"), "zerowidth");
}

#[test]
fn wrap_fits_the_width_and_keeps_every_character() {
    let text = "Thank you for reporting the vulnerability 感谢您报告的漏洞，我们已经修复。 \
                averyveryveryveryveryveryveryveryveryveryveryveryveryveryverylongwordwithoutspaces end";
    for width in [5.0, 40.0, 100.0, 483.0] {
        let lines = wrap(text, Face::Regular, 10.5, width);
        for line in &lines {
            let measured = text_width(&line.text, Face::Regular, 10.5);
            assert!((measured - line.width).abs() < 0.01);
            assert!(measured <= width + 0.01 || line.text.chars().count() == 1, "{line:?} wider than {width}");
        }
        assert_eq!(squeeze(&lines.iter().map(|l| l.text.as_str()).collect::<String>()), squeeze(text));
    }
}

#[test]
fn wrap_breaks_chinese_between_characters_but_not_before_closing_punctuation() {
    // Ten ideographs of 10 pt in 45 pt: four per line, but "，" stays with the character before.
    let lines: Vec<String> =
        wrap("一二三，四五六七八九", Face::Regular, 10.0, 45.0).into_iter().map(|l| l.text).collect();
    assert_eq!(lines, ["一二三，", "四五六七", "八九"]);
    let lines: Vec<String> = wrap("See 《漏洞》", Face::Regular, 10.0, 35.0).into_iter().map(|l| l.text).collect();
    assert_eq!(lines, ["See", "《漏", "洞》"]);
}

#[test]
fn wrap_keeps_empty_lines_and_drops_spaces_at_breaks() {
    let lines: Vec<String> = wrap("a\n\nb   c", Face::Regular, 10.0, 8.0).into_iter().map(|l| l.text).collect();
    assert_eq!(lines, ["a", "", "b", "c"]);
}

#[test]
fn degenerate_tables_end() {
    let wide: Vec<String> = (0..300).map(|i| format!("column {i} 列")).collect();
    let mut doc = Document::new("wide", "en");
    doc.push(Block::Table { header: wide.clone(), rows: vec![wide.clone(), vec!["x".repeat(5000)]] })
        .push(Block::Table { header: vec![], rows: vec![vec![]] })
        .push(Block::Table { header: vec!["only header".into()], rows: vec![] })
        .push(Block::Fields(vec![("k".into(), "長".repeat(20_000))]));
    let pages = layout::lay_out(&doc);
    assert!(pages.len() > 3);
    assert!(doc.render().ends_with(b"%%EOF"));
}

#[test]
fn empty_document_has_one_page() {
    assert_eq!(layout::lay_out(&Document::new("", "en")).len(), 1);
}

fn any_text() -> impl Strategy<Value = String> {
    prop_oneof![
        any::<String>(),
        Just(String::new()),
        "[ -~]{0,60}",
        "[\\x00-\\x1f\\x7f\\t\\r\\n ()\\\\a-z\u{4e00}-\u{4e20}，。（）😀]{0,120}",
        "[a-z]{300,3000}",
        "\u{4e00}{100,1500}",
        prop::collection::vec(any::<char>(), 0..300).prop_map(String::from_iter),
    ]
}

fn any_block() -> impl Strategy<Value = Block> {
    prop_oneof![
        any_text().prop_map(Block::Title),
        any_text().prop_map(Block::Heading),
        any_text().prop_map(Block::Paragraph),
        prop::collection::vec((any_text(), any_text()), 0..4).prop_map(Block::Fields),
        (prop::collection::vec(any_text(), 0..5), prop::collection::vec(prop::collection::vec(any_text(), 0..6), 0..6))
            .prop_map(|(header, rows)| Block::Table { header, rows }),
        Just(Block::Spacer),
        Just(Block::Rule),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]

    #[test]
    fn any_strings_in_any_blocks_render(
        title in any_text(),
        lang in prop_oneof![Just("zh-CN".to_owned()), Just("en".to_owned()), any::<String>()],
        author in proptest::option::of(any_text()),
        footer in proptest::option::of(any_text()),
        blocks in prop::collection::vec(any_block(), 0..6),
    ) {
        let mut doc = Document::new(title, &lang);
        if let Some(author) = author {
            doc = doc.author(author);
        }
        if let Some(footer) = footer {
            doc = doc.footer(footer);
        }
        for block in blocks {
            doc.push(block);
        }
        let bytes = doc.render();
        prop_assert!(bytes.starts_with(b"%PDF-"));
        prop_assert!(bytes.trim_ascii_end().ends_with(b"%%EOF"));
    }
}
