use crate::declare_rule;
use crate::diagnostic::Diagnostic;
use crate::lint::{Check, LintContext};
use crate::semantics::{shell_fields, steps_in};
use regex::Regex;
use std::collections::BTreeSet;
use std::sync::LazyLock;

declare_rule! {
    /// ## What it catches
    /// References the loader cannot check because they live inside bash:
    /// a command that is not a defined shell function but is one or two
    /// letters away from one (`node_servce`), and an IPv4 address written into
    /// a step that is not a node (or a variable's value) of every environment
    /// the step runs in. Also waivers in `rbgen.toml` naming a runbook or step
    /// that does not exist. (Checklists, environments, groups, gates, decision
    /// tree targets and functions missing from an environment are rejected by
    /// the loader with exit 2.)
    ///
    /// ## Why it matters
    /// Runbook text is shared by every environment: `ping 10.1.0.10` in a step
    /// pings a production host from the lab drill, and a misspelt function
    /// is "command not found" in the middle of a failover.
    ///
    /// ## Example
    /// ```bash
    /// ping -c 3 10.1.0.10
    /// ```
    ///
    /// ## Fix
    /// Use a variable or parameter (`"$FAILED_NODE"`) instead of the literal
    /// address; fix the function name.
    pub struct UnknownReference { code: "RB011", name: "unknown-reference", severity: Error }
}

static IPV4: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"\b(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\b").unwrap());

impl Check for UnknownReference {
    fn run(ctx: &LintContext, out: &mut Vec<Diagnostic>) {
        let spec = ctx.spec;
        for (_, proc) in spec.procedures() {
            let p = &proc.doc;
            for env in spec.environments_of(p) {
                let env_id = env.doc.id.get_ref();
                let functions: BTreeSet<&str> = spec.functions_of(env).keys().copied().collect();
                let mut known_hosts: BTreeSet<String> = env
                    .doc
                    .nodes
                    .iter()
                    .map(|n| n.host.get_ref().clone())
                    .collect();
                for v in spec.vars_of(env).values() {
                    known_hosts.extend(IPV4.find_iter(&v.value).map(|m| m.as_str().to_string()));
                }
                for step in steps_in(p, env_id) {
                    // Every shell field: a misspelled function in a `when`
                    // test is "command not found", and the step silently skipped.
                    for run in shell_fields(step).map(|f| f.text) {
                        let text = run.get_ref();
                        let a = ctx.analyse(text);
                        for (name, range) in &a.commands {
                            if functions.contains(name.as_str())
                                || a.functions.contains(name)
                                || !name.contains('_')
                            {
                                continue;
                            }
                            if let Some(near) =
                                crate::spec::loader::closest(name, functions.iter().copied())
                            {
                                out.push(
                                    Diagnostic::finding(format!(
                                        "`{name}` is not a function of environment `{env_id}`"
                                    ))
                                    .at(ctx.in_value(proc, run, range.clone()))
                                    .help(format!("did you mean `{near}`?"))
                                    .in_runbook(p.id.get_ref(), Some(step.id.get_ref())),
                                );
                            }
                        }
                        // Addresses in what the step runs: words of its commands
                        // (heredoc text included), not comments or what `echo`
                        // and `printf` only print.
                        let model = crate::shell::command::commands(text);
                        let words = model
                            .commands
                            .iter()
                            .filter(|c| !matches!(c.name(), "echo" | "printf"))
                            .flat_map(|c| {
                                c.args
                                    .iter()
                                    .chain(&c.stdin)
                                    .chain(c.assignments.iter().filter_map(|a| a.value.as_ref()))
                            })
                            .chain(model.assignments.iter().filter_map(|a| a.value.as_ref()));
                        for w in words {
                            for m in IPV4.find_iter(&w.text) {
                                let ip = m.as_str();
                                let is_addr = ip
                                    .split('.')
                                    .all(|o| o.parse::<u16>().is_ok_and(|n| n <= 255));
                                if !is_addr || known_hosts.contains(ip) || ip.ends_with(".0") {
                                    continue;
                                }
                                out.push(
                                Diagnostic::finding(format!("address {ip} is not a node of environment `{env_id}`"))
                                    .at(ctx.in_value(proc, run, w.span_of(m.range())))
                                    .help("runbook text is shared by every environment: use a node-group variable or a parameter instead of a literal address")
                                    .in_runbook(p.id.get_ref(), Some(step.id.get_ref())),
                            );
                            }
                        }
                    }
                }
            }
        }
        let doc = &spec.project;
        for w in &doc.doc.lint.waivers {
            match spec.procedure(w.runbook.get_ref()) {
                None => out.push(
                    Diagnostic::finding(format!(
                        "waiver names unknown runbook `{}`",
                        w.runbook.get_ref()
                    ))
                    .at(doc.loc(&w.runbook))
                    .help("use the id of a runbook or drill"),
                ),
                Some((_, proc)) => {
                    if let Some(step) = &w.step {
                        if !proc
                            .doc
                            .steps
                            .iter()
                            .any(|s| s.id.get_ref() == step.get_ref())
                        {
                            out.push(
                                Diagnostic::finding(format!(
                                    "waiver names unknown step `{}` of `{}`",
                                    step.get_ref(),
                                    w.runbook.get_ref()
                                ))
                                .at(doc.loc(step))
                                .help("use the id of one of the runbook's steps"),
                            );
                        }
                    }
                }
            }
        }
    }
}
