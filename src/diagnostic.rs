//! Diagnostics: what went wrong, where, and how to fix it.
//!
//! Loader errors and lint findings share one type so that one renderer draws
//! every position the same way (`file:line:col` plus a caret under the TOML).

use crate::source::Location;
use annotate_snippets::{AnnotationKind, Group, Level, Renderer, Snippet};
use serde::Serialize;
use std::fmt;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Error,
    Warning,
    /// Shown, never fails a run, not even under `--deny warnings`:
    /// ShellCheck's `info` and `style` findings by default.
    Note,
}

impl Severity {
    /// `error`, `warning`, `note`, or `off` (`None`), as `rbgen.toml` spells them.
    pub fn parse_level(level: &str) -> Result<Option<Severity>, ()> {
        match level {
            "error" => Ok(Some(Severity::Error)),
            "warning" => Ok(Some(Severity::Warning)),
            "note" => Ok(Some(Severity::Note)),
            "off" => Ok(None),
            _ => Err(()),
        }
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Note => "note",
        })
    }
}

/// One finding or error.
#[derive(Debug, Clone)]
pub struct Diagnostic {
    /// `RB001`… for lint rules, `E-LOAD`-style names for loader errors.
    pub code: &'static str,
    pub severity: Severity,
    pub message: String,
    /// Where; `None` only for errors about the spec directory itself.
    pub location: Option<Location>,
    /// The label under the caret, when it says more than the message.
    pub label: Option<String>,
    /// How to fix it.
    pub help: Option<String>,
    pub runbook: Option<String>,
    pub step: Option<String>,
    /// The level a lint rule fixed for this one finding, whatever the
    /// configured level (RB014 without ShellCheck is only a warning outside
    /// CI; a waiver of a rule that cannot be waived is always an error).
    pub fixed_severity: Option<Severity>,
    /// The check of an external tool the finding passes on (`SC2086` for a
    /// ShellCheck finding), so that rules can declare which of its checks
    /// restate their own findings.
    pub subcode: Option<String>,
}

impl Diagnostic {
    pub fn error(code: &'static str, message: impl Into<String>) -> Self {
        Diagnostic {
            code,
            severity: Severity::Error,
            message: message.into(),
            location: None,
            label: None,
            help: None,
            runbook: None,
            step: None,
            fixed_severity: None,
            subcode: None,
        }
    }

    /// A lint rule's finding: the rule says what and where, the registry
    /// stamps its code and the configured severity.
    pub fn finding(message: impl Into<String>) -> Self {
        Diagnostic::error("", message)
    }

    /// The external tool's check this finding passes on (`SC2086`).
    pub fn subcode(mut self, subcode: impl Into<String>) -> Self {
        self.subcode = Some(subcode.into());
        self
    }

    /// Report this finding at `severity` whatever the configured level.
    pub fn fixed_severity(mut self, severity: Severity) -> Self {
        self.fixed_severity = Some(severity);
        self
    }

    pub fn at(mut self, location: Location) -> Self {
        self.location = Some(location);
        self
    }

    pub fn label(mut self, label: impl Into<String>) -> Self {
        self.label = Some(label.into());
        self
    }

    pub fn help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }

    pub fn in_runbook(mut self, runbook: &str, step: Option<&str>) -> Self {
        self.runbook = Some(runbook.to_string());
        self.step = step.map(str::to_string);
        self
    }

    /// `file:line:col`, or just the file, or nothing.
    pub fn position(&self) -> Option<(String, usize, usize)> {
        self.location.as_ref().map(|l| {
            let (line, col) = l.line_col();
            (l.file.display_path(), line, col)
        })
    }

    /// Sort key: file, line, column, code, message.
    pub fn sort_key(&self) -> (String, usize, usize, &'static str, String) {
        let (file, line, col) = self.position().unwrap_or_default();
        (file, line, col, self.code, self.message.clone())
    }

    /// rustc-style rendering with the TOML excerpt and a caret.
    pub fn render_human(&self, color: bool) -> String {
        let level = match self.severity {
            Severity::Error => Level::ERROR,
            Severity::Warning => Level::WARNING,
            Severity::Note => Level::NOTE,
        };
        let renderer = if color {
            Renderer::styled()
        } else {
            Renderer::plain()
        };
        let mut group = Group::with_title(level.primary_title(&self.message).id(self.code));
        if let Some(loc) = &self.location {
            let text = loc.file.text.as_str();
            let mut span = loc.span.start.min(text.len())..loc.span.end.min(text.len());
            // A span must cut the text at character boundaries (the renderer
            // slices it); widen it to the whole characters it touches.
            while !text.is_char_boundary(span.start) {
                span.start -= 1;
            }
            while !text.is_char_boundary(span.end) {
                span.end += 1;
            }
            if span.is_empty() {
                // An empty span still deserves a caret.
                span.end = text[span.start..]
                    .chars()
                    .next()
                    .map_or(span.start, |c| span.start + c.len_utf8());
                if span.is_empty() && span.start > 0 {
                    span.start = text[..span.start]
                        .char_indices()
                        .last()
                        .map_or(0, |(i, _)| i);
                }
            }
            let annotation = AnnotationKind::Primary
                .span(span)
                .label(self.label.as_deref());
            group = group.element(
                Snippet::source(loc.file.text.as_str())
                    .path(loc.file.display_path())
                    .fold(true)
                    .annotation(annotation),
            );
        }
        if let Some(help) = &self.help {
            group = group.element(Level::HELP.message(help));
        }
        renderer.render(&[group])
    }

    /// One line: `file:line:col: severity: message [code]`.
    pub fn render_short(&self) -> String {
        match self.position() {
            Some((file, line, col)) => format!(
                "{file}:{line}:{col}: {}: {} [{}]",
                self.severity, self.message, self.code
            ),
            None => format!("{}: {} [{}]", self.severity, self.message, self.code),
        }
    }
}

/// Sort and remove exact duplicates (same position, code and message).
pub fn sort_dedup(diags: &mut Vec<Diagnostic>) {
    diags.sort_by_key(|d| d.sort_key());
    diags.dedup_by(|a, b| a.sort_key() == b.sort_key());
}
