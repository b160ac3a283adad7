use crate::declare_rule;
use crate::diagnostic::Diagnostic;
use crate::lint::{Check, LintContext};
use crate::spec::ProcKind;

declare_rule! {
    /// ## What it catches
    /// A runbook without `owner` (and no project owner), `version`,
    /// `last_reviewed`, `trigger`, `rto` or `rpo`; a drill without `version`,
    /// `goal`, `last_performed` (or a passing record in `drills/records/`, or
    /// for a drill never run yet the `due` date of its first run) or
    /// `targets` (drill preparations need no
    /// targets).
    ///
    /// ## Why it matters
    /// At 03:00 the engineer must know whom to call, whether this is the
    /// runbook for what they see, and how long recovery should take. A drill
    /// without targets measures nothing.
    ///
    /// ## Example
    /// ```toml
    /// id = "a-single-node-failure"
    /// title = "Single-node failure"
    /// # no trigger, rto, rpo
    /// ```
    ///
    /// ## Fix
    /// Add the missing keys; see `docs/spec.md`.
    pub struct MissingMetadata { code: "RB013", name: "missing-metadata", severity: Error }
}

impl Check for MissingMetadata {
    fn run(ctx: &LintContext, out: &mut Vec<Diagnostic>) {
        let project_owner = ctx.spec.project.doc.project.owner.is_some();
        for (kind, proc) in ctx.spec.procedures() {
            let p = &proc.doc;
            let mut missing: Vec<&str> = Vec::new();
            if p.version.is_none() {
                missing.push("version");
            }
            match kind {
                ProcKind::Runbook => {
                    if p.owner.is_none() && !project_owner {
                        missing.push("owner");
                    }
                    if p.last_reviewed.is_none() {
                        missing.push("last_reviewed");
                    }
                    for (key, present) in [
                        ("trigger", p.trigger.is_some()),
                        ("rto", p.rto.is_some()),
                        ("rpo", p.rpo.is_some()),
                    ] {
                        if !present {
                            missing.push(key);
                        }
                    }
                }
                ProcKind::Drill => {
                    let prep = p.is_preparation.as_ref().is_some_and(|b| *b.get_ref());
                    if p.goal.is_none() {
                        missing.push("goal");
                    }
                    // A passing drill record (`drill report --record`) says
                    // when it was performed as well as the hand-typed date.
                    let recorded = !ctx.spec.passing_records(p.id.get_ref()).is_empty();
                    // A new drill says by when it will first be run (`due`).
                    if !prep && p.last_performed.is_none() && !recorded && p.due.is_none() {
                        missing.push("last_performed");
                    }
                    if !prep && p.targets.is_empty() {
                        missing.push("targets");
                    }
                }
            }
            if !missing.is_empty() {
                out.push(
                    Diagnostic::finding(format!(
                        "{} `{}` has no {}",
                        kind.as_str(),
                        p.id.get_ref(),
                        missing.join(", ")
                    ))
                    .at(proc.loc(&p.id))
                    .help("add the missing keys; `docs/spec.md` shows each")
                    .in_runbook(p.id.get_ref(), None),
                );
            }
        }
    }
}
