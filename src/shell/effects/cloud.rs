//! Orchestrators and machines: Kubernetes and container runtimes, cloud CLIs,
//! hypervisors and fencing agents (STONITH).

use super::Action;
use crate::shell::command::Command;

const KUBECTL_WITH_VALUE: &[&str] = &[
    "-n",
    "--namespace",
    "--context",
    "--kubeconfig",
    "--cluster",
    "-l",
    "--selector",
    "-o",
    "--output",
    "-c",
    "--container",
    "-f",
    "--filename",
    "--replicas",
    "-p",
    "--patch",
    "--type",
    "--timeout",
    "--grace-period",
];

/// `kubectl delete|scale|patch|apply|…`; `exec` is followed as a wrapper.
pub fn kubectl(c: &Command, out: &mut Vec<Action>) {
    let pos = c.positionals(KUBECTL_WITH_VALUE);
    let Some(verb) = pos.first() else { return };
    let what = format!("`{} {}`", c.name(), verb.text);
    let at = verb.range.clone();
    if c.args
        .iter()
        .any(|w| w.text.starts_with("--dry-run") && w.text != "--dry-run=none")
    {
        return;
    }
    match verb.text.as_str() {
        // Deleting what holds data or runs the database destroys; other
        // objects (a drill's NetworkPolicy, a ConfigMap) only change state.
        "delete" => {
            let kind = pos.get(1).map(|w| {
                w.text
                    .split(['/', '.'])
                    .next()
                    .unwrap_or("")
                    .to_ascii_lowercase()
            });
            let holds_data = kind.as_deref().is_some_and(|k| {
                matches!(
                    k,
                    "pod"
                        | "pods"
                        | "po"
                        | "pvc"
                        | "pvcs"
                        | "persistentvolumeclaim"
                        | "persistentvolumeclaims"
                        | "pv"
                        | "persistentvolume"
                        | "persistentvolumes"
                        | "statefulset"
                        | "statefulsets"
                        | "sts"
                        | "deployment"
                        | "deployments"
                        | "deploy"
                        | "namespace"
                        | "namespaces"
                        | "ns"
                        | "node"
                        | "nodes"
                        | "cluster"
                        | "clusters"
                        | "postgresql"
                        | "postgresqls"
                        | "pg"
                        | "backup"
                        | "backups"
                        | "secret"
                        | "secrets"
                )
            });
            if holds_data {
                out.push(Action::destroys(what, at))
            } else {
                out.push(Action::changes(what, at))
            }
        }
        "drain" => out.push(Action::destroys(what, at)),
        "patch" => out.push(kubectl_patch(c).unwrap_or_else(|| Action::changes(what, at))),
        "scale" | "apply" | "edit" | "replace" | "annotate" | "label" | "cordon" | "uncordon"
        | "taint" | "create" | "set" | "autoscale" | "expose" | "run" => {
            out.push(Action::changes(what, at))
        }
        "rollout"
            if pos.get(1).is_some_and(|w| {
                matches!(w.text.as_str(), "restart" | "undo" | "pause" | "resume")
            }) =>
        {
            out.push(Action::changes(
                format!("`{} rollout {}`", c.name(), pos[1].text),
                pos[1].range.clone(),
            ))
        }
        // `kubectl cnpg promote CLUSTER INSTANCE` (CloudNativePG plugin).
        "cnpg" => match pos.get(1).map(|w| w.text.as_str()) {
            Some("promote") => out.push(Action::promotes(
                "`kubectl cnpg promote`",
                pos[1].range.clone(),
            )),
            // `cnpg destroy CLUSTER INSTANCE` deletes the instance's pod and
            // its volumes.
            Some("destroy") => out.push(Action::destroys(
                "`kubectl cnpg destroy`",
                pos[1].range.clone(),
            )),
            Some("restart" | "reload" | "fencing" | "hibernate" | "backup" | "maintenance") => out
                .push(Action::changes(
                    format!("`kubectl cnpg {}`", pos[1].text),
                    pos[1].range.clone(),
                )),
            _ => {}
        },
        _ => {}
    }
}

/// Operators promote a replica cluster when its spec says so: CloudNativePG
/// `{"spec":{"replica":{"enabled":false}}}`, the Zalando operator
/// `{"spec":{"standby":null}}`.
fn kubectl_patch(c: &Command) -> Option<Action> {
    let (word, range) = c.option_values(&["-p", "--patch"]).into_iter().next()?;
    let patch: serde_json::Value = serde_json::from_str(&word.text[range.clone()]).ok()?;
    let spec = patch.get("spec")?;
    let cnpg = spec
        .get("replica")
        .and_then(|r| r.get("enabled"))
        .is_some_and(|e| e == false);
    let zalando = spec.get("standby").is_some_and(serde_json::Value::is_null);
    (cnpg || zalando).then(|| {
        let what = if cnpg {
            "`kubectl patch` disabling the replica cluster"
        } else {
            "`kubectl patch` removing `standby`"
        };
        Action::promotes(what, word.span_of(range))
    })
}

pub fn docker(c: &Command, out: &mut Vec<Action>) {
    let pos = c.positionals(&[
        "-H",
        "--host",
        "--context",
        "-t",
        "--time",
        "-s",
        "--signal",
    ]);
    let Some(verb) = pos.first() else { return };
    let what = format!("`{} {}`", c.name(), verb.text);
    match verb.text.as_str() {
        "kill" | "stop" | "rm" | "rmi" | "prune" => {
            out.push(Action::destroys(what, verb.range.clone()))
        }
        "start" | "restart" | "pause" | "unpause" | "run" | "update" | "network" | "volume" => {
            out.push(Action::changes(what, verb.range.clone()))
        }
        _ => {}
    }
}

/// Machines stopped, reset or deleted through a cloud or hypervisor CLI.
pub fn machines(c: &Command, out: &mut Vec<Action>) {
    let pos = c.positionals(&[
        "--region",
        "--profile",
        "--output",
        "--query",
        "--zone",
        "--project",
        "-g",
        "--resource-group",
        "-n",
        "--name",
        "-H",
        "-U",
        "-P",
        "-I",
        "-c",
        "--connect",
        "--instance-ids",
        "--hosted-zone-id",
        "--change-batch",
    ]);
    let texts: Vec<&str> = pos.iter().map(|w| w.text.as_str()).collect();
    let destroys = |verb: &str| {
        [
            "stop",
            "terminate",
            "reboot",
            "delete",
            "deallocate",
            "reset",
            "destroy",
            "suspend",
            "power",
        ]
        .iter()
        .any(|d| verb.starts_with(d))
    };
    match c.name() {
        "aws" | "gcloud" | "az" => {
            // The verb is the last word before options: `aws ec2 stop-instances`,
            // `gcloud compute instances stop`, `az vm deallocate`.
            // `aws SERVICE VERB`: the verb is always the second word.
            let found = if c.name() == "aws" {
                texts.get(1).map(|t| (1, t))
            } else {
                texts.iter().enumerate().skip(1).find(|(_, t)| {
                    t.contains('-') || destroys(t) || is_mutating_verb(t) || promotes(t)
                })
            };
            let Some((i, verb)) = found else {
                return;
            };
            let what = format!("`{} {}`", c.name(), texts[..=i].join(" "));
            // A managed database's failover or replica promotion
            // (`aws rds failover-db-cluster`, `promote-read-replica`,
            // `reboot-db-instance --force-failover`, `gcloud sql instances
            // failover`, `az postgres flexible-server replica promote`).
            let forced = c
                .args
                .iter()
                .any(|a| a.text == "--force-failover" || a.text.starts_with("--failover"));
            if promotes(verb) || (verb.starts_with("reboot-db") && forced) {
                out.push(Action::promotes(what, pos[i].range.clone()));
            } else if destroys(verb) {
                out.push(Action::destroys(what, pos[i].range.clone()));
            } else if is_mutating_verb(verb) || (c.name() == "aws" && !aws_reads(verb)) {
                // An AWS CLI verb reads only when it describes, lists, gets
                // or waits; any other (`sns publish`, `remove-from-…`) acts.
                out.push(Action::changes(what, pos[i].range.clone()));
            }
        }
        "virsh" => {
            if let Some(v) = pos.first().filter(|v| {
                matches!(
                    v.text.as_str(),
                    "destroy" | "shutdown" | "reboot" | "reset" | "suspend"
                )
            }) {
                out.push(Action::destroys(
                    format!("`virsh {}`", v.text),
                    v.range.clone(),
                ));
            }
        }
        "ipmitool" => {
            if let Some(i) = texts.iter().position(|t| *t == "power") {
                if let Some(v) = pos
                    .get(i + 1)
                    .filter(|v| matches!(v.text.as_str(), "off" | "reset" | "cycle" | "soft"))
                {
                    out.push(Action::destroys(
                        format!("`ipmitool power {}`", v.text),
                        v.range.clone(),
                    ));
                }
            }
        }
        _ => {}
    }
}

/// An AWS CLI verb that only reads.
fn aws_reads(verb: &str) -> bool {
    [
        "describe", "list", "get", "wait", "ls", "tail", "filter", "lookup", "search", "help",
        "validate",
    ]
    .iter()
    .any(|p| verb.starts_with(p))
}

/// A cloud CLI verb that makes a new primary.
fn promotes(verb: &str) -> bool {
    verb.starts_with("failover") || verb.starts_with("promote") || verb.starts_with("switchover")
}

fn is_mutating_verb(verb: &str) -> bool {
    [
        "create",
        "put",
        "update",
        "modify",
        "change",
        "start",
        "set",
        "attach",
        "detach",
        "associate",
        "disassociate",
        "add",
        "remove",
        "resize",
        "restore",
        "import",
        "delete",
        "stop",
        "terminate",
        "reboot",
        "deallocate",
        "reset",
    ]
    .iter()
    .any(|p| verb.starts_with(p))
}

/// STONITH / fencing: a fence agent (`fence_aws`, `fence_ipmilan`), or a
/// script or command whose name says it fences (`stonith-aws.py`,
/// `python3 /usr/local/bin/stonith.py …`).
pub fn fencing(c: &Command, out: &mut Vec<Action>) {
    let says_fencing = |t: &str| {
        let base = t.rsplit('/').next().unwrap_or(t).to_ascii_lowercase();
        base.starts_with("fence_") || base.contains("stonith")
    };
    if says_fencing(&c.name.text) {
        out.push(Action::destroys(
            format!("STONITH (`{}`)", c.name()),
            c.name.range.clone(),
        ));
        return;
    }
    // An interpreter running a fencing script: the script is the proof.
    if matches!(
        c.name(),
        "python" | "python3" | "bash" | "sh" | "perl" | "ruby"
    ) {
        if let Some(script) = c
            .positionals(&["-m", "-c"])
            .first()
            .filter(|w| says_fencing(&w.text))
        {
            out.push(Action::destroys(
                format!("STONITH (`{}`)", script.text),
                script.range.clone(),
            ));
        }
    }
}

/// `ansible HOSTS -m systemd|service -a "name=patroni state=stopped"` (the
/// shell and command modules are followed as wrappers instead).
pub fn ansible_module(c: &Command, out: &mut Vec<Action>) {
    let module = c
        .option_values(&["-m", "--module-name"])
        .into_iter()
        .next()
        .map(|(w, r)| w.text[r].to_string());
    let Some(module) = module.filter(|m| {
        matches!(
            m.trim_start_matches("ansible.builtin."),
            "systemd" | "service" | "systemd_service"
        )
    }) else {
        return;
    };
    for (w, r) in c.option_values(&["-a", "--args"]) {
        let args = &w.text[r.clone()];
        let Some(at) = args.find("state=") else {
            continue;
        };
        let state: String = args[at + 6..]
            .chars()
            .take_while(|ch| ch.is_ascii_alphanumeric())
            .collect();
        let span = w.span_of(r.start + at..r.start + at + 6 + state.len());
        match state.as_str() {
            "stopped" => out.push(Action::destroys(
                format!("`ansible -m {module}` state=stopped"),
                span,
            )),
            "restarted" | "reloaded" | "started" => out.push(Action::changes(
                format!("`ansible -m {module}` state={state}"),
                span,
            )),
            _ => {}
        }
    }
}
