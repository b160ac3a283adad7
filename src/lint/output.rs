//! Renderers for findings: human (rustc-style), JSON, SARIF 2.1.0 and GitHub
//! workflow annotations.

use super::registry::RULES;
use crate::diagnostic::{Diagnostic, Severity};
use serde_json::{Value, json};

pub fn json_lines(diags: &[Diagnostic]) -> String {
    let items: Vec<Value> = diags.iter().map(json_object).collect();
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

/// SARIF 2.1.0, the subset GitHub code scanning reads.
pub fn sarif(diags: &[Diagnostic]) -> String {
    let rules: Vec<Value> = RULES
        .iter()
        .map(|r| {
            let doc = super::doc_text(r.doc());
            let short = doc
                .lines()
                .skip_while(|l| l.starts_with('#') || l.is_empty())
                .next()
                .unwrap_or(r.name())
                .to_string();
            json!({
                "id": r.code(),
                "name": r.name(),
                "shortDescription": {"text": short},
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
                        "artifactLocation": {"uri": file.replace('\\', "/")},
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
pub fn github(diags: &[Diagnostic]) -> String {
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
            props.push(format!("file={}", esc_prop(&file)));
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
