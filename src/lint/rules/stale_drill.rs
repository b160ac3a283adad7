use crate::declare_rule;
use crate::diagnostic::Diagnostic;
use crate::lint::{Check, LintContext};
use crate::spec::to_date;

declare_rule! {
    /// ## What it catches
    /// A drill whose `last_performed` date is older than its `cadence_days`
    /// (default: the project's `drill_cadence_days`, 90). Drill preparations
    /// are exempt.
    ///
    /// ## Why it matters
    /// An undrilled runbook will not work during an actual incident. The
    /// drill cadence is the promise that every failover path was exercised
    /// recently, with the current versions and the current people.
    ///
    /// ## Example
    /// ```toml
    /// cadence_days = 90
    /// last_performed = 2025-03-01
    /// ```
    ///
    /// ## Fix
    /// Schedule and run the drill, record it with `rbgen drill report`, and set
    /// `last_performed` to the drill's date.
    pub struct StaleDrill { code: "RB005", name: "stale-drill", severity: Warning }
}

impl Check for StaleDrill {
    fn run(ctx: &LintContext, out: &mut Vec<Diagnostic>) {
        let default = ctx.spec.project.doc.project.drill_cadence_days;
        for drill in &ctx.spec.drills {
            let d = &drill.doc;
            if d.is_preparation.as_ref().is_some_and(|b| *b.get_ref()) {
                continue;
            }
            let Some(performed) = &d.last_performed else {
                continue;
            };
            let Some(date) = to_date(performed.get_ref()) else {
                continue;
            };
            let cadence = i64::from(
                d.cadence_days
                    .as_ref()
                    .map(|c| *c.get_ref())
                    .unwrap_or(default),
            );
            let age = ctx
                .today
                .since(date)
                .map(|s| s.get_days() as i64)
                .unwrap_or(0);
            if age > cadence {
                out.push(
                    Diagnostic::error("RB005", format!("drill `{}` was last performed {age} days ago (cadence: {cadence} days)", d.id.get_ref()))
                        .at(drill.loc(performed))
                        .help("run the drill, record it with `rbgen drill report`, and set `last_performed` to its date")
                        .in_runbook(d.id.get_ref(), None),
                );
            }
        }
    }
}
