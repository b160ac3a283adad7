use crate::declare_rule;
use crate::diagnostic::Diagnostic;
use crate::lint::{Check, LintContext};
use std::collections::{BTreeMap, BTreeSet};

declare_rule! {
    /// ## What it catches
    /// Problems of the incident decision tree: a runbook that no path from
    /// the start question reaches, a question no path reaches, a question
    /// without answers, and a cycle (following answers leads back to a
    /// question already asked).
    ///
    /// ## Why it matters
    /// Under pressure people follow the tree, not the table of contents. A
    /// runbook the tree never leads to is never used; a cycle leaves the
    /// on-call engineer going round while the database is down.
    ///
    /// ## Example
    /// ```toml
    /// [[questions.answers]]
    /// answer = "Not sure"
    /// next = "patronictl-works"   # back to the start
    /// ```
    ///
    /// ## Fix
    /// Add an answer leading to the unreachable runbook; break the cycle with
    /// an answer that leads to a runbook or an action.
    pub struct DecisionTree { code: "RB012", name: "decision-tree", severity: Error }
}

impl Check for DecisionTree {
    fn run(ctx: &LintContext, out: &mut Vec<Diagnostic>) {
        let Some(tree) = &ctx.spec.decision_tree else {
            return;
        };
        let questions: BTreeMap<&str, &crate::spec::model::Question> = tree
            .doc
            .questions
            .iter()
            .map(|q| (q.id.get_ref().as_str(), q))
            .collect();
        let mut reached_q: BTreeSet<&str> = BTreeSet::new();
        let mut reached_rb: BTreeSet<&str> = BTreeSet::new();
        // Depth-first with the current path, to find cycles.
        fn walk<'a>(
            id: &'a str,
            qs: &BTreeMap<&'a str, &'a crate::spec::model::Question>,
            path: &mut Vec<&'a str>,
            reached_q: &mut BTreeSet<&'a str>,
            reached_rb: &mut BTreeSet<&'a str>,
            cycles: &mut Vec<(&'a crate::spec::model::Answer, Vec<&'a str>)>,
        ) {
            let Some(q) = qs.get(id) else { return };
            reached_q.insert(id);
            path.push(id);
            for a in &q.answers {
                if let Some(rb) = &a.runbook {
                    reached_rb.insert(rb.get_ref());
                }
                if let Some(next) = &a.next {
                    let n = next.get_ref().as_str();
                    if path.contains(&n) {
                        cycles.push((a, path.clone()));
                    } else {
                        walk(n, qs, path, reached_q, reached_rb, cycles);
                    }
                }
            }
            path.pop();
        }
        let mut cycles = Vec::new();
        walk(
            tree.doc.start.get_ref(),
            &questions,
            &mut Vec::new(),
            &mut reached_q,
            &mut reached_rb,
            &mut cycles,
        );
        for (answer, path) in cycles {
            let next = answer.next.as_ref().unwrap();
            out.push(
                Diagnostic::finding(format!(
                    "answer `{}` leads back to `{}`: the tree has a cycle ({} → {})",
                    answer.answer.get_ref(),
                    next.get_ref(),
                    path.join(" → "),
                    next.get_ref()
                ))
                .at(tree.loc(next))
                .help("lead this answer to a runbook or an action instead"),
            );
        }
        for q in &tree.doc.questions {
            if !reached_q.contains(q.id.get_ref().as_str()) {
                out.push(
                    Diagnostic::finding(format!(
                        "question `{}` is not reachable from the start question",
                        q.id.get_ref()
                    ))
                    .at(tree.loc(&q.id))
                    .help("add an answer leading to it, or remove it"),
                );
            }
            if q.answers.is_empty() {
                out.push(
                    Diagnostic::finding(format!("question `{}` has no answers", q.id.get_ref()))
                        .at(tree.loc(&q.id))
                        .help("add [[questions.answers]]"),
                );
            }
        }
        let checks = ctx
            .spec
            .postmortem
            .as_ref()
            .and_then(|p| p.doc.checks_runbook.as_ref())
            .map(|c| c.get_ref().as_str());
        for rb in &ctx.spec.runbooks {
            let id = rb.doc.id.get_ref().as_str();
            if !reached_rb.contains(id) && Some(id) != checks {
                out.push(
                    Diagnostic::finding(format!(
                        "no path of the decision tree leads to runbook `{id}`"
                    ))
                    .at(rb.loc(&rb.doc.id))
                    .help("add an answer with `runbook = \"…\"` to the decision tree")
                    .in_runbook(id, None),
                );
            }
        }
    }
}
