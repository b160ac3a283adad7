use crate::declare_rule;
use crate::diagnostic::Diagnostic;
use crate::lint::{Check, LintContext};
use crate::spec::to_date;

declare_rule! {
    /// ## What it catches
    /// A runbook whose `last_reviewed` date is older than the project's
    /// `review_interval_days` (90 by default: the quarterly review cadence).
    /// Today's date comes from the clock, or from `rbgen lint --today`.
    ///
    /// ## Why it matters
    /// Infrastructure moves under a runbook: hosts are renamed, Patroni is
    /// upgraded, a command changes its options. A runbook nobody has read for
    /// a quarter is likely to be wrong in a way found only during an incident.
    ///
    /// ## Example
    /// ```toml
    /// last_reviewed = 2025-01-10
    /// ```
    ///
    /// ## Fix
    /// Review the runbook against the current environment, bump its `version`
    /// if anything changed, and set `last_reviewed` to today.
    pub struct StaleReview { code: "RB004", name: "stale-review", severity: Warning }
}

impl Check for StaleReview {
    fn run(ctx: &LintContext, out: &mut Vec<Diagnostic>) {
        let interval = i64::from(ctx.spec.project.doc.project.review_interval_days);
        for proc in &ctx.spec.runbooks {
            let Some(reviewed) = &proc.doc.last_reviewed else {
                continue;
            };
            let Some(date) = to_date(reviewed.get_ref()) else {
                continue;
            };
            let age = ctx
                .today
                .since(date)
                .map(|s| s.get_days() as i64)
                .unwrap_or(0);
            if age > interval {
                out.push(
                    Diagnostic::finding(format!("runbook `{}` was last reviewed {age} days ago (interval: {interval} days)", proc.doc.id.get_ref()))
                        .at(proc.loc(reviewed))
                        .help("review it against the current environment, bump `version` if it changed, and set `last_reviewed` to today")
                        .in_runbook(proc.doc.id.get_ref(), None),
                );
            }
        }
    }
}
