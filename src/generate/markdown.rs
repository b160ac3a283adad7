//! Escaping spec text for Markdown. Spec text is data: in the book it must
//! read exactly as written, never become HTML, a link, or an mdBook
//! `{{#include}}` directive.

/// Escape text placed inline (headings, paragraphs, list items).
pub fn inline(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        match c {
            '\\' | '`' | '*' | '_' | '[' | ']' | '<' | '>' | '#' | '|' | '~' | '&' | '!' | '{'
            | '}' | '$' => {
                out.push('\\');
                out.push(c);
            }
            '\n' | '\r' => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

/// Text placed in HTML or SVG (element content or a quoted attribute).
pub fn html_escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// A table cell showing `text` as code: backticks can't be escaped inside a
/// code span, so a longer delimiter is used, and `|` must not end the cell.
pub fn code_cell(text: &str) -> String {
    if text.is_empty() {
        return String::new();
    }
    let text = text.replace('|', "\\|").replace(['\n', '\r'], " ");
    let longest = text.split(|c| c != '`').map(str::len).max().unwrap_or(0);
    let ticks = "`".repeat(longest + 1);
    format!("{ticks} {text} {ticks}")
}

/// A fenced code block that no backtick run inside `code` can close early.
pub fn fence(code: &str, lang: &str) -> String {
    let longest = code.split(|c| c != '`').map(str::len).max().unwrap_or(0);
    let ticks = "`".repeat(longest.max(2) + 1);
    format!("{ticks}{lang}\n{}\n{ticks}", code.trim_end())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn html_links_and_directives_are_escaped() {
        assert_eq!(
            inline("<b>x</b> [a](b) {{#include x}}"),
            r"\<b\>x\</b\> \[a\](b) \{\{\#include x\}\}"
        );
    }

    #[test]
    fn fences_outgrow_backticks_inside() {
        assert_eq!(fence("a ``` b", "bash"), "````bash\na ``` b\n````");
    }
}
