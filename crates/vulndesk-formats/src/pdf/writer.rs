//! Writes laid-out pages as a PDF file with `pdf-writer`: the catalog, the info dictionary, the
//! three fonts (none embedded) and one uncompressed content stream per page.

use pdf_writer::types::{CidFontType, FontFlags, SystemInfo, TextRenderingMode};
use pdf_writer::{Content, Finish, Name, Pdf, Rect, Ref, Str, TextStr};
use sha2::{Digest, Sha256};

use super::Document;
use super::layout::{Op, PAGE_HEIGHT, PAGE_WIDTH};
use super::metrics::{Face, is_latin};

const CATALOG: Ref = Ref::new(1);
const PAGE_TREE: Ref = Ref::new(2);
const INFO: Ref = Ref::new(3);
const HELVETICA: Ref = Ref::new(4);
const HELVETICA_BOLD: Ref = Ref::new(5);
const SONG: Ref = Ref::new(6);
const SONG_CID: Ref = Ref::new(7);
const SONG_DESCRIPTOR: Ref = Ref::new(8);
/// Pages and their content streams take the ids from here on, two per page.
const FIRST_PAGE: i32 = 9;

const F_REGULAR: Name<'static> = Name(b"F1");
const F_BOLD: Name<'static> = Name(b"F2");
const F_SONG: Name<'static> = Name(b"F3");

/// The id of the `n`th object after the fixed ones. Ids run out only past a billion pages, far
/// beyond what fits in memory; saturating keeps `Ref::new` from ever seeing a bad value.
fn id(n: usize) -> Ref {
    let n = i32::try_from(n).unwrap_or(i32::MAX / 2);
    Ref::new(FIRST_PAGE.saturating_add(n).max(FIRST_PAGE))
}

/// Rounds to hundredths of a point, so that content streams stay short and readable.
fn round(v: f32) -> f32 {
    (v * 100.0).round() / 100.0
}

/// Text in STSong-Light is encoded as UCS-2 big-endian for the `UniGB-UCS2-H` CMap.
fn ucs2(text: &str) -> Vec<u8> {
    text.chars().flat_map(|c| u16::try_from(u32::from(c)).unwrap_or(0xFFFD).to_be_bytes()).collect()
}

/// Splits `text` into runs of printable ASCII (set in Helvetica) and of everything else (set in
/// STSong-Light).
fn runs(text: &str) -> Vec<(bool, &str)> {
    let mut out = Vec::new();
    let mut start = 0;
    let mut latin = None;
    for (i, c) in text.char_indices() {
        let l = is_latin(c);
        if let Some(prev) = latin
            && prev != l
        {
            out.push((prev, &text[start..i]));
            start = i;
        }
        latin = Some(l);
    }
    if let Some(l) = latin {
        out.push((l, &text[start..]));
    }
    out
}

fn content(ops: &[Op]) -> Vec<u8> {
    let mut c = Content::new();
    for op in ops {
        match op {
            Op::Fill { x, y, width, height, gray } => {
                c.set_fill_gray(*gray);
                c.rect(round(*x), round(*y), round(*width), round(*height));
                c.fill_nonzero();
            }
            Op::Frame { x, y, width, height } => {
                c.set_line_width(0.5);
                c.set_stroke_gray(0.55);
                c.rect(round(*x), round(*y), round(*width), round(*height));
                c.stroke();
            }
            Op::Line { x1, y1, x2, y2, width, gray } => {
                c.set_line_width(*width);
                c.set_stroke_gray(*gray);
                c.move_to(round(*x1), round(*y1));
                c.line_to(round(*x2), round(*y2));
                c.stroke();
            }
            Op::Text { x, y, size, face, gray, text } => {
                let bold = *face == Face::Bold;
                c.set_fill_gray(*gray);
                if bold {
                    // STSong-Light has no bold face: bold CJK text is filled and stroked thinly.
                    c.set_stroke_gray(*gray);
                    c.set_line_width(round(size * 0.04));
                }
                c.begin_text();
                c.next_line(round(*x), round(*y));
                for (latin, run) in runs(text) {
                    if latin {
                        c.set_font(if bold { F_BOLD } else { F_REGULAR }, *size);
                        c.show(Str(run.as_bytes()));
                    } else {
                        c.set_font(F_SONG, *size);
                        if bold {
                            c.set_text_rendering_mode(TextRenderingMode::FillStroke);
                        }
                        c.show(Str(&ucs2(run)));
                        if bold {
                            c.set_text_rendering_mode(TextRenderingMode::Fill);
                        }
                    }
                }
                c.end_text();
            }
        }
    }
    c.finish().into_vec()
}

/// The fonts: Helvetica and Helvetica-Bold (standard 14, WinAnsiEncoding), and STSong-Light as a
/// Type0 font over a CIDFontType0 with Adobe-GB1-4, not embedded, as ReportLab's
/// `UnicodeCIDFont('STSong-Light')` writes it. The Type0 font's name is the CIDFont's name, a
/// hyphen and the CMap's name, as ISO 32000-1 (9.7.6.1) recommends.
fn write_fonts(pdf: &mut Pdf) {
    pdf.type1_font(HELVETICA).base_font(Name(b"Helvetica")).encoding_predefined(Name(b"WinAnsiEncoding"));
    pdf.type1_font(HELVETICA_BOLD).base_font(Name(b"Helvetica-Bold")).encoding_predefined(Name(b"WinAnsiEncoding"));
    pdf.type0_font(SONG)
        .base_font(Name(b"STSong-Light-UniGB-UCS2-H"))
        .encoding_predefined(Name(b"UniGB-UCS2-H"))
        .descendant_font(SONG_CID);
    pdf.cid_font(SONG_CID)
        .subtype(CidFontType::Type0)
        .base_font(Name(b"STSong-Light"))
        .system_info(SystemInfo { registry: Str(b"Adobe"), ordering: Str(b"GB1"), supplement: 4 })
        .font_descriptor(SONG_DESCRIPTOR)
        .default_width(1000.0);
    pdf.font_descriptor(SONG_DESCRIPTOR)
        .name(Name(b"STSong-Light"))
        .flags(FontFlags::SERIF | FontFlags::SYMBOLIC)
        .bbox(Rect::new(-25.0, -254.0, 1000.0, 880.0))
        .italic_angle(0.0)
        .ascent(752.0)
        .descent(-271.0)
        .cap_height(737.0)
        .stem_v(58.0);
}

/// Text for the information dictionary, which is UTF-16 (so any character but controls may stay).
fn metadata_text(text: &str) -> String {
    text.chars().map(|c| if c.is_control() { ' ' } else { c }).collect::<String>().trim().to_owned()
}

/// Writes the whole file.
pub(super) fn write(doc: &Document, pages: &[Vec<Op>]) -> Vec<u8> {
    let contents: Vec<Vec<u8>> = pages.iter().map(|ops| content(ops)).collect();

    // A file identifier derived from the content, so that equal documents give equal bytes.
    let mut hash = Sha256::new();
    for part in [doc.title.as_bytes(), doc.lang.as_bytes(), doc.author.as_deref().unwrap_or("").as_bytes()] {
        hash.update((part.len() as u64).to_be_bytes());
        hash.update(part);
    }
    for stream in &contents {
        hash.update((stream.len() as u64).to_be_bytes());
        hash.update(stream);
    }
    let file_id = hash.finalize()[..16].to_vec();

    let mut pdf = Pdf::new();
    pdf.set_file_id((file_id.clone(), file_id));
    let page_ids: Vec<Ref> = (0..pages.len()).map(|i| id(2 * i)).collect();

    let mut catalog = pdf.catalog(CATALOG);
    catalog.pages(PAGE_TREE).lang(TextStr(&doc.lang));
    catalog.viewer_preferences().display_doc_title(true);
    catalog.finish();

    let mut info = pdf.document_info(INFO);
    info.title(TextStr(&metadata_text(&doc.title))).producer(TextStr("vulndesk"));
    if let Some(author) = &doc.author {
        info.author(TextStr(&metadata_text(author)));
    }
    info.finish();

    let count = i32::try_from(pages.len()).unwrap_or(i32::MAX);
    pdf.pages(PAGE_TREE).kids(page_ids.iter().copied()).count(count);
    for (i, (stream, &page_id)) in contents.iter().zip(&page_ids).enumerate() {
        let content_id = id(2 * i + 1);
        let mut page = pdf.page(page_id);
        page.media_box(Rect::new(0.0, 0.0, PAGE_WIDTH, PAGE_HEIGHT)).parent(PAGE_TREE).contents(content_id);
        page.resources().fonts().pair(F_REGULAR, HELVETICA).pair(F_BOLD, HELVETICA_BOLD).pair(F_SONG, SONG);
        page.finish();
        pdf.stream(content_id, stream);
    }
    write_fonts(&mut pdf);
    pdf.finish()
}
