use crate::declare_rule;
use crate::diagnostic::Diagnostic;
use crate::lint::{Check, LintContext};
use crate::semantics::references as prose;
use crate::spec::Doc;
use crate::spec::Spanned;

declare_rule! {
    /// ## What it catches
    /// A `[[target]]` reference in prose (a description, summary, expected
    /// result, checklist item, question help, …) that names no runbook,
    /// drill, step, checklist, checklist item or decision-tree question.
    /// Targets are `[[runbook-id]]`, `[[runbook-id#step-id]]`,
    /// `[[checklist-id]]`, `[[checklist-id#item-id]]`, `[[decision-tree]]`,
    /// `[[decision-tree#question-id]]`, `[[postmortem]]`, `[[page-id]]` and
    /// `[[page-id#heading-anchor]]` (a reference page and one of its
    /// headings, anchored as mdBook does: `## Pool settings` is
    /// `pool-settings`). Reference pages are checked too. References in
    /// code spans and code blocks are text, not references.
    ///
    /// ## Why it matters
    /// The build turns a reference into the target's current number and
    /// title, a link in the book and a page number on paper. A reference to
    /// something that was renamed or removed would print as the raw
    /// `[[…]]`: the reader at 03:00 cannot follow it.
    ///
    /// ## Example
    /// ```toml
    /// description = "Confirm as in [[b-full-dc-failure#promote]]."  # the step is `promote-dc2`
    /// ```
    ///
    /// ## Fix
    /// Use an existing id (the message suggests the closest one), or write
    /// the text without brackets if it is not meant as a reference.
    pub struct UnresolvedProseReference { code: "RB018", name: "unresolved-prose-reference", severity: Error }
}

fn check<T>(ctx: &LintContext, doc: &Doc<T>, value: &Spanned<String>, out: &mut Vec<Diagnostic>) {
    check_at(
        ctx,
        value.get_ref(),
        |range| ctx.in_value(doc, value, range),
        out,
    );
}

/// The references of `text` that resolve to nothing; `at` places a range
/// of `text` in its file (a TOML string, or a whole Markdown page).
fn check_at(
    ctx: &LintContext,
    text: &str,
    at: impl Fn(std::ops::Range<usize>) -> crate::source::Location,
    out: &mut Vec<Diagnostic>,
) {
    for r in prose::references(text) {
        if prose::resolve(ctx.spec, &r.target).is_some() {
            continue;
        }
        let mut d = Diagnostic::finding(format!("`[[{}]]` names nothing in the spec", r.target))
            .at(at(r.range.clone()));
        let known = known_targets(ctx);
        d = match crate::spec::loader::closest(&r.target, known.iter().map(String::as_str)) {
            Some(near) => d.help(format!("did you mean `[[{near}]]`?")),
            None => d.help("write `[[runbook-id]]`, `[[runbook-id#step-id]]`, `[[checklist-id]]` or `[[decision-tree#question-id]]`"),
        };
        out.push(d);
    }
}

/// Every target a reference may name, for the "did you mean" hint.
fn known_targets(ctx: &LintContext) -> Vec<String> {
    let spec = ctx.spec;
    let mut out = Vec::new();
    for (_, p) in spec.procedures() {
        let id = p.doc.id.get_ref();
        out.push(id.clone());
        out.extend(
            p.doc
                .steps
                .iter()
                .map(|s| format!("{id}#{}", s.id.get_ref())),
        );
    }
    for c in &spec.checklists {
        let id = c.doc.id.get_ref();
        out.push(id.clone());
        out.extend(
            c.doc
                .items
                .iter()
                .map(|i| format!("{id}#{}", i.id.get_ref())),
        );
    }
    for p in &spec.pages {
        out.push(p.doc.id.clone());
        out.extend(
            p.doc
                .headings
                .iter()
                .map(|(a, _)| format!("{}#{a}", p.doc.id)),
        );
    }
    if let Some(t) = &spec.decision_tree {
        out.push("decision-tree".into());
        out.extend(
            t.doc
                .questions
                .iter()
                .map(|q| format!("decision-tree#{}", q.id.get_ref())),
        );
    }
    out
}

impl Check for UnresolvedProseReference {
    fn run(ctx: &LintContext, out: &mut Vec<Diagnostic>) {
        let spec = ctx.spec;
        for (_, doc) in spec.procedures() {
            let p = &doc.doc;
            for v in [
                &p.summary,
                &p.description,
                &p.classification,
                &p.trigger,
                &p.goal,
                &p.rto,
                &p.rpo,
            ]
            .into_iter()
            .flatten()
            {
                check(ctx, doc, v, out);
            }
            for v in &p.warnings {
                check(ctx, doc, v, out);
            }
            for a in &p.params {
                check(ctx, doc, &a.description, out);
            }
            for s in &p.steps {
                for v in [&s.description, &s.expect, &s.rollback]
                    .into_iter()
                    .flatten()
                {
                    check(ctx, doc, v, out);
                }
            }
        }
        for doc in &spec.checklists {
            if let Some(v) = &doc.doc.description {
                check(ctx, doc, v, out);
            }
            for i in &doc.doc.items {
                check(ctx, doc, &i.text, out);
                if let Some(v) = &i.how {
                    check(ctx, doc, v, out);
                }
            }
        }
        for doc in &spec.environments {
            if let Some(v) = &doc.doc.description {
                check(ctx, doc, v, out);
            }
            for v in doc.doc.secrets.values() {
                check(ctx, doc, v, out);
            }
            for f in doc.doc.functions.values() {
                if let Some(v) = &f.description {
                    check(ctx, doc, v, out);
                }
            }
        }
        if let Some(doc) = &spec.common {
            for f in doc.doc.functions.values() {
                if let Some(v) = &f.description {
                    check(ctx, doc, v, out);
                }
            }
        }
        if let Some(doc) = &spec.decision_tree {
            for q in &doc.doc.questions {
                check(ctx, doc, &q.text, out);
                if let Some(v) = &q.help {
                    check(ctx, doc, v, out);
                }
                for a in &q.answers {
                    check(ctx, doc, &a.answer, out);
                    if let Some(v) = &a.action {
                        check(ctx, doc, v, out);
                    }
                }
            }
        }
        for page in &spec.pages {
            let at = |range| crate::source::Location::new(&page.file, range);
            check_at(ctx, page.doc.text.get_ref(), at, out);
        }
        if let Some(doc) = &spec.postmortem {
            for v in [&doc.doc.description].into_iter().flatten() {
                check(ctx, doc, v, out);
            }
            check(ctx, doc, &doc.doc.template, out);
        }
    }
}
