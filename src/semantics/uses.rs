//! What a procedure's commands use in one environment: the variables (with
//! their values), the secrets, and the shell functions (with their bodies),
//! following functions that call functions and values built from other
//! values. Printed with each runbook so that, on paper, every command can
//! be typed by hand without the script or the Environments chapter.

use super::{shell_fields, steps_in};
use crate::shell::analysis::analyse;
use crate::spec::model::Environment;
use crate::spec::model::Procedure;
use crate::spec::{Doc, Spec};
use serde_json::{Value, json};
use std::collections::{BTreeMap, BTreeSet};

#[derive(Debug, Default, PartialEq, Eq)]
pub struct Uses {
    /// (name, value), in name order.
    pub vars: Vec<(String, String)>,
    /// Secret names: exported by the operator, never printed.
    pub secrets: Vec<String>,
    /// (name, args, definition) in the order they are first needed.
    pub functions: Vec<(String, String, String)>,
}

impl Uses {
    pub fn to_value(&self, env: &str) -> Value {
        json!({
            "env": env,
            "vars": self.vars.iter().map(|(n, v)| json!({"name": n, "value": v})).collect::<Vec<_>>(),
            "secrets": self.secrets,
            "functions": self.functions.iter().map(|(n, a, b)| json!({"name": n, "args": a, "body": b})).collect::<Vec<_>>(),
        })
    }

    pub fn is_empty(&self) -> bool {
        self.vars.is_empty() && self.secrets.is_empty() && self.functions.is_empty()
    }
}

pub fn of(spec: &Spec, proc: &Procedure, env: &Doc<Environment>) -> Uses {
    let env_id = env.doc.id.get_ref();
    let vars = spec.vars_of(env);
    let functions = spec.functions_of(env);
    let secrets: BTreeSet<&str> = env
        .doc
        .secrets
        .keys()
        .map(|k| k.get_ref().as_str())
        .collect();

    let mut texts: Vec<String> = Vec::new();
    for step in steps_in(proc, env_id) {
        texts.extend(shell_fields(step).map(|f| f.text.get_ref().clone()));
        // What a step's target and role check use: the variable holding
        // the hosts (or the group's), and the function that reads a role.
        for t in step.target_items() {
            if t.contains('$') {
                texts.push(format!(": \"{t}\""));
            } else if let Some(g) = env.doc.groups.iter().find(|(g, _)| g.get_ref() == t) {
                texts.push(format!(": \"${}\"", g.1.var.get_ref()));
            }
        }
        if step.role.is_some() {
            texts.push(format!("{} \"$host\"", crate::spec::model::ROLE_FUNCTION));
        }
    }

    let mut var_names: BTreeSet<String> = BTreeSet::new();
    let mut fn_order: Vec<String> = Vec::new();
    let mut queue = texts;
    while let Some(text) = queue.pop() {
        let a = analyse(&text);
        for name in a.used_names() {
            if vars.contains_key(name) && var_names.insert(name.to_string()) {
                // A value built from other values (`$PGDATA/…`).
                queue.push(format!(
                    ": \"{}\"",
                    vars[name].value.replace(['"', '`'], "")
                ));
            } else if secrets.contains(name) {
                var_names.insert(name.to_string());
            }
        }
        for (name, _) in &a.commands {
            if let Some(f) = functions.get(name.as_str())
                && !fn_order.contains(name)
            {
                fn_order.push(name.clone());
                queue.push(f.function.body.get_ref().clone());
            }
        }
    }
    let mut out = Uses::default();
    for name in var_names {
        if secrets.contains(name.as_str()) {
            out.secrets.push(name);
        } else if let Some(v) = vars.get(&name) {
            out.vars.push((name, v.value.clone()));
        }
    }
    let by_name: BTreeMap<&str, _> = functions.iter().map(|(k, v)| (*k, v)).collect();
    for name in fn_order {
        if let Some(f) = by_name.get(name.as_str()) {
            // A definition a person can paste into a shell as it is.
            let body: String = f
                .function
                .body
                .get_ref()
                .trim_end()
                .lines()
                .map(|l| format!("  {l}\n"))
                .collect();
            out.functions.push((
                name.clone(),
                f.function.args.join(" "),
                format!("{name}() {{\n{body}}}"),
            ));
        }
    }
    out
}
