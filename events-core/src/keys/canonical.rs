//! A key's canonical text and where each part sits in it.
//!
//! Every key stores its canonical text (what Python's `str(key)` gives) once, at parse time:
//! it is written on every Avro encode, so reading it must cost nothing. The parts (org, course,
//! block id, …) are kept as byte ranges into that text instead of separate strings, so a parsed
//! key is a single allocation.
//!
//! Most valid texts are already canonical; their key is a copy of the input, and the ranges
//! are found with [`Span::within`]. The others are rendered with [`CanonicalText`], which
//! assembles borrowed pieces (slices of the input and literals) and copies them into an
//! allocation of exactly the final size: a growing `String` would reallocate, and shrinking it
//! into a `Box<str>` would reallocate again.

use super::MAX_KEY_LEN;
use super::error::InvalidKeyReason;

/// A byte range of a key's canonical text. `u32` keeps keys compact; [`MAX_KEY_LEN`] keeps every
/// offset in range.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct Span {
    start: u32,
    end: u32,
}

impl Span {
    fn new(start: usize, end: usize) -> Span {
        // Texts are at most MAX_KEY_LEN (2^30) bytes, checked before parsing and in `finish`, so
        // the offsets fit; a wrapped offset could only give an empty or wrong part, never a
        // panic, as `of` reads with `get`.
        const _: () = assert!(MAX_KEY_LEN <= u32::MAX as usize);
        Span {
            start: start as u32,
            end: end as u32,
        }
    }

    /// Where `part`, a slice of `text`, sits in it: for keys whose canonical text is the input
    /// itself, whose parts are slices of it.
    pub(crate) fn within(text: &str, part: &str) -> Span {
        let start = (part.as_ptr() as usize).wrapping_sub(text.as_ptr() as usize);
        Span::new(start, start.wrapping_add(part.len()))
    }

    /// The spanned part of `text`, or `""` if the span does not fit (never the case for the text
    /// it was built with).
    pub(crate) fn of(self, text: &str) -> &str {
        text.get(self.start as usize..self.end as usize).unwrap_or_default()
    }

    /// Where the span starts, in bytes.
    pub(crate) fn start(self) -> usize {
        self.start as usize
    }

    /// The same part in another text that holds it at `new_base` instead of `old_base`, for
    /// keys derived from another key's text (a block's course, a CCX's plain course).
    pub(crate) fn rebased(self, old_base: usize, new_base: usize) -> Span {
        let moved = |offset: u32| (offset as usize).saturating_sub(old_base).saturating_add(new_base);
        Span::new(moved(self.start), moved(self.end))
    }
}

/// Enough for the longest rendering (a CCX block: 17 pieces); more spill into a `String`.
const MAX_PIECES: usize = 24;

/// How a piece is copied into the text.
#[derive(Clone, Copy)]
enum PieceCase {
    AsIs,
    /// ASCII letters lower-cased, which keeps the length.
    Lowercase,
}

/// The canonical text under construction, as the pieces it will be made of.
pub(crate) struct CanonicalText<'a> {
    pieces: [(&'a str, PieceCase); MAX_PIECES],
    count: usize,
    len: usize,
    /// The text so far once the pieces no longer fit in `pieces`.
    spilled: Option<String>,
}

impl<'a> CanonicalText<'a> {
    /// Starts an empty text.
    pub(crate) fn new() -> Self {
        CanonicalText {
            pieces: [("", PieceCase::AsIs); MAX_PIECES],
            count: 0,
            len: 0,
            spilled: None,
        }
    }

    /// Appends `piece`.
    pub(crate) fn push(&mut self, piece: &'a str) {
        self.append(piece, PieceCase::AsIs);
    }

    /// Appends `piece` and returns where it sits.
    pub(crate) fn push_part(&mut self, piece: &'a str) -> Span {
        let start = self.len;
        self.append(piece, PieceCase::AsIs);
        Span::new(start, self.len)
    }

    /// Appends `piece` with ASCII letters lower-cased and returns where it sits.
    pub(crate) fn push_part_lowercase(&mut self, piece: &'a str) -> Span {
        let start = self.len;
        self.append(piece, PieceCase::Lowercase);
        Span::new(start, self.len)
    }

    fn append(&mut self, piece: &'a str, copy: PieceCase) {
        self.len = self.len.saturating_add(piece.len());
        if let Some(spilled) = &mut self.spilled {
            copy_piece(spilled, piece, copy);
        } else if let Some(slot) = self.pieces.get_mut(self.count) {
            *slot = (piece, copy);
            self.count += 1;
        } else {
            let mut spilled = String::new();
            for &(earlier, earlier_copy) in &self.pieces {
                copy_piece(&mut spilled, earlier, earlier_copy);
            }
            copy_piece(&mut spilled, piece, copy);
            self.spilled = Some(spilled);
        }
    }

    /// The finished text, refused if it outgrew [`MAX_KEY_LEN`] (which only a text near that
    /// size to begin with can do).
    pub(crate) fn finish(self) -> Result<Box<str>, InvalidKeyReason> {
        if self.len > MAX_KEY_LEN {
            return Err(InvalidKeyReason::TooLong { len: self.len });
        }
        Ok(self.into_derived_text())
    }

    /// The finished text of a key derived from a part of another, already accepted, key: it is
    /// no longer than that key, so it needs no length check.
    pub(crate) fn into_derived_text(self) -> Box<str> {
        if let Some(spilled) = self.spilled {
            return spilled.into_boxed_str();
        }
        let mut text = String::with_capacity(self.len);
        for &(piece, copy) in &self.pieces[..self.count] {
            copy_piece(&mut text, piece, copy);
        }
        // The capacity is exactly the length, so this does not reallocate.
        text.into_boxed_str()
    }
}

fn copy_piece(text: &mut String, piece: &str, copy: PieceCase) {
    match copy {
        PieceCase::AsIs => text.push_str(piece),
        PieceCase::Lowercase => text.extend(piece.chars().map(|ch| ch.to_ascii_lowercase())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parts_are_found_again_by_their_spans() {
        let mut text = CanonicalText::new();
        text.push("course-v1:");
        let org = text.push_part("edX");
        text.push("+");
        let version = text.push_part_lowercase("ABCDEF");
        let finished = text.finish().unwrap();
        assert_eq!(&*finished, "course-v1:edX+abcdef");
        assert_eq!(org.of(&finished), "edX");
        assert_eq!(version.of(&finished), "abcdef");
        assert_eq!(version.start(), 14);
    }

    #[test]
    fn more_pieces_than_the_inline_list_holds_spill_into_a_string() {
        let mut text = CanonicalText::new();
        let mut spans = Vec::new();
        for index in 0..(MAX_PIECES * 2) {
            spans.push(text.push_part(if index % 2 == 0 { "ab" } else { "C" }));
        }
        let last = text.push_part_lowercase("XY");
        let finished = text.finish().unwrap();
        assert_eq!(finished.len(), MAX_PIECES * 3 + 2);
        assert_eq!(spans[MAX_PIECES + 1].of(&finished), "C");
        assert_eq!(last.of(&finished), "xy");
    }

    #[test]
    fn a_rebased_span_finds_the_part_in_the_derived_text() {
        let mut text = CanonicalText::new();
        text.push("block-v1:");
        let org = text.push_part("edX");
        let block = text.finish().unwrap();
        let course = format!("course-v1:{}", &block["block-v1:".len()..]);
        assert_eq!(org.rebased("block-v1:".len(), "course-v1:".len()).of(&course), "edX");
    }

    #[test]
    fn a_span_within_a_text_finds_the_slice_again() {
        let text = "lib:org:slug";
        let span = Span::within(text, &text[8..]);
        assert_eq!(span.of(text), "slug");
        assert_eq!(span.start(), 8);
    }

    #[test]
    fn a_span_outside_the_text_reads_as_empty() {
        let span = Span { start: 5, end: 9 };
        assert_eq!(span.of("abc"), "");
    }
}
