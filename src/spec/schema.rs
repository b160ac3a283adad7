//! `rbgen schema`: the JSON Schema of each spec file kind, derived from the
//! serde types in `model.rs` (so it cannot drift from what the loader
//! accepts). `rbgen schema --out DIR` writes one file per kind, the shape
//! editors and `taplo` read (mapped by the `.taplo.toml` `rbgen init`
//! writes); without `--out`, one document keyed by path pattern.

use super::model::*;
use serde_json::{Value, json};

/// (file name, path pattern in the spec directory, schema) per file kind.
pub fn per_kind() -> Vec<(&'static str, &'static str, Value)> {
    let one = |file: &'static str, pattern: &'static str, title: &str, schema: schemars::Schema| {
        let mut value = schema.to_value();
        keys_by_name(&mut value);
        if let Some(map) = value.as_object_mut() {
            map.insert("title".into(), json!(title));
        }
        (file, pattern, value)
    };
    vec![
        one(
            "rbgen.schema.json",
            "rbgen.toml",
            "rbgen project (rbgen.toml)",
            schemars::schema_for!(ProjectFile),
        ),
        one(
            "common.schema.json",
            "common.toml",
            "rbgen shared variables and functions (common.toml)",
            schemars::schema_for!(Common),
        ),
        one(
            "environment.schema.json",
            "environments/*.toml",
            "rbgen environment",
            schemars::schema_for!(Environment),
        ),
        one(
            "checklist.schema.json",
            "checklists/*.toml",
            "rbgen checklist",
            schemars::schema_for!(Checklist),
        ),
        without_drill_fields(one(
            "runbook.schema.json",
            "runbooks/*.toml",
            "rbgen runbook",
            schemars::schema_for!(Procedure),
        )),
        one(
            "drill.schema.json",
            "drills/*.toml",
            "rbgen drill",
            schemars::schema_for!(Procedure),
        ),
        one(
            "drill-record.schema.json",
            "drills/records/*.toml",
            "rbgen drill record",
            schemars::schema_for!(DrillRecord),
        ),
        one(
            "decision-tree.schema.json",
            "decision-tree.toml",
            "rbgen decision tree",
            schemars::schema_for!(DecisionTree),
        ),
        one(
            "postmortem.schema.json",
            "postmortem.toml",
            "rbgen post-mortem",
            schemars::schema_for!(Postmortem),
        ),
    ]
}

/// Unknown keys as `propertyNames` (an enum of the known ones) instead of
/// `additionalProperties: false`: the same rule, but taplo then reports a
/// typo'd key at its own line rather than at the top of its table.
fn keys_by_name(schema: &mut Value) {
    match schema {
        Value::Object(map) => {
            if map.get("additionalProperties") == Some(&Value::Bool(false))
                && let Some(Value::Object(props)) = map.get("properties")
            {
                let names: Vec<Value> = props.keys().cloned().map(Value::String).collect();
                map.remove("additionalProperties");
                map.insert("propertyNames".into(), json!({ "enum": names }));
            }
            map.values_mut().for_each(keys_by_name);
        }
        Value::Array(items) => items.iter_mut().for_each(keys_by_name),
        _ => {}
    }
}

/// Keys the loader accepts in drills only (`validate::drill_only_fields`):
/// a runbook's schema flags them as it flags a typo.
const DRILL_ONLY: &[&str] = &[
    "scenario",
    "goal",
    "last_performed",
    "due",
    "cadence_days",
    "preparation",
    "is_preparation",
    "exercises",
    "targets",
];

fn without_drill_fields(
    (file, pattern, mut schema): (&'static str, &'static str, Value),
) -> (&'static str, &'static str, Value) {
    if let Some(props) = schema.get_mut("properties").and_then(Value::as_object_mut) {
        for key in DRILL_ONLY {
            props.remove(*key);
        }
    }
    if let Some(Value::Array(names)) = schema.pointer_mut("/propertyNames/enum") {
        names.retain(|n| !n.as_str().is_some_and(|n| DRILL_ONLY.contains(&n)));
    }
    (file, pattern, schema)
}

/// Every kind in one document, keyed by path pattern.
pub fn schema() -> Value {
    let files: serde_json::Map<String, Value> = per_kind()
        .into_iter()
        .map(|(_, pattern, schema)| (pattern.to_string(), schema))
        .collect();
    json!({
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": "rbgen spec",
        "description": "One schema per spec file, keyed by its path pattern. `rbgen schema --out DIR` writes them as separate files. See docs/spec.md.",
        "files": files,
    })
}

/// Write one schema file per kind into `dir`; returns the files written.
pub fn write_dir(dir: &std::path::Path) -> anyhow::Result<Vec<std::path::PathBuf>> {
    use anyhow::Context as _;
    std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let mut written = Vec::new();
    for (file, _, schema) in per_kind() {
        let path = dir.join(file);
        std::fs::write(
            &path,
            format!("{}\n", serde_json::to_string_pretty(&schema)?),
        )
        .with_context(|| format!("cannot write {}", path.display()))?;
        written.push(path);
    }
    Ok(written)
}
