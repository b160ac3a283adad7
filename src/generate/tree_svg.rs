//! The decision tree drawn as SVG at build time: no JavaScript, no mdBook
//! preprocessor, the same picture in the browser and on paper.
//!
//! The layout is an indented tree: every question, runbook and action is a
//! box on its own row, children below their parent, joined by elbow lines
//! with the answer written on the elbow. Depth costs only a small indent, so
//! the drawing keeps a fixed width (an A4 column when printed) however deep
//! or wide the tree is; on paper it is cut into parts between the first
//! question's answers when it is taller than a page.

use super::markdown::html_escape;
use crate::spec::Spec;
use std::collections::BTreeMap;

/// Drawing width in SVG units; the PDF scales it to the text width.
pub const WIDTH: f64 = 680.0;
const INDENT: f64 = 22.0;
const LINE: f64 = 15.0;
/// Line height of an answer ("Yes", "No — the leader is reachable"): as
/// large as the boxes' text, bold, so the words that choose a branch are
/// never the smallest on the page.
const SMALL_LINE: f64 = 16.0;
const PAD: f64 = 6.0;
const GAP: f64 = 6.0;
/// Room kept right of a runbook box on paper for its page number.
pub const PAGE_COLUMN: f64 = 54.0;

/// What a box stands for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Node {
    Question {
        id: String,
        text: String,
    },
    Runbook {
        id: String,
        title: String,
    },
    Action {
        text: String,
    },
    /// An answer leading back to a question already on the path.
    Back {
        text: String,
    },
}

#[derive(Debug, Clone)]
struct Row {
    depth: usize,
    parent: Option<usize>,
    answer: Vec<Line>,
    node: Node,
    lines: Vec<Line>,
    y: f64,
    height: f64,
}

/// A line of text: pieces, each either plain or code (`…` in the spec).
type Line = Vec<(String, bool)>;

/// A runbook box's page-number slot on paper, in SVG units of its part.
#[derive(Debug, Clone, PartialEq)]
pub struct Slot {
    pub runbook: String,
    pub x: f64,
    pub y: f64,
}

/// One drawn part of the tree.
#[derive(Debug, Clone)]
pub struct Part {
    pub svg: String,
    pub height: f64,
    pub slots: Vec<Slot>,
}

fn char_width(code: bool, bold: bool, size: f64) -> f64 {
    // DejaVu Sans / DejaVu Sans Mono advance widths, averaged for prose.
    let em = if code {
        0.602
    } else if bold {
        0.62
    } else {
        0.56
    };
    em * size
}

/// Split `text` on backticks into plain and code words, then fill lines no
/// wider than `width`. A word glued to the one before (`(`x`)`) is drawn
/// without a space.
fn wrap(text: &str, width: f64, size: f64, bold: bool) -> Vec<Line> {
    // (word, code, space before)
    let mut words: Vec<(String, bool, bool)> = Vec::new();
    let mut space_pending = false;
    for (i, part) in text.split('`').enumerate() {
        let code = i % 2 == 1;
        let mut first = true;
        for w in part.split(' ').flat_map(|w| w.split(['\n', '\t'])) {
            if w.is_empty() {
                space_pending = true;
                first = false;
                continue;
            }
            let glued = first && !space_pending && !words.is_empty();
            words.push((w.to_string(), code, !glued));
            space_pending = false;
            first = false;
        }
        if part.ends_with(' ') {
            space_pending = true;
        }
    }
    let mut lines: Vec<Line> = Vec::new();
    let mut line: Line = Vec::new();
    let mut used = 0.0;
    for (word, code, spaced) in words {
        let w = word.chars().count() as f64 * char_width(code, bold, size);
        let space = if spaced {
            char_width(false, bold, size)
        } else {
            0.0
        };
        if !line.is_empty() && spaced && used + space + w > width {
            lines.push(std::mem::take(&mut line));
            used = 0.0;
        }
        used += if line.is_empty() { w } else { space + w };
        // A glued word is written as part of the previous piece's line with
        // no separator: mark it with a leading NUL the drawer drops.
        let text = if spaced || line.is_empty() {
            word
        } else {
            format!("\u{0}{word}")
        };
        line.push((text, code));
    }
    if !line.is_empty() || lines.is_empty() {
        lines.push(line);
    }
    lines
}

fn rows(spec: &Spec) -> Vec<Row> {
    let Some(tree) = &spec.decision_tree else {
        return Vec::new();
    };
    let questions: BTreeMap<&str, &crate::spec::model::Question> = tree
        .doc
        .questions
        .iter()
        .map(|q| (q.id.get_ref().as_str(), q))
        .collect();
    let mut out = Vec::new();
    let start = tree.doc.start.get_ref().as_str();
    let Some(q) = questions.get(start) else {
        return out;
    };
    let node = Node::Question {
        id: start.into(),
        text: q.text.get_ref().clone(),
    };
    out.push(Row {
        depth: 0,
        parent: None,
        answer: Vec::new(),
        node,
        lines: Vec::new(),
        y: 0.0,
        height: 0.0,
    });
    walk(spec, q, &questions, 0, &mut vec![start], &mut out);
    out
}

fn walk<'a>(
    spec: &Spec,
    q: &'a crate::spec::model::Question,
    questions: &BTreeMap<&'a str, &'a crate::spec::model::Question>,
    parent: usize,
    path: &mut Vec<&'a str>,
    out: &mut Vec<Row>,
) {
    let depth = out[parent].depth + 1;
    for a in &q.answers {
        let answer = a.answer.get_ref().clone();
        let push = |node: Node, out: &mut Vec<Row>| {
            out.push(Row {
                depth,
                parent: Some(parent),
                answer: vec![vec![(answer.clone(), false)]],
                node,
                lines: Vec::new(),
                y: 0.0,
                height: 0.0,
            });
            out.len() - 1
        };
        if let Some(next) = &a.next {
            let id = next.get_ref().as_str();
            match questions.get(id) {
                Some(nq) if !path.contains(&id) => {
                    let row = push(
                        Node::Question {
                            id: id.into(),
                            text: nq.text.get_ref().clone(),
                        },
                        out,
                    );
                    path.push(id);
                    walk(spec, nq, questions, row, path, out);
                    path.pop();
                }
                Some(nq) => {
                    push(
                        Node::Back {
                            text: nq.text.get_ref().clone(),
                        },
                        out,
                    );
                }
                None => {
                    push(Node::Back { text: id.into() }, out);
                }
            }
        } else if let Some(rb) = &a.runbook {
            let id = rb.get_ref().clone();
            let title = spec
                .procedure(&id)
                .map(|(_, d)| d.doc.title.get_ref().clone())
                .unwrap_or_else(|| id.clone());
            push(Node::Runbook { id, title }, out);
        } else {
            let text = a
                .action
                .as_ref()
                .map(|t| t.get_ref().clone())
                .unwrap_or_default();
            push(Node::Action { text }, out);
        }
    }
}

fn box_x(depth: usize) -> f64 {
    1.0 + depth as f64 * INDENT
}

fn label_of(node: &Node) -> (String, bool) {
    match node {
        Node::Question { text, .. } => (text.clone(), true),
        Node::Runbook { title, .. } => (format!("RUN: {title}"), true),
        Node::Action { text } => (text.clone(), false),
        Node::Back { text } => (format!("Back to: {text}"), false),
    }
}

/// Lay every row out; `paper` keeps a page-number column by runbook boxes.
fn layout(rows: &mut [Row], paper: bool) {
    for r in rows.iter_mut() {
        let x = box_x(r.depth);
        let mut width = WIDTH - x - 2.0 * PAD - 1.0;
        if paper && matches!(r.node, Node::Runbook { .. }) {
            width -= PAGE_COLUMN;
        }
        let (label, bold) = label_of(&r.node);
        r.lines = wrap(&label, width, 12.0, bold);
        if let Some(first) = r.answer.first().and_then(|l| l.first()) {
            let text = first.0.clone();
            r.answer = wrap(&text, WIDTH - x - 4.0, 13.0, true);
        }
        r.height =
            r.answer.len() as f64 * SMALL_LINE + r.lines.len() as f64 * LINE + 2.0 * PAD + GAP;
    }
}

fn text_line(out: &mut String, x: f64, y: f64, line: &Line, size: f64, weight: &str, style: &str) {
    out.push_str(&format!(
        r#"<text x="{x:.1}" y="{y:.1}" font-size="{size}" font-weight="{weight}" font-style="{style}" xml:space="preserve">"#
    ));
    for (i, (word, code)) in line.iter().enumerate() {
        let (sep, word) = match word.strip_prefix('\u{0}') {
            Some(glued) => ("", glued),
            None if i == 0 => ("", word.as_str()),
            None => (" ", word.as_str()),
        };
        if *code {
            out.push_str(&format!(
                r#"{sep}<tspan font-family="DejaVu Sans Mono, monospace">{}</tspan>"#,
                html_escape(word)
            ));
        } else {
            out.push_str(&format!("{sep}{}", html_escape(word)));
        }
    }
    out.push_str("</text>");
}

/// Draw rows `range` of the laid-out tree as one SVG.
fn draw(rows: &[Row], range: std::ops::Range<usize>, paper: bool, title: &str) -> Part {
    let top = rows[range.start].y;
    let bottom = rows[range.end - 1].y + rows[range.end - 1].height;
    let height = bottom - top + 2.0;
    let mut body = String::new();
    let mut slots = Vec::new();
    for i in range.clone() {
        let r = &rows[i];
        let y = r.y - top + 1.0;
        let x = box_x(r.depth);
        let box_top = y + r.answer.len() as f64 * SMALL_LINE;
        let box_h = r.lines.len() as f64 * LINE + 2.0 * PAD;
        if let Some(p) = r.parent {
            // Elbow from the parent's spine to this row's answer.
            let spine = box_x(rows[p].depth) + 10.0;
            let from = if p >= range.start {
                let pr = &rows[p];
                pr.y - top
                    + 1.0
                    + pr.answer.len() as f64 * SMALL_LINE
                    + pr.lines.len() as f64 * LINE
                    + 2.0 * PAD
            } else {
                0.0
            };
            let elbow = y + SMALL_LINE * 0.6;
            body.push_str(&format!(
                r#"<path d="M{spine:.1} {from:.1} V{elbow:.1} H{:.1}" fill="none" stroke="black" stroke-width="1.2"/>"#,
                x + 2.0
            ));
            for (k, line) in r.answer.iter().enumerate() {
                text_line(
                    &mut body,
                    x + 5.0,
                    y + SMALL_LINE * (k as f64 + 0.85),
                    line,
                    13.0,
                    "bold",
                    "normal",
                );
            }
            // Continue the spine to the box when the answer takes lines.
            body.push_str(&format!(
                r#"<path d="M{:.1} {elbow:.1} V{box_top:.1}" fill="none" stroke="black" stroke-width="1.2"/>"#,
                x + 2.0
            ));
        }
        let mut w = WIDTH - x - 1.0;
        if paper && matches!(r.node, Node::Runbook { .. }) {
            w -= PAGE_COLUMN;
        }
        let (stroke, dash, fill, rx) = match r.node {
            Node::Question { .. } => ("1.4", "", "#eef2f8", 8),
            Node::Runbook { .. } => ("2.6", "", "#ffffff", 0),
            Node::Action { .. } => ("1.2", r#" stroke-dasharray="5 3""#, "#ffffff", 4),
            Node::Back { .. } => ("1.0", r#" stroke-dasharray="2 2""#, "#ffffff", 4),
        };
        let class = match &r.node {
            Node::Question { id, .. } => {
                format!(r#" class="question" data-id="{}""#, html_escape(id))
            }
            Node::Runbook { id, .. } => {
                format!(r#" class="runbook" data-id="{}""#, html_escape(id))
            }
            Node::Action { .. } => r#" class="action""#.into(),
            Node::Back { .. } => r#" class="back""#.into(),
        };
        body.push_str(&format!(
            r#"<g{class}><rect x="{x:.1}" y="{box_top:.1}" width="{w:.1}" height="{box_h:.1}" rx="{rx}" fill="{fill}" stroke="black" stroke-width="{stroke}"{dash}/>"#
        ));
        let weight = if matches!(r.node, Node::Question { .. } | Node::Runbook { .. }) {
            "bold"
        } else {
            "normal"
        };
        for (k, line) in r.lines.iter().enumerate() {
            text_line(
                &mut body,
                x + PAD,
                box_top + PAD + LINE * (k as f64 + 0.78),
                line,
                12.0,
                weight,
                "normal",
            );
        }
        body.push_str("</g>");
        if let Node::Runbook { id, .. } = &r.node {
            slots.push(Slot {
                runbook: id.clone(),
                x: x + w + 6.0,
                y: box_top + box_h / 2.0,
            });
        }
    }
    let svg = format!(
        r#"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {height:.1}" width="100%" role="img" aria-label="{}" font-family="DejaVu Sans, Verdana, sans-serif" fill="black">{body}</svg>"#,
        html_escape(title)
    );
    Part { svg, height, slots }
}

/// The whole tree as one SVG (the book), or `None` without a tree.
pub fn whole(spec: &Spec) -> Option<Part> {
    let mut rows = rows(spec);
    if rows.is_empty() {
        return None;
    }
    layout(&mut rows, false);
    place(&mut rows);
    Some(draw(&rows, 0..rows.len(), false, "Incident decision tree"))
}

fn place(rows: &mut [Row]) {
    let mut y = 0.0;
    for r in rows.iter_mut() {
        r.y = y;
        y += r.height;
    }
}

/// The tree for paper: parts no taller than `max_height` SVG units, cut
/// only before an answer to the first question (or before any row when one
/// such subtree alone is too tall).
pub fn paper(spec: &Spec, max_height: f64) -> Vec<Part> {
    let mut rows = rows(spec);
    if rows.is_empty() {
        return Vec::new();
    }
    layout(&mut rows, true);
    place(&mut rows);
    let mut parts = Vec::new();
    let mut start = 0;
    let mut last_cut = None;
    for i in 1..rows.len() {
        if rows[i].depth == 1 {
            last_cut = Some(i);
        }
        let bottom = rows[i].y + rows[i].height;
        if bottom - rows[start].y > max_height {
            let cut = match last_cut {
                Some(c) if c > start => c,
                _ => i,
            };
            parts.push(draw(
                &rows,
                start..cut,
                true,
                "Incident decision tree (part)",
            ));
            start = cut;
            last_cut = None;
        }
    }
    parts.push(draw(
        &rows,
        start..rows.len(),
        true,
        "Incident decision tree",
    ));
    parts
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wrap_keeps_code_words_marked_and_fits() {
        let lines = wrap(
            "Can `patronictl list` be executed on any node at all?",
            120.0,
            12.0,
            false,
        );
        assert!(lines.len() > 1);
        assert!(
            lines
                .iter()
                .flatten()
                .any(|(w, code)| w == "patronictl" && *code)
        );
        for l in &lines {
            let chars: usize = l.iter().map(|(w, _)| w.chars().count() + 1).sum();
            assert!(
                chars as f64 * char_width(true, false, 12.0) <= 120.0 + 2.0 * 8.0 || l.len() == 1
            );
        }
    }
}
