use crate::declare_rule;
use crate::diagnostic::Diagnostic;
use crate::lint::{Check, LintContext};
use crate::semantics::{shell_fields, steps_in};
use crate::shell::command::{Command, Word, commands};
use crate::shell::effects::sql_of;
use crate::source::{Location, StringMap};
use crate::spec::Doc;
use crate::spec::model::Environment;
use serde::Deserialize;
use std::collections::{BTreeMap, HashSet};
use std::ops::Range;
use std::sync::LazyLock;

pub mod catalog;
mod sql_refs;

use catalog::{Life, Major, catalog};
use sql_refs::Ref;

declare_rule! {
    /// ## What it catches
    /// SQL that reads a PostgreSQL system view, catalog or function that the
    /// major version an environment declares (`[tools] postgresql = "16"`;
    /// also `postgres` or `pg`) does not have: a column renamed or removed
    /// (`pg_stat_replication.sent_location` is `sent_lsn` since 10,
    /// `pg_stat_activity.waiting` is gone since 9.6,
    /// `pg_stat_bgwriter.checkpoints_timed` moved to `pg_stat_checkpointer`
    /// in 17), a column of another view (`sync_state` is in
    /// `pg_stat_replication`, not `pg_stat_activity`), a view that is newer
    /// than the server (`pg_stat_checkpointer` before 17), a function renamed
    /// or not there yet (`pg_current_xlog_location()` since 10,
    /// `pg_promote()` before 12). The SQL is read where RB009 reads it:
    /// `psql -c`, heredocs, piped `echo`, also behind `ssh`, `sudo`,
    /// `kubectl exec` and through the environment's functions, and in those
    /// functions' bodies.
    ///
    /// The table is `src/lint/data/pg_catalog.toml` (PostgreSQL 9.6 to 18,
    /// taken from real servers); a major outside it, or an environment
    /// without a declared version, gets no finding. So that findings are few
    /// and right, a column is checked only where its relation is certain:
    /// `alias.column` with the alias defined in the statement's FROM or
    /// JOIN, or a bare name in a `SELECT` from one system view alone that is
    /// no keyword, alias, output name, CTE, type or call, and that is a
    /// column of some system view. Functions that RB007's table already
    /// covers for `postgresql` are left to RB007.
    ///
    /// ## Why it matters
    /// A monitoring query copied from a blog post for another major fails
    /// with `column "sent_location" does not exist` in the middle of a
    /// failover, and the step that was to show replication lag shows
    /// nothing. After a major upgrade every such query in the runbooks is
    /// wrong at once, and nobody finds out until the next incident.
    ///
    /// ## Example
    /// ```toml
    /// [tools]
    /// postgresql = "16"
    /// # …and a step runs
    /// # psql -c "SELECT client_addr, r.replay_location FROM pg_stat_replication r"
    /// ```
    ///
    /// ## Fix
    /// Use the name the declared major has (the finding says it:
    /// `replay_lsn`), or read from the view the column lives in. When
    /// environments run different majors, give each its query through an
    /// environment function or variable.
    pub struct CatalogVersion { code: "RB026", name: "catalog-version", severity: Error }
}

/// What is wrong with one name in one major.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Problem {
    /// `thing` exists in other majors, not in this one.
    Missing {
        /// `pg_stat_activity.waiting`, `pg_current_xlog_location()`,
        /// `pg_stat_checkpointer`.
        thing: String,
        life: Life,
        replaced_by: Option<String>,
    },
    /// `column` is a column of `relation` in no major; `holders` have it.
    NotAColumn {
        column: String,
        relation: String,
        holders: Vec<String>,
    },
}

/// Columns every table has (`xmin`, `ctid`…): never "not a column".
const SYSTEM_COLUMNS: &[&str] = &["ctid", "xmin", "xmax", "cmin", "cmax", "tableoid", "oid"];

/// The `[tools]` keys that declare the PostgreSQL version, in order of preference.
const TOOL_KEYS: &[&str] = &["postgresql", "postgres", "pg"];

/// SQL functions RB007 (`tool_requirements.toml`) checks against
/// `[tools] postgresql`: where that key declares the version, RB007 reports
/// them and this rule does not say it again.
static RB007_FUNCTIONS: LazyLock<HashSet<String>> = LazyLock::new(|| {
    #[derive(Deserialize)]
    struct Table {
        rule: Vec<Requirement>,
    }
    #[derive(Deserialize)]
    struct Requirement {
        tool: String,
        sql_function: Option<String>,
    }
    let table: Table = toml::from_str(include_str!("../tool_requirements.toml"))
        .expect("tool_requirements.toml is valid");
    table
        .rule
        .into_iter()
        .filter(|r| r.tool == "postgresql")
        .filter_map(|r| r.sql_function)
        .collect()
});

/// The problems of the names `sql` reads, in `major`: (range in `sql`, problem).
/// `skip_function` names functions another rule reports.
pub fn problems(
    sql: &str,
    major: Major,
    skip_function: &dyn Fn(&str) -> bool,
) -> Vec<(Range<usize>, Problem)> {
    let cat = catalog();
    let mut out = Vec::new();
    for r in sql_refs::refs(sql) {
        let range = r.range().clone();
        match r {
            Ref::Call { name, .. } => {
                if let Some(f) = cat.function(&name)
                    && !f.life().exists_in(major)
                    && !skip_function(&name)
                {
                    let problem = Problem::Missing {
                        thing: format!("{name}()"),
                        life: f.life(),
                        replaced_by: f.replaced_by.clone(),
                    };
                    out.push((range, problem));
                }
            }
            Ref::Relation { name, .. } => {
                if let Some(rel) = cat.relation(&name)
                    && !rel.life().exists_in(major)
                {
                    let problem = Problem::Missing {
                        thing: name,
                        life: rel.life(),
                        replaced_by: None,
                    };
                    out.push((range, problem));
                }
            }
            Ref::Column {
                relation,
                column,
                qualified,
                ..
            } => {
                // A relation the major lacks is reported as such, not column by column.
                let Some(rel) = cat
                    .relation(&relation)
                    .filter(|r| r.life().exists_in(major))
                else {
                    continue;
                };
                if let Some(col) = rel.column(&column) {
                    if !col.life().exists_in(major) {
                        let problem = Problem::Missing {
                            thing: format!("{relation}.{column}"),
                            life: col.life(),
                            replaced_by: col.replaced_by.clone(),
                        };
                        out.push((range, problem));
                    }
                    continue;
                }
                if SYSTEM_COLUMNS.contains(&column.as_str())
                    || (!qualified && !cat.is_column_anywhere(&column))
                {
                    continue;
                }
                let others = || {
                    cat.relations_with_column(&column)
                        .filter(|(r, _)| r.name != relation)
                };
                let mut holders: Vec<String> = others()
                    .filter(|(r, c)| r.life().exists_in(major) && c.life().exists_in(major))
                    .map(|(r, _)| r.name.clone())
                    .collect();
                if holders.is_empty() {
                    holders = others().map(|(r, _)| r.name.clone()).collect();
                }
                out.push((
                    range,
                    Problem::NotAColumn {
                        column,
                        relation,
                        holders,
                    },
                ));
            }
        }
    }
    out
}

/// A replacement that is one name (`pg_current_wal_lsn()`, `sent_lsn`).
fn is_name(s: &str) -> bool {
    let s = s.strip_suffix("()").unwrap_or(s);
    !s.is_empty() && s.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// `view.column`.
fn is_qualified_name(s: &str) -> bool {
    s.split_once('.')
        .is_some_and(|(a, b)| is_name(a) && is_name(b) && !b.ends_with("()"))
}

/// `a`, `a and b`, `a, b and c`.
fn and_list(items: &[String], conj: &str) -> String {
    match items {
        [] => String::new(),
        [one] => one.clone(),
        [init @ .., last] => format!("{} {conj} {last}", init.join(", ")),
    }
}

/// The environment's declared PostgreSQL: (version as written, major), when
/// the data covers that major.
fn declared(env: &Doc<Environment>) -> Option<(&str, &str, Major)> {
    TOOL_KEYS.iter().find_map(|key| {
        let (k, v) = env.doc.tools.iter().find(|(k, _)| k.get_ref() == key)?;
        let major = Major::parse(v.get_ref()).filter(|m| catalog().covers(*m))?;
        Some((k.get_ref().as_str(), v.get_ref().as_str(), major))
    })
}

/// One finding in the making: a problem at one place, in some environments.
struct Group {
    location: Location,
    problem: Problem,
    runbook: Option<(String, String)>,
    /// (environment id, version as declared, major)
    envs: Vec<(String, String, Major)>,
}

impl Group {
    fn diagnostic(&self) -> Diagnostic {
        let mut majors: Vec<Major> = self.envs.iter().map(|e| e.2).collect();
        majors.sort();
        majors.dedup();
        let (message, label, help) = match &self.problem {
            Problem::Missing {
                thing,
                life,
                replaced_by,
            } => {
                let mut hint = Vec::new();
                let mut instead = None;
                if let Some(since) = life.since.filter(|s| majors.iter().any(|m| m < s)) {
                    hint.push(format!("added in {since}"));
                }
                if let Some(until) = life.until.filter(|u| majors.iter().any(|m| m >= u)) {
                    match replaced_by {
                        Some(r) if is_name(r) => hint.push(format!("renamed in {until} to {r}")),
                        Some(r) if is_qualified_name(r) => {
                            hint.push(format!("moved in {until} to {r}"))
                        }
                        other => {
                            hint.push(format!("removed in {until}"));
                            instead = other.clone();
                        }
                    }
                }
                let versions = and_list(
                    &majors.iter().map(|m| m.to_string()).collect::<Vec<_>>(),
                    "or",
                );
                let envs = if let [(id, version, _)] = self.envs.as_slice() {
                    format!("environment `{id}` has {version}")
                } else {
                    let named: Vec<String> = self
                        .envs
                        .iter()
                        .map(|(id, version, _)| format!("`{id}` ({version})"))
                        .collect();
                    format!("environments {}", and_list(&named, "and"))
                };
                let mut message = format!("`{thing}` does not exist in PostgreSQL {versions}");
                if !hint.is_empty() {
                    message.push_str(&format!(" ({})", hint.join(", ")));
                }
                if let Some(r) = &instead {
                    message.push_str(&format!("; use {r}"));
                }
                message.push_str(&format!("; {envs}"));
                let help = match (replaced_by, life.until) {
                    (Some(r), Some(_)) => format!("write {r} (what PostgreSQL {versions} has)"),
                    _ if life.since.is_some() => format!(
                        "it needs PostgreSQL {} or later: read it another way, or run the step only where the server has it",
                        life.since.map(|s| s.to_string()).unwrap_or_default()
                    ),
                    _ => "read it another way; the release notes of the major that removed it say what replaced it".to_string(),
                };
                (message, format!("not in PostgreSQL {versions}"), help)
            }
            Problem::NotAColumn {
                column,
                relation,
                holders,
            } => {
                let mut message = format!("`{column}` is not a column of {relation}");
                let help = if holders.is_empty() {
                    format!("check the column name against {relation}'s definition")
                } else {
                    let shown: Vec<String> = holders.iter().take(3).cloned().collect();
                    message.push_str(&format!("; it is a column of {}", and_list(&shown, "and")));
                    format!("read it from {} (join it), or check the name", shown[0])
                };
                (message, format!("not in {relation}"), help)
            }
        };
        let mut d = Diagnostic::finding(message)
            .at(self.location.clone())
            .label(label)
            .help(help);
        if let Some((runbook, step)) = &self.runbook {
            d = d.in_runbook(runbook, Some(step));
        }
        d
    }
}

/// Findings of all environments, grouped by place and problem.
#[derive(Default)]
struct Groups(BTreeMap<(String, usize, usize, String), Group>);

impl Groups {
    fn add(
        &mut self,
        location: Location,
        problem: Problem,
        runbook: Option<(String, String)>,
        env: (String, String, Major),
    ) {
        let what = match &problem {
            Problem::Missing { thing, .. } => thing.clone(),
            Problem::NotAColumn {
                column,
                relation,
                holders,
            } => format!("{relation}.{column} {holders:?}"),
        };
        let key = (
            location.file.display_path(),
            location.span.start,
            location.span.end,
            what,
        );
        let group = self.0.entry(key).or_insert_with(|| Group {
            location,
            problem,
            runbook,
            envs: Vec::new(),
        });
        if !group.envs.iter().any(|e| e.0 == env.0) {
            group.envs.push(env);
        }
    }
}

/// The problems of the SQL `text` (a step's shell) runs in `env`: ranges in
/// `text`. SQL a function call passes on is found at the call's argument;
/// SQL written in a function's body is left to the function's own check.
fn in_step_shell(
    ctx: &LintContext,
    env: &Doc<Environment>,
    text: &str,
    major: Major,
    skip_function: &dyn Fn(&str) -> bool,
) -> Vec<(Range<usize>, Problem)> {
    let direct = commands(text);
    let words = |c: &Command| -> Vec<&Word> {
        direct
            .commands
            .iter()
            .filter(|d| d.range == c.range)
            .flat_map(|d| d.args.iter().chain(&d.stdin))
            .collect()
    };
    let mut seen = HashSet::new();
    let mut out = Vec::new();
    for c in ctx.sem.commands_in(env, text) {
        // The words of the command as the step writes it (for a command
        // from a function's body: the call, whose range it keeps).
        let written = words(&c);
        for (w, r) in sql_of(&c) {
            let sql = &w.text[r.clone()];
            if sql.trim().is_empty() {
                continue;
            }
            let (word, base) = if written.contains(&w) {
                (w, r.start)
            } else if let Some((d, at)) = written
                .iter()
                .find_map(|d| d.text.find(sql).map(|at| (*d, at)))
            {
                (d, at)
            } else {
                continue;
            };
            if !seen.insert((word.range.start, base)) {
                continue;
            }
            for (range, problem) in problems(sql, major, skip_function) {
                out.push((word.span_of(base + range.start..base + range.end), problem));
            }
        }
    }
    out
}

/// The problems of the SQL in a function body (no expansion): ranges in `text`.
fn in_function_body(
    text: &str,
    major: Major,
    skip_function: &dyn Fn(&str) -> bool,
) -> Vec<(Range<usize>, Problem)> {
    let mut out = Vec::new();
    for c in &commands(text).commands {
        for (w, r) in sql_of(c) {
            for (range, problem) in problems(&w.text[r.clone()], major, skip_function) {
                out.push((
                    w.span_of(r.start + range.start..r.start + range.end),
                    problem,
                ));
            }
        }
    }
    out
}

impl Check for CatalogVersion {
    fn run(ctx: &LintContext, out: &mut Vec<Diagnostic>) {
        let spec = ctx.spec;
        let mut groups = Groups::default();
        for (_, proc) in spec.procedures() {
            let p = &proc.doc;
            for env in spec.environments_of(p) {
                let Some((key, version, major)) = declared(env) else {
                    continue;
                };
                let skip = |f: &str| key == "postgresql" && RB007_FUNCTIONS.contains(f);
                let env_id = env.doc.id.get_ref();
                for step in steps_in(p, env_id) {
                    for field in shell_fields(step) {
                        let text = field.text;
                        for (range, problem) in
                            in_step_shell(ctx, env, text.get_ref(), major, &skip)
                        {
                            groups.add(
                                ctx.in_value(proc, text, range),
                                problem,
                                Some((p.id.get_ref().clone(), step.id.get_ref().clone())),
                                (env_id.clone(), version.to_string(), major),
                            );
                        }
                    }
                }
            }
        }
        // The environments' functions (common ones against each environment).
        for env in &spec.environments {
            let Some((key, version, major)) = declared(env) else {
                continue;
            };
            let skip = |f: &str| key == "postgresql" && RB007_FUNCTIONS.contains(f);
            for f in spec.functions_of(env).values() {
                let map = StringMap::new(&f.file.text, f.function.body.span());
                for (range, problem) in in_function_body(f.function.body.get_ref(), major, &skip) {
                    groups.add(
                        Location::new(f.file, map.raw_span(range)),
                        problem,
                        None,
                        (env.doc.id.get_ref().clone(), version.to_string(), major),
                    );
                }
            }
        }
        out.extend(groups.0.values().map(Group::diagnostic));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn m(v: &str) -> Major {
        Major::parse(v).unwrap()
    }

    /// The text each problem points at, with a short description.
    fn found(sql: &str, major: &str) -> Vec<String> {
        problems(sql, m(major), &|_| false)
            .into_iter()
            .map(|(r, p)| {
                let what = match p {
                    Problem::Missing { thing, .. } => format!("missing {thing}"),
                    Problem::NotAColumn {
                        relation, holders, ..
                    } => format!("not in {relation} {holders:?}"),
                };
                format!("{} {what}", &sql[r])
            })
            .collect()
    }

    #[test]
    fn a_removed_column_through_an_alias_fires() {
        let sql = "SELECT client_addr, r.replay_location FROM pg_stat_replication r";
        assert_eq!(
            found(sql, "16"),
            ["replay_location missing pg_stat_replication.replay_location"]
        );
        let sql = "SELECT a.waiting FROM pg_stat_activity AS a";
        assert_eq!(
            found(sql, "16"),
            ["waiting missing pg_stat_activity.waiting"]
        );
    }

    #[test]
    fn valid_in_16_not_in_9_6_and_the_other_way() {
        let new = "SELECT pid, sent_lsn, replay_lag FROM pg_stat_replication";
        assert!(found(new, "16").is_empty());
        assert_eq!(
            found(new, "9.6"),
            [
                "sent_lsn missing pg_stat_replication.sent_lsn",
                "replay_lag missing pg_stat_replication.replay_lag"
            ]
        );
        let old = "SELECT pid, sent_location FROM pg_stat_replication";
        assert!(found(old, "9.6").is_empty());
        assert_eq!(
            found(old, "16"),
            ["sent_location missing pg_stat_replication.sent_location"]
        );
        assert_eq!(
            found("SELECT pg_current_xlog_location()", "16"),
            ["pg_current_xlog_location missing pg_current_xlog_location()"]
        );
        assert!(found("SELECT pg_current_xlog_location()", "9.6").is_empty());
        assert_eq!(
            found("SELECT pg_current_wal_lsn()", "9.6"),
            ["pg_current_wal_lsn missing pg_current_wal_lsn()"]
        );
    }

    #[test]
    fn a_column_of_another_view_fires_an_unknown_bare_word_does_not() {
        assert_eq!(
            found("SELECT sync_state FROM pg_stat_activity", "16"),
            ["sync_state not in pg_stat_activity [\"pg_stat_replication\"]"]
        );
        assert!(found("SELECT lag FROM pg_stat_replication", "16").is_empty());
        assert_eq!(
            found("SELECT r.lag FROM pg_stat_replication r", "16"),
            ["lag not in pg_stat_replication []"]
        );
    }

    #[test]
    fn relations_and_functions_newer_than_the_server_fire() {
        assert_eq!(
            found("SELECT num_timed FROM pg_stat_checkpointer", "16"),
            ["pg_stat_checkpointer missing pg_stat_checkpointer"]
        );
        assert!(found("SELECT num_timed FROM pg_stat_checkpointer", "17").is_empty());
        assert_eq!(
            found("SELECT pg_promote(true, 60)", "11"),
            ["pg_promote missing pg_promote()"]
        );
        assert_eq!(
            found("SELECT checkpoints_timed FROM pg_stat_bgwriter", "17"),
            ["checkpoints_timed missing pg_stat_bgwriter.checkpoints_timed"]
        );
    }

    #[test]
    fn output_names_and_aliases_are_not_columns() {
        for sql in [
            "SELECT now() - backend_start AS waiting FROM pg_stat_activity ORDER BY waiting",
            "SELECT count(*) FILTER (WHERE state = 'active') sync_state FROM pg_stat_activity",
            "SELECT replay_lsn::text sent_location FROM pg_stat_replication",
            "SELECT x.pid FROM (SELECT pid, 1 AS sync_state FROM pg_stat_activity) x WHERE x.sync_state = 1",
        ] {
            assert!(found(sql, "16").is_empty(), "{sql}: {:?}", found(sql, "16"));
        }
    }

    #[test]
    fn ctes_are_the_statements_own() {
        let sql = "WITH sync_state AS (SELECT pid FROM pg_stat_replication) \
                   SELECT a.pid, s.pid FROM pg_stat_activity a JOIN sync_state s USING (pid)";
        assert!(found(sql, "16").is_empty());
        // A CTE reading a catalog still has its columns checked.
        let sql = "WITH r AS (SELECT x.sent_location FROM pg_stat_replication x) SELECT * FROM r";
        assert_eq!(
            found(sql, "16"),
            ["sent_location missing pg_stat_replication.sent_location"]
        );
    }

    #[test]
    fn string_literals_comments_and_meta_commands_are_not_sql() {
        let sql = "SELECT pid, 'waiting sync_state' AS note FROM pg_stat_activity -- waiting\n\
                   \\echo sent_location pg_current_xlog_location()\n\
                   \\x on\n";
        assert!(found(sql, "16").is_empty(), "{:?}", found(sql, "16"));
        // After \gset the next statement is read on its own.
        let sql =
            "SELECT pid FROM pg_stat_activity \\gset\nSELECT sync_state FROM pg_stat_replication";
        assert!(found(sql, "16").is_empty());
    }

    #[test]
    fn casts_are_types_not_columns() {
        let sql = "SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), replay_lsn::pg_lsn) FROM pg_stat_replication WHERE replay_lsn > '0/0'::pg_lsn";
        assert!(found(sql, "16").is_empty());
        assert_eq!(
            found(sql, "9.6"),
            [
                "pg_wal_lsn_diff missing pg_wal_lsn_diff()",
                "pg_current_wal_lsn missing pg_current_wal_lsn()",
                "replay_lsn missing pg_stat_replication.replay_lsn",
                "replay_lsn missing pg_stat_replication.replay_lsn"
            ]
        );
    }

    #[test]
    fn system_columns_and_unknown_relations_are_left_alone() {
        assert!(found("SELECT xmin, ctid FROM pg_database", "16").is_empty());
        assert!(found("SELECT waiting FROM my_activity", "16").is_empty());
        assert!(found("SELECT w.waiting FROM monitoring.pg_stat_activity w", "16").is_empty());
    }

    #[test]
    fn record_functions_read_as_relations() {
        assert_eq!(
            found("SELECT redo_location FROM pg_control_checkpoint()", "16"),
            ["redo_location missing pg_control_checkpoint.redo_location"]
        );
        assert!(found("SELECT c.redo_lsn FROM pg_control_checkpoint() c", "16").is_empty());
    }

    #[test]
    fn messages_name_the_replacement_and_the_environments() {
        let group = |problem: Problem, envs: &[(&str, &str)]| {
            Group {
                location: Location::new(
                    &crate::source::SourceFile::new("x.toml", "x".to_string()),
                    0..1,
                ),
                problem,
                runbook: None,
                envs: envs
                    .iter()
                    .map(|(id, v)| (id.to_string(), v.to_string(), m(v)))
                    .collect(),
            }
            .diagnostic()
            .message
        };
        let [(_, waiting)] = problems("SELECT waiting FROM pg_stat_activity", m("16"), &|_| false)
            .try_into()
            .unwrap();
        assert_eq!(
            group(waiting, &[("prod", "16.4")]),
            "`pg_stat_activity.waiting` does not exist in PostgreSQL 16 (removed in 9.6); use wait_event_type, wait_event; environment `prod` has 16.4"
        );
        let [(_, xlog)] = problems("SELECT pg_current_xlog_location()", m("16"), &|_| false)
            .try_into()
            .unwrap();
        assert_eq!(
            group(xlog, &[("lab", "15"), ("prod", "16")]),
            "`pg_current_xlog_location()` does not exist in PostgreSQL 15 or 16 (renamed in 10 to pg_current_wal_lsn()); environments `lab` (15) and `prod` (16)"
        );
        let [(_, sync)] = problems("SELECT sync_state FROM pg_stat_activity", m("16"), &|_| {
            false
        })
        .try_into()
        .unwrap();
        assert_eq!(
            group(sync, &[("prod", "16")]),
            "`sync_state` is not a column of pg_stat_activity; it is a column of pg_stat_replication"
        );
    }

    #[test]
    fn functions_rb007_reports_are_skipped_on_request() {
        assert!(problems("SELECT pg_promote()", m("11"), &|f| f == "pg_promote").is_empty());
        assert!(RB007_FUNCTIONS.contains("pg_promote"));
    }
}
