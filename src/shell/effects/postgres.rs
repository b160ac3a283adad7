//! PostgreSQL's own tools: SQL run by `psql`, `pg_ctl`, `pg_ctlcluster`,
//! rebuilds (`pg_rewind`, `pg_basebackup`), and other HA managers
//! (`repmgr`, `pg_autoctl`) that promote.

use super::{Action, subcommand};
use crate::shell::command::{Command, Word};
use crate::shell::sql::{STATE_CHANGING_FUNCTIONS, session_local, statements};

/// SQL from `-c`/`--command`, and from standard input unless `-f` names a file.
pub fn psql(c: &Command, out: &mut Vec<Action>) {
    for (word, range) in sql_of(c) {
        sql_actions(word, range, out);
    }
}

/// The SQL `c` runs, as (word, range of the SQL in it).
pub fn sql_of(c: &Command) -> Vec<(&Word, std::ops::Range<usize>)> {
    match c.name() {
        "psql" => {
            let mut out = c.option_values(&["-c", "--command"]);
            let reads_file = c
                .option_values(&["-f", "--file"])
                .iter()
                .any(|(w, r)| !matches!(&w.text[r.clone()], "-" | "/dev/stdin"));
            if !reads_file {
                out.extend(c.stdin.iter().map(|b| (b, 0..b.text.len())));
            }
            out
        }
        "patronictl" => {
            // After the subcommand, `-c` is `--command` (SQL), not the config file.
            let Some(sub) = super::subcommand_of(c).filter(|s| s.text == "query") else {
                return Vec::new();
            };
            let after = c
                .args
                .iter()
                .position(|w| std::ptr::eq(w, sub))
                .map_or(0, |i| i + 1);
            let mut out = Vec::new();
            let args = &c.args[after..];
            for (i, w) in args.iter().enumerate() {
                if (w.text == "-c" || w.text == "--command") && i + 1 < args.len() {
                    out.push((&args[i + 1], 0..args[i + 1].text.len()));
                } else if let Some(v) = w.text.strip_prefix("--command=") {
                    out.push((w, w.text.len() - v.len()..w.text.len()));
                }
            }
            out
        }
        _ => Vec::new(),
    }
}

/// Actions of the SQL in `word[range]`.
pub fn sql_actions(word: &Word, range: std::ops::Range<usize>, out: &mut Vec<Action>) {
    let sql = &word.text[range.clone()];
    let at = |r: std::ops::Range<usize>| word.span_of(range.start + r.start..range.start + r.end);
    let statements = statements(sql);
    let local = session_local(&statements);
    for (s, local) in statements.iter().zip(local) {
        for (name, r) in &s.calls {
            if name == "pg_promote" {
                out.push(Action::promotes("`pg_promote()`", at(r.clone())));
            } else if STATE_CHANGING_FUNCTIONS.contains(&name.as_str()) {
                out.push(Action::changes(format!("`{name}()`"), at(r.clone())));
            }
        }
        let what = format!("SQL `{}`", s.keyword.replace('_', " "));
        if local {
            continue;
        }
        if s.destroys() {
            out.push(Action::destroys(what, at(s.keyword_range.clone())));
        } else if s.writes() {
            out.push(Action::changes(what, at(s.keyword_range.clone())));
        }
    }
}

pub fn pg_ctl(c: &Command, out: &mut Vec<Action>) {
    let Some(sub) = subcommand(
        c,
        &[
            "-D",
            "--pgdata",
            "-m",
            "--mode",
            "-o",
            "--options",
            "-l",
            "--log",
            "-t",
            "--timeout",
            "-s",
            "-e",
            "-N",
            "-U",
            "-P",
            "-S",
        ],
    ) else {
        return;
    };
    pg_action(&sub.text, sub.range.clone(), "pg_ctl", out);
}

/// `pg_ctlcluster VERSION CLUSTER ACTION`.
pub fn pg_ctlcluster(c: &Command, out: &mut Vec<Action>) {
    if let Some(action) = c.positionals(&["-o", "--options", "-m", "--mode"]).get(2) {
        pg_action(&action.text, action.range.clone(), "pg_ctlcluster", out);
    }
}

fn pg_action(action: &str, at: std::ops::Range<usize>, tool: &str, out: &mut Vec<Action>) {
    let what = format!("`{tool} {action}`");
    match action {
        "promote" => out.push(Action::promotes(what, at)),
        "stop" | "kill" => {
            out.push(Action::destroys(what, at).fault(super::Fault::Stop("postgresql".into())))
        }
        "start" | "restart" | "reload" | "init" | "initdb" => out.push(Action::changes(what, at)),
        _ => {}
    }
}

/// Rebuilding a data directory throws away what it held.
pub fn rebuild(c: &Command, out: &mut Vec<Action>) {
    let name = c.name();
    let action = match name {
        "pg_rewind" | "pg_resetwal" | "pg_resetxlog" => {
            Action::destroys(format!("`{name}`"), c.name.range.clone())
        }
        _ => Action::changes(format!("`{name}`"), c.name.range.clone()),
    };
    if !c.has_option("--help")
        && !c.has_option("-V")
        && !c.has_option("--version")
        && !c.has_option("-n")
        && !c.has_option("--dry-run")
    {
        out.push(action);
    }
}

/// `repmgr standby promote|switchover|follow`, `repmgr node rejoin`.
pub fn repmgr(c: &Command, out: &mut Vec<Action>) {
    let pos = c.positionals(&[
        "-f",
        "--config-file",
        "-h",
        "-U",
        "-d",
        "-p",
        "--node-id",
        "--upstream-node-id",
    ]);
    let (Some(object), Some(verb)) = (pos.first(), pos.get(1)) else {
        return;
    };
    if c.has_option("--dry-run") {
        return;
    }
    let what = format!("`repmgr {} {}`", object.text, verb.text);
    let at = verb.range.clone();
    match (object.text.as_str(), verb.text.as_str()) {
        ("standby", "promote") => out.push(Action::promotes(what, at)),
        ("standby", "switchover") => out.push(Action::promotes(what, at).planned()),
        ("standby", "clone")
        | ("node", "rejoin")
        | ("standby", "follow")
        | ("primary", "register")
        | ("standby", "register")
        | ("standby", "unregister")
        | ("primary", "unregister")
        | ("witness", _)
        | ("service", "pause")
        | ("service", "unpause") => out.push(Action::changes(what, at)),
        _ => {}
    }
}

/// `pg_autoctl perform failover|switchover|promotion`.
pub fn pg_autoctl(c: &Command, out: &mut Vec<Action>) {
    let pos = c.positionals(&["--pgdata", "--formation", "--group", "--name"]);
    if pos.first().is_some_and(|w| w.text == "perform") {
        if let Some(verb) = pos.get(1) {
            let what = format!("`pg_autoctl perform {}`", verb.text);
            match verb.text.as_str() {
                "failover" | "promotion" => out.push(Action::promotes(what, verb.range.clone())),
                "switchover" => out.push(Action::promotes(what, verb.range.clone()).planned()),
                _ => {}
            }
        }
    }
}
