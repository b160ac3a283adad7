use crate::declare_rule;
use crate::diagnostic::Diagnostic;
use crate::lint::{Check, LintContext};
use crate::semantics::shell_fields;
use crate::shell::flow::endless;

declare_rule! {
    /// ## What it catches
    /// A command that never ends on its own — `watch`, `tail -f`,
    /// `journalctl -f`, `kubectl logs -f`, `kubectl get --watch`, `kubectl
    /// port-forward`, `patronictl list -W`/`--watch`, `etcdctl watch`, `ping`
    /// without `-c`, `top`, `tcpdump` without `-c`, `sleep infinity`, a
    /// pager — in a step with no `timeout`, and not under `timeout N`.
    /// Commands inside the spec's own functions are found at the call.
    ///
    /// ## Why it matters
    /// The run stops there until someone presses Ctrl-C, and an unattended
    /// drill hangs until CI kills it. `--dry-run` runs probes: a `watch` in
    /// a probe hangs the rehearsal too (the script gives probes a time limit
    /// under `--dry-run`, but the real run has none).
    ///
    /// ## Example
    /// ```toml
    /// kind = "probe"
    /// run = "watch -n 2 patronictl -c \"$PATRONI_CONFIG\" list"
    /// ```
    ///
    /// ## Fix
    /// Give the step a `timeout = "2m"`, wrap the command in `timeout 120`,
    /// or use the form that ends: `patronictl list` once, `tail -n 100`,
    /// `kubectl logs --tail=200`, `ping -c 3`.
    pub struct EndlessCommand { code: "RB022", name: "endless-command", severity: Error }
}

impl Check for EndlessCommand {
    fn run(ctx: &LintContext, out: &mut Vec<Diagnostic>) {
        for (_, proc, step) in ctx.steps() {
            if step.timeout.is_some() {
                continue;
            }
            for field in shell_fields(step) {
                let mut seen = Vec::new();
                for env in ctx.spec.environments_of(&proc.doc) {
                    for c in ctx.sem.commands_in(env, field.text.get_ref()) {
                        if c.via.iter().any(|v| v == "timeout") {
                            continue;
                        }
                        let Some((what, at)) = endless(&c) else {
                            continue;
                        };
                        if seen.contains(&at) {
                            continue;
                        }
                        seen.push(at.clone());
                        out.push(
                            Diagnostic::finding(format!(
                                "step `{}` has no timeout, and {what}: the run stops here until someone interrupts it",
                                step.id.get_ref()
                            ))
                            .at(ctx.in_value(proc, field.text, at))
                            .label("never ends on its own")
                            .help("give the step a `timeout = \"2m\"`, wrap the command in `timeout 120`, or use a form that ends (`tail -n 100`, `kubectl logs --tail=200`, `ping -c 3`, `patronictl list` once)")
                            .in_runbook(proc.doc.id.get_ref(), Some(step.id.get_ref())),
                        );
                    }
                }
            }
        }
    }
}
