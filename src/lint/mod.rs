//! `rbgen lint`: rules over the loaded spec.
//!
//! One rule per file under `rules/`; each rule's doc comment (What it
//! catches / Why it matters / Example / Fix) is what `rbgen explain CODE`
//! prints. `registry` is the one code table.

pub mod base;
pub mod commands;
pub mod config;
pub mod context;
pub mod output;
pub mod registry;
pub mod rules;
pub mod shellcheck;

use crate::diagnostic::{Diagnostic, Severity, sort_dedup};
pub use context::LintContext;

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
    ctx.prefetch();
    let mut all = Vec::new();
    for rule in registry::RULES {
        let level = ctx.config.level(rule.code(), rule.default_severity());
        let Some(level) = level else { continue };
        let mut found = Vec::new();
        rule.check(ctx, &mut found);
        for mut d in found {
            // A rule may downgrade one finding of its own to a warning (RB014
            // when ShellCheck is missing); otherwise the configured level holds.
            let downgraded =
                d.severity == Severity::Warning && rule.default_severity() == Severity::Error;
            d.severity = if downgraded { Severity::Warning } else { level };
            all.push(d);
        }
    }
    drop_restated(&mut all);
    let mut kept = ctx.config.apply_waivers(ctx, all);
    sort_dedup(&mut kept);
    kept
}

/// ShellCheck checks that say again what one of rbgen's rules said about
/// the same line: the rule's finding is the precise one (`PGPASSWORD=admin
/// psql` is a hard-coded secret, not "use var=$(command)").
const RESTATED: &[(&str, &str)] = &[("SC2209", "RB008"), ("SC2154", "RB001")];

fn drop_restated(all: &mut Vec<Diagnostic>) {
    let line_of = |d: &Diagnostic| d.position().map(|(f, l, _)| (f, l));
    let restated: Vec<bool> = all
        .iter()
        .map(|d| {
            d.code == "RB014"
                && RESTATED.iter().any(|(sc, rule)| {
                    d.message.starts_with(&format!("{sc}:"))
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

/// Every rule's documentation as Markdown: the rule reference in the README
/// is this text, and a test keeps the two equal.
pub fn rules_markdown() -> String {
    let mut out = String::from("| code | name | default |\n| --- | --- | --- |\n");
    for r in registry::RULES {
        out.push_str(&format!(
            "| [{}](#{}) | {} | {} |\n",
            r.code(),
            r.code().to_lowercase(),
            r.name(),
            r.default_severity()
        ));
    }
    for r in registry::RULES {
        out.push_str(&format!(
            "\n### {}\n\n`{}`, {} by default{}.\n\n",
            r.code(),
            r.name(),
            r.default_severity(),
            if r.waivable() {
                ""
            } else {
                ", cannot be waived"
            }
        ));
        // Headings of the rule docs sit one level below the rule's own.
        for line in doc_text(r.doc()).lines() {
            match line.strip_prefix("## ") {
                Some(h) => out.push_str(&format!("**{h}.**\n")),
                None => {
                    out.push_str(line);
                    out.push('\n');
                }
            }
        }
    }
    out
}
