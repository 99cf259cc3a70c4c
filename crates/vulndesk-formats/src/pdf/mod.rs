//! A small PDF writer for vulndesk's printable documents (a researcher's acknowledgement letter,
//! a case's compliance dossier, an authority report printout) in Chinese, English or both.
//!
//! No font file is shipped or embedded. Printable ASCII is set in the standard Helvetica and
//! Helvetica-Bold, which every viewer has; everything else is set in `STSong-Light`, the
//! non-embedded Adobe-GB1 CJK font that the PDF standard lets viewers substitute (what ReportLab's
//! `UnicodeCIDFont('STSong-Light')` does), with text encoded as UCS-2 for the `UniGB-UCS2-H`
//! CMap. Characters outside the Basic Multilingual Plane become `?`, control characters are
//! dropped and tabs become spaces. Widths come from Helvetica's AFM metrics and one em per CJK
//! character, which is what viewers use to place the glyphs, so wrapped lines fit.
//!
//! Pages are A4 with 56 pt margins; body text is 10.5 pt. Output is deterministic: the same
//! [`Document`] always renders to the same bytes (no creation date; the file identifier is a hash
//! of the content).
//!
//! ```
//! use vulndesk_formats::pdf::{Block, Document};
//!
//! let mut doc = Document::new("致谢函 Acknowledgement", "zh-CN").author("vulndesk PSIRT").footer("Demo Networks");
//! doc.push(Block::Title("致谢函".into()))
//!     .push(Block::Paragraph("感谢您报告的漏洞。Thank you for your report.".into()))
//!     .push(Block::Fields(vec![("编号 ID".into(), "CVE-2026-0001".into())]));
//! let bytes = doc.render();
//! assert!(bytes.starts_with(b"%PDF-"));
//! ```
//!
//! Inside: `text` cleans and wraps strings, `metrics` measures them, `layout` turns blocks into
//! drawing operations on pages, and `writer` writes those as PDF objects with `pdf-writer`.

mod layout;
mod metrics;
mod text;
mod writer;

#[cfg(test)]
mod tests;

/// One piece of a [`Document`], laid out top to bottom.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Block {
    /// A large bold heading (18 pt).
    Title(String),
    /// A section heading (13 pt bold), kept on the same page as the line after it.
    Heading(String),
    /// Body text wrapped to the page width; `'\n'` starts a new line.
    Paragraph(String),
    /// A two-column key/value list: labels in bold in a fixed-width column, values wrapped.
    Fields(Vec<(String, String)>),
    /// A grid with columns of equal width and wrapped cells. The header row is repeated at the
    /// top of every page the table continues on; a row that does not fit moves to the next page.
    /// Rows may have fewer or more cells than the header: the table has as many columns as its
    /// widest row, and missing cells are empty.
    Table {
        /// The header cells (may be empty: no header row).
        header: Vec<String>,
        /// The body rows.
        rows: Vec<Vec<String>>,
    },
    /// A vertical gap of one line.
    Spacer,
    /// A thin horizontal line across the page.
    Rule,
}

/// A document to render as PDF: metadata and [`Block`]s.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Document {
    title: String,
    author: Option<String>,
    lang: String,
    footer: Option<String>,
    blocks: Vec<Block>,
}

impl Document {
    /// An empty document. `title` goes into the document information (what viewers show as the
    /// window title), not onto the page: push a [`Block::Title`] for that. `lang` is the
    /// document's language tag (`"zh-CN"` or `"en"`), written as the catalog's `/Lang`; a tag
    /// starting with `zh` also gives Chinese page numbers in the footer. Anything but ASCII
    /// letters, digits and `-` is removed from it (`_` becomes `-`), and an empty tag becomes
    /// `"en"`.
    pub fn new(title: impl Into<String>, lang: &str) -> Self {
        let mut tag: String = lang
            .chars()
            .filter_map(|c| match c {
                '_' => Some('-'),
                c if c.is_ascii_alphanumeric() || c == '-' => Some(c),
                _ => None,
            })
            .take(35)
            .collect();
        if tag.is_empty() {
            tag = "en".into();
        }
        Self { title: title.into(), author: None, lang: tag, footer: None, blocks: Vec::new() }
    }

    /// Sets the author in the document information.
    #[must_use]
    pub fn author(mut self, author: impl Into<String>) -> Self {
        self.author = Some(author.into());
        self
    }

    /// Appends a block.
    pub fn push(&mut self, block: Block) -> &mut Self {
        self.blocks.push(block);
        self
    }

    /// Sets a footer text, printed at the bottom left of every page (cut with `…` if it does not
    /// fit on one line). Every page has its number at the bottom right in any case:
    /// `page N / M`, or `第 N 页 / 共 M 页` in a Chinese document.
    #[must_use]
    pub fn footer(mut self, text: impl Into<String>) -> Self {
        self.footer = Some(text.into());
        self
    }

    /// Renders the PDF file. Never panics, whatever the strings hold.
    pub fn render(&self) -> Vec<u8> {
        writer::write(self, &layout::lay_out(self))
    }

    fn is_chinese(&self) -> bool {
        self.lang.get(..2).is_some_and(|p| p.eq_ignore_ascii_case("zh"))
    }
}
