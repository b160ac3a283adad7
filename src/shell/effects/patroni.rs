//! `patronictl`: which subcommands change the cluster, and which promote.

use super::{Action, subcommand};
use crate::shell::command::Command;

/// Global options of patronictl that take a value.
pub const GLOBAL_WITH_VALUE: &[&str] = &["-c", "--config-file", "-d", "--dcs-url", "--dcs"];

pub fn patronictl(c: &Command, out: &mut Vec<Action>) {
    let Some(sub) = subcommand(c, GLOBAL_WITH_VALUE) else {
        return;
    };
    let at = sub.range.clone();
    let what = |s: &str| format!("`patronictl {s}`");
    match sub.text.as_str() {
        // Failover promotes a replica when the leader is gone: the
        // disaster case the pre-promotion checks exist for.
        "failover" | "promote-cluster" => out.push(Action::promotes(what(&sub.text), at)),
        // Switchover demotes the running leader first, then promotes.
        "switchover" => out.push(Action::promotes(what("switchover"), at).planned()),
        "edit-config" => {
            out.push(edit_config(c).unwrap_or_else(|| Action::changes(what("edit-config"), at)))
        }
        "reinit" | "remove" => out.push(Action::destroys(what(&sub.text), at)),
        "restart" | "reload" | "pause" | "resume" | "flush" | "demote-cluster" => {
            out.push(Action::changes(what(&sub.text), at))
        }
        "query" => {
            for (word, range) in super::sql_of(c) {
                super::postgres::sql_actions(word, range, out);
            }
        }
        _ => {}
    }
}

/// `edit-config` that removes `standby_cluster` turns a standby cluster
/// into a primary one: `-s standby_cluster=null`, `--set=…`, or YAML on
/// standard input (`--apply -`) with `standby_cluster: null`.
fn edit_config(c: &Command) -> Option<Action> {
    for (word, range) in c.option_values(&["-s", "--set"]) {
        let value = &word.text[range.clone()];
        let compact: String = value.chars().filter(|ch| !ch.is_whitespace()).collect();
        if compact == "standby_cluster=null" || compact == "standby_cluster=" {
            return Some(Action::promotes(
                "`patronictl edit-config` removing `standby_cluster`",
                word.span_of(range),
            ));
        }
    }
    let applies_stdin = c
        .option_values(&["--apply"])
        .iter()
        .any(|(w, r)| &w.text[r.clone()] == "-");
    if applies_stdin {
        for body in &c.stdin {
            if let Some(at) = yaml_null_standby(&body.text) {
                return Some(Action::promotes(
                    "`patronictl edit-config --apply` removing `standby_cluster`",
                    body.span_of(at),
                ));
            }
        }
    }
    None
}

/// `standby_cluster: null` (or `~`, or nothing) in YAML.
fn yaml_null_standby(yaml: &str) -> Option<std::ops::Range<usize>> {
    let mut offset = 0;
    for line in yaml.split_inclusive('\n') {
        let trimmed = line.trim_start();
        if let Some(rest) = trimmed.strip_prefix("standby_cluster:") {
            let value = rest.split('#').next().unwrap_or("").trim();
            if matches!(value, "null" | "~" | "Null" | "NULL") {
                let start = offset + (line.len() - trimmed.len());
                return Some(start..start + "standby_cluster".len());
            }
        }
        offset += line.len();
    }
    None
}
