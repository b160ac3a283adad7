//! `rbgen schema`: one JSON Schema describing every spec file kind.

use super::model::*;
use serde_json::{Value, json};

pub fn schema() -> Value {
    let mut defs = serde_json::Map::new();
    let mut one = |name: &str, schema: schemars::Schema| {
        defs.insert(name.to_string(), schema.to_value());
    };
    one("rbgen.toml", schemars::schema_for!(ProjectFile));
    one("common.toml", schemars::schema_for!(Common));
    one("environments/*.toml", schemars::schema_for!(Environment));
    one("checklists/*.toml", schemars::schema_for!(Checklist));
    one("runbooks/*.toml", schemars::schema_for!(Procedure));
    one("drills/*.toml", schemars::schema_for!(Procedure));
    one("decision-tree.toml", schemars::schema_for!(DecisionTree));
    one("postmortem.toml", schemars::schema_for!(Postmortem));
    json!({
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": "rbgen spec",
        "description": "One schema per spec file, keyed by its path pattern. See docs/spec.md.",
        "files": defs,
    })
}
