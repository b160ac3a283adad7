use crate::declare_rule;
use crate::diagnostic::Diagnostic;
use crate::lint::{Check, LintContext};

declare_rule! {
    /// ## What it catches
    /// A step title that starts with its own number: `Step 3: Promote`,
    /// `3. Promote`, `3) Promote`, `#3 Promote`.
    ///
    /// ## Why it matters
    /// rbgen numbers steps itself, from their order. A title that carries
    /// a number prints twice ("Step 6: Step 1: Promote") and goes wrong
    /// the first time a step is inserted above it — the script, the book
    /// and the binder then disagree with the title about where the
    /// operator is. Titles copied from a Markdown runbook (or made by
    /// `rbgen import` from one that numbers its headings) often do.
    ///
    /// ## Example
    /// ```toml
    /// title = "Step 3: Promote the DC2 standby leader"
    /// ```
    ///
    /// ## Fix
    /// Drop the number: `title = "Promote the DC2 standby leader"`; the
    /// order of `[[steps]]` is the numbering.
    pub struct NumberedStepTitle { code: "RB029", name: "numbered-step-title", severity: Warning }
}

/// The title without a leading step number, or `None` when it has none.
pub fn without_number(title: &str) -> Option<&str> {
    let t = title.trim_start();
    let lower = t.to_ascii_lowercase();
    let after_word = ["step ", "step", "#"]
        .iter()
        .find_map(|w| lower.starts_with(w).then(|| &t[w.len()..]))
        .unwrap_or(t);
    let digits = after_word
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(after_word.len());
    if digits == 0 {
        return None;
    }
    let rest = &after_word[digits..];
    // "3. x", "3) x", "3: x", "3 - x", "Step 3 x"; never "30s timeout".
    let rest = rest
        .strip_prefix(['.', ')', ':'])
        .or_else(|| rest.strip_prefix(" -"))
        .or_else(|| rest.strip_prefix(" –"))
        .or_else(|| rest.strip_prefix(" —"))
        .or_else(|| (after_word.len() != t.len()).then_some(rest))?;
    let rest = rest
        .trim_start_matches([' ', ':', '-', '—', '–'])
        .trim_start();
    (!rest.is_empty() && rest.starts_with(|c: char| !c.is_ascii_digit())).then_some(rest)
}

impl Check for NumberedStepTitle {
    fn run(ctx: &LintContext, out: &mut Vec<Diagnostic>) {
        // One finding per procedure: a document that numbers its titles
        // numbers all of them, and twelve findings would say one thing.
        for (_, doc) in ctx.spec.procedures() {
            let numbered: Vec<_> = doc
                .doc
                .steps
                .iter()
                .filter_map(|s| without_number(s.title.get_ref()).map(|rest| (s, rest)))
                .collect();
            let Some((first, rest)) = numbered.first() else {
                continue;
            };
            let title = first.title.get_ref();
            let message = if numbered.len() == 1 {
                format!(
                    "step title `{title}` starts with a number: rbgen numbers steps from their order"
                )
            } else {
                format!(
                    "{} step titles of `{}` start with a number (`{title}`, …): rbgen numbers steps from their order",
                    numbered.len(),
                    doc.doc.id.get_ref()
                )
            };
            let mut d = Diagnostic::finding(message)
                .at(ctx.in_value(doc, &first.title, 0..title.len()))
                .help(format!(
                    "write `title = \"{rest}\"`{}",
                    if numbered.len() > 1 {
                        ", and drop the numbers of the others"
                    } else {
                        ""
                    }
                ));
            if numbered.len() > 1 {
                let others: Vec<String> = numbered[1..]
                    .iter()
                    .map(|(s, _)| ctx.in_value(doc, &s.title, 0..0).line_col().0.to_string())
                    .collect();
                d = d.label(format!("also at line {}", others.join(", ")));
            }
            out.push(d);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::without_number;

    #[test]
    fn numbers_are_found_and_ordinary_titles_left_alone() {
        assert_eq!(without_number("Step 3: Promote"), Some("Promote"));
        assert_eq!(without_number("3. Promote"), Some("Promote"));
        assert_eq!(without_number("3) Promote"), Some("Promote"));
        assert_eq!(without_number("step 12 - Check lag"), Some("Check lag"));
        assert_eq!(without_number("#2 Fence"), Some("Fence"));
        assert_eq!(without_number("30s pause before the switch"), None);
        assert_eq!(without_number("2DC standby check"), None);
        assert_eq!(without_number("Promote DC2"), None);
        assert_eq!(without_number("Stepdown the leader"), None);
        assert_eq!(without_number("3.2 Promote"), None);
    }
}
