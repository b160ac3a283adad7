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

fn level(s: Severity) -> &'static str {
    match s {
        Severity::Error => "error",
        Severity::Warning => "warning",
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
            level(d.severity),
            props.join(","),
            esc_data(&message)
        ));
    }
    out
}
