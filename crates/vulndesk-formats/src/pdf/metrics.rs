//! Glyph widths for measuring text: Adobe's AFM advance widths of Helvetica and Helvetica-Bold for
//! printable ASCII under WinAnsiEncoding, and one em for every other character, which is set in
//! STSong-Light (whose PDF font dictionary declares `DW 1000`, so viewers advance by exactly that).

/// The weight a piece of text is set in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Face {
    /// Helvetica, and STSong-Light as it is.
    Regular,
    /// Helvetica-Bold, and STSong-Light stroked a little to look bold (it has no bold face).
    Bold,
}

/// Advance widths (thousandths of an em) of Helvetica for the codes 32..=126. Codes 39 and 96 are
/// `quotesingle` and `grave` in WinAnsiEncoding (not `quoteright`/`quoteleft` as in
/// StandardEncoding), so their widths are those glyphs'.
const HELVETICA: [u16; 95] = [
    278, 278, 355, 556, 556, 889, 667, 191, // ' ' ! " # $ % & '
    333, 333, 389, 584, 278, 333, 278, 278, // ( ) * + , - . /
    556, 556, 556, 556, 556, 556, 556, 556, // 0-7
    556, 556, 278, 278, 584, 584, 584, 556, // 8 9 : ; < = > ?
    1015, 667, 667, 722, 722, 667, 611, 778, // @ A-G
    722, 278, 500, 667, 556, 833, 722, 778, // H-O
    667, 778, 722, 667, 611, 722, 667, 944, // P-W
    667, 667, 611, 278, 278, 278, 469, 556, // X Y Z [ \ ] ^ _
    333, 556, 556, 500, 556, 556, 278, 556, // ` a-g
    556, 222, 222, 500, 222, 833, 556, 556, // h-o
    556, 556, 333, 500, 278, 556, 500, 722, // p-w
    500, 500, 500, 334, 260, 334, 584, // x y z { | } ~
];

/// Advance widths (thousandths of an em) of Helvetica-Bold for the codes 32..=126, as above.
const HELVETICA_BOLD: [u16; 95] = [
    278, 333, 474, 556, 556, 889, 722, 238, // ' ' ! " # $ % & '
    333, 333, 389, 584, 278, 333, 278, 278, // ( ) * + , - . /
    556, 556, 556, 556, 556, 556, 556, 556, // 0-7
    556, 556, 333, 333, 584, 584, 584, 611, // 8 9 : ; < = > ?
    975, 722, 722, 722, 722, 667, 611, 778, // @ A-G
    722, 278, 556, 722, 611, 833, 722, 778, // H-O
    667, 778, 722, 667, 611, 722, 667, 944, // P-W
    667, 667, 611, 333, 278, 333, 584, 556, // X Y Z [ \ ] ^ _
    333, 556, 611, 556, 611, 556, 333, 611, // ` a-g
    611, 278, 278, 556, 278, 889, 611, 611, // h-o
    611, 611, 389, 556, 333, 611, 556, 778, // p-w
    556, 556, 500, 389, 280, 389, 584, // x y z { | } ~
];

/// Whether `c` is set in Helvetica (printable ASCII); everything else is set in STSong-Light.
pub(super) fn is_latin(c: char) -> bool {
    matches!(c, ' '..='~')
}

/// The advance width of `c` in thousandths of an em.
pub(super) fn char_units(c: char, face: Face) -> u32 {
    let table = match face {
        Face::Regular => &HELVETICA,
        Face::Bold => &HELVETICA_BOLD,
    };
    match u32::from(c).checked_sub(32).and_then(|i| table.get(i as usize)) {
        Some(&w) if is_latin(c) => u32::from(w),
        _ => 1000,
    }
}

/// The width of `text` in points at `size`.
pub(super) fn text_width(text: &str, face: Face, size: f32) -> f32 {
    let units: u64 = text.chars().map(|c| u64::from(char_units(c, face))).sum();
    units as f32 * size / 1000.0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn widths_follow_the_afm_files() {
        assert_eq!(char_units(' ', Face::Regular), 278);
        assert_eq!(char_units('@', Face::Regular), 1015);
        assert_eq!(char_units('@', Face::Bold), 975);
        assert_eq!(char_units('\'', Face::Regular), 191);
        assert_eq!(char_units('`', Face::Bold), 333);
        assert_eq!(char_units('~', Face::Bold), 584);
        assert_eq!(char_units('漏', Face::Regular), 1000);
        assert_eq!(char_units('é', Face::Bold), 1000);
        // "Helvetica" in Helvetica: H e l v e t i c a.
        let expected = (722 + 556 + 222 + 500 + 556 + 278 + 222 + 500 + 556) as f32 / 100.0;
        assert!((text_width("Helvetica", Face::Regular, 10.0) - expected).abs() < 1e-3);
    }
}
