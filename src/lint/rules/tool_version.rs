use crate::declare_rule;
use crate::diagnostic::Diagnostic;
use crate::lint::{Check, LintContext};
use crate::semantics::shell_fields;
use crate::semantics::steps_in;
use crate::shell::command::commands;
use crate::shell::effects::{sql_of, subcommand_of};
use crate::shell::sql::statements;
use crate::source::StringMap;
use crate::spec::Doc;
use crate::spec::model::Environment;
use regex::Regex;
use serde::Deserialize;
use std::ops::Range;
use std::sync::LazyLock;

declare_rule! {
    /// ## What it catches
    /// A command that needs a newer tool than an environment declares in
    /// `[tools]`, or uses an option that version removed. The table of such
    /// commands is `src/lint/tool_requirements.toml` (for example `patronictl
    /// promote-cluster` needs Patroni ≥ 4.1; `--master` and `role=master` are
    /// gone since Patroni 4.0; `pg_promote()` needs PostgreSQL ≥ 12). The
    /// table matches the command model — command, subcommand, option
    /// anywhere in the command (also on a continuation line, behind `ssh`,
    /// `sudo` or `kubectl exec`), SQL functions in `psql -c` or heredocs —
    /// never lines of text, so `echo "--master is gone"` is no finding.
    ///
    /// Also: a PostgreSQL path whose major version contradicts the declared
    /// one (`/var/lib/postgresql/15/main`, `/usr/lib/postgresql/15/bin`,
    /// `/var/lib/pgsql/15/data`, `/etc/postgresql/15/`, `/usr/pgsql-15/`)
    /// in a step's commands, in an environment's `[vars]` (and those of
    /// `common.toml`, against every environment) or in an environment
    /// function; and a runbook whose `[requires]` is newer than an
    /// environment's tools.
    ///
    /// ## Why it matters
    /// "The command that needs a newer Patroni than production runs" is found
    /// at the worst moment: the promotion step fails with an unknown command
    /// while DC1 is down.
    ///
    /// ## Example
    /// ```toml
    /// [tools]
    /// patroni = "3.3.2"
    /// # …and a step runs `patronictl promote-cluster`
    /// ```
    ///
    /// ## Fix
    /// Upgrade the environment (and its `[tools]` entry), or use the command
    /// that the deployed version has (e.g. `edit-config --set
    /// standby_cluster=null` before Patroni 4.1).
    pub struct ToolVersion { code: "RB007", name: "tool-version", severity: Error }
}

#[derive(Deserialize)]
struct Table {
    rule: Vec<Requirement>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Requirement {
    tool: String,
    what: String,
    command: Option<String>,
    subcommand: Option<String>,
    option: Option<String>,
    short: Option<String>,
    value: Option<String>,
    sql_function: Option<String>,
    word: Option<String>,
    min: Option<String>,
    removed: Option<String>,
    instead: Option<String>,
}

static TABLE: LazyLock<Vec<(Requirement, Option<Regex>)>> = LazyLock::new(|| {
    let table: Table = toml::from_str(include_str!("../tool_requirements.toml"))
        .expect("tool_requirements.toml is valid");
    table
        .rule
        .into_iter()
        .map(|r| {
            let re = r
                .word
                .as_ref()
                .map(|w| Regex::new(w).expect("tool_requirements.toml patterns compile"));
            (r, re)
        })
        .collect()
});

/// A PostgreSQL major version inside a path (Debian, RHEL/PGDG layouts).
static PG_PATH: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"/(?:var/lib/postgresql|usr/lib/postgresql|etc/postgresql|var/lib/pgsql)/(\d+)(?:/|$)|/usr/pgsql-(\d+)(?:/|$)").unwrap()
});

/// Compare dotted versions numerically (`4.1.5` ≥ `4.1`).
pub fn version_cmp(a: &str, b: &str) -> std::cmp::Ordering {
    let parse = |v: &str| -> Vec<u64> {
        v.split(['.', '-'])
            .map(|p| p.trim_start_matches('v').parse().unwrap_or(0))
            .collect()
    };
    let (a, b) = (parse(a), parse(b));
    for i in 0..a.len().max(b.len()) {
        let o = a.get(i).unwrap_or(&0).cmp(b.get(i).unwrap_or(&0));
        if o.is_ne() {
            return o;
        }
    }
    std::cmp::Ordering::Equal
}

/// Where in `text` a requirement of the table is used: (rule, range).
fn uses_in(text: &str) -> Vec<(&'static Requirement, Range<usize>)> {
    let mut out = Vec::new();
    for c in &commands(text).commands {
        for (req, re) in TABLE.iter() {
            if let Some(re) = re {
                for w in &c.args {
                    if let Some(m) = re.find(&w.text) {
                        out.push((req, w.span_of(m.range())));
                    }
                }
                continue;
            }
            if let Some(f) = &req.sql_function {
                for (word, range) in sql_of(c) {
                    for s in statements(&word.text[range.clone()]) {
                        for (name, r) in &s.calls {
                            if name == f {
                                out.push((
                                    req,
                                    word.span_of(range.start + r.start..range.start + r.end),
                                ));
                            }
                        }
                    }
                }
                continue;
            }
            if req.command.as_deref() != Some(c.name()) {
                continue;
            }
            let sub = subcommand_of(c);
            if let Some(want) = &req.subcommand {
                if sub.is_none_or(|s| &s.text != want) {
                    continue;
                }
            }
            let at = match (&req.option, &req.value) {
                (Some(option), Some(value)) => {
                    let names: Vec<&str> = std::iter::once(option.as_str())
                        .chain(req.short.as_deref())
                        .collect();
                    match c
                        .option_values(&names)
                        .into_iter()
                        .find(|(w, r)| &w.text[r.clone()] == value)
                    {
                        Some((w, r)) => w.span_of(r),
                        None => continue,
                    }
                }
                (Some(option), None) => match c.option_word(option) {
                    Some(w) => w.range.clone(),
                    None => continue,
                },
                (None, _) => sub
                    .filter(|_| req.subcommand.is_some())
                    .map_or(c.name.range.clone(), |s| s.range.clone()),
            };
            out.push((req, at));
        }
    }
    out
}

/// The version the path in `text` names, with its range.
fn pg_paths(text: &str) -> Vec<(String, Range<usize>)> {
    PG_PATH
        .captures_iter(text)
        .filter_map(|c| c.get(1).or_else(|| c.get(2)))
        .map(|m| (m.as_str().to_string(), m.range()))
        .collect()
}

fn tool<'e>(env: &'e Doc<Environment>, name: &str) -> Option<&'e str> {
    env.doc
        .tools
        .iter()
        .find(|(k, _)| k.get_ref() == name)
        .map(|(_, v)| v.get_ref().as_str())
}

/// The problem with using `req` where `have` is deployed, if any: (message, help).
fn problem(req: &Requirement, have: &str, env_id: &str) -> Option<(String, String)> {
    if let Some(min) = req
        .min
        .as_ref()
        .filter(|min| version_cmp(have, min).is_lt())
    {
        return Some((
            format!(
                "{} needs {} ≥ {min}; environment `{env_id}` has {have}",
                req.what, req.tool
            ),
            format!(
                "upgrade {} in `{env_id}` or use a command {have} has",
                req.tool
            ),
        ));
    }
    req.removed
        .as_ref()
        .filter(|rm| version_cmp(have, rm).is_ge())
        .map(|rm| {
            (
                format!(
                    "{} was removed in {} {rm}; environment `{env_id}` has {have}",
                    req.what, req.tool
                ),
                format!(
                    "use {} instead",
                    req.instead.as_deref().unwrap_or("the current option")
                ),
            )
        })
}

/// A path for another PostgreSQL major version than `env` runs.
fn path_problem(version: &str, env: &Doc<Environment>) -> Option<(String, String)> {
    let have = tool(env, "postgresql")?;
    let major = have.split('.').next().unwrap_or(have);
    (version != major).then(|| {
        (
            format!("path is for PostgreSQL {version} but environment `{}` runs PostgreSQL {have}", env.doc.id.get_ref()),
            "take the directory from an environment variable (e.g. `$PG_DATA_DIR`) so each environment states its own".to_string(),
        )
    })
}

impl Check for ToolVersion {
    fn run(ctx: &LintContext, out: &mut Vec<Diagnostic>) {
        let spec = ctx.spec;
        for (_, proc) in spec.procedures() {
            let p = &proc.doc;
            for env in spec.environments_of(p) {
                let env_id = env.doc.id.get_ref();
                for (name, min) in &p.requires {
                    if let Some(have) = tool(env, name.get_ref()) {
                        if version_cmp(have, min.get_ref()).is_lt() {
                            out.push(
                                Diagnostic::finding(format!("{} requires {} ≥ {} but environment `{env_id}` has {have}", p.id.get_ref(), name.get_ref(), min.get_ref()))
                                    .at(proc.loc(min))
                                    .help(format!("upgrade {} in `{env_id}`, or lower the requirement if the runbook works with {have}", name.get_ref()))
                                    .in_runbook(p.id.get_ref(), None),
                            );
                        }
                    }
                }
                for step in steps_in(p, env_id) {
                    for text in shell_fields(step).map(|f| f.text) {
                        let found = check_shell(text.get_ref(), env);
                        for (message, help, range) in found {
                            out.push(
                                Diagnostic::finding(message)
                                    .at(ctx.in_value(proc, text, range))
                                    .help(help)
                                    .in_runbook(p.id.get_ref(), Some(step.id.get_ref())),
                            );
                        }
                    }
                }
            }
        }
        // Environments' own functions and variables; common ones against each environment.
        for env in &spec.environments {
            let mut push = |loc: crate::source::Location, (message, help): (String, String)| {
                out.push(Diagnostic::finding(message).at(loc).help(help));
            };
            for f in spec.functions_of(env).values() {
                let owner = if f.file.path == env.file.path {
                    Some(&env.file)
                } else {
                    spec.common.as_ref().map(|c| &c.file)
                };
                let Some(file) = owner else { continue };
                let map = StringMap::new(&file.text, f.function.body.span());
                for (message, help, range) in check_shell(f.function.body.get_ref(), env) {
                    push(
                        crate::source::Location::new(file, map.raw_span(range)),
                        (message, help),
                    );
                }
            }
            let common_vars = spec
                .common
                .iter()
                .flat_map(|c| c.doc.vars.values().map(move |v| (&c.file, v)));
            let own_vars = env.doc.vars.values().map(|v| (&env.file, v));
            for (file, value) in own_vars.chain(common_vars) {
                let map = StringMap::new(&file.text, value.span());
                for (version, range) in pg_paths(value.get_ref()) {
                    if let Some(p) = path_problem(&version, env) {
                        push(crate::source::Location::new(file, map.raw_span(range)), p);
                    }
                }
            }
        }
    }
}

/// Findings in one shell field for `env`: (message, help, range).
fn check_shell(text: &str, env: &Doc<Environment>) -> Vec<(String, String, Range<usize>)> {
    let env_id = env.doc.id.get_ref();
    let mut out = Vec::new();
    for (req, range) in uses_in(text) {
        if let Some(have) = tool(env, &req.tool) {
            if let Some((m, h)) = problem(req, have, env_id) {
                out.push((m, h, range));
            }
        }
    }
    for c in &commands(text).commands {
        for w in std::iter::once(&c.name).chain(&c.args) {
            for (version, r) in pg_paths(&w.text) {
                if let Some((m, h)) = path_problem(&version, env) {
                    out.push((m, h, w.span_of(r)));
                }
            }
        }
    }
    for a in &commands(text).assignments {
        if let Some(v) = &a.value {
            for (version, r) in pg_paths(&v.text) {
                if let Some((m, h)) = path_problem(&version, env) {
                    out.push((m, h, v.span_of(r)));
                }
            }
        }
    }
    out
}
