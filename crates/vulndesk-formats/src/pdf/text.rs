//! Cleaning input text and breaking it into lines that fit a width.
//!
//! Lines break at spaces, and between two characters when either is CJK (Chinese is written
//! without spaces), except before closing punctuation such as `，。）` and after opening
//! punctuation such as `（《`. A word wider than the whole column is broken between any two
//! characters, so every line has at least one character and wrapping always ends.

use super::metrics::{Face, char_units, text_width};

/// A little slack when comparing widths, so that rounding never pushes a fitting word over.
const EPSILON: f32 = 0.01;

/// Characters that must not start a line (they stay with the character before them).
const NO_LINE_START: &str = ",.;:!?)]}%，。、；：？！）》」』】〕〉〗〙〛”’％‰…·～々ゝゞー";

/// Characters that must not end a line (they stay with the character after them).
const NO_LINE_END: &str = "([{（《「『【〔〈〖〘〚“‘";

/// One output line and its width in points.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct Line {
    /// The text, already cleaned.
    pub(super) text: String,
    /// Its width at the size it was wrapped for.
    pub(super) width: f32,
}

/// Drops control characters and invisible format characters, keeps line breaks as `'\n'` (CR LF,
/// CR, LS and PS included), turns tabs into spaces and characters outside the Basic Multilingual
/// Plane (which UCS-2 cannot encode) into `'?'`.
pub(super) fn clean(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\r' => {
                chars.next_if_eq(&'\n');
                out.push('\n');
            }
            '\n' | '\u{2028}' | '\u{2029}' => out.push('\n'),
            '\t' => out.push(' '),
            c if c.is_control() => {}
            // Invisible format characters (soft hyphen, zero-width and bidi controls, BOM,
            // variation selectors) would otherwise take a whole em in STSong-Light.
            '\u{AD}'
            | '\u{200B}'..='\u{200F}'
            | '\u{202A}'..='\u{202E}'
            | '\u{2060}'..='\u{206F}'
            | '\u{FE00}'..='\u{FE0F}'
            | '\u{FEFF}'
            | '\u{FFF9}'..='\u{FFFB}' => {}
            // Noncharacters and anything UCS-2 cannot hold.
            '\u{FFFE}' | '\u{FFFF}' => out.push('?'),
            c if u32::from(c) > 0xFFFF => out.push('?'),
            c => out.push(c),
        }
    }
    out
}

/// [`clean`], with line breaks turned into spaces: for text that must stay on one line.
pub(super) fn clean_one_line(text: &str) -> String {
    clean(text).replace('\n', " ")
}

/// The longest prefix of `text` (cleaned, on one line) that fits `max_width`, with `…` at the end
/// when something was cut.
pub(super) fn truncate(text: &str, face: Face, size: f32, max_width: f32) -> String {
    let text = clean_one_line(text);
    if text_width(&text, face, size) <= max_width + EPSILON {
        return text;
    }
    let room = max_width - text_width("…", face, size);
    let mut out = String::new();
    let mut width = 0.0;
    for c in text.chars() {
        let w = char_units(c, face) as f32 * size / 1000.0;
        if width + w > room + EPSILON {
            break;
        }
        out.push(c);
        width += w;
    }
    out.truncate(out.trim_end().len());
    out.push('…');
    out
}

/// Whether `c` is written without spaces between words, so a line may break on either side of
/// it: CJK ideographs and symbols, kana, Hangul, compatibility and full-width forms.
fn breaks_anywhere(c: char) -> bool {
    matches!(u32::from(c),
        0x2E80..=0x9FFF | 0xA960..=0xA97F | 0xAC00..=0xD7AF | 0xF900..=0xFAFF | 0xFE30..=0xFE4F
            | 0xFF00..=0xFFEF)
}

/// Whether a line may break between `before` and `after` (neither a space).
fn may_break(before: char, after: char) -> bool {
    (breaks_anywhere(before) || breaks_anywhere(after))
        && !NO_LINE_START.contains(after)
        && !NO_LINE_END.contains(before)
}

/// Splits one line of text (no `'\n'`) into unbreakable pieces: single spaces, and words.
fn pieces(line: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut start = 0;
    let mut prev: Option<char> = None;
    for (i, c) in line.char_indices() {
        let cut = match prev {
            None => false,
            Some(' ') => true,
            Some(_) if c == ' ' => true,
            Some(p) => may_break(p, c),
        };
        if cut {
            out.push(&line[start..i]);
            start = i;
        }
        prev = Some(c);
    }
    if start < line.len() {
        out.push(&line[start..]);
    }
    out
}

/// Greedy line filling.
struct Filler {
    face: Face,
    size: f32,
    max_width: f32,
    lines: Vec<Line>,
    line: String,
    width: f32,
    /// Spaces seen after the last word: written only if another word follows on the same line.
    spaces: String,
    spaces_width: f32,
}

impl Filler {
    fn width_of(&self, s: &str) -> f32 {
        text_width(s, self.face, self.size)
    }

    fn push_space(&mut self, s: &str) {
        if !self.line.is_empty() {
            self.spaces_width += self.width_of(s);
            self.spaces.push_str(s);
        }
    }

    fn fits(&self, width: f32) -> bool {
        self.width + self.spaces_width + width <= self.max_width + EPSILON
    }

    fn append(&mut self, s: &str, width: f32) {
        self.line.push_str(&self.spaces);
        self.width += self.spaces_width;
        self.spaces.clear();
        self.spaces_width = 0.0;
        self.line.push_str(s);
        self.width += width;
    }

    fn push_word(&mut self, word: &str) {
        let width = self.width_of(word);
        if self.fits(width) {
            self.append(word, width);
            return;
        }
        if width <= self.max_width + EPSILON {
            // Fits on a line of its own.
            self.break_line();
            self.append(word, width);
            return;
        }
        // Wider than the column: break between characters, starting on the current line.
        for c in word.chars() {
            let w = char_units(c, self.face) as f32 * self.size / 1000.0;
            if !self.line.is_empty() && !self.fits(w) {
                self.break_line();
            }
            let mut buf = [0u8; 4];
            self.append(c.encode_utf8(&mut buf), w);
        }
    }

    fn break_line(&mut self) {
        self.lines.push(Line { text: std::mem::take(&mut self.line), width: self.width });
        self.width = 0.0;
        self.spaces.clear();
        self.spaces_width = 0.0;
    }
}

/// Breaks `text` into lines no wider than `max_width` points at `size` (except single characters
/// wider than the column). Every `'\n'` starts a new line, so an empty text is one empty line.
pub(super) fn wrap(text: &str, face: Face, size: f32, max_width: f32) -> Vec<Line> {
    let mut filler = Filler {
        face,
        size,
        max_width,
        lines: Vec::new(),
        line: String::new(),
        width: 0.0,
        spaces: String::new(),
        spaces_width: 0.0,
    };
    for hard_line in clean(text).split('\n') {
        for piece in pieces(hard_line) {
            if piece == " " {
                filler.push_space(piece);
            } else {
                filler.push_word(piece);
            }
        }
        filler.break_line();
    }
    filler.lines
}
