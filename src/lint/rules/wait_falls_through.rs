use crate::declare_rule;
use crate::diagnostic::Diagnostic;
use crate::lint::{Check, LintContext};
use crate::semantics::shell_fields;
use crate::shell::flow::polls;

declare_rule! {
    /// ## What it catches
    /// A polling loop — it `sleep`s between tries and `break`s out when the
    /// check succeeds — that can run out of tries (`for i in $(seq 1 30)`,
    /// `while [ "$i" -lt 30 ]`) and is not followed by a failure: nothing in
    /// the loop fails on the last try, and the statement after it does not
    /// fail when the condition still does not hold (`|| exit 1`, a re-check,
    /// a success flag tested). Loops that can only end by succeeding
    /// (`until pg_isready; do sleep 1; done`) are not reported: a step
    /// `timeout` bounds those.
    ///
    /// ## Why it matters
    /// After the last try the loop ends exactly as if it had worked, and the
    /// runbook carries on: "failover completed" is printed while the new
    /// primary never came up, and the next step acts on a cluster in the
    /// wrong state.
    ///
    /// ## Example
    /// ```bash
    /// for i in $(seq 1 30); do
    ///   pg_isready -h "$NEW_PRIMARY" && break
    ///   sleep 2
    /// done
    /// echo "failover completed"
    /// ```
    ///
    /// ## Fix
    /// Fail when the condition still does not hold after the loop:
    /// `pg_isready -h "$NEW_PRIMARY" || { echo 'not up after 60 s' >&2; exit 1; }`.
    /// Or make the step a `kind = "wait"` step with a `timeout` whose run is
    /// `until pg_isready -h "$NEW_PRIMARY"; do sleep 2; done`: the script
    /// stops the step, and the run, when the time is up.
    pub struct WaitFallsThrough { code: "RB021", name: "wait-falls-through", severity: Error }
}

impl Check for WaitFallsThrough {
    fn run(ctx: &LintContext, out: &mut Vec<Diagnostic>) {
        for (_, proc, step) in ctx.steps() {
            for field in shell_fields(step) {
                for poll in polls(field.text.get_ref())
                    .iter()
                    .filter(|p| p.falls_through)
                {
                    out.push(
                        Diagnostic::finding(format!(
                            "step `{}`: this polling loop can run out of tries and end as if it had succeeded; nothing after it fails",
                            step.id.get_ref()
                        ))
                        .at(ctx.in_value(proc, field.text, poll.keyword.clone()))
                        .label("ends silently after the last try")
                        .help("after the loop, fail when the condition still does not hold (`check || { echo 'gave up' >&2; exit 1; }`), or make it a `wait` step with a `timeout` running `until check; do sleep 2; done`")
                        .in_runbook(proc.doc.id.get_ref(), Some(step.id.get_ref())),
                    );
                }
            }
        }
    }
}
