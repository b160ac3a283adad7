//! `rbgen lint`: rules over the loaded spec.
//!
//! One rule per file under `rules/`; each rule's doc comment (What it
//! catches / Why it matters / Example / Fix) is what `rbgen explain CODE`
//! prints. `registry` is the one code table.

pub mod base;
pub mod config;
pub mod context;
pub mod output;
pub mod registry;
pub mod rules;
pub mod shellcheck;
pub mod tool_outputs;

use crate::diagnostic::{Diagnostic, Severity, sort_dedup};
pub use context::{LintContext, RenderedScript};

/// What became of a waiver once lint ran.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WaiverUse {
    /// It waived at least one finding.
    Matched,
    /// Its rule found nothing there.
    Unmatched,
    /// It names no rule.
    UnknownRule,
    /// Its rule cannot be waived (RB003).
    Unwaivable,
    /// Its rule did not run (turned off, or RB014 with `--no-shellcheck`):
    /// nothing to say about it.
    RuleNotRun,
}

/// A lint rule.
pub trait Rule: Sync {
    /// `RB001`…
    fn code(&self) -> &'static str;
    /// kebab-case name of what it flags (`undefined-variable`).
    fn name(&self) -> &'static str;
    fn default_severity(&self) -> Severity;
    /// The rule's documentation (its doc comment).
    fn doc(&self) -> &'static str;
    /// Whether `rbgen.toml` may waive its findings.
    fn waivable(&self) -> bool {
        true
    }
    /// See [`Check::AFTER_WAIVERS`].
    fn after_waivers(&self) -> bool {
        false
    }
    /// See [`Check::enabled`].
    fn enabled(&self, _ctx: &LintContext) -> bool {
        true
    }
    fn check(&self, ctx: &LintContext, out: &mut Vec<Diagnostic>);
}

/// Declare a rule: the doc comment becomes `Rule::doc`, so the text that
/// `explain` prints and the rustdoc are one and the same.
#[macro_export]
macro_rules! declare_rule {
    (
        $(#[doc = $doc:literal])*
        pub struct $name:ident { code: $code:literal, name: $slug:literal, severity: $sev:ident $(, waivable: $waivable:literal)? }
    ) => {
        $(#[doc = $doc])*
        pub struct $name;

        impl $name {
            pub const DOC: &'static str = concat!($($doc, "\n"),*);
        }

        impl $crate::lint::RuleMeta for $name {
            const CODE: &'static str = $code;
            const NAME: &'static str = $slug;
            const SEVERITY: $crate::diagnostic::Severity = $crate::diagnostic::Severity::$sev;
            const WAIVABLE: bool = true $(&& $waivable)?;
            const DOC: &'static str = concat!($($doc, "\n"),*);
        }
    };
}

/// Static facts of a rule, from `declare_rule!`.
pub trait RuleMeta {
    const CODE: &'static str;
    const NAME: &'static str;
    const SEVERITY: Severity;
    const WAIVABLE: bool;
    const DOC: &'static str;
}

/// Implemented by each rule file: the check itself.
pub trait Check {
    /// Runs once waivers are applied, reading which matched
    /// (`LintContext::waivers_matched`); its own findings cannot be waived.
    const AFTER_WAIVERS: bool = false;
    /// Whether the rule runs at all in this lint (RB014 not with
    /// `--no-shellcheck`): a waiver of a rule that did not run waived nothing
    /// and is not stale.
    fn enabled(_ctx: &LintContext) -> bool {
        true
    }
    fn run(ctx: &LintContext, out: &mut Vec<Diagnostic>);
}

impl<T: RuleMeta + Check + Sync> Rule for T {
    fn code(&self) -> &'static str {
        T::CODE
    }
    fn name(&self) -> &'static str {
        T::NAME
    }
    fn default_severity(&self) -> Severity {
        T::SEVERITY
    }
    fn doc(&self) -> &'static str {
        T::DOC
    }
    fn waivable(&self) -> bool {
        T::WAIVABLE
    }
    fn after_waivers(&self) -> bool {
        T::AFTER_WAIVERS
    }
    fn enabled(&self, ctx: &LintContext) -> bool {
        T::enabled(ctx)
    }
    fn check(&self, ctx: &LintContext, out: &mut Vec<Diagnostic>) {
        let mut found = Vec::new();
        T::run(ctx, &mut found);
        for mut d in found {
            d.code = T::CODE;
            out.push(d);
        }
    }
}

/// The documentation with the leading space rustdoc keeps on each line removed.
pub fn doc_text(doc: &str) -> String {
    doc.lines()
        .map(|l| l.strip_prefix(' ').unwrap_or(l))
        .collect::<Vec<_>>()
        .join("\n")
        .trim()
        .to_string()
}

/// Run every rule, apply severity overrides and waivers, sort and dedupe.
pub fn run(ctx: &LintContext) -> Vec<Diagnostic> {
    ctx.sem.prefetch();
    // The rules are independent: on all cores, each rule's findings kept in
    // registry order so the result does not depend on scheduling.
    let rules: Vec<&dyn Rule> = registry::RULES
        .iter()
        .copied()
        .filter(|r| !r.after_waivers())
        .collect();
    let cores = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(1)
        .min(rules.len().max(1));
    let mut per_rule: Vec<Vec<Diagnostic>> = vec![Vec::new(); rules.len()];
    std::thread::scope(|scope| {
        let rules = &rules;
        let handles: Vec<_> = (0..cores)
            .map(|t| {
                scope.spawn(move || {
                    (t..rules.len())
                        .step_by(cores)
                        .map(|i| {
                            let mut found = Vec::new();
                            run_rule(ctx, rules[i], &mut found);
                            (i, found)
                        })
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        for h in handles {
            for (i, found) in h.join().expect("a lint rule panicked") {
                per_rule[i] = found;
            }
        }
    });
    let mut all: Vec<Diagnostic> = per_rule.into_iter().flatten().collect();
    drop_restated(&mut all);
    let ran = |code: &str| {
        registry::rule(code).is_some_and(|r| {
            ctx.config.level(r.code(), r.default_severity()).is_some() && r.enabled(ctx)
        })
    };
    let (mut kept, matched) = ctx.config.apply_waivers(all, ran);
    if let Ok(mut m) = ctx.waivers_matched.lock() {
        *m = matched;
    }
    for rule in registry::RULES.iter().filter(|r| r.after_waivers()) {
        run_rule(ctx, *rule, &mut kept);
    }
    sort_dedup(&mut kept);
    kept
}

/// One rule at its configured level (skipped when `off`).
fn run_rule(ctx: &LintContext, rule: &dyn Rule, out: &mut Vec<Diagnostic>) {
    let Some(level) = ctx.config.level(rule.code(), rule.default_severity()) else {
        return;
    };
    if !rule.enabled(ctx) {
        return;
    }
    let mut found = Vec::new();
    rule.check(ctx, &mut found);
    for mut d in found {
        // A rule may fix the level of one finding of its own (RB014 when
        // ShellCheck is missing, or carrying ShellCheck's own level);
        // `rbgen.toml` may set the level of an external check (`SC2086`).
        if let Some(severity) =
            ctx.config
                .finding_level(level, d.fixed_severity, d.subcode.as_deref())
        {
            d.severity = severity;
            out.push(d);
        }
    }
}

/// Drop ShellCheck findings that restate another rule's on the same line
/// (declared in `rules::shellcheck::RESTATED`).
fn drop_restated(all: &mut Vec<Diagnostic>) {
    let line_of = |d: &Diagnostic| d.position().map(|(f, l, _)| (f, l));
    let restated: Vec<bool> = all
        .iter()
        .map(|d| {
            d.code == <rules::shellcheck::ShellCheck as RuleMeta>::CODE
                && rules::shellcheck::RESTATED.iter().any(|(sc, rule)| {
                    d.subcode.as_deref() == Some(*sc)
                        && all.iter().any(|o| {
                            o.code == *rule && line_of(o).is_some() && line_of(o) == line_of(d)
                        })
                })
        })
        .collect();
    let mut i = 0;
    all.retain(|_| {
        i += 1;
        !restated[i - 1]
    });
}

/// The rule reference as Markdown pages, one per rule plus an index
/// (`docs/rules/` is these pages, and a test keeps the two equal):
/// (file name, text).
pub fn rule_pages() -> Vec<(String, String)> {
    let mut index = String::from(
        "# Lint rules\n\n\
         Each rule has a code, a name for what it flags and a default level; \
         `rbgen explain CODE` prints its page. Levels are changed, and rules \
         turned off, in `rbgen.toml` under `[lint.severity]`; a finding is \
         waived with a reason under `[[lint.waivers]]` (see [Lint](../lint.md)).\n\n\
         | code | name | default | waivable |\n| --- | --- | --- | --- |\n",
    );
    let mut pages = Vec::new();
    for r in registry::RULES {
        index.push_str(&format!(
            "| [{0}]({0}.md) | `{1}` | {2} | {3} |\n",
            r.code(),
            r.name(),
            r.default_severity(),
            if r.waivable() { "yes" } else { "no" }
        ));
        let page = format!(
            "# {} `{}`\n\n{} by default{}. `rbgen explain {}` prints this page.\n\n{}\n",
            r.code(),
            r.name(),
            match r.default_severity() {
                Severity::Error => "Error",
                Severity::Warning => "Warning",
                Severity::Note => "Note",
            },
            if r.waivable() {
                ""
            } else {
                "; cannot be waived"
            },
            r.code(),
            doc_text(r.doc())
        );
        pages.push((format!("{}.md", r.code()), page));
    }
    pages.insert(0, ("index.md".to_string(), index));
    pages
}
