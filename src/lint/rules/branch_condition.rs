use crate::declare_rule;
use crate::diagnostic::{Diagnostic, Severity};
use crate::lint::{Check, LintContext};
use crate::spec::model::{Outcome, StepKind};

declare_rule! {
    /// ## What it catches
    /// Branches that cannot work as written. A step's `when` that tests a
    /// variable nothing sets — no earlier step lists it in `sets`, and it is
    /// not a parameter, an environment variable, a secret or a node group; a
    /// step that can never run — its `when` waits for a `manual` step to fail
    /// (manual steps do not fail), or for a step of another option of the
    /// same choice to succeed or fail (only one option runs); and, as a
    /// warning, an option of a choice that no step belongs to.
    ///
    /// (A `when` naming an unknown or later step, or an `option` naming an
    /// unknown choice, is rejected by the loader with exit 2.)
    ///
    /// ## Why it matters
    /// A branch that is never taken is found during the incident: the
    /// "rebuild if reinit failed" step silently skipped because the
    /// variable it tests was never saved, or an alternative the operator
    /// picks that does nothing.
    ///
    /// ## Example
    /// ```toml
    /// [[steps]]
    /// id = "fence"
    /// kind = "destructive"
    /// when = { var = "OLD_PRIMARY_STATE", equals = "alive" }   # no step `sets` it
    /// ```
    ///
    /// ## Fix
    /// List the variable in the `sets` of the step that assigns it; test an
    /// outcome a step can have; give every option its steps.
    pub struct BranchCondition { code: "RB017", name: "branch-condition", severity: Error }
}

impl Check for BranchCondition {
    fn run(ctx: &LintContext, out: &mut Vec<Diagnostic>) {
        let spec = ctx.spec;
        for (_, proc) in spec.procedures() {
            let p = &proc.doc;
            let envs = spec.environments_of(p);
            for (i, step) in p.steps.iter().enumerate() {
                let id = step.id.get_ref();
                let Some(when) = &step.when else { continue };
                if let Some(var) = &when.var {
                    let name = var.get_ref().as_str();
                    let set_earlier = p.steps[..i]
                        .iter()
                        .any(|s| s.sets.iter().any(|v| v.get_ref() == name));
                    let param = p.params.iter().any(|q| q.name.get_ref() == name);
                    let env_has = envs.iter().any(|e| {
                        spec.vars_of(e).contains_key(name)
                            || e.doc.secrets.keys().any(|k| k.get_ref() == name)
                            || e.doc.groups.values().any(|g| g.var.get_ref() == name)
                    });
                    if !(set_earlier || param || env_has) {
                        out.push(
                            Diagnostic::finding(format!("step `{id}` runs only when `{name}` has a value, but nothing sets `{name}`"))
                                .at(proc.loc(var))
                                .help(format!("list `{name}` in the `sets` of the earlier step that assigns it (each step runs in its own subshell), or make it a parameter"))
                                .in_runbook(p.id.get_ref(), Some(id)),
                        );
                    }
                }
                if let Some(target) = &when.step {
                    let Some(t) = p.steps[..i]
                        .iter()
                        .find(|s| s.id.get_ref() == target.get_ref())
                    else {
                        continue;
                    };
                    let outcome = when.outcome();
                    let never = if *t.kind.get_ref() == StepKind::Manual
                        && outcome == Outcome::Failed
                    {
                        Some(format!(
                            "`{}` is a manual step, and manual steps do not fail",
                            target.get_ref()
                        ))
                    } else {
                        match (step.option.as_ref(), t.option.as_ref()) {
                            (Some(mine), Some(theirs)) if outcome != Outcome::Skipped => {
                                let (a, b) = (mine.get_ref(), theirs.get_ref());
                                let same_choice = a.split_once('.').map(|x| x.0)
                                    == b.split_once('.').map(|x| x.0);
                                (same_choice && a != b).then(|| format!("`{}` belongs to option `{b}` and this step to `{a}`: only one of them runs", target.get_ref()))
                            }
                            _ => None,
                        }
                    };
                    if let Some(why) = never {
                        out.push(
                            Diagnostic::finding(format!("step `{id}` can never run: it waits for step `{}` to have {}, but {why}", target.get_ref(), outcome.as_str()))
                                .at(proc.loc(target))
                                .help("test an outcome the step can have, or move the steps into the same option")
                                .in_runbook(p.id.get_ref(), Some(id)),
                        );
                    }
                }
            }
            for c in &p.choices {
                for o in &c.options {
                    let full = format!("{}.{}", c.id.get_ref(), o.id.get_ref());
                    if !p
                        .steps
                        .iter()
                        .any(|s| s.option.as_ref().is_some_and(|x| *x.get_ref() == full))
                    {
                        let mut d = Diagnostic::finding(format!(
                            "option `{}` of choice `{}` has no steps: picking it does nothing",
                            o.id.get_ref(),
                            c.id.get_ref()
                        ))
                        .at(proc.loc(&o.id))
                        .help(format!(
                            "give steps `option = \"{full}\"`, or remove the option"
                        ))
                        .in_runbook(p.id.get_ref(), None);
                        d.fixed_severity = Some(Severity::Warning);
                        out.push(d);
                    }
                }
            }
        }
    }
}
