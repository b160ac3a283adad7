use crate::declare_rule;
use crate::diagnostic::Diagnostic;
use crate::lint::{Check, LintContext};
use crate::shell::effects::{Fault, undoes, undone_by};
use crate::spec::ProcKind;
use crate::spec::model::StepKind;
use crate::spec::model::{Procedure, Step};

declare_rule! {
    /// ## What it catches
    /// Fault injection with no way back. That is a `fault` step with neither a
    /// `cleanup` (run by the script's exit trap) nor a later step that
    /// `restores` it; or, in a drill, a step of another kind whose commands
    /// (environment functions expanded) block traffic (`iptables -A|-I … -j
    /// DROP|REJECT`, `nft add … drop`, `tc qdisc add`, `ip link set … down`)
    /// or stop a service (`systemctl stop etcd`, `pg_ctl stop`, `pkill -9
    /// patroni`) with no later step whose commands undo it (`iptables
    /// -D|-F`, `systemctl start|restart etcd`, `pg_ctl start`).
    ///
    /// ## Why it matters
    /// A drill that dies half-way must not leave a node partitioned or an etcd
    /// member stopped: the next real incident would start from a degraded
    /// cluster nobody knows about.
    ///
    /// ## Example
    /// ```toml
    /// kind = "fault"
    /// run = '''
    /// node_service 10.3.0.10 stop etcd
    /// '''
    /// # no cleanup, no later `restores`
    /// ```
    ///
    /// ## Fix
    /// Add `cleanup = '''…'''` undoing the fault, and a later step with
    /// `restores = "<this step>"` for the normal path.
    pub struct FaultWithoutCleanup { code: "RB010", name: "fault-without-cleanup", severity: Error }
}

/// Does any of `steps` undo `fault`, in any environment of the drill?
fn undone(ctx: &LintContext, proc: &Procedure, steps: &[Step], fault: &Fault) -> bool {
    steps.iter().filter_map(|s| s.run.as_ref()).any(|run| {
        ctx.spec.environments_of(proc).iter().any(|env| {
            ctx.sem
                .commands_in(env, run.get_ref())
                .iter()
                .any(|c| undoes(c).is_some_and(|u| undone_by(fault, &u)))
        })
    })
}

impl Check for FaultWithoutCleanup {
    fn run(ctx: &LintContext, out: &mut Vec<Diagnostic>) {
        for (kind, proc) in ctx.spec.procedures() {
            let steps = &proc.doc.steps;
            for (i, step) in steps.iter().enumerate() {
                let id = step.id.get_ref();
                let restored_later = steps[i + 1..]
                    .iter()
                    .any(|s| s.restores.as_ref().is_some_and(|r| r.get_ref() == id));
                if *step.kind.get_ref() == StepKind::Fault {
                    if step.cleanup.is_none() && !restored_later {
                        out.push(
                            Diagnostic::finding(format!("fault step `{id}` has no cleanup and no later step restores it"))
                                .at(proc.loc(&step.kind))
                                .help("add `cleanup = '''…'''` that undoes the fault, and `restores = \"<this step>\"` on the step that ends it")
                                .in_runbook(proc.doc.id.get_ref(), Some(id)),
                        );
                    }
                    continue;
                }
                if kind != ProcKind::Drill {
                    continue;
                }
                let Some(run) = &step.run else { continue };
                let faults = ctx.sem.step_actions(&proc.doc, step, run.get_ref());
                let mut reported = Vec::new();
                for found in faults.iter().filter(|f| {
                    f.action
                        .fault
                        .as_ref()
                        .is_some_and(|fault| !undone(ctx, &proc.doc, &steps[i..], fault))
                }) {
                    if reported.contains(&found.action.at) {
                        continue;
                    }
                    reported.push(found.action.at.clone());
                    out.push(
                        Diagnostic::finding(format!("drill step `{id}` injects a fault ({}) that no later step undoes", found.describe()),
                        )
                        .at(ctx.in_value(proc, run, found.action.at.clone()))
                        .help("make it a `fault` step with a `cleanup`, and restore it in a later step")
                        .in_runbook(proc.doc.id.get_ref(), Some(id)),
                    );
                }
            }
        }
    }
}
