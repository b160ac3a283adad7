use crate::declare_rule;
use crate::diagnostic::Diagnostic;
use crate::lint::{Check, LintContext};
use crate::shell::effects::Effect;
use crate::spec::model::StepKind;

declare_rule! {
    /// ## What it catches
    /// A step that runs a destructive command while its kind is not
    /// `destructive`, `promotion` or `fault` and it does not set `confirm =
    /// true`. Destructive, read from the step's commands (also behind `ssh`,
    /// `sudo`, `kubectl exec`, and inside the environment functions it
    /// calls): `rm -r`, `shred`, `mkfs`, `dd of=/dev/…`, `find -delete`;
    /// `kill -9`/`pkill -9`; `systemctl stop|kill|mask`; `iptables -A|-I … -j
    /// DROP|REJECT`; `patronictl reinit|remove`; `etcdctl del`, `etcdctl
    /// member remove`, `etcdctl snapshot restore`; SQL `DROP`, `TRUNCATE` and
    /// `DELETE` from `psql -c`, a heredoc or a piped `echo`; `pg_rewind`;
    /// `kubectl delete|drain`; machines stopped or deleted through `aws`,
    /// `gcloud`, `az`, `virsh`, `ipmitool`; fencing (`fence_*`, anything named
    /// `stonith`); functions declared `effect = "destructive"`.
    ///
    /// `probe` steps are left to RB016, which reports any change of state in
    /// them.
    ///
    /// ## Why it matters
    /// The generated script asks for confirmation before destructive steps
    /// (unless `--yes`). A `change` step that wipes a data directory runs
    /// without that last chance to stop.
    ///
    /// ## Example
    /// ```toml
    /// kind = "change"
    /// run = '''
    /// psql -h "$OLD_PRIMARY" <<'SQL'
    /// TRUNCATE replication_canary;
    /// SQL
    /// '''
    /// ```
    ///
    /// ## Fix
    /// Set `kind = "destructive"` (or `confirm = true` when the kind is right
    /// for another reason).
    pub struct UnconfirmedDestructive { code: "RB009", name: "unconfirmed-destructive", severity: Error }
}

impl Check for UnconfirmedDestructive {
    fn run(ctx: &LintContext, out: &mut Vec<Diagnostic>) {
        for (_, proc, step) in ctx.steps() {
            let kind = *step.kind.get_ref();
            let confirmed = step.confirm.as_ref().is_some_and(|c| *c.get_ref());
            if kind.needs_confirmation()
                || confirmed
                || matches!(kind, StepKind::Manual | StepKind::Probe)
            {
                continue;
            }
            let Some(run) = &step.run else { continue };
            for f in ctx.sem.step_actions(&proc.doc, step, run.get_ref()) {
                if f.action.effect != Effect::Destructive {
                    continue;
                }
                out.push(
                    Diagnostic::finding(format!("step `{}` runs {} but is a `{}` step without confirmation", step.id.get_ref(), f.describe(), kind.as_str()),
                    )
                    .at(ctx.in_value(proc, run, f.action.at.clone()))
                    .label("destructive")
                    .help("set `kind = \"destructive\"` (or `confirm = true`) so the script asks before running it")
                    .in_runbook(proc.doc.id.get_ref(), Some(step.id.get_ref())),
                );
            }
        }
    }
}
