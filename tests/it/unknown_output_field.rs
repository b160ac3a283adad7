//! RB025 unknown-output-field: a spec linted end to end, and the table of
//! output shapes (src/lint/data/tool_outputs.toml) checked against the real
//! outputs captured from the lab (tests/fixtures/tool-output/, or the
//! directory in RBGEN_TOOL_OUTPUT_DIR when CI re-captures them with
//! lab/capture-tool-output).

use crate::common::*;
use rbgen::lint::tool_outputs::{OUTPUTS, Output};
use std::path::PathBuf;

const RUNBOOK: &str = r#"id = "lag"
title = "Replica lag"
version = "1.0.0"
last_reviewed = 2026-11-01
owner = "dba"
trigger = "Replica lag alert"
rto = "5 min"
rpo = "0"

[[steps]]
id = "caught-up"
title = "Replicas caught up"
kind = "probe"
description = "Read-only"
run = '''
patronictl -c "$PATRONI_CONFIG" list -f json "$CLUSTER" | jq -e '.[] | select(.Role == "Replica" and .Lag > 16)'
pctl list --format=json | jq -r '.[] | ."Lag in MB"'
curl -s "http://$NODE:8008/patroni" | jq -r '.xlog.replayed_location, .tags.my_tag'
'''
expect = "no replica lags"
"#;

/// Line and column (1-based) of the `nth` occurrence of `needle` in `text`.
fn line_col(text: &str, needle: &str, nth: usize) -> (u64, u64) {
    let at = text.match_indices(needle).nth(nth).unwrap().0;
    let line = text[..at].matches('\n').count() + 1;
    let col = at - text[..at].rfind('\n').map_or(0, |i| i + 1) + 1;
    (line as u64, col as u64)
}

#[test]
fn findings_at_the_key_naming_the_environments_that_lack_it() {
    let project = mini_project(None);
    let spec = project.path().join("spec");
    let lab = std::fs::read_to_string(spec.join("environments/lab.toml")).unwrap();
    let old = lab
        .replace("id = \"lab\"", "id = \"old\"")
        .replace("title = \"Lab\"", "title = \"Old\"")
        .replace("patroni = \"4.1.5\"", "patroni = \"4.0.3\"");
    assert_ne!(old, lab);
    std::fs::write(spec.join("environments/old.toml"), old).unwrap();
    let mut common = std::fs::read_to_string(spec.join("common.toml")).unwrap();
    common.push_str(
        "\n[functions.pctl]\ndescription = \"patronictl in the pod\"\nargs = [\"ARGS\"]\nbody = '''\nkubectl exec -n db pg-0 -- patronictl \"$@\"\n'''\n",
    );
    std::fs::write(spec.join("common.toml"), common).unwrap();
    std::fs::write(spec.join("runbooks/lag.toml"), RUNBOOK).unwrap();

    let (_, findings) = lint_json(project.path(), &["--no-shellcheck"]);
    let ours: Vec<&serde_json::Value> = findings.iter().filter(|f| f["code"] == "RB025").collect();
    let shown: Vec<(u64, u64, &str)> = ours
        .iter()
        .map(|f| {
            assert_eq!(f["file"], "spec/runbooks/lag.toml", "{f}");
            assert_eq!(f["severity"], "error", "{f}");
            (
                f["line"].as_u64().unwrap(),
                f["column"].as_u64().unwrap(),
                f["message"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        shown,
        [
            (
                16,
                103,
                "`.Lag`: `patronictl list -f json` has no key `Lag` (Patroni 4.1.5 in environment `lab`; Patroni 4.0.3 in environment `old`); did you mean `Replay Lag` or `Receive Lag` (Patroni 4.1.5), `Lag in MB` (Patroni 4.0.3)?"
            ),
            (
                17,
                41,
                "`.\"Lag in MB\"`: `patronictl list -f json` has no key `Lag in MB` (Patroni 4.1.5 in environment `lab`); `Lag in MB` was removed in Patroni 4.1.0; use `Replay Lag` or `Receive Lag`"
            ),
        ],
        "{findings:#?}"
    );
    // The positions are the key's (the opening quote of a quoted one).
    assert_eq!(line_col(RUNBOOK, "Lag >", 0), (16, 103));
    assert_eq!(line_col(RUNBOOK, "\"Lag in MB\"", 0), (17, 41));
}

/// `<id>@<version>[.<variant>].json` → (id, version).
fn parse_name(name: &str) -> Option<(&str, &str)> {
    let stem = name.strip_suffix(".json")?;
    let (id, rest) = stem.split_once('@')?;
    let mut end = 0;
    let bytes = rest.as_bytes();
    while end < bytes.len()
        && (bytes[end].is_ascii_digit()
            || (bytes[end] == b'.' && bytes.get(end + 1).is_some_and(u8::is_ascii_digit)))
    {
        end += 1;
    }
    (end > 0).then(|| (id, &rest[..end]))
}

/// Every object key of `value` that the table must list (keys directly
/// under an `open map:` key are user data), with its JSON path.
fn keys_of(
    value: &serde_json::Value,
    output: &Output,
    path: &str,
    open: bool,
    out: &mut Vec<(String, String)>,
) {
    match value {
        serde_json::Value::Object(map) => {
            for (k, v) in map {
                if !open {
                    out.push((k.clone(), format!("{path}.{k:?}")));
                }
                keys_of(
                    v,
                    output,
                    &format!("{path}.{k:?}"),
                    output.is_open_map(k),
                    out,
                );
            }
        }
        serde_json::Value::Array(items) => {
            for (i, v) in items.iter().enumerate() {
                keys_of(v, output, &format!("{path}[{i}]"), false, out);
            }
        }
        _ => {}
    }
}

#[test]
fn every_key_of_every_real_capture_is_in_the_table_for_its_version() {
    let dir = std::env::var_os("RBGEN_TOOL_OUTPUT_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| fixtures().join("tool-output"));
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    files.sort();
    assert!(!files.is_empty(), "no captures in {}", dir.display());
    let mut failures = Vec::new();
    let mut checked = 0;
    for file in &files {
        let name = file.file_name().unwrap().to_string_lossy().to_string();
        let Some((id, version)) = parse_name(&name) else {
            failures.push(format!("{name}: not <id>@<version>[.<variant>].json"));
            continue;
        };
        let Some(output) = OUTPUTS.iter().find(|o| o.id == id) else {
            failures.push(format!("{name}: no output `{id}` in tool_outputs.toml"));
            continue;
        };
        let text = std::fs::read_to_string(file).unwrap();
        let value: serde_json::Value = match serde_json::from_str(&text) {
            Ok(v) => v,
            Err(e) => {
                failures.push(format!("{name}: not one JSON document: {e}"));
                continue;
            }
        };
        let mut keys = Vec::new();
        keys_of(&value, output, "", false, &mut keys);
        for (key, path) in keys {
            checked += 1;
            if !output.has_key(&key, Some(version)) {
                let known = if output.has_key(&key, None) {
                    "listed, but not for this version"
                } else {
                    "not listed"
                };
                failures.push(format!("{name}: `{key}` (at {path}) {known}"));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {checked} keys:\n{}",
        failures.len(),
        failures.join("\n")
    );
    assert!(checked > 100, "only {checked} keys checked");
}

#[test]
fn capture_names_are_parsed() {
    assert_eq!(
        parse_name("patronictl-list@4.1.5.json"),
        Some(("patronictl-list", "4.1.5"))
    );
    assert_eq!(
        parse_name("patroni-rest-patroni@4.1.5.exercised-leader-127.0.1.11.json"),
        Some(("patroni-rest-patroni", "4.1.5"))
    );
    assert_eq!(
        parse_name("etcdctl-get@3.4.23.no-keys.json"),
        Some(("etcdctl-get", "3.4.23"))
    );
}
