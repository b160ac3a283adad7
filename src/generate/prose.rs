//! Prose fields (descriptions, summaries, help texts, expected results,
//! checklist `how`s, …) are CommonMark with tables and task lists. This
//! module renders them for each output: Markdown for the mdBook book, Typst
//! markup for the PDF. Both keep the injection guarantees: raw HTML in prose
//! is shown as text, mdBook directives (`{{#include …}}`) stay literal, and
//! nothing a spec author writes becomes Typst code.
//!
//! Prose may also point at other parts of the spec with `[[target]]`:
//! `[[runbook-id]]`, `[[runbook-id#step-id]]`, `[[checklist-id]]`,
//! `[[checklist-id#item-id]]`, `[[decision-tree]]`,
//! `[[decision-tree#question-id]]` and `[[postmortem]]`. The build resolves
//! each into the target's current title and number ("Runbook B, step 8: …"),
//! a link in the book and a page number on paper, so a renumbered step can
//! never leave a stale "see step 6" behind. An unknown target is RB018.

pub use crate::semantics::references::{
    Reference, Resolved, checklist_fragment, options, page_file, question_fragment, references,
    resolve, step_fragment,
};
use crate::spec::Spec;
use pulldown_cmark::{Event, HeadingLevel, Parser, Tag, TagEnd};
use std::ops::Range;

/// Remove the indentation every non-blank line shares (TOML multi-line
/// strings are often indented with the file), so that indented YAML or a
/// nested list keeps its shape and is not read as a code block.
pub fn dedent(text: &str) -> String {
    let indent = text
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| l.len() - l.trim_start_matches([' ', '\t']).len())
        .min()
        .unwrap_or(0);
    text.lines()
        .map(|l| l.get(indent..).unwrap_or(l.trim_start()))
        .collect::<Vec<_>>()
        .join("\n")
        .trim_matches('\n')
        .to_string()
}

/// Stands for the path from the page being written to the book's root:
/// prose is rendered once and placed on pages at different depths, and
/// `at_page` fills it in.
pub const ROOT: &str = "\u{F8F2}";

/// Fill in the links of prose placed on the book page `page`.
pub fn at_page(markdown: &str, page: &str) -> String {
    markdown.replace(ROOT, &"../".repeat(page.matches('/').count()))
}

/// How a prose field is laid out.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Breaks {
    /// CommonMark: a single newline inside a paragraph is a space.
    #[default]
    Soft,
    /// Every line stays a line (expected output, which is often several
    /// lines of a command's answer).
    Hard,
}

/// Prose as Markdown for the book; links start with [`ROOT`].
pub fn to_book(spec: &Spec, text: &str, breaks: Breaks) -> String {
    to_book_with(spec, text, breaks, false)
}

/// A reference page (`pages/*.md`) for the book: prose, but a chapter of
/// its own, so its headings stay the levels its author wrote.
pub fn page_to_book(spec: &Spec, text: &str) -> String {
    to_book_with(spec, text, Breaks::Soft, true)
}

fn to_book_with(spec: &Spec, text: &str, breaks: Breaks, keep_headings: bool) -> String {
    let text = dedent(text).replace(ROOT, "");
    // Edits to the author's Markdown, as (range, replacement), applied from
    // the back so the ranges stay valid.
    let mut edits: Vec<(Range<usize>, String)> = Vec::new();
    // Where `<` is the author's code or an autolink, and stays as it is.
    let mut verbatim: Vec<Range<usize>> = Vec::new();
    for (event, range) in Parser::new_ext(&text, options()).into_offset_iter() {
        match event {
            Event::Code(_)
            | Event::Start(Tag::CodeBlock(_))
            | Event::Start(Tag::Link {
                link_type: pulldown_cmark::LinkType::Autolink | pulldown_cmark::LinkType::Email,
                ..
            }) => verbatim.push(range),
            Event::SoftBreak if breaks == Breaks::Hard => {
                edits.push((range.start..range.start, "\\".into()));
            }
            // A heading inside prose would become a chapter of the book.
            Event::Start(Tag::Heading { .. }) if !keep_headings => {
                let hashes =
                    text[range.clone()].len() - text[range.clone()].trim_start_matches('#').len();
                if hashes > 0 {
                    edits.push((range.start..range.start + hashes, "####".into()));
                }
            }
            _ => {}
        }
    }
    // Raw HTML is shown as written, never live: every `<` outside code
    // becomes `&lt;` (an escaped `\<` too, backslash and all).
    let bytes = text.as_bytes();
    for (i, _) in text.match_indices('<') {
        if verbatim.iter().any(|r| r.contains(&i)) {
            continue;
        }
        let start = if i > 0 && bytes[i - 1] == b'\\' {
            i - 1
        } else {
            i
        };
        edits.push((start..i + 1, "&lt;".into()));
    }
    for r in references(&text) {
        let replacement = match resolve(spec, &r.target) {
            Some(res) => {
                let mut link = format!("{ROOT}{}", res.page);
                if !res.fragment.is_empty() {
                    link = format!("{link}#{}", res.fragment);
                }
                format!("[{}]({link})", super::markdown::inline(&res.label))
            }
            None => format!("\\[\\[{}\\]\\]", super::markdown::inline(&r.target)),
        };
        edits.push((r.range, replacement));
    }
    edits.sort_by_key(|(r, _)| std::cmp::Reverse((r.start, r.end)));
    let mut out = text;
    let mut last = usize::MAX;
    for (range, replacement) in edits {
        // Overlapping edits (HTML inside a reference) keep the outer one.
        if range.end > last {
            continue;
        }
        last = range.start;
        out.replace_range(range, &replacement);
    }
    // mdBook expands `{{#include …}}` anywhere in a page, code included; its
    // escape `\{{#` prints the directive literally.
    out.replace("{{#", "\\{{#")
}

/// Prose as one line of Markdown (table cells, list items): a paragraph
/// break becomes a space so the cell or item stays whole.
pub fn to_book_inline(spec: &Spec, text: &str) -> String {
    to_book(spec, text, Breaks::Soft)
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
        .replace('|', "\\|")
}

/// Prose as plain text for a terminal (a script's `--help`, its step
/// descriptions, expected results and gates): references resolved to
/// what they name ("step 3: STONITH" within procedure `here`), Markdown
/// reduced to its text — no backticks, emphasis marks or fences; code
/// blocks indented, links as "text (url)", list items with "- ".
pub fn to_terminal(spec: &Spec, here: Option<&str>, text: &str, breaks: Breaks) -> String {
    let text = dedent(text).replace([REF_OPEN, REF_CLOSE], "");
    // References become numbered marks the Markdown parser leaves alone,
    // and their labels go back in at the end: a title shows as written.
    let mut labels: Vec<String> = Vec::new();
    let mut hidden = String::with_capacity(text.len());
    let mut at = 0;
    for r in references(&text) {
        hidden.push_str(&text[at..r.range.start]);
        labels.push(match resolve(spec, &r.target) {
            Some(res) => res.label_in(here),
            None => format!("[[{}]]", r.target),
        });
        hidden.push(REF_OPEN);
        hidden.push_str(&(labels.len() - 1).to_string());
        hidden.push(REF_CLOSE);
        at = r.range.end;
    }
    hidden.push_str(&text[at..]);

    let mut out = String::new();
    let mut lists: Vec<Option<u64>> = Vec::new();
    let mut links: Vec<String> = Vec::new();
    let mut in_code = false;
    let new_block = |out: &mut String| {
        while out.ends_with(' ') {
            out.pop();
        }
        if !out.is_empty() && !out.ends_with("\n\n") {
            out.push_str(if out.ends_with('\n') { "\n" } else { "\n\n" });
        }
    };
    for event in Parser::new_ext(&hidden, options()) {
        match event {
            Event::Start(Tag::Paragraph | Tag::Heading { .. } | Tag::BlockQuote(_)) => {
                if lists.is_empty() {
                    new_block(&mut out);
                }
            }
            Event::Start(Tag::CodeBlock(_)) => {
                if lists.is_empty() {
                    new_block(&mut out);
                } else if !out.ends_with('\n') {
                    out.push('\n');
                }
                in_code = true;
            }
            Event::End(TagEnd::CodeBlock) => in_code = false,
            Event::Start(Tag::List(start)) => {
                if lists.is_empty() {
                    new_block(&mut out);
                } else if !out.ends_with('\n') {
                    out.push('\n');
                }
                lists.push(start);
            }
            Event::End(TagEnd::List(_)) => {
                lists.pop();
            }
            Event::Start(Tag::Item) => {
                if !out.is_empty() && !out.ends_with('\n') {
                    out.push('\n');
                }
                out.push_str(&"  ".repeat(lists.len().saturating_sub(1)));
                match lists.last_mut() {
                    Some(Some(n)) => {
                        out.push_str(&format!("{n}. "));
                        *n += 1;
                    }
                    _ => out.push_str("- "),
                }
            }
            Event::Start(Tag::Link { dest_url, .. }) => links.push(dest_url.to_string()),
            Event::End(TagEnd::Link) => {
                if let Some(url) = links.pop() {
                    if !url.is_empty() && !out.ends_with(url.as_str()) {
                        out.push_str(&format!(" ({url})"));
                    }
                }
            }
            Event::Start(Tag::TableCell) => {
                if !out.is_empty() && !out.ends_with('\n') && !out.ends_with("\n\n") {
                    out.push_str(" | ");
                }
            }
            Event::End(TagEnd::TableHead | TagEnd::TableRow) => out.push('\n'),
            Event::Start(Tag::Table(_)) => new_block(&mut out),
            Event::Text(t) if in_code => {
                for line in t.lines() {
                    out.push_str("    ");
                    out.push_str(line);
                    out.push('\n');
                }
            }
            Event::Text(t) | Event::Code(t) | Event::Html(t) | Event::InlineHtml(t) => {
                out.push_str(&t)
            }
            Event::SoftBreak => out.push(if breaks == Breaks::Hard { '\n' } else { ' ' }),
            Event::HardBreak => out.push('\n'),
            Event::Rule => new_block(&mut out),
            Event::TaskListMarker(done) => out.push_str(if done { "[x] " } else { "[ ] " }),
            _ => {}
        }
    }
    let mut text = String::with_capacity(out.len());
    let mut rest = out.trim().trim_end_matches('\n');
    while let Some(open) = rest.find(REF_OPEN) {
        text.push_str(&rest[..open]);
        let after = &rest[open + REF_OPEN.len_utf8()..];
        let close = after.find(REF_CLOSE).unwrap_or(after.len());
        let index: usize = after[..close].parse().unwrap_or(usize::MAX);
        text.push_str(labels.get(index).map(String::as_str).unwrap_or(""));
        rest = after.get(close + REF_CLOSE.len_utf8()..).unwrap_or("");
    }
    text.push_str(rest);
    text
}

/// Typst markup: every character of plain text escaped.
pub fn typst_text(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        match c {
            '\n' | '\r' | '\t' => out.push(' '),
            c if c.is_ascii_punctuation() => {
                out.push('\\');
                out.push(c);
            }
            c => out.push(c),
        }
    }
    out
}

/// A Typst string literal.
pub fn typst_str(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => {}
            '\t' => out.push_str("    "),
            c if c.is_control() => out.push_str(&format!("\\u{{{:x}}}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// Typst label text for a document-wide key.
pub fn typst_label(key: &str) -> String {
    let clean: String = key
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '.' {
                c
            } else {
                '_'
            }
        })
        .collect();
    format!("rb-{clean}")
}

/// Private-use characters stand in for references while the Markdown is
/// parsed, so a reference is one piece of text whatever surrounds it.
const REF_OPEN: char = '\u{F8F0}';
const REF_CLOSE: char = '\u{F8F1}';

/// Prose as Typst markup. Code is laid out by `code_block`.
pub fn to_typst(spec: &Spec, text: &str, breaks: Breaks, code_columns: usize) -> String {
    typst_markup(spec, None, text, breaks, code_columns, false)
}

/// [`to_typst`] for prose of procedure `here`: a reference to one of its
/// own steps is "→ step 3, p. 10", not the procedure's whole title again.
pub fn to_typst_in(
    spec: &Spec,
    here: &str,
    text: &str,
    breaks: Breaks,
    code_columns: usize,
) -> String {
    typst_markup(spec, Some(here), text, breaks, code_columns, false)
}

/// A Markdown template (the post-mortem's) as a form to fill in by hand:
/// writing lines under each paragraph, tables full width with blank rows.
pub fn to_typst_form(spec: &Spec, text: &str, code_columns: usize) -> String {
    let blanked = form_blanks(&dedent(text));
    typst_markup(spec, None, &blanked, Breaks::Soft, code_columns, true)
        .replace(
            FORM_BLANK,
            "#box(width: 1fr, height: 7mm, stroke: (bottom: 0.6pt + black))[]",
        )
        .replace(FORM_TICK, "#tick(false)")
}

/// Where the form has a box to tick.
const FORM_TICK: char = '\u{F8F4}';

/// Where the form has a line to write on.
const FORM_BLANK: char = '\u{F8F3}';

/// A template's sample content taken out so the paper form is blank: a list
/// item "Owner: DBA name" keeps its label and gets a line to write on
/// ("Total downtime: __ min __ sec" keeps its blanks, "a / b / c" its
/// choices, a "(hint)" stays as a hint); a table keeps its header and gets
/// empty rows for its sample rows; a paragraph that is only a "(hint)" is
/// shown as one.
fn form_blanks(text: &str) -> String {
    let mut out = Vec::new();
    let mut table_row = 0usize;
    for line in text.lines() {
        let trimmed = line.trim_start();
        if trimmed.starts_with('|') {
            table_row += 1;
            // Header and delimiter rows stay; sample rows are emptied.
            if table_row > 2 {
                let cells = trimmed.trim_matches('|').split('|').count();
                out.push(format!("|{}", " |".repeat(cells)));
            } else {
                out.push(line.to_string());
            }
            continue;
        }
        table_row = 0;
        let item = trimmed
            .strip_prefix("- ")
            .or_else(|| trimmed.strip_prefix("* "))
            .or_else(|| trimmed.strip_prefix("+ "));
        if let Some(content) = item {
            let indent = &line[..line.len() - trimmed.len()];
            out.push(format!("{indent}- {}", form_item(content)));
            continue;
        }
        if is_hint(trimmed) {
            out.push(format!("_{}_", trimmed));
            continue;
        }
        out.push(line.to_string());
    }
    out.join("\n")
}

fn is_hint(text: &str) -> bool {
    let t = text.trim();
    t.len() > 2 && t.starts_with('(') && t.ends_with(')') && !t[1..t.len() - 1].contains(['(', ')'])
}

fn form_item(content: &str) -> String {
    let content = content
        .trim()
        .trim_end_matches("...")
        .trim_end_matches('…')
        .trim_end();
    let (label, value) = match content.split_once(": ") {
        Some((l, v)) => (format!("{l}:"), v.trim()),
        None if is_hint(content) || content.ends_with(')') => {
            // "(Done)", "(In progress)": a label of its own.
            (content.to_string(), "")
        }
        None => (content.to_string(), ""),
    };
    if value.contains("__") {
        let blanks = value.replace("__", &FORM_BLANK.to_string());
        return format!("{label} {blanks}");
    }
    if value.contains(" / ") {
        let choices: Vec<String> = value
            .split(" / ")
            .map(|c| format!("{FORM_TICK} {}", c.trim()))
            .collect();
        return format!("{label} {}", choices.join("   "));
    }
    if is_hint(value) {
        return format!("{label} {FORM_BLANK} _{value}_");
    }
    format!("{label} {FORM_BLANK}")
}

fn typst_markup(
    spec: &Spec,
    here: Option<&str>,
    text: &str,
    breaks: Breaks,
    code_columns: usize,
    form: bool,
) -> String {
    let text = dedent(text).replace([REF_OPEN, REF_CLOSE], "");
    let text = if form {
        text
    } else {
        text.replace([FORM_BLANK, FORM_TICK], "")
    };
    let refs = references(&text);
    let mut marked = String::with_capacity(text.len());
    let mut at = 0;
    for (i, r) in refs.iter().enumerate() {
        marked.push_str(&text[at..r.range.start]);
        marked.push(REF_OPEN);
        marked.push_str(&i.to_string());
        marked.push(REF_CLOSE);
        at = r.range.end;
    }
    marked.push_str(&text[at..]);

    let mut out = String::new();
    let mut code: Option<String> = None;
    let mut table_cells: Vec<usize> = Vec::new();
    let mut list_depth = 0usize;
    for event in Parser::new_ext(&marked, options()) {
        if let Some(buf) = code.as_mut() {
            match event {
                Event::Text(t) => buf.push_str(&t),
                Event::End(TagEnd::CodeBlock) => {
                    out.push_str(&code_block(buf, code_columns));
                    out.push('\n');
                    code = None;
                }
                _ => {}
            }
            continue;
        }
        match event {
            Event::Start(tag) => match tag {
                Tag::Paragraph => {}
                Tag::Heading { level, .. } => {
                    let size = if level <= HeadingLevel::H2 {
                        "1.1em"
                    } else {
                        "1em"
                    };
                    out.push_str(&format!(
                        "#block(sticky: true, text(weight: \"bold\", size: {size})["
                    ));
                }
                Tag::BlockQuote(_) => out.push_str("#quote(block: true)["),
                Tag::CodeBlock(_) => code = Some(String::new()),
                Tag::List(Some(start)) => {
                    list_depth += 1;
                    let spacing = if form {
                        "spacing: 1.6em"
                    } else {
                        "tight: true"
                    };
                    out.push_str(&format!("#enum(start: {start}, {spacing}, "))
                }
                Tag::List(None) => {
                    list_depth += 1;
                    out.push_str(if form {
                        "#list(spacing: 1.6em, "
                    } else {
                        "#list(tight: true, "
                    })
                }
                Tag::Item => out.push('['),
                Tag::Emphasis => out.push_str("#emph["),
                Tag::Strong => out.push_str("#strong["),
                Tag::Strikethrough => out.push_str("#strike["),
                Tag::Link { dest_url, .. } => {
                    out.push_str(&format!("#link({})[", typst_str(&dest_url)));
                }
                Tag::Image { .. } => out.push_str("#emph["),
                Tag::Table(aligns) => {
                    let columns = aligns.len().max(1);
                    table_cells.push(columns);
                    if form {
                        let widths = vec!["1fr"; columns].join(", ");
                        out.push_str(&format!("#table(columns: ({widths},), rows: 2.2em, "));
                    } else {
                        out.push_str(&format!("#prose-table(columns: {columns}, "));
                    }
                }
                Tag::TableHead | Tag::TableRow => {}
                Tag::TableCell => out.push('['),
                _ => {}
            },
            Event::End(tag) => match tag {
                TagEnd::Paragraph if form && list_depth == 0 && table_cells.is_empty() => {
                    out.push_str("\n#writing-lines(4)\n")
                }
                TagEnd::Paragraph => out.push_str("\n\n"),
                TagEnd::Heading(_) => out.push_str("])\n\n"),
                TagEnd::BlockQuote(_) => out.push_str("]\n\n"),
                TagEnd::List(_) => {
                    list_depth -= 1;
                    out.push_str(")\n\n")
                }
                TagEnd::Item => {
                    while out.ends_with('\n') {
                        out.pop();
                    }
                    out.push_str("], ");
                }
                TagEnd::Emphasis
                | TagEnd::Strong
                | TagEnd::Strikethrough
                | TagEnd::Link
                | TagEnd::Image => out.push(']'),
                TagEnd::Table => {
                    // Blank rows to write in.
                    let columns = table_cells.pop().unwrap_or(1);
                    if form {
                        out.push_str(&"[], ".repeat(columns * 3));
                    }
                    out.push_str(")\n\n");
                }
                TagEnd::TableCell => out.push_str("], "),
                _ => {}
            },
            Event::Text(t) => push_text_with_refs(spec, here, &refs, &t, &mut out),
            Event::Code(c) => out.push_str(&format!("#raw({});", typst_str(&c))),
            Event::Html(h) | Event::InlineHtml(h) => out.push_str(&typst_text(&h)),
            Event::SoftBreak => out.push_str(if breaks == Breaks::Hard { "\\\n" } else { "\n" }),
            Event::HardBreak => out.push_str("\\\n"),
            Event::Rule => out.push_str("#line(length: 100%)\n\n"),
            Event::TaskListMarker(done) => out.push_str(if done {
                "#tick(true) "
            } else {
                "#tick(false) "
            }),
            _ => {}
        }
    }
    out.trim_end().to_string()
}

fn push_text_with_refs(
    spec: &Spec,
    here: Option<&str>,
    refs: &[Reference],
    text: &str,
    out: &mut String,
) {
    let mut rest = text;
    while let Some(open) = rest.find(REF_OPEN) {
        out.push_str(&typst_text(&rest[..open]));
        let after = &rest[open + REF_OPEN.len_utf8()..];
        let Some(close) = after.find(REF_CLOSE) else {
            rest = after;
            continue;
        };
        let index: usize = after[..close].parse().unwrap_or(usize::MAX);
        if let Some(r) = refs.get(index) {
            match resolve(spec, &r.target) {
                Some(res) => match res.local_step(here) {
                    Some(step) => out.push_str(&format!(
                        "#xref-step(<{}>, {});",
                        typst_label(&res.key),
                        step.number
                    )),
                    None => out.push_str(&format!(
                        "#xref(<{}>, {});",
                        typst_label(&res.key),
                        typst_str(&res.label)
                    )),
                },
                None => out.push_str(&typst_text(&format!("[[{}]]", r.target))),
            }
        }
        rest = &after[close + REF_CLOSE.len_utf8()..];
    }
    out.push_str(&typst_text(rest));
}

/// One printed line of code: its text and whether it continues the line
/// above (the page was too narrow for it).
pub fn wrap_code(code: &str, columns: usize) -> Vec<(String, bool)> {
    let columns = columns.max(20);
    let mut lines = Vec::new();
    for line in code.trim_end().lines() {
        let line = line.replace('\t', "    ");
        let chars: Vec<char> = line.chars().collect();
        if chars.len() <= columns {
            lines.push((line, false));
            continue;
        }
        let indent = chars
            .iter()
            .take_while(|c| **c == ' ')
            .count()
            .min(columns / 2);
        let mut start = 0;
        let mut first = true;
        while start < chars.len() {
            // Continuation lines carry the indent and the glyph.
            let width = if first { columns } else { columns - indent - 2 };
            let mut end = (start + width).min(chars.len());
            if end < chars.len() {
                // Break after a space when one is near, so words stay whole.
                if let Some(space) = (start + width / 2..end).rev().find(|&i| chars[i] == ' ') {
                    end = space + 1;
                }
            }
            let piece: String = chars[start..end].iter().collect();
            if first {
                lines.push((piece, false));
            } else {
                lines.push((format!("{}{}", " ".repeat(indent), piece), true));
            }
            first = false;
            start = end;
        }
    }
    lines
}

/// A code block in Typst: lines wrapped at `columns`, each continuation
/// marked by the `code-block` function of the document's preamble.
pub fn code_block(code: &str, columns: usize) -> String {
    let lines: Vec<String> = wrap_code(code, columns)
        .into_iter()
        .map(|(l, cont)| format!("({}, {cont})", typst_str(&l)))
        .collect();
    format!("#code-block(({},))", lines.join(", "))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn references_outside_code_only() {
        let text = "See [[b#promote]] and `[[not-this]]`.\n\n```\n[[nor-this]]\n```\n[[c]]";
        let found: Vec<String> = references(text).into_iter().map(|r| r.target).collect();
        assert_eq!(found, ["b#promote", "c"]);
    }

    #[test]
    fn terminal_text_has_no_markdown_left() {
        let spec = Spec::load(std::path::Path::new(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/spec"
        )))
        .unwrap_or_else(|_| panic!("the example spec loads"));
        let t = to_terminal(
            &spec,
            Some("b-full-dc-failure"),
            "Run `patronictl list` **first**; see [[b-full-dc-failure#stonith-dc1]] and [[a-single-node-failure]].\n\n```bash\necho hi\n```\n\n- [docs](https://x.example/p)\n- two",
            Breaks::Soft,
        );
        assert_eq!(
            t,
            "Run patronictl list first; see step 3: STONITH (if DC1 may be partially alive) and Runbook A — Single-Node Failure (Automatic Failover Confirmation).\n\n    echo hi\n\n- docs (https://x.example/p)\n- two"
        );
    }

    #[test]
    fn dedent_keeps_relative_indentation() {
        assert_eq!(dedent("    a:\n      b: 1\n    c"), "a:\n  b: 1\nc");
    }

    #[test]
    fn typst_text_escapes_markup() {
        assert_eq!(
            typst_text("#set x // *y* $z$ <l> @r"),
            "\\#set x \\/\\/ \\*y\\* \\$z\\$ \\<l\\> \\@r"
        );
    }

    #[test]
    fn long_code_lines_wrap_with_a_mark() {
        let line = format!("  {}", "word ".repeat(30));
        let wrapped = wrap_code(&line, 40);
        assert!(wrapped.len() > 3);
        assert!(!wrapped[0].1 && wrapped[1..].iter().all(|(_, c)| *c));
        assert!(wrapped.iter().all(|(l, _)| l.chars().count() <= 40));
        let joined: String = wrapped
            .iter()
            .map(|(l, c)| {
                if *c {
                    l.trim_start().to_string()
                } else {
                    l.clone()
                }
            })
            .collect();
        assert_eq!(joined.trim_end(), line.trim_end());
    }
}
