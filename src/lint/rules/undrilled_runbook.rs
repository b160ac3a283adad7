use crate::declare_rule;
use crate::diagnostic::Diagnostic;
use crate::lint::{Check, LintContext};

declare_rule! {
    /// ## What it catches
    /// A runbook that no drill exercises: no drill names it in `exercises`.
    /// A drill exercises a runbook when it runs the runbook's generated
    /// script against a real failure (in the example, a lab drill injects
    /// the failure and calls `run_runbook <id>`).
    ///
    /// ## Why it matters
    /// A runbook nobody has run fails when it is needed: a command that
    /// needs a newer tool, a node name that changed, a step that waits for a
    /// state the cluster never reports. Only running it finds these; a
    /// ShellCheck-clean script is not a drilled one.
    ///
    /// ## Example
    /// ```toml
    /// # runbooks/e-split-brain.toml, and no drill with
    /// exercises = ["e-split-brain"]
    /// ```
    ///
    /// ## Fix
    /// Write a drill that injects the runbook's failure in a lab or staging
    /// environment and runs the runbook's script, and list the runbook in
    /// its `exercises`. Until then, waive the finding in `rbgen.toml` with
    /// the reason and the date the drill is planned for.
    pub struct UndrilledRunbook { code: "RB019", name: "undrilled-runbook", severity: Warning }
}

impl Check for UndrilledRunbook {
    fn run(ctx: &LintContext, out: &mut Vec<Diagnostic>) {
        for rb in &ctx.spec.runbooks {
            let id = rb.doc.id.get_ref();
            let drilled = ctx
                .spec
                .drills
                .iter()
                .any(|d| d.doc.exercises.iter().any(|e| e.get_ref() == id));
            if !drilled {
                out.push(
                    Diagnostic::finding(format!("no drill exercises runbook `{id}`"),
                    )
                    .at(rb.loc(&rb.doc.id))
                    .help(format!(
                        "add a drill that injects this runbook's failure and runs its script, with `exercises = [\"{id}\"]`"
                    ))
                    .in_runbook(id, None),
                );
            }
        }
    }
}
