use crate::declare_rule;
use crate::diagnostic::Diagnostic;
use crate::lint::{Check, LintContext};

declare_rule! {
    /// ## What it catches
    /// A waiver in `rbgen.toml` (`[[lint.waivers]]`) that matches no finding,
    /// names an unknown rule, or tries to waive RB003 (promotion gates cannot
    /// be waived).
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
    /// Findings are produced while waivers are applied (`lint::config`).
    fn run(_ctx: &LintContext, _out: &mut Vec<Diagnostic>) {}
}
