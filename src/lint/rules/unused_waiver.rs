use crate::declare_rule;
use crate::diagnostic::{Diagnostic, Severity};
use crate::lint::WaiverUse;
use crate::lint::{Check, LintContext};

declare_rule! {
    /// ## What it catches
    /// A waiver in `rbgen.toml` (`[[lint.waivers]]`) that matches no finding,
    /// names an unknown rule, or tries to waive RB003 (promotion gates cannot
    /// be waived). A waiver of a rule that did not run (turned `off`, or
    /// RB014 under `--no-shellcheck`) waived nothing and is left alone.
    /// Turned `off` in `[lint.severity]` itself it reports nothing; at
    /// any other level, a waiver of a rule that cannot be waived is an error.
    ///
    /// ## Why it matters
    /// Waivers outlive the problems they excuse: once the step is fixed, a
    /// stale waiver would silently hide the next real finding at that place.
    ///
    /// ## Example
    /// ```toml
    /// [[lint.waivers]]
    /// code = "RB009"
    /// runbook = "e-split-brain"
    /// step = "block-writes"     # this step is now kind = "destructive"
    /// reason = "…"
    /// ```
    ///
    /// ## Fix
    /// Remove the waiver.
    pub struct UnusedWaiver { code: "RB015", name: "unused-waiver", severity: Warning }
}

impl Check for UnusedWaiver {
    const AFTER_WAIVERS: bool = true;

    fn run(ctx: &LintContext, out: &mut Vec<Diagnostic>) {
        let Ok(uses) = ctx.waivers_matched.lock() else {
            return;
        };
        for (w, used) in ctx.config.waivers.iter().zip(uses.iter()) {
            let unwaivable = *used == WaiverUse::Unwaivable;
            let (message, help) = match used {
                WaiverUse::Matched | WaiverUse::RuleNotRun => continue,
                WaiverUse::Unwaivable => (
                    format!("{} cannot be waived", w.code),
                    "a promotion must be gated by the required pre-promotion checks; fix the runbook instead".to_string(),
                ),
                WaiverUse::UnknownRule => (
                    format!("waiver names unknown rule `{}`", w.code),
                    "see `rbgen explain` for the list of rules".to_string(),
                ),
                WaiverUse::Unmatched => (
                    format!(
                        "waiver of {} for `{}`{} matches no finding",
                        w.code,
                        w.runbook,
                        w.step
                            .as_ref()
                            .map(|s| format!(" step `{s}`"))
                            .unwrap_or_default()
                    ),
                    "the problem it excused is gone: remove the waiver from rbgen.toml".to_string(),
                ),
            };
            let mut d = Diagnostic::finding(message)
                .at(w.location.clone())
                .help(help);
            // Waiving a promotion gate is never a matter of taste.
            if unwaivable {
                d = d.fixed_severity(Severity::Error);
            }
            out.push(d);
        }
    }
}
