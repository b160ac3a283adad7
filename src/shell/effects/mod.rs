//! What a command does to the systems it touches, decided from the command
//! model (name, subcommand, options, SQL), one small module per family of
//! tools — the shape of ShellCheck's `CommandCheck` table.
//!
//! Read-only commands have no action. Everything else is one of three
//! effects, in increasing order of danger: it changes state (a restart, a
//! config edit, an `UPDATE`), it destroys something (a data directory, a
//! table, a running process, a machine), or it promotes a server to primary.
//! Drills also need to know which actions are faults a later step must undo.

mod cloud;
mod etcd;
mod http;
mod patroni;
mod postgres;
mod system;

use super::command::Command;
use std::ops::Range;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Effect {
    ChangesState,
    Destructive,
    Promotes,
}

/// A fault injected on purpose, and what undoes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Fault {
    /// Traffic dropped by a packet filter (`iptables`, `nft`, `tc`, `link`),
    /// and what was blocked (the iptables rule, the interface) when known;
    /// undone by the same tool removing that (or, without a target, any) block.
    Block(&'static str, Option<String>),
    /// A service stopped or killed; undone by starting it again.
    Stop(String),
}

/// One thing a command does.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Action {
    pub effect: Effect,
    /// A planned promotion (switchover): the tool demotes the running
    /// primary itself, so no old primary can be left alive.
    pub planned: bool,
    /// For messages: "`patronictl failover`", "SQL `DROP`".
    pub what: String,
    /// The word that proves it, as a byte range of the analysed text.
    pub at: Range<usize>,
    pub fault: Option<Fault>,
}

impl Action {
    fn new(effect: Effect, what: impl Into<String>, at: Range<usize>) -> Action {
        Action {
            effect,
            planned: false,
            what: what.into(),
            at,
            fault: None,
        }
    }
    fn changes(what: impl Into<String>, at: Range<usize>) -> Action {
        Action::new(Effect::ChangesState, what, at)
    }
    fn destroys(what: impl Into<String>, at: Range<usize>) -> Action {
        Action::new(Effect::Destructive, what, at)
    }
    fn promotes(what: impl Into<String>, at: Range<usize>) -> Action {
        Action::new(Effect::Promotes, what, at)
    }
    fn planned(mut self) -> Action {
        self.planned = true;
        self
    }
    fn fault(mut self, fault: Fault) -> Action {
        self.fault = Some(fault);
        self
    }
}

type Check = fn(&Command, &mut Vec<Action>);

/// Command name → the check that reads it.
const CHECKS: &[(&[&str], Check)] = &[
    (&["patronictl"], patroni::patronictl),
    (&["psql"], postgres::psql),
    (&["pg_ctl"], postgres::pg_ctl),
    (&["pg_ctlcluster"], postgres::pg_ctlcluster),
    (
        &[
            "pg_rewind",
            "pg_basebackup",
            "initdb",
            "pg_resetwal",
            "pg_resetxlog",
        ],
        postgres::rebuild,
    ),
    (&["repmgr"], postgres::repmgr),
    (&["pg_autoctl"], postgres::pg_autoctl),
    (
        &["curl", "wget", "http", "https", "xh", "xhs"],
        http::request,
    ),
    (&["etcdctl"], etcd::etcdctl),
    (&["consul"], etcd::consul),
    (&["systemctl", "service"], system::service),
    (&["kill", "pkill", "killall"], system::kill),
    (
        &[
            "rm", "rmdir", "shred", "dd", "mkfs", "wipefs", "truncate", "mv", "find",
        ],
        system::files,
    ),
    (
        &["iptables", "ip6tables", "nft", "tc", "ip"],
        system::network,
    ),
    (&["reboot", "shutdown", "poweroff", "halt"], system::power),
    (&["sed", "tee"], system::edits),
    (&["kubectl", "oc"], cloud::kubectl),
    (&["docker", "podman"], cloud::docker),
    (
        &["aws", "gcloud", "az", "virsh", "ipmitool"],
        cloud::machines,
    ),
    (&["ansible"], cloud::ansible_module),
];

/// What `c` does (nothing for a read-only command).
pub fn actions(c: &Command) -> Vec<Action> {
    let mut out = Vec::new();
    let name = c.name();
    if let Some((_, check)) = CHECKS.iter().find(|(names, _)| names.contains(&name)) {
        check(c, &mut out);
    } else if name.starts_with("mkfs.") {
        system::files(c, &mut out);
    }
    cloud::fencing(c, &mut out);
    out
}

/// The fault `c` undoes, if any (`iptables -D`, `systemctl start etcd`).
pub fn undoes(c: &Command) -> Option<Fault> {
    system::undoes(c)
}

/// Does `undo` (from `undoes`) take back `fault`? The same tool, and the
/// same rule or interface when both name one (`iptables -F` undoes any rule).
pub fn undone_by(fault: &Fault, undo: &Fault) -> bool {
    match (fault, undo) {
        (Fault::Block(tool, rule), Fault::Block(undo_tool, undo_rule)) => {
            tool == undo_tool && (rule.is_none() || undo_rule.is_none() || rule == undo_rule)
        }
        (Fault::Stop(a), Fault::Stop(b)) => a == b,
        _ => false,
    }
}

/// A command's subcommand (`failover` of `patronictl -c f failover`),
/// skipping the global options of the tools rbgen knows.
pub fn subcommand_of(c: &Command) -> Option<&super::command::Word> {
    match c.name() {
        "patronictl" => subcommand(c, patroni::GLOBAL_WITH_VALUE),
        "etcdctl" => subcommand(c, etcd::WITH_VALUE),
        _ => subcommand(c, &[]),
    }
}

/// The SQL a command runs: `psql -c`, psql's standard input, `patronictl
/// query -c`; each as a word and the range of the SQL inside it.
pub fn sql_of(c: &Command) -> Vec<(&super::command::Word, Range<usize>)> {
    postgres::sql_of(c)
}

/// The first positional argument (the subcommand), skipping the options
/// listed in `takes_value` with their values.
fn subcommand<'c>(c: &'c Command, takes_value: &[&str]) -> Option<&'c super::command::Word> {
    c.positionals(takes_value).into_iter().next()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::shell::command::commands_uncached;

    /// (effect, planned, proving word) of every action in `text`.
    fn found(text: &str) -> Vec<(Effect, bool, String)> {
        commands_uncached(text)
            .commands
            .iter()
            .flat_map(actions)
            .map(|a| (a.effect, a.planned, text[a.at].to_string()))
            .collect()
    }

    #[test]
    fn promotions_in_every_spelling() {
        use Effect::Promotes as P;
        let cases = [
            ("patronictl -c /e/p.yml failover --force", "failover", false),
            (
                "patronictl -c \"$C\" \\\n  switchover --leader a --force",
                "switchover",
                true,
            ),
            (
                "patronictl promote-cluster x --force",
                "promote-cluster",
                false,
            ),
            ("pg_ctl -D /d promote", "promote", false),
            ("psql -c 'SELECT pg_promote()'", "pg_promote", false),
            (
                "psql <<'SQL'\nSELECT pg_catalog.pg_promote(wait => true);\nSQL\n",
                "pg_promote",
                false,
            ),
            (
                "patronictl edit-config -s 'standby_cluster=null' --force",
                "standby_cluster=null",
                false,
            ),
            (
                "patronictl edit-config --set=standby_cluster=null",
                "standby_cluster=null",
                false,
            ),
            (
                "curl -s -XPATCH -d '{\"standby_cluster\":null}' http://h:8008/config",
                "'{\"standby_cluster\":null}'",
                false,
            ),
            (
                "curl --request PATCH --data '{\"standby_cluster\": null}' \"http://$H:8008/config\"",
                "'{\"standby_cluster\": null}'",
                false,
            ),
            (
                "curl -s -X POST http://h:8008/failover -d '{\"candidate\":\"b\"}'",
                "http://h:8008/failover",
                false,
            ),
            (
                "kubectl exec -n db pod-0 -- patronictl failover --candidate pod-1 --force",
                "failover",
                false,
            ),
            (
                "repmgr standby promote -f /etc/repmgr.conf",
                "promote",
                false,
            ),
            (
                "kubectl patch cluster pg-dr --type merge -p '{\"spec\":{\"replica\":{\"enabled\":false}}}'",
                "{\"spec\":{\"replica\":{\"enabled\":false}}}",
                false,
            ),
            ("psql -XAtc 'SELECT pg_promote()'", "pg_promote", false),
            (
                "printf '%s\\n' 'SELECT pg_promote();' | psql -X",
                "pg_promote",
                false,
            ),
        ];
        for (text, word, planned) in cases {
            let f = found(text);
            assert_eq!(f, [(P, planned, word.to_string())], "{text}");
        }
    }

    #[test]
    fn mentions_and_reads_are_not_actions() {
        for text in [
            "echo \"never run patronictl failover by hand\"",
            "patronictl list # failover",
            "awk '/failover/ {print $4}' f",
            "grep 'DROP TABLE' x.log",
            "patronictl -c /e history",
            "psql -c \"SELECT pg_is_in_recovery()\"",
            "curl -s http://h:8008/config",
            "curl -s http://h:8008/patroni | jq .role",
            "etcdctl endpoint health --cluster",
            "systemctl status patroni",
            "iptables -L -n",
            "kubectl get pods -l application=spilo",
            "curl -sf -G --data-urlencode 'lag=1MB' http://h:8008/replica",
            "http --ignore-stdin GET http://h:8008/cluster",
            "curl -s -X \"$method\" http://h:8008/config",
            "printf 'run: patronictl failover\\n'",
        ] {
            assert!(found(text).is_empty(), "{text}: {:?}", found(text));
        }
    }

    #[test]
    fn state_changes_and_destruction() {
        use Effect::{ChangesState as C, Destructive as D};
        let cases = [
            ("systemctl restart patroni", C, "restart"),
            ("systemctl stop etcd", D, "stop"),
            ("patronictl restart c m --force", C, "restart"),
            ("patronictl reinit c m --force", D, "reinit"),
            ("etcdctl put /k v", C, "put"),
            ("etcdctl member remove 8e9e05c52164694d", D, "remove"),
            ("rm -rf /var/lib/postgresql/16/main", D, "rm"),
            ("kill -9 1234", D, "-9"),
            ("iptables -I INPUT -p tcp --dport 5432 -j DROP", D, "DROP"),
            ("psql <<'SQL'\nUPDATE t SET x = 1;\nSQL\n", C, "UPDATE"),
            ("psql -h h -c \"TRUNCATE orders\"", D, "TRUNCATE"),
            ("curl -X POST http://h:8008/restart", C, "POST"),
            ("kubectl delete pod db-0", D, "delete"),
        ];
        for (text, effect, word) in cases {
            let f = found(text);
            assert_eq!(f.len(), 1, "{text}: {f:?}");
            assert_eq!((f[0].0, f[0].2.as_str()), (effect, word), "{text}");
        }
    }
}
