//! Places the blocks of a [`Document`] on A4 pages: what to draw where, in points from the
//! bottom-left corner, before anything is written as PDF.
//!
//! Every block may span pages. A table row (or a key/value row) that does not fit moves to the
//! next page whole when it would fit on an empty page; a taller one is split between lines. Table
//! headers are repeated at the top of each new page unless they are themselves taller than a
//! third of a page. Headings and titles are kept with the line after them.

use super::metrics::{Face, text_width};
use super::text::{Line, truncate, wrap};
use super::{Block, Document};

/// A4 in points.
pub(super) const PAGE_WIDTH: f32 = 595.0;
/// A4 in points.
pub(super) const PAGE_HEIGHT: f32 = 842.0;
const MARGIN: f32 = 56.0;
const CONTENT_WIDTH: f32 = PAGE_WIDTH - 2.0 * MARGIN;
const TOP: f32 = PAGE_HEIGHT - MARGIN;
const BOTTOM: f32 = MARGIN;
const BODY_HEIGHT: f32 = TOP - BOTTOM;
const EPSILON: f32 = 0.01;

const BODY_SIZE: f32 = 10.5;
const BODY_LEADING: f32 = 16.0;
const TITLE_SIZE: f32 = 18.0;
const TITLE_LEADING: f32 = 25.0;
const HEADING_SIZE: f32 = 13.0;
const HEADING_LEADING: f32 = 19.0;
const TABLE_SIZE: f32 = 9.5;
const TABLE_LEADING: f32 = 13.5;
const LABEL_WIDTH: f32 = 130.0;
const LABEL_GAP: f32 = 12.0;
/// Room kept below a title or heading on its page: three lines of text, or a table's header row
/// and first row.
const KEEP_WITH_NEXT: f32 = 3.0 * BODY_LEADING;
const FOOTER_SIZE: f32 = 8.0;
const FOOTER_BASELINE: f32 = 32.0;
const FOOTER_RULE: f32 = 44.0;

/// Something to draw on a page.
#[derive(Debug, Clone, PartialEq)]
pub(super) enum Op {
    /// One line of text starting at `x` on the baseline `y`.
    Text { x: f32, y: f32, size: f32, face: Face, gray: f32, text: String },
    /// A straight line.
    Line { x1: f32, y1: f32, x2: f32, y2: f32, width: f32, gray: f32 },
    /// A filled rectangle (table header background).
    Fill { x: f32, y: f32, width: f32, height: f32, gray: f32 },
    /// A thin rectangle outline (table cell border).
    Frame { x: f32, y: f32, width: f32, height: f32 },
}

/// Where a line's baseline sits below the top of its line box.
fn baseline_offset(size: f32, leading: f32) -> f32 {
    (leading - size) / 2.0 + 0.8 * size
}

/// One cell of a row: its box, and its text already wrapped to the box's inner width.
struct Cell {
    x: f32,
    width: f32,
    lines: Vec<Line>,
}

/// How a row (of a table or of a key/value list) looks.
#[derive(Clone, Copy)]
struct RowStyle {
    size: f32,
    leading: f32,
    padding: f32,
    faces: [Face; 2],
    framed: bool,
    fill: Option<f32>,
}

impl RowStyle {
    fn height(&self, lines: usize) -> f32 {
        2.0 * self.padding + lines as f32 * self.leading
    }

    /// The face of cell `i`: key/value rows set the key in bold.
    fn face(&self, i: usize) -> Face {
        if i == 0 { self.faces[0] } else { self.faces[1] }
    }
}

/// A row together with how it is drawn.
struct Row<'a> {
    cells: &'a [Cell],
    style: RowStyle,
}

impl Row<'_> {
    fn line_count(&self) -> usize {
        self.cells.iter().map(|c| c.lines.len()).max().unwrap_or(0).max(1)
    }

    fn height(&self) -> f32 {
        self.style.height(self.line_count())
    }
}

/// The pages being filled.
pub(super) struct Layout {
    pages: Vec<Vec<Op>>,
    current: Vec<Op>,
    /// The top of the free space on the current page.
    y: f32,
    /// Nothing has been placed on the current page yet.
    fresh: bool,
}

impl Layout {
    fn new() -> Self {
        Self { pages: Vec::new(), current: Vec::new(), y: TOP, fresh: true }
    }

    fn room(&self) -> f32 {
        self.y - BOTTOM
    }

    fn new_page(&mut self) {
        self.pages.push(std::mem::take(&mut self.current));
        self.y = TOP;
        self.fresh = true;
    }

    /// Starts a new page unless `height` fits here or this page is still empty.
    fn ensure(&mut self, height: f32) {
        if !self.fresh && height > self.room() + EPSILON {
            self.new_page();
        }
    }

    /// Vertical space before a block; none at the top of a page.
    fn space_before(&mut self, height: f32) {
        if !self.fresh {
            self.y -= height;
        }
    }

    fn space_after(&mut self, height: f32) {
        self.y -= height;
    }

    fn text_line(&mut self, line: &Line, size: f32, leading: f32, face: Face) {
        self.ensure(leading);
        if !line.text.is_empty() {
            self.current.push(Op::Text {
                x: MARGIN,
                y: self.y - baseline_offset(size, leading),
                size,
                face,
                gray: 0.0,
                text: line.text.clone(),
            });
        }
        self.y -= leading;
        self.fresh = false;
    }

    /// A title or heading: kept on the same page as the first line after it.
    fn heading(&mut self, text: &str, size: f32, leading: f32, before: f32, after: f32) {
        self.space_before(before);
        let lines = wrap(text, Face::Bold, size, CONTENT_WIDTH);
        let first = lines.len().min(2) as f32 * leading;
        self.ensure(first + after + KEEP_WITH_NEXT);
        for line in &lines {
            self.text_line(line, size, leading, Face::Bold);
        }
        self.space_after(after);
    }

    fn paragraph(&mut self, text: &str) {
        for line in &wrap(text, Face::Regular, BODY_SIZE, CONTENT_WIDTH) {
            self.text_line(line, BODY_SIZE, BODY_LEADING, Face::Regular);
        }
        self.space_after(6.0);
    }

    fn fields(&mut self, fields: &[(String, String)]) {
        let style = RowStyle {
            size: BODY_SIZE,
            leading: BODY_LEADING,
            padding: 1.5,
            faces: [Face::Bold, Face::Regular],
            framed: false,
            fill: None,
        };
        let value_x = MARGIN + LABEL_WIDTH + LABEL_GAP;
        let value_width = CONTENT_WIDTH - LABEL_WIDTH - LABEL_GAP;
        for (label, value) in fields {
            let cells = [
                Cell { x: MARGIN, width: LABEL_WIDTH, lines: wrap(label, Face::Bold, BODY_SIZE, LABEL_WIDTH) },
                Cell { x: value_x, width: value_width, lines: wrap(value, Face::Regular, BODY_SIZE, value_width) },
            ];
            self.row(&Row { cells: &cells, style }, None);
        }
        self.space_after(6.0);
    }

    fn table(&mut self, header: &[String], rows: &[Vec<String>]) {
        let columns = rows.iter().map(Vec::len).chain([header.len()]).max().unwrap_or(0);
        if columns == 0 {
            return;
        }
        let column_width = CONTENT_WIDTH / columns as f32;
        let padding = (column_width / 4.0).min(4.0);
        let inner = column_width - 2.0 * padding;
        let cells = |texts: &[String], face: Face| -> Vec<Cell> {
            (0..columns)
                .map(|i| Cell {
                    x: MARGIN + i as f32 * column_width,
                    width: column_width,
                    lines: wrap(texts.get(i).map_or("", String::as_str), face, TABLE_SIZE, inner),
                })
                .collect()
        };
        let body = RowStyle {
            size: TABLE_SIZE,
            leading: TABLE_LEADING,
            padding,
            faces: [Face::Regular; 2],
            framed: true,
            fill: None,
        };
        let head_style = RowStyle { faces: [Face::Bold; 2], fill: Some(0.9), ..body };
        let head_cells = if header.is_empty() { Vec::new() } else { cells(header, Face::Bold) };
        let head = (!head_cells.is_empty()).then_some(Row { cells: &head_cells, style: head_style });
        // A header taller than a third of a page is drawn once, not repeated.
        let repeat = head.as_ref().filter(|h| h.height() <= BODY_HEIGHT / 3.0);

        let mut rows = rows.iter().map(|r| cells(r, Face::Regular));
        let first = rows.next();
        if let Some(head) = &head {
            if let Some(repeat) = repeat {
                // Keep the header with the first row.
                let first_height = first.as_ref().map_or(0.0, |c| Row { cells: c, style: body }.height());
                self.ensure((repeat.height() + first_height).min(BODY_HEIGHT));
            }
            self.row(head, None);
        }
        for cells in first.into_iter().chain(rows) {
            self.row(&Row { cells: &cells, style: body }, repeat);
        }
        self.space_after(8.0);
    }

    /// Places a row, moving it to the next page (after `header`, if any) when it does not fit
    /// here but would fit there, and splitting it between lines when it is taller than a page.
    fn row(&mut self, row: &Row<'_>, header: Option<&Row<'_>>) {
        let total = row.line_count();
        let header_height = header.map_or(0.0, Row::height);
        let style = row.style;
        let mut start = 0;
        let mut fresh = self.fresh;
        while start < total {
            let need = style.height(total - start);
            if need <= self.room() + EPSILON {
                self.draw_row(row, start, total);
                return;
            }
            if !fresh && need + header_height <= BODY_HEIGHT + EPSILON {
                self.page_break(header);
                fresh = true;
                continue;
            }
            let fitting = ((self.room() - 2.0 * style.padding) / style.leading + 1e-3).floor();
            if fitting < 1.0 && !fresh {
                self.page_break(header);
                fresh = true;
                continue;
            }
            // On a fresh page at least one line is drawn, so this loop always ends.
            let count = (fitting.max(1.0) as usize).min(total - start);
            self.draw_row(row, start, start + count);
            start += count;
            if start < total {
                self.page_break(header);
                fresh = true;
            }
        }
    }

    fn page_break(&mut self, header: Option<&Row<'_>>) {
        self.new_page();
        if let Some(header) = header {
            self.draw_row(header, 0, header.line_count());
        }
    }

    /// Draws lines `from..to` of every cell of `row` at the current position.
    fn draw_row(&mut self, row: &Row<'_>, from: usize, to: usize) {
        let style = row.style;
        let height = style.height(to - from);
        let top = self.y;
        let bottom = top - height;
        if let (Some(gray), Some(first), Some(last)) = (style.fill, row.cells.first(), row.cells.last()) {
            let width = last.x + last.width - first.x;
            self.current.push(Op::Fill { x: first.x, y: bottom, width, height, gray });
        }
        for (i, cell) in row.cells.iter().enumerate() {
            let face = style.face(i);
            let lines = cell.lines.get(from..to.min(cell.lines.len())).unwrap_or_default();
            for (n, line) in lines.iter().enumerate() {
                if line.text.is_empty() {
                    continue;
                }
                let line_top = top - style.padding - n as f32 * style.leading;
                self.current.push(Op::Text {
                    x: cell.x + style.padding,
                    y: line_top - baseline_offset(style.size, style.leading),
                    size: style.size,
                    face,
                    gray: 0.0,
                    text: line.text.clone(),
                });
            }
        }
        if style.framed {
            for cell in row.cells {
                self.current.push(Op::Frame { x: cell.x, y: bottom, width: cell.width, height });
            }
        }
        self.y = bottom;
        self.fresh = false;
    }

    fn rule(&mut self) {
        self.ensure(12.0);
        let y = self.y - 6.0;
        self.current.push(Op::Line { x1: MARGIN, y1: y, x2: MARGIN + CONTENT_WIDTH, y2: y, width: 0.75, gray: 0.5 });
        self.y -= 12.0;
        self.fresh = false;
    }

    fn spacer(&mut self) {
        if self.room() < 12.0 {
            self.new_page();
        } else {
            self.y -= 12.0;
            // The page is no longer empty: what follows must check that it fits below the gap.
            self.fresh = false;
        }
    }

    fn block(&mut self, block: &Block) {
        match block {
            Block::Title(text) => self.heading(text, TITLE_SIZE, TITLE_LEADING, 14.0, 8.0),
            Block::Heading(text) => self.heading(text, HEADING_SIZE, HEADING_LEADING, 10.0, 4.0),
            Block::Paragraph(text) => self.paragraph(text),
            Block::Fields(fields) => self.fields(fields),
            Block::Table { header, rows } => self.table(header, rows),
            Block::Spacer => self.spacer(),
            Block::Rule => self.rule(),
        }
    }

    /// The finished pages (at least one).
    fn finish(mut self) -> Vec<Vec<Op>> {
        if !self.current.is_empty() || self.pages.is_empty() {
            self.new_page();
        }
        self.pages
    }
}

/// The text at the bottom right of page `number` of `count`.
pub(super) fn page_label(chinese: bool, number: usize, count: usize) -> String {
    if chinese { format!("第 {number} 页 / 共 {count} 页") } else { format!("page {number} / {count}") }
}

/// Lays out `doc`: one list of drawing operations per page, footers included.
pub(super) fn lay_out(doc: &Document) -> Vec<Vec<Op>> {
    let mut layout = Layout::new();
    for block in &doc.blocks {
        layout.block(block);
    }
    let mut pages = layout.finish();
    let count = pages.len();
    let chinese = doc.is_chinese();
    for (i, page) in pages.iter_mut().enumerate() {
        let label = page_label(chinese, i + 1, count);
        let label_width = text_width(&label, Face::Regular, FOOTER_SIZE);
        let right = MARGIN + CONTENT_WIDTH;
        page.push(Op::Line { x1: MARGIN, y1: FOOTER_RULE, x2: right, y2: FOOTER_RULE, width: 0.5, gray: 0.6 });
        page.push(Op::Text {
            x: right - label_width,
            y: FOOTER_BASELINE,
            size: FOOTER_SIZE,
            face: Face::Regular,
            gray: 0.35,
            text: label,
        });
        if let Some(footer) = &doc.footer {
            let text = truncate(footer, Face::Regular, FOOTER_SIZE, CONTENT_WIDTH - label_width - 12.0);
            if !text.is_empty() {
                page.push(Op::Text {
                    x: MARGIN,
                    y: FOOTER_BASELINE,
                    size: FOOTER_SIZE,
                    face: Face::Regular,
                    gray: 0.35,
                    text,
                });
            }
        }
    }
    pages
}
