//! Renderers for findings: human (rustc-style), JSON, SARIF 2.1.0 and GitHub
//! workflow annotations.

use super::registry::RULES;
use crate::diagnostic::{Diagnostic, Severity};
use serde_json::{Value, json};
use std::path::Path;

/// `file` (as shown: relative to the working directory, or absolute) made
/// relative to `root`, with `/` separators, as GitHub and SARIF want it.
pub fn relative_to(file: &str, root: &Path) -> String {
    let path = Path::new(file);
    let abs = std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf());
    let rel = abs
        .strip_prefix(root)
        .map(Path::to_path_buf)
        .or_else(|_| {
            // `root` may be reached through a symlink the other path is not.
            let (a, r) = (abs.canonicalize()?, root.canonicalize()?);
            a.strip_prefix(&r)
                .map(Path::to_path_buf)
                .map_err(std::io::Error::other)
        })
        .unwrap_or(abs);
    rel.to_string_lossy().replace('\\', "/")
}

/// The first sentence of a rule's "What it catches", whole.
pub fn summary(doc: &str) -> String {
    let paragraph: Vec<&str> = doc
        .lines()
        .skip_while(|l| l.starts_with('#') || l.trim().is_empty())
        .take_while(|l| !l.trim().is_empty())
        .map(str::trim)
        .collect();
    let text = paragraph.join(" ");
    let mut in_code = false;
    for (i, ch) in text.char_indices() {
        if ch == '`' {
            in_code = !in_code;
        }
        if ch == '.'
            && !in_code
            && text[i + 1..].chars().next().is_none_or(char::is_whitespace)
            && !text[..i].ends_with("e.g")
            && !text[..i].ends_with("i.e")
        {
            return text[..=i].to_string();
        }
    }
    let text = text.trim_end_matches(':').to_string();
    if text.ends_with('.') {
        text
    } else {
        format!("{text}.")
    }
}

/// Human output: the most severe findings first; repeats of one finding in
/// one file (the same code, check and message: ShellCheck's SC2086 on every
/// unquoted variable) collapse into one block that lists where else it is,
/// so that a first screen shows what matters.
pub fn human(diags: &[Diagnostic], color: bool) -> String {
    // Groups in order of first appearance, then stably by severity.
    let mut groups: Vec<Vec<&Diagnostic>> = Vec::new();
    for d in diags {
        let key = repeat_key(d);
        match groups.iter_mut().find(|g| repeat_key(g[0]) == key) {
            Some(g) => g.push(d),
            None => groups.push(vec![d]),
        }
    }
    groups.sort_by_key(|g| g[0].severity);
    let mut out = String::new();
    for group in groups {
        let first = group[0];
        let mut shown = first.clone();
        if group.len() > 1 {
            const LISTED: usize = 12;
            let places: Vec<String> = group[1..]
                .iter()
                .take(LISTED)
                .filter_map(|d| d.position().map(|(_, line, col)| format!("{line}:{col}")))
                .collect();
            let more = group.len() - 1 - places.len().min(LISTED);
            let mut also = format!(
                "{} more in this file at {}",
                group.len() - 1,
                places.join(", ")
            );
            if more > 0 {
                also.push_str(&format!(" and {more} more"));
            }
            shown.help = Some(match &first.help {
                Some(h) => format!("{h}\n{also}"),
                None => also,
            });
        }
        out.push_str(&shown.render_human(color));
        out.push_str("\n\n");
    }
    out
}

/// What makes two findings repeats of one another.
fn repeat_key(d: &Diagnostic) -> (Severity, &'static str, Option<&str>, String, &str) {
    let file = d.position().map(|(f, _, _)| f).unwrap_or_default();
    (
        d.severity,
        d.code,
        d.subcode.as_deref(),
        file,
        d.message.as_str(),
    )
}

/// `--statistics`: how many findings of each code (and external check),
/// most severe first, then most frequent, like ruff's.
pub fn statistics(diags: &[Diagnostic]) -> Vec<Statistic> {
    let mut stats: Vec<Statistic> = Vec::new();
    for d in diags {
        let code = match &d.subcode {
            Some(sc) => format!("{} {sc}", d.code),
            None => d.code.to_string(),
        };
        match stats
            .iter_mut()
            .find(|s| s.code == code && s.severity == d.severity)
        {
            Some(s) => s.count += 1,
            None => stats.push(Statistic {
                code,
                severity: d.severity,
                count: 1,
                name: match &d.subcode {
                    // ShellCheck's message says what the check is.
                    Some(_) => d
                        .message
                        .split_once(": ")
                        .map_or(d.message.clone(), |(_, m)| m.to_string()),
                    None => super::registry::rule(d.code)
                        .map_or_else(String::new, |r| r.name().to_string()),
                },
            }),
        }
    }
    stats.sort_by(|a, b| {
        (a.severity, std::cmp::Reverse(a.count), &a.code).cmp(&(
            b.severity,
            std::cmp::Reverse(b.count),
            &b.code,
        ))
    });
    stats
}

#[derive(Debug, serde::Serialize)]
pub struct Statistic {
    pub code: String,
    pub severity: Severity,
    pub count: usize,
    /// The rule's name, or the external check's message.
    pub name: String,
}

/// `--statistics` as text: one line per code.
pub fn statistics_text(stats: &[Statistic]) -> String {
    let width = stats.iter().map(|s| s.code.len()).max().unwrap_or(0);
    stats
        .iter()
        .map(|s| {
            format!(
                "{:>5}  {:<width$}  {:<7}  {}\n",
                s.count,
                s.code,
                s.severity.to_string(),
                s.name
            )
        })
        .collect()
}

/// JSON findings; files relative to the repository root, like GitHub and
/// SARIF output, wherever rbgen runs.
pub fn json_lines(diags: &[Diagnostic], root: &Path) -> String {
    let items: Vec<Value> = diags
        .iter()
        .map(|d| {
            let mut v = json_object(d);
            if let Some(file) = v["file"].as_str().map(|f| relative_to(f, root)) {
                v["file"] = json!(file);
            }
            v
        })
        .collect();
    let mut s = serde_json::to_string_pretty(&items).unwrap_or_default();
    s.push('\n');
    s
}

fn json_object(d: &Diagnostic) -> Value {
    let (file, line, column) = d.position().unwrap_or_default();
    json!({
        "code": d.code,
        "severity": d.severity,
        "message": d.message,
        "file": if file.is_empty() { Value::Null } else { json!(file) },
        "line": if line == 0 { Value::Null } else { json!(line) },
        "column": if column == 0 { Value::Null } else { json!(column) },
        "runbook": d.runbook,
        "step": d.step,
        "help": d.help,
    })
}

/// SARIF 2.1.0, the subset GitHub code scanning reads; file URIs relative
/// to the repository root (`%SRCROOT%`), columns in Unicode code points.
pub fn sarif(diags: &[Diagnostic], root: &Path) -> String {
    let rules: Vec<Value> = RULES
        .iter()
        .map(|r| {
            let doc = super::doc_text(r.doc());
            json!({
                "id": r.code(),
                "name": r.name(),
                "shortDescription": {"text": summary(&doc)},
                "fullDescription": {"text": doc},
                "help": {"text": doc, "markdown": doc},
                "defaultConfiguration": {"level": level(r.default_severity())},
            })
        })
        .collect();
    let results: Vec<Value> = diags
        .iter()
        .map(|d| {
            let mut result = json!({
                "ruleId": d.code,
                "level": level(d.severity),
                "message": {"text": match &d.help { Some(h) => format!("{}\nhelp: {h}", d.message), None => d.message.clone() }},
            });
            if let Some((file, line, column)) = d.position() {
                result["locations"] = json!([{
                    "physicalLocation": {
                        "artifactLocation": {"uri": relative_to(&file, root), "uriBaseId": "%SRCROOT%"},
                        "region": {"startLine": line, "startColumn": column},
                    }
                }]);
            }
            if let Some(index) = RULES.iter().position(|r| r.code() == d.code) {
                result["ruleIndex"] = json!(index);
            }
            result
        })
        .collect();
    let doc = json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {
                "name": "rbgen",
                "version": env!("CARGO_PKG_VERSION"),
                "rules": rules,
            }},
            "columnKind": "unicodeCodePoints",
            "results": results,
        }],
    });
    let mut s = serde_json::to_string_pretty(&doc).unwrap_or_default();
    s.push('\n');
    s
}

/// SARIF's `level`: error, warning, note.
fn level(s: Severity) -> &'static str {
    match s {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Note => "note",
    }
}

/// GitHub's workflow command: error, warning, notice.
fn github_command(s: Severity) -> &'static str {
    match s {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Note => "notice",
    }
}

/// `::error file=…,line=…,col=…,title=RB001::message` lines for GitHub Actions.
pub fn github(diags: &[Diagnostic], root: &Path) -> String {
    let esc_data = |s: &str| {
        s.replace('%', "%25")
            .replace('\r', "%0D")
            .replace('\n', "%0A")
    };
    let esc_prop = |s: &str| esc_data(s).replace(':', "%3A").replace(',', "%2C");
    let mut out = String::new();
    for d in diags {
        let mut props = Vec::new();
        if let Some((file, line, col)) = d.position() {
            props.push(format!("file={}", esc_prop(&relative_to(&file, root))));
            props.push(format!("line={line}"));
            props.push(format!("col={col}"));
        }
        props.push(format!("title={}", esc_prop(d.code)));
        let message = match &d.help {
            Some(h) => format!("{} (help: {h})", d.message),
            None => d.message.clone(),
        };
        out.push_str(&format!(
            "::{} {}::{}\n",
            github_command(d.severity),
            props.join(","),
            esc_data(&message)
        ));
    }
    out
}
