//! Checks that a spec must pass before anything is generated from it: safe
//! ids, unique ids, and references that resolve. Everything here is an error
//! (exit 2); judgement calls are lint rules instead.

use super::model::*;
use super::{Doc, ProcKind, Spec, parse_duration};
use crate::diagnostic::Diagnostic;
use crate::source::Location;
use crate::spec::Spanned;
use std::collections::{BTreeMap, BTreeSet};

/// What an id must look like: it becomes a file name and a command-line word.
pub fn is_safe_id(id: &str) -> bool {
    let b = id.as_bytes();
    !b.is_empty()
        && b.len() <= 64
        && (b[0].is_ascii_lowercase() || b[0].is_ascii_digit())
        && b.iter()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || *c == b'-')
}

/// A bash variable or function name.
pub fn is_shell_name(name: &str) -> bool {
    let mut chars = name.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

struct Checker<'a> {
    spec: &'a Spec,
    errors: Vec<Diagnostic>,
}

pub fn validate(spec: &Spec) -> Vec<Diagnostic> {
    let mut c = Checker {
        spec,
        errors: Vec::new(),
    };
    c.project();
    c.environments();
    c.checklists();
    c.procedures();
    c.decision_tree();
    c.postmortem();
    c.records();
    c.errors
}

impl<'a> Checker<'a> {
    /// A record names a drill of the spec (a record of a removed drill is
    /// history to delete with it).
    fn records(&mut self) {
        for doc in &self.spec.records {
            let drill = &doc.doc.drill;
            if !self
                .spec
                .drills
                .iter()
                .any(|d| d.doc.id.get_ref() == drill.get_ref())
            {
                let known: Vec<&str> = self
                    .spec
                    .drills
                    .iter()
                    .map(|d| d.doc.id.get_ref().as_str())
                    .collect();
                self.unknown(doc, drill, "drill", &known);
            }
        }
    }

    fn err(&mut self, code: &'static str, message: String, at: Location, help: impl Into<String>) {
        self.errors
            .push(Diagnostic::error(code, message).at(at).help(help));
    }

    /// An id that is safe and equals its file's stem.
    fn file_id<T>(&mut self, doc: &Doc<T>, id: &Spanned<String>, what: &str) {
        self.safe_id(doc, id, what);
        let stem = doc
            .file
            .path
            .file_stem()
            .unwrap_or_default()
            .to_string_lossy();
        if is_safe_id(id.get_ref()) && stem != id.get_ref().as_str() {
            self.err(
                "spec-id",
                format!(
                    "{what} id `{}` does not match its file name `{stem}.toml`",
                    id.get_ref()
                ),
                doc.loc(id),
                format!(
                    "rename the file to `{}.toml`, or set `id = \"{stem}\"`",
                    id.get_ref()
                ),
            );
        }
    }

    fn safe_id<T>(&mut self, doc: &Doc<T>, id: &Spanned<String>, what: &str) {
        if !is_safe_id(id.get_ref()) {
            self.err(
                "spec-id",
                format!("{what} id {:?} is not a safe identifier", id.get_ref()),
                doc.loc(id),
                "ids become file names and command-line words: use 1-64 lower-case letters, digits and `-`, starting with a letter or digit",
            );
        }
    }

    fn shell_name<T>(&mut self, doc: &Doc<T>, name: &Spanned<String>, what: &str) {
        let n = name.get_ref();
        if !is_shell_name(n) {
            self.err(
                "spec-name",
                format!("{what} name {n:?} is not a valid shell name"),
                doc.loc(name),
                "use letters, digits and `_`, not starting with a digit",
            );
        } else if n.starts_with("RB_") || n.starts_with("rb_") {
            self.err(
                "spec-name",
                format!("{what} name `{n}` uses the reserved prefix `RB_`/`rb_`"),
                doc.loc(name),
                "the generated script owns names starting with `RB_` and `rb_`; rename it",
            );
        }
    }

    /// Titles are printed on one line by `--list`: no line breaks or control
    /// characters (an escape sequence in a title could rewrite the terminal).
    fn single_line<T>(&mut self, doc: &Doc<T>, text: &Spanned<String>, what: &str) {
        if let Some(bad) = text.get_ref().chars().find(|c| c.is_control()) {
            self.err(
                "spec-text",
                format!("{what} contains the control character {bad:?}"),
                doc.loc(text),
                "titles are one line of plain text: remove line breaks, tabs and control characters",
            );
        }
    }

    fn no_control<T>(&mut self, doc: &Doc<T>, text: &Spanned<String>, what: &str) {
        if let Some(bad) = text
            .get_ref()
            .chars()
            .find(|c| c.is_control() && !matches!(c, '\n' | '\t' | '\r'))
        {
            self.err(
                "spec-text",
                format!("{what} contains the control character {bad:?}"),
                doc.loc(text),
                "remove the control character; only line breaks and tabs are allowed in text",
            );
        }
    }

    fn unknown<T>(
        &mut self,
        doc: &Doc<T>,
        reference: &Spanned<String>,
        what: &str,
        known: &[&str],
    ) {
        let suggestion = super::loader::closest(reference.get_ref(), known.iter().copied());
        let help = match suggestion {
            Some(s) => format!("did you mean `{s}`?"),
            None if known.is_empty() => format!("no {what} is defined"),
            None => format!("known {what}s: {}", known.join(", ")),
        };
        self.err(
            "spec-reference",
            format!("unknown {what} `{}`", reference.get_ref()),
            doc.loc(reference),
            help,
        );
    }

    fn checklist_ids(&self) -> Vec<&'a str> {
        self.spec
            .checklists
            .iter()
            .map(|c| c.doc.id.get_ref().as_str())
            .collect()
    }

    fn env_ids(&self) -> Vec<&'a str> {
        self.spec
            .environments
            .iter()
            .map(|e| e.doc.id.get_ref().as_str())
            .collect()
    }

    fn project(&mut self) {
        let doc = &self.spec.project;
        self.single_line(doc, &doc.doc.project.name, "project name");
        for check in &doc.doc.promotion.required_checks {
            let found = check.get_ref().split_once('.').is_some_and(|(list, item)| {
                self.spec
                    .checklist(list)
                    .is_some_and(|c| c.doc.items.iter().any(|i| i.id.get_ref() == item))
            });
            if !found {
                self.err(
                    "spec-reference",
                    format!(
                        "required check `{}` is not an item of any checklist",
                        check.get_ref()
                    ),
                    doc.loc(check),
                    "write it as `checklist-id.item-id`, naming an item that exists",
                );
            }
        }
        for (code, level) in &doc.doc.lint.severity {
            if crate::diagnostic::Severity::parse_level(level.get_ref()).is_err() {
                self.err(
                    "spec-type",
                    format!(
                        "severity `{}` for {} is not one of error, warning, note, off",
                        level.get_ref(),
                        code.get_ref()
                    ),
                    doc.loc(level),
                    "use \"error\", \"warning\", \"note\" (shown, never fails a run) or \"off\"",
                );
            }
        }
    }

    fn environments(&mut self) {
        let spec = self.spec;
        if let Some(common) = &spec.common {
            for name in common.doc.vars.keys() {
                self.shell_name(common, name, "variable");
            }
            for (name, f) in &common.doc.functions {
                self.shell_name(common, name, "function");
                self.no_control(common, &f.body, "function body");
            }
        }
        let mut function_sets: Vec<(&Doc<Environment>, BTreeSet<&str>)> = Vec::new();
        for env in &spec.environments {
            let e = &env.doc;
            self.file_id(env, &e.id, "environment");
            self.single_line(env, &e.title, "environment title");
            for name in e.vars.keys().chain(e.secrets.keys()) {
                self.shell_name(env, name, "variable");
            }
            for (name, f) in &e.functions {
                self.shell_name(env, name, "function");
                self.no_control(env, &f.body, "function body");
            }
            for (value, what) in e.vars.values().map(|v| (v, "variable value")) {
                self.no_control(env, value, what);
            }
            let mut group_vars = BTreeSet::new();
            for (group, def) in &e.groups {
                self.safe_id(env, group, "group");
                self.shell_name(env, &def.var, "group variable");
                if e.vars.keys().any(|v| v.get_ref() == def.var.get_ref())
                    || !group_vars.insert(def.var.get_ref())
                {
                    self.err(
                        "spec-duplicate",
                        format!("variable `{}` is defined twice in this environment", def.var.get_ref()),
                        env.loc(&def.var),
                        "a group's `var` is exported with its hosts: pick a name no other variable uses",
                    );
                }
            }
            let group_ids: Vec<&str> = e.groups.keys().map(|g| g.get_ref().as_str()).collect();
            let mut node_names = BTreeSet::new();
            for node in &e.nodes {
                if !node_names.insert(node.name.get_ref()) {
                    self.err(
                        "spec-duplicate",
                        format!("node `{}` is defined twice", node.name.get_ref()),
                        env.loc(&node.name),
                        "node names are unique within an environment",
                    );
                }
                if node.host.get_ref().is_empty()
                    || node
                        .host
                        .get_ref()
                        .chars()
                        .any(|c| c.is_whitespace() || c.is_control())
                {
                    self.err(
                        "spec-text",
                        format!(
                            "node host {:?} is not a host name or address",
                            node.host.get_ref()
                        ),
                        env.loc(&node.host),
                        "a host is one word: an address or a DNS name",
                    );
                }
                for g in &node.groups {
                    if !group_ids.contains(&g.get_ref().as_str()) {
                        self.unknown(env, g, "group", &group_ids);
                    }
                }
            }
            function_sets.push((env, spec.functions_of(env).keys().copied().collect()));
        }
        // Runbook text is shared by every environment, so every environment
        // must give meaning to the same function names.
        let all: BTreeSet<&str> = function_sets
            .iter()
            .flat_map(|(_, s)| s.iter().copied())
            .collect();
        for (env, set) in &function_sets {
            let missing: Vec<&str> = all.difference(set).copied().collect();
            if !missing.is_empty() {
                self.err(
                    "spec-reference",
                    format!("environment `{}` does not define function(s) {}", env.doc.id.get_ref(), missing.join(", ")),
                    env.loc(&env.doc.id),
                    "every environment must define the same functions so runbook text runs unchanged in each; add them to this environment or to common.toml",
                );
            }
        }
    }

    fn checklists(&mut self) {
        for list in &self.spec.checklists {
            self.file_id(list, &list.doc.id, "checklist");
            self.single_line(list, &list.doc.title, "checklist title");
            let mut seen = BTreeSet::new();
            for item in &list.doc.items {
                self.safe_id(list, &item.id, "checklist item");
                self.single_line(list, &item.text, "checklist item text");
                if !seen.insert(item.id.get_ref()) {
                    self.err(
                        "spec-duplicate",
                        format!("checklist item `{}` is defined twice", item.id.get_ref()),
                        list.loc(&item.id),
                        "item ids are unique within a checklist",
                    );
                }
            }
            if list.doc.items.is_empty() {
                self.err(
                    "spec-missing",
                    "checklist has no items".into(),
                    list.loc(&list.doc.id),
                    "add at least one [[items]] table",
                );
            }
        }
    }

    fn procedures(&mut self) {
        let spec = self.spec;
        let runbook_ids: BTreeSet<&str> = spec
            .runbooks
            .iter()
            .map(|r| r.doc.id.get_ref().as_str())
            .collect();
        for (kind, doc) in spec.procedures() {
            let p = &doc.doc;
            self.file_id(doc, &p.id, kind.as_str());
            self.single_line(doc, &p.title, "title");
            if kind == ProcKind::Drill && runbook_ids.contains(p.id.get_ref().as_str()) {
                self.err(
                    "spec-duplicate",
                    format!("drill id `{}` is also a runbook id", p.id.get_ref()),
                    doc.loc(&p.id),
                    "runbooks and drills share `generated/scripts/<env>/<id>.sh`: rename one of them",
                );
            }
            if kind == ProcKind::Runbook {
                self.drill_only_fields(doc);
            } else {
                self.drill_fields(doc);
            }
            for list in p.before.iter().chain(&p.after) {
                if spec.checklist(list.get_ref()).is_none() {
                    let known = self.checklist_ids();
                    self.unknown(doc, list, "checklist", &known);
                }
            }
            if let Some(envs) = &p.environments {
                for env in envs {
                    if spec.environment(env.get_ref()).is_none() {
                        let known = self.env_ids();
                        self.unknown(doc, env, "environment", &known);
                    }
                }
            }
            let mut params = BTreeSet::new();
            for param in &p.params {
                self.shell_name(doc, &param.name, "parameter");
                if !params.insert(param.name.get_ref()) {
                    self.err(
                        "spec-duplicate",
                        format!("parameter `{}` is defined twice", param.name.get_ref()),
                        doc.loc(&param.name),
                        "parameter names are unique within a runbook",
                    );
                }
            }
            if p.steps.is_empty() {
                self.err(
                    "spec-missing",
                    format!("{} has no steps", kind.as_str()),
                    doc.loc(&p.id),
                    "add at least one [[steps]] table",
                );
            }
            self.steps(doc);
        }
    }

    fn drill_only_fields(&mut self, doc: &Doc<Procedure>) {
        let p = &doc.doc;
        let spans = [
            ("scenario", p.scenario.as_ref().map(|s| s.span())),
            ("goal", p.goal.as_ref().map(|s| s.span())),
            (
                "last_performed",
                p.last_performed.as_ref().map(|s| s.span()),
            ),
            ("due", p.due.as_ref().map(|s| s.span())),
            ("cadence_days", p.cadence_days.as_ref().map(|s| s.span())),
            ("preparation", p.preparation.as_ref().map(|s| s.span())),
            (
                "is_preparation",
                p.is_preparation.as_ref().map(|s| s.span()),
            ),
        ];
        for (key, span) in spans {
            if let Some(span) = span {
                self.err(
                    "spec-unknown-key",
                    format!("`{key}` belongs to drills, not runbooks"),
                    doc.loc_span(span),
                    "move this file to `drills/`, or remove the key",
                );
            }
        }
        if let Some(e) = p.exercises.first() {
            self.err(
                "spec-unknown-key",
                "`exercises` belongs to drills, not runbooks".into(),
                doc.loc(e),
                "name the runbook in the `exercises` of the drill that runs it",
            );
        }
        if let Some(t) = p.targets.first() {
            self.err(
                "spec-unknown-key",
                "`targets` belong to drills, not runbooks".into(),
                doc.loc(&t.id),
                "move this file to `drills/`, or remove the targets",
            );
        }
    }

    fn drill_fields(&mut self, doc: &Doc<Procedure>) {
        let p = &doc.doc;
        if let Some(prep) = &p.preparation {
            let ok = self.spec.drills.iter().any(|d| {
                d.doc.id.get_ref() == prep.get_ref()
                    && d.doc.is_preparation.as_ref().is_some_and(|b| *b.get_ref())
            });
            if !ok {
                let known: Vec<&str> = self
                    .spec
                    .drills
                    .iter()
                    .filter(|d| d.doc.is_preparation.as_ref().is_some_and(|b| *b.get_ref()))
                    .map(|d| d.doc.id.get_ref().as_str())
                    .collect();
                self.unknown(doc, prep, "preparation drill", &known);
            }
        }
        for exercised in &p.exercises {
            if !self
                .spec
                .runbooks
                .iter()
                .any(|r| r.doc.id.get_ref() == exercised.get_ref())
            {
                let known: Vec<&str> = self
                    .spec
                    .runbooks
                    .iter()
                    .map(|r| r.doc.id.get_ref().as_str())
                    .collect();
                self.unknown(doc, exercised, "runbook", &known);
            }
        }
        let mut seen = BTreeSet::new();
        for target in &p.targets {
            self.safe_id(doc, &target.id, "target");
            if let Some(unit) = &target.unit
                && !matches!(unit.get_ref().as_str(), "seconds" | "rows")
            {
                self.err(
                    "spec-value",
                    format!("unknown target unit `{}`", unit.get_ref()),
                    doc.loc(unit),
                    "write `unit = \"seconds\"` (the default) or `unit = \"rows\"`",
                );
            }
            if !seen.insert(target.id.get_ref()) {
                self.err(
                    "spec-duplicate",
                    format!("target `{}` is defined twice", target.id.get_ref()),
                    doc.loc(&target.id),
                    "target ids are unique within a drill",
                );
            }
            let interval = target.from.is_some() && target.to.is_some();
            let value = target.mark.is_some();
            if interval == value || (target.from.is_some() != target.to.is_some()) {
                self.err(
                    "spec-invalid",
                    format!("target `{}` must be measured by `from` + `to` marks or by one `mark`", target.id.get_ref()),
                    doc.loc(&target.id),
                    "set `from = \"fault_injected\"` and `to = \"first_write\"`, or `mark = \"rpo_seconds\"`",
                );
            }
            if !(*target.max_seconds.get_ref() >= 0.0) {
                self.err(
                    "spec-invalid",
                    "`max_seconds` must be zero or more".into(),
                    doc.loc(&target.max_seconds),
                    "give the target's limit in seconds",
                );
            }
        }
    }

    /// A step's `target` names a node, a group or `$NAME`; a `role` needs
    /// a target and the environments' `node_role` function.
    fn target(&mut self, doc: &Doc<Procedure>, step: &crate::spec::model::Step) {
        let id = step.id.get_ref();
        for text in step.target_items() {
            let Some(t) = &step.target else { break };
            // `$NAME`, `${NAME}`, or a word built from them (`$CLUSTER-0`).
            let is_var = text.contains('$') && crate::spec::model::target_word_vars(text).is_some();
            let known = self.spec.environments.iter().any(|e| {
                e.doc.nodes.iter().any(|n| n.name.get_ref() == text)
                    || e.doc.groups.keys().any(|g| g.get_ref() == text)
            });
            if !is_var && !known {
                let mut names: Vec<&str> = self
                    .spec
                    .environments
                    .iter()
                    .flat_map(|e| {
                        e.doc
                            .nodes
                            .iter()
                            .map(|n| n.name.get_ref().as_str())
                            .chain(e.doc.groups.keys().map(|g| g.get_ref().as_str()))
                    })
                    .collect();
                names.sort();
                names.dedup();
                self.err(
                    "spec-invalid",
                    format!("step `{id}`: target `{text}` is no node, no group and no `$NAME` (or word made of `$NAME`s, like `$CLUSTER-0`)"),
                    doc.loc(t),
                    &format!(
                        "name a node or a group of the environments ({}), or a parameter or variable holding the hosts as `$NAME`",
                        if names.is_empty() { "none defined".to_string() } else { names.join(", ") }
                    ),
                );
            }
        }
        if let Some(role) = &step.role {
            if step.target.is_none() {
                self.err(
                    "spec-missing",
                    format!("step `{id}` has a `role` but no `target`"),
                    doc.loc(role),
                    "add `target = \"$NAME\"` (or a node or group): the role is checked on the target's hosts",
                );
            }
            for env in self.spec.environments_of(&doc.doc) {
                let has = self
                    .spec
                    .functions_of(env)
                    .contains_key(crate::spec::model::ROLE_FUNCTION);
                if !has {
                    self.err(
                        "spec-missing",
                        format!(
                            "step `{id}` checks the role of its target, but environment `{}` has no `{}` function to read it",
                            env.doc.id.get_ref(),
                            crate::spec::model::ROLE_FUNCTION
                        ),
                        doc.loc(role),
                        "define `[functions.node_role]` (args = [\"HOST\"]) in the environment or common.toml: it prints the host's role (primary, replica, standby-leader, stopped…), e.g. from Patroni's REST API",
                    );
                }
            }
        }
        if let Some(max) = &step.max_targets {
            if *max.get_ref() == 0 {
                self.err(
                    "spec-invalid",
                    "`max_targets` is 0: the step could act on nothing".into(),
                    doc.loc(max),
                    "set it to the most hosts the step may touch (1 or more)",
                );
            }
        }
    }

    fn steps(&mut self, doc: &Doc<Procedure>) {
        let p = &doc.doc;
        let mut seen: BTreeMap<&str, StepKind> = BTreeMap::new();
        let env_ids = self.env_ids();
        for step in &p.steps {
            let id = step.id.get_ref().as_str();
            self.safe_id(doc, &step.id, "step");
            self.single_line(doc, &step.title, "step title");
            if seen.contains_key(id) {
                self.err("spec-duplicate", format!("step `{id}` is defined twice"), doc.loc(&step.id), "step ids are unique within a runbook: they are what `--from` and `--only` take");
            }
            let kind = *step.kind.get_ref();
            match (&step.run, kind) {
                (Some(run), StepKind::Manual) => self.err(
                    "spec-invalid",
                    "a `manual` step has no `run`".into(),
                    doc.loc(run),
                    "give the step a kind that says what the command does (probe, change, …), or move the command into the description",
                ),
                (None, k) if k != StepKind::Manual => self.err(
                    "spec-missing",
                    format!("step `{id}` of kind `{}` has no `run`", k.as_str()),
                    doc.loc(&step.id),
                    "add `run = '''…'''`, or set `kind = \"manual\"` for instructions without a command",
                ),
                _ => {}
            }
            if let Some(run) = &step.run {
                self.no_control(doc, run, "`run`");
            }
            // A promotion that does not ask is what split-brains a cluster at
            // 03:00: the script would promote on Enter. No setting allows it.
            if let Some(confirm) = &step.confirm {
                if kind == StepKind::Promotion && !*confirm.get_ref() {
                    self.err(
                        "spec-invalid",
                        format!("promotion step `{id}` has `confirm = false`: a promotion always asks before it runs"),
                        doc.loc(confirm),
                        "remove `confirm = false`; unattended drills pass `--yes` to the script instead",
                    );
                }
            }
            self.target(doc, step);
            if let Some(cleanup) = &step.cleanup {
                if kind != StepKind::Fault {
                    self.err("spec-invalid", "`cleanup` is only for fault steps".into(), doc.loc(cleanup), "use `rollback` (printed, never run) for other kinds, or set `kind = \"fault\"`");
                }
            }
            if let Some(target) = &step.restores {
                match seen.get(target.get_ref().as_str()) {
                    Some(StepKind::Fault) => {}
                    _ => {
                        let faults: Vec<&str> = seen
                            .iter()
                            .filter(|(_, k)| **k == StepKind::Fault)
                            .map(|(i, _)| *i)
                            .collect();
                        self.unknown(doc, target, "earlier fault step", &faults);
                    }
                }
            }
            if let Some(gate) = &step.gate {
                if self.spec.checklist(gate.get_ref()).is_none() {
                    let known = self.checklist_ids();
                    self.unknown(doc, gate, "checklist", &known);
                }
            }
            if let Some(timeout) = &step.timeout {
                if parse_duration(timeout.get_ref()).is_none() {
                    self.err(
                        "spec-type",
                        format!("timeout {:?} is not a duration", timeout.get_ref()),
                        doc.loc(timeout),
                        "write a positive number with a unit: `30s`, `5m` or `2h`",
                    );
                }
            }
            for name in &step.sets {
                self.shell_name(doc, name, "variable");
            }
            if let Some(envs) = &step.environments {
                for env in envs {
                    if !env_ids.contains(&env.get_ref().as_str()) {
                        self.unknown(doc, env, "environment", &env_ids);
                    }
                }
            }
            self.condition(doc, step, &seen);
            seen.insert(id, kind);
        }
        self.choices(doc);
    }

    /// `when` names an earlier step (or a variable, or a test: exactly one).
    fn condition(&mut self, doc: &Doc<Procedure>, step: &Step, earlier: &BTreeMap<&str, StepKind>) {
        let Some(when) = &step.when else { return };
        let given = [when.step.is_some(), when.var.is_some(), when.test.is_some()]
            .iter()
            .filter(|g| **g)
            .count();
        if given != 1 {
            self.err(
                "spec-invalid",
                format!("the `when` of step `{}` must have exactly one of `step`, `var`, `test`", step.id.get_ref()),
                doc.loc(&step.id),
                "e.g. `when = { step = \"check-dc1\", outcome = \"failed\" }`, `when = { var = \"DC1_STATE\", equals = \"alive\" }` or `when = { test = '[[ -n $X ]]' }`",
            );
        }
        if let Some(target) = &when.step {
            if !earlier.contains_key(target.get_ref().as_str()) {
                let known: Vec<&str> = earlier.keys().copied().collect();
                self.unknown(doc, target, "earlier step", &known);
            }
        }
        if let (Some(outcome), None) = (&when.outcome, &when.step) {
            self.err("spec-invalid", "`outcome` goes with `step`".into(), doc.loc(outcome), "name the step whose outcome decides: `when = { step = \"…\", outcome = \"failed\" }`");
        }
        if let Some(var) = &when.var {
            self.shell_name(doc, var, "variable");
            if when.equals.is_some() == when.not_equals.is_some() {
                self.err(
                    "spec-invalid",
                    "`when.var` needs exactly one of `equals`, `not_equals`".into(),
                    doc.loc(var),
                    "e.g. `when = { var = \"DC1_STATE\", equals = \"alive\" }`",
                );
            }
        } else if let Some(v) = when.equals.as_ref().or(when.not_equals.as_ref()) {
            self.err(
                "spec-invalid",
                "`equals` and `not_equals` go with `var`".into(),
                doc.loc(v),
                "name the variable: `when = { var = \"X\", equals = \"…\" }`",
            );
        }
        if let Some(test) = &when.test {
            self.no_control(doc, test, "`when.test`");
        }
    }

    /// Choices: unique ids, two options or more; every `option` of a step
    /// names one of them.
    fn choices(&mut self, doc: &Doc<Procedure>) {
        let p = &doc.doc;
        let mut ids: Vec<&str> = Vec::new();
        for c in &p.choices {
            self.safe_id(doc, &c.id, "choice");
            if ids.contains(&c.id.get_ref().as_str()) {
                self.err(
                    "spec-duplicate",
                    format!("choice `{}` is defined twice", c.id.get_ref()),
                    doc.loc(&c.id),
                    "choice ids are unique within a runbook",
                );
            }
            ids.push(c.id.get_ref());
            if c.options.len() < 2 {
                self.err("spec-invalid", format!("choice `{}` needs at least two options", c.id.get_ref()), doc.loc(&c.id), "a single alternative is not a choice: make its steps `optional = true` instead");
            }
            let mut option_ids: Vec<&str> = Vec::new();
            for o in &c.options {
                self.safe_id(doc, &o.id, "option");
                if option_ids.contains(&o.id.get_ref().as_str()) {
                    self.err(
                        "spec-duplicate",
                        format!(
                            "option `{}` of choice `{}` is defined twice",
                            o.id.get_ref(),
                            c.id.get_ref()
                        ),
                        doc.loc(&o.id),
                        "option ids are unique within a choice",
                    );
                }
                option_ids.push(o.id.get_ref());
            }
        }
        let known: Vec<String> = p
            .choices
            .iter()
            .flat_map(|c| {
                c.options
                    .iter()
                    .map(move |o| format!("{}.{}", c.id.get_ref(), o.id.get_ref()))
            })
            .collect();
        for step in &p.steps {
            if let Some(option) = &step.option {
                if !known.iter().any(|k| k == option.get_ref()) {
                    let known: Vec<&str> = known.iter().map(String::as_str).collect();
                    self.unknown(doc, option, "choice option (`choice.option`)", &known);
                }
            }
        }
    }

    fn decision_tree(&mut self) {
        let spec = self.spec;
        let Some(tree) = &spec.decision_tree else {
            return;
        };
        let ids: Vec<&str> = tree
            .doc
            .questions
            .iter()
            .map(|q| q.id.get_ref().as_str())
            .collect();
        let procs: Vec<&str> = spec
            .procedures()
            .map(|(_, d)| d.doc.id.get_ref().as_str())
            .collect();
        if !ids.contains(&tree.doc.start.get_ref().as_str()) {
            self.unknown(tree, &tree.doc.start, "question", &ids);
        }
        let mut seen = BTreeSet::new();
        for q in &tree.doc.questions {
            self.safe_id(tree, &q.id, "question");
            if !seen.insert(q.id.get_ref()) {
                self.err(
                    "spec-duplicate",
                    format!("question `{}` is defined twice", q.id.get_ref()),
                    tree.loc(&q.id),
                    "question ids are unique",
                );
            }
            for a in &q.answers {
                let count = [a.next.is_some(), a.runbook.is_some(), a.action.is_some()]
                    .iter()
                    .filter(|b| **b)
                    .count();
                if count != 1 {
                    self.err("spec-invalid", "an answer leads to exactly one of `next`, `runbook` or `action`".into(), tree.loc(&a.answer), "keep one of `next = \"question\"`, `runbook = \"id\"` or `action = \"text\"`");
                }
                if let Some(next) = &a.next {
                    if !ids.contains(&next.get_ref().as_str()) {
                        self.unknown(tree, next, "question", &ids);
                    }
                }
                if let Some(rb) = &a.runbook {
                    if !procs.contains(&rb.get_ref().as_str()) {
                        self.unknown(tree, rb, "runbook", &procs);
                    }
                }
            }
        }
    }

    fn postmortem(&mut self) {
        let spec = self.spec;
        let Some(pm) = &spec.postmortem else { return };
        if let Some(rb) = &pm.doc.checks_runbook {
            if spec.procedure(rb.get_ref()).is_none() {
                let procs: Vec<&str> = spec
                    .procedures()
                    .map(|(_, d)| d.doc.id.get_ref().as_str())
                    .collect();
                self.unknown(pm, rb, "runbook", &procs);
            }
        }
        if let Some(list) = &pm.doc.checklist {
            if spec.checklist(list.get_ref()).is_none() {
                let known = self.checklist_ids();
                self.unknown(pm, list, "checklist", &known);
            }
        }
    }
}
