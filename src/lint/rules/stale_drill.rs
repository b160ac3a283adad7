use crate::declare_rule;
use crate::diagnostic::Diagnostic;
use crate::lint::{Check, LintContext};
use crate::spec::to_date;

declare_rule! {
    /// ## What it catches
    /// A drill last performed longer ago than its `cadence_days` (default:
    /// the project's `drill_cadence_days`, 90). The date is the later of
    /// the last passing record in `drills/records/` (written by `rbgen drill
    /// report --record` from the drill's own log) and a hand-typed
    /// `last_performed`. A drill never performed is reported once the
    /// `due` date of its first run has passed. Drill preparations are exempt.
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
    /// Schedule and run the drill, then record it: `rbgen drill report LOG
    /// --record` writes the record to commit (or set `last_performed`).
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
            // The last passing record, when there is one, is the drill's
            // date: it comes from the drill's own log, not from a hand.
            let records = ctx.spec.passing_records(d.id.get_ref());
            let recorded = records.first().and_then(|r| to_date(r.started.get_ref()));
            let typed = d.last_performed.as_ref().and_then(|p| to_date(p.get_ref()));
            let date = match (recorded, typed) {
                (Some(r), Some(t)) => r.max(t),
                (Some(r), None) => r,
                (None, Some(t)) => t,
                (None, None) => {
                    // Never performed: a warning once its first run is overdue.
                    if let Some(due) = &d.due
                        && to_date(due.get_ref()).is_some_and(|due| ctx.today > due)
                    {
                        out.push(
                            Diagnostic::finding(format!(
                                "drill `{}` has never been performed, and was due by {}",
                                d.id.get_ref(),
                                due.get_ref()
                            ))
                            .at(drill.loc(due))
                            .help("run the drill and record it: `rbgen drill report LOG --record`")
                            .in_runbook(d.id.get_ref(), None),
                        );
                    }
                    continue;
                }
            };
            let at = match &d.last_performed {
                Some(p) => drill.loc(p),
                None => drill.loc(&d.id),
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
                    Diagnostic::finding(format!("drill `{}` was last performed {age} days ago (cadence: {cadence} days)", d.id.get_ref()))
                        .at(at)
                        .help("run the drill and record it: `rbgen drill report LOG --record` (or set `last_performed` to its date)")
                        .in_runbook(d.id.get_ref(), None),
                );
            }
        }
    }
}
