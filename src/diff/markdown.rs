//! `rbgen diff` as Markdown: a pull-request comment or a job summary.
//! Changes that weaken safety come first in each section and are marked.

use super::{Change, ProcDiff, SectionDiff, SpecDiff, Status};
use std::fmt::Write as _;

const MARK: &str = "⚠️ **weakens safety**";

pub fn render(d: &SpecDiff) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "## Runbook changes since `{}`\n", d.base);
    if d.is_empty() {
        out.push_str("No runbook, drill, environment, checklist or drill record changed.\n");
        return out;
    }
    match d.weakened {
        0 => out.push_str("No change weakens safety.\n\n"),
        1 => out.push_str("⚠️ **1 change weakens safety** (marked below).\n\n"),
        n => {
            let _ = writeln!(out, "⚠️ **{n} changes weaken safety** (marked below).\n");
        }
    }
    for p in &d.procedures {
        procedure(&mut out, p);
    }
    for (heading, sections) in [
        ("Environment", &d.environments),
        ("Checklist", &d.checklists),
    ] {
        for s in sections {
            section(&mut out, heading, s);
        }
    }
    for (heading, list) in [
        ("Project settings and decision tree", &d.project),
        ("Drill records", &d.drill_records),
    ] {
        if !list.is_empty() {
            let _ = writeln!(out, "### {heading}\n");
            changes(&mut out, list);
        }
    }
    out
}

fn status_word(s: Status) -> &'static str {
    match s {
        Status::Added => " (new)",
        Status::Removed => " (removed)",
        Status::Changed => "",
    }
}

fn capitalized(s: &str) -> String {
    let mut c = s.chars();
    c.next()
        .map(|f| f.to_uppercase().chain(c).collect())
        .unwrap_or_default()
}

fn procedure(out: &mut String, p: &ProcDiff) {
    let version = match (&p.version_before, &p.version_after, p.status) {
        (_, Some(v), Status::Added) => format!("version {v}"),
        (Some(v), _, Status::Removed) => format!("was version {v}"),
        (Some(a), Some(b), _) if a == b && p.version_not_bumped => {
            format!("version {a} — ⚠️ **not bumped** although the content changed (RB006)")
        }
        (Some(a), Some(b), _) if a == b => format!("version {a}"),
        (a, b, _) => format!(
            "version {} → {}",
            a.as_deref().unwrap_or("(none)"),
            b.as_deref().unwrap_or("(none)")
        ),
    };
    let _ = writeln!(
        out,
        "### {} `{}`{}: {}\n\n`{}` · {version}\n",
        capitalized(p.kind),
        p.id,
        status_word(p.status),
        inline(&p.title),
        p.file
    );
    changes(out, &p.changes);
}

fn section(out: &mut String, heading: &str, s: &SectionDiff) {
    let _ = writeln!(
        out,
        "### {heading} `{}`{}: {}\n",
        s.id,
        status_word(s.status),
        inline(&s.title)
    );
    changes(out, &s.changes);
}

fn changes(out: &mut String, list: &[Change]) {
    let ordered = list
        .iter()
        .filter(|c| c.weakens)
        .chain(list.iter().filter(|c| !c.weakens));
    for c in ordered {
        let mut line = String::from("- ");
        if c.weakens {
            line.push_str(MARK);
            line.push_str(" · ");
        }
        if let Some(step) = &c.step {
            let _ = write!(line, "step `{step}`: ");
        }
        if let Some(env) = &c.environment {
            let _ = write!(line, "in `{env}`: ");
        }
        line.push_str(&inline(&c.summary));
        out.push_str(&line);
        out.push('\n');
        if let Some(diff) = &c.diff {
            let fence = fence_for(diff);
            let _ = writeln!(out, "\n  {fence}diff");
            for l in diff.lines() {
                let _ = writeln!(out, "  {l}");
            }
            let _ = writeln!(out, "  {fence}\n");
        }
    }
    out.push('\n');
}

/// A fence longer than any run of backticks in the text, so a command
/// holding ``` cannot end the block early.
fn fence_for(text: &str) -> String {
    let longest = text.split(|c| c != '`').map(str::len).max().unwrap_or(0);
    "`".repeat(longest.max(2) + 1)
}

/// Text from the spec on one Markdown line: raw HTML shown as text and line
/// breaks folded, so a title cannot open a tag or a block in the comment.
fn inline(text: &str) -> String {
    let folded = text.split_whitespace().collect::<Vec<_>>().join(" ");
    // Odd pieces between backticks are code spans, where `<` is literal.
    folded
        .split('`')
        .enumerate()
        .map(|(i, piece)| {
            if i % 2 == 0 {
                piece.replace('<', "&lt;")
            } else {
                piece.to_string()
            }
        })
        .collect::<Vec<_>>()
        .join("`")
}
