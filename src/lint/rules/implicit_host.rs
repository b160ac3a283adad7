use crate::declare_rule;
use crate::diagnostic::Diagnostic;
use crate::lint::{Check, LintContext};
use crate::semantics::{shell_fields, steps_in};
use crate::shell::command::Command;

declare_rule! {
    /// ## What it catches
    /// A `psql`, `etcdctl` or `patronictl` command that changes state and
    /// names no host or endpoint — no `-h`/`host=`/URI for psql, no
    /// `--endpoints` for etcdctl, no `-c`/`--dcs-url` for patronictl, and
    /// not run through `ssh HOST`, `kubectl exec POD` or `docker exec` — in
    /// an environment with more than one node.
    ///
    /// ## Why it matters
    /// Such a command acts on whichever host the operator's shell happens
    /// to be on (a local socket, `~/.config/patroni/patronictl.yaml`,
    /// etcdctl's default `127.0.0.1:2379`). In a failover, that is exactly
    /// the thing that is in doubt: the same line promotes, truncates or
    /// deletes on a different server depending on the terminal it was
    /// typed in.
    ///
    /// ## Example
    /// ```bash
    /// psql -U postgres -c "SELECT pg_promote();"
    /// etcdctl del --prefix /service/pg-cluster
    /// ```
    ///
    /// ## Fix
    /// Name the host: `psql -h "$NEW_PRIMARY" …`, `etcdctl --endpoints
    /// "$ETCD_ENDPOINTS" …`, `patronictl -c "$PATRONI_CONF" …`, or run it
    /// through `ssh "$HOST"` / an environment function that does; and give
    /// the step a `target` so the confirmation names the host.
    pub struct ImplicitHost { code: "RB028", name: "implicit-host", severity: Warning }
}

impl Check for ImplicitHost {
    fn run(ctx: &LintContext, out: &mut Vec<Diagnostic>) {
        for (_, proc, step) in ctx.steps() {
            for field in shell_fields(step) {
                let text = field.text.get_ref();
                let mut reported: Vec<std::ops::Range<usize>> = Vec::new();
                for env in ctx.spec.environments_of(&proc.doc) {
                    if env.doc.nodes.len() < 2
                        || !steps_in(&proc.doc, env.doc.id.get_ref()).any(|s| std::ptr::eq(s, step))
                    {
                        continue;
                    }
                    for f in ctx.sem.actions_in(env, text).iter() {
                        let c = &f.command;
                        let Some(missing) = unnamed_host(c) else {
                            continue;
                        };
                        if reported.contains(&f.action.at) {
                            continue;
                        }
                        reported.push(f.action.at.clone());
                        out.push(
                            Diagnostic::finding(format!(
                                "{} names no {missing}: it acts on whichever host runs it, and environment `{}` has {} nodes",
                                f.describe(),
                                env.doc.id.get_ref(),
                                env.doc.nodes.len()
                            ))
                            .at(ctx.in_value(proc, field.text, f.action.at.clone()))
                            .label(format!("no {missing}"))
                            .help(match c.name() {
                                "psql" => "add `-h \"$HOST\"` (or a conninfo with host=), or run it through `ssh \"$HOST\"` or an environment function",
                                "etcdctl" => "add `--endpoints \"$ETCD_ENDPOINTS\"`",
                                _ => "add `-c \"$PATRONI_CONF\"` (or `--dcs-url`)",
                            })
                            .in_runbook(proc.doc.id.get_ref(), Some(step.id.get_ref())),
                        );
                    }
                }
            }
        }
    }
}

/// What `c` leaves unnamed (`"host"`, `"endpoint"`, `"configuration"`),
/// or `None` when it names where it acts or is not one of the three tools.
fn unnamed_host(c: &Command) -> Option<&'static str> {
    // Run on a named machine: the wrapper names it.
    let remote = c.via.iter().any(|v| {
        ["ssh", "kubectl", "docker", "podman", "oc", "ansible"]
            .iter()
            .any(|w| v == w || v.starts_with(&format!("{w} ")))
    });
    if remote {
        return None;
    }
    let assigned = |name: &str| c.assignments.iter().any(|a| a.name == name);
    let args: Vec<&str> = c.args.iter().map(|w| w.text.as_str()).collect();
    match c.name() {
        "psql" => {
            let named = c.has_option("-h")
                || c.has_option("--host")
                || assigned("PGHOST")
                || assigned("PGSERVICE")
                || args.iter().any(|a| a.contains("host=") || a.contains("://"))
                // A database name that is a variable is a connection string
                // the environment builds (`psql "$APP_DSN"`, `-d "$DSN"`).
                || args.iter().enumerate().any(|(i, a)| {
                    a.starts_with('$')
                        && (i == 0
                            || matches!(args[i - 1], "-d" | "--dbname")
                            || !args[i - 1].starts_with('-'))
                });
            (!named).then_some("host")
        }
        "etcdctl" => {
            let named = c.has_option("--endpoints") || assigned("ETCDCTL_ENDPOINTS");
            (!named).then_some("endpoint")
        }
        "patronictl" => {
            let named = c.has_option("-c")
                || c.has_option("--config-file")
                || c.has_option("-d")
                || c.has_option("--dcs-url")
                || c.has_option("--dcs")
                || assigned("PATRONICTL_CONFIG_FILE");
            (!named).then_some("configuration")
        }
        _ => None,
    }
}
