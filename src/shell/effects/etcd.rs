//! The DCS: `etcdctl` (v3 API) writes and membership changes, and Consul's
//! key-value store and snapshots.

use super::{Action, subcommand};
use crate::shell::command::Command;

pub const WITH_VALUE: &[&str] = &[
    "--endpoints",
    "--cacert",
    "--cert",
    "--key",
    "--user",
    "--password",
    "-w",
    "--write-out",
    "--command-timeout",
    "--dial-timeout",
    "--discovery-srv",
];

pub fn etcdctl(c: &Command, out: &mut Vec<Action>) {
    let pos = c.positionals(WITH_VALUE);
    let Some(sub) = subcommand(c, WITH_VALUE) else {
        return;
    };
    let second = pos.get(1).map(|w| w.text.as_str()).unwrap_or("");
    let what = |s: &str| format!("`etcdctl {s}`");
    match (sub.text.as_str(), second) {
        ("del" | "rm" | "rmdir", _) => {
            out.push(Action::destroys(what(&sub.text), sub.range.clone()))
        }
        ("member", "remove") => out.push(Action::destroys(
            what("member remove"),
            pos[1].range.clone(),
        )),
        ("snapshot", "restore") => out.push(Action::destroys(
            what("snapshot restore"),
            pos[1].range.clone(),
        )),
        ("member", "add" | "update" | "promote")
        | ("alarm", "disarm")
        | ("lease", "revoke")
        | ("auth" | "user" | "role", _) => out.push(Action::changes(
            what(&format!("{} {second}", sub.text)),
            pos[1.min(pos.len() - 1)].range.clone(),
        )),
        (
            "put" | "set" | "mk" | "mkdir" | "txn" | "compaction" | "defrag" | "move-leader"
            | "lock" | "elect",
            _,
        ) => out.push(Action::changes(what(&sub.text), sub.range.clone())),
        _ => {}
    }
}

/// `consul kv delete|put`, `consul snapshot restore`, `consul leave`.
pub fn consul(c: &Command, out: &mut Vec<Action>) {
    let pos = c.positionals(&[
        "-http-addr",
        "-token",
        "-datacenter",
        "-ca-file",
        "-client-cert",
        "-client-key",
    ]);
    let (Some(object), Some(verb)) = (pos.first(), pos.get(1)) else {
        if let Some(verb) = pos
            .first()
            .filter(|v| matches!(v.text.as_str(), "leave" | "force-leave"))
        {
            out.push(Action::changes(
                format!("`consul {}`", verb.text),
                verb.range.clone(),
            ));
        }
        return;
    };
    let what = format!("`consul {} {}`", object.text, verb.text);
    match (object.text.as_str(), verb.text.as_str()) {
        ("kv", "delete") | ("snapshot", "restore") => {
            out.push(Action::destroys(what, verb.range.clone()))
        }
        ("kv", "put" | "import") | ("lock", _) | ("acl", _) | ("operator", "raft") => {
            out.push(Action::changes(what, verb.range.clone()))
        }
        _ => {}
    }
}
