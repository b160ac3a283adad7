//! Source files and positions.
//!
//! Every value that a diagnostic may point at keeps a byte span into the raw
//! text of its file. This module turns such a span into a 1-based
//! `line:column`, where the column counts characters (not bytes), which is
//! what editors and GitHub annotations expect.

use std::ops::Range;
use std::path::PathBuf;
use std::sync::Arc;

/// One file of the spec, as read from disk.
#[derive(Debug)]
pub struct SourceFile {
    /// Path as shown to the user (relative to the working directory when possible).
    pub path: PathBuf,
    pub text: String,
    line_starts: Vec<usize>,
}

/// Shared handle: diagnostics and the model both point into the same file.
pub type Source = Arc<SourceFile>;

impl SourceFile {
    pub fn new(path: impl Into<PathBuf>, text: String) -> Source {
        let line_starts = std::iter::once(0)
            .chain(text.match_indices('\n').map(|(i, _)| i + 1))
            .collect();
        Arc::new(SourceFile {
            path: path.into(),
            text,
            line_starts,
        })
    }

    pub fn display_path(&self) -> String {
        self.path.display().to_string()
    }

    /// 1-based line and character column of a byte offset.
    pub fn line_col(&self, offset: usize) -> (usize, usize) {
        let offset = offset.min(self.text.len());
        let line = match self.line_starts.binary_search(&offset) {
            Ok(i) => i,
            Err(i) => i - 1,
        };
        let start = self.line_starts[line];
        // Clamp to a char boundary so a span inside a multi-byte char never panics.
        let mut end = offset;
        while !self.text.is_char_boundary(end) {
            end -= 1;
        }
        let col = self.text[start..end].chars().count() + 1;
        (line + 1, col)
    }

    /// The text of the 1-based line `line`, without its line break.
    pub fn line_text(&self, line: usize) -> &str {
        let start = self.line_starts[line - 1];
        let end = self
            .line_starts
            .get(line)
            .copied()
            .unwrap_or(self.text.len());
        self.text[start..end].trim_end_matches(['\n', '\r'])
    }
}

/// A span in a particular file.
#[derive(Debug, Clone)]
pub struct Location {
    pub file: Source,
    pub span: Range<usize>,
}

impl Location {
    pub fn new(file: &Source, span: Range<usize>) -> Self {
        Location {
            file: file.clone(),
            span,
        }
    }

    pub fn line_col(&self) -> (usize, usize) {
        self.file.line_col(self.span.start)
    }
}

/// Maps offsets inside a TOML string *value* to byte offsets in the raw file.
///
/// `toml::Spanned` gives the span of the whole string token, quotes included.
/// For literal strings (`'…'`, `'''…'''`) the value is the raw text, so the
/// mapping is a shift. Basic strings (`"…"`, `"""…"""`) may contain escapes
/// (`\"`, `\n`, `\u00e9`, line-ending backslashes) that make the value shorter
/// than the raw text; there we walk the raw text and record, for each value
/// byte, where it came from.
#[derive(Debug, Clone)]
pub struct StringMap {
    /// Raw-file offset of each value byte; one extra entry for the end.
    offsets: Vec<usize>,
}

impl StringMap {
    /// Build the map for the token at `token` (a span including quotes).
    pub fn new(text: &str, token: Range<usize>) -> StringMap {
        let raw = &text[token.clone()];
        let base = token.start;
        let mut offsets = Vec::with_capacity(raw.len());
        let (quote_len, literal) = if raw.starts_with("'''") {
            (3, true)
        } else if raw.starts_with("\"\"\"") {
            (3, false)
        } else if raw.starts_with('\'') {
            (1, true)
        } else if raw.starts_with('"') {
            (1, false)
        } else {
            // Not a string token (should not happen): identity map.
            return StringMap {
                offsets: (base..=token.end).collect(),
            };
        };
        let body_end = raw.len().saturating_sub(quote_len).max(quote_len);
        let mut i = quote_len;
        // A newline immediately after an opening triple quote is trimmed.
        if quote_len == 3 {
            if raw[i..].starts_with("\r\n") {
                i += 2;
            } else if raw[i..].starts_with('\n') {
                i += 1;
            }
        }
        let bytes = raw.as_bytes();
        while i < body_end {
            if !literal && bytes[i] == b'\\' && i + 1 < body_end {
                let next = bytes[i + 1];
                match next {
                    b'u' | b'U' => {
                        let len = if next == b'u' { 4 } else { 8 };
                        let hex = raw.get(i + 2..i + 2 + len).unwrap_or("");
                        let ch = u32::from_str_radix(hex, 16)
                            .ok()
                            .and_then(char::from_u32)
                            .unwrap_or('\u{fffd}');
                        for _ in 0..ch.len_utf8() {
                            offsets.push(base + i);
                        }
                        i += 2 + len;
                    }
                    b'\n' | b'\r' | b' ' | b'\t' if quote_len == 3 => {
                        // Line-ending backslash: skip all whitespace and newlines.
                        i += 1;
                        while i < body_end && matches!(bytes[i], b' ' | b'\t' | b'\n' | b'\r') {
                            i += 1;
                        }
                    }
                    _ => {
                        offsets.push(base + i);
                        i += 2;
                    }
                }
            } else {
                offsets.push(base + i);
                i += 1;
            }
        }
        offsets.push(base + i.min(body_end));
        StringMap { offsets }
    }

    /// Raw-file offset of value byte `offset`.
    pub fn raw_offset(&self, offset: usize) -> usize {
        let last = self.offsets.len() - 1;
        self.offsets[offset.min(last)]
    }

    /// Raw-file span of a value range.
    pub fn raw_span(&self, range: Range<usize>) -> Range<usize> {
        let start = self.raw_offset(range.start);
        let end = if range.end > range.start {
            self.raw_offset(range.end - 1) + 1
        } else {
            start
        };
        start..end.max(start)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn map_of(doc: &str) -> (String, StringMap) {
        let value: toml::Spanned<String> = {
            #[derive(serde::Deserialize)]
            struct D {
                v: toml::Spanned<String>,
            }
            toml::from_str::<D>(doc).unwrap().v
        };
        let map = StringMap::new(doc, value.span());
        (value.into_inner(), map)
    }

    #[test]
    fn literal_multiline_maps_one_to_one_after_trimmed_newline() {
        let doc = "v = '''\necho $X\n'''\n";
        let (value, map) = map_of(doc);
        let at = value.find("$X").unwrap();
        assert_eq!(&doc[map.raw_offset(at)..map.raw_offset(at) + 2], "$X");
    }

    #[test]
    fn basic_string_escapes_shift_later_offsets() {
        let doc = r#"v = "a \"q\" \u00e9 $HOME""#;
        let (value, map) = map_of(doc);
        let at = value.find("$HOME").unwrap();
        let raw = map.raw_offset(at);
        assert_eq!(&doc[raw..raw + 5], "$HOME");
    }

    #[test]
    fn line_ending_backslash_is_skipped() {
        let doc = "v = \"\"\"\nab \\\n    $Y\"\"\"";
        let (value, map) = map_of(doc);
        let at = value.find("$Y").unwrap();
        let raw = map.raw_offset(at);
        assert_eq!(&doc[raw..raw + 2], "$Y");
    }

    #[test]
    fn columns_count_characters() {
        let f = SourceFile::new("x.toml", "a = \"é\" # $Z\n".to_string());
        let off = f.text.find("$Z").unwrap();
        assert_eq!(f.line_col(off), (1, 11));
    }
}
