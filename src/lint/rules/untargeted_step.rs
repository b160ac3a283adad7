use crate::declare_rule;
use crate::diagnostic::{Diagnostic, Severity};
use crate::lint::{Check, LintContext};
use crate::spec::model::StepKind;

declare_rule! {
    /// ## What it catches
    /// A `promotion` or `destructive` step that does not say where it acts
    /// (`target`) and what that host must be when it runs (`role`; `"any"`
    /// says so on purpose).
    ///
    /// ## Why it matters
    /// The best-known database outages were the right command on the
    /// wrong host: the data directory wiped on the primary instead of the
    /// replica. In a failover the roles are what changes — the replica of
    /// step 2 may lead by step 6. With a target and a role the script names
    /// the hosts in the confirmation, asks the operator to type the target,
    /// and reads each host's role just before the step, refusing when it
    /// is not what the runbook assumes.
    ///
    /// ## Adopting it
    /// In a spec where no step declares a `target` yet, each finding is a
    /// note: shown, never failing `--deny warnings`, so a team upgrading
    /// rbgen is not blocked. Once one step declares a target, the others
    /// are warnings. `[lint.severity] RB027 = "…"` sets the level from the
    /// start (`"warning"` to adopt it at once, `"off"` to silence it).
    ///
    /// ## Example
    /// ```toml
    /// [[steps]]
    /// id = "wipe-old-primary"
    /// kind = "destructive"
    /// run = '''node_run "$OLD_PRIMARY" "rm -rf $PGDATA/*"'''
    /// ```
    ///
    /// ## Fix
    /// ```toml
    /// target = "$OLD_PRIMARY"
    /// role = "stopped"     # or primary, replica, standby-leader, !primary, any
    /// ```
    /// and give each environment a `node_role HOST` function that prints a
    /// host's role (see `docs/spec.md`, "Where a step acts").
    pub struct UntargetedStep { code: "RB027", name: "untargeted-step", severity: Warning }
}

impl Check for UntargetedStep {
    fn run(ctx: &LintContext, out: &mut Vec<Diagnostic>) {
        // A team that set a level for RB027 gets that level; otherwise a
        // spec that declares no target anywhere gets notes.
        let adopted = ctx.steps().any(|(_, _, s)| s.target.is_some())
            || ctx.config.configured("RB027").is_some();
        for (_, proc, step) in ctx.steps() {
            let kind = *step.kind.get_ref();
            if !matches!(kind, StepKind::Promotion | StepKind::Destructive) {
                continue;
            }
            if step.target.is_some() && step.role.is_some() {
                continue;
            }
            let consequence = match &step.target {
                None => "the script cannot name the hosts it touches or check they still have the role the runbook assumes".to_string(),
                Some(t) => format!(
                    "the script names `{}` but cannot check it still has the role the runbook assumes",
                    t.get_ref().trim()
                ),
            };
            let mut d = Diagnostic::finding(format!(
                "{} step `{}` does not say {}: {consequence}",
                kind.as_str(),
                step.id.get_ref(),
                if step.target.is_none() { "where it acts or what that host must be" } else { "what role its target must have" }
            ))
            .at(proc.loc(&step.kind))
            .label(if step.target.is_none() { "no target or role" } else { "no role" })
            .help("add `target = \"$HOST_VAR\"` (or a node or group) and `role = \"replica\"` (primary, standby-leader, stopped, !primary, any)")
            .in_runbook(proc.doc.id.get_ref(), Some(step.id.get_ref()));
            if !adopted {
                d = d.fixed_severity(Severity::Note);
            }
            out.push(d);
        }
    }
}
