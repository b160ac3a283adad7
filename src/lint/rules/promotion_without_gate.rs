use crate::declare_rule;
use crate::diagnostic::Diagnostic;
use crate::lint::{Check, LintContext};
use crate::spec::model::StepKind;
use regex::Regex;
use std::collections::BTreeSet;
use std::sync::LazyLock;

declare_rule! {
    /// ## What it catches
    /// A step that promotes — `patronictl promote-cluster`, `patronictl failover`,
    /// `pg_ctl promote`, `pg_promote()`, `patronictl edit-config … standby_cluster=null`,
    /// a `PATCH` of `/config` that drops `standby_cluster`, or any step of kind
    /// `promotion` — that is not gated, before it runs, by checklists holding
    /// every item `rbgen.toml` lists in `[promotion] required_checks` (the six
    /// pre-promotion checks by default). Gates count when they are on the step
    /// itself, on an earlier step, or in the runbook's `before` list; a gate on a
    /// later step is reported as "gated only after it runs".
    ///
    /// This rule cannot be waived.
    ///
    /// ## Why it matters
    /// Promoting while the old primary is still partly alive causes split-brain:
    /// two primaries taking writes, and data loss when one is thrown away.
    /// The pre-promotion checks ("is DC1 really down? is its etcd down? is
    /// traffic blocked? was STONITH done? who approved?") are what prevents it.
    ///
    /// ## Example
    /// ```toml
    /// [[steps]]
    /// id = "promote"
    /// kind = "change"
    /// run = '''
    /// patronictl -c "$PATRONI_CONF" promote-cluster "$DC2_CLUSTER" --force
    /// '''
    /// ```
    ///
    /// ## Fix
    /// Set `kind = "promotion"` and `gate = "pre-promotion"` on the step (the
    /// checklist must contain every required check).
    pub struct PromotionWithoutGate { code: "RB003", name: "promotion-without-gate", severity: Error, waivable: false }
}

static PROMOTES: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?x)
        \bpatronictl\b[^\n]*\b(promote-cluster|failover)\b
      | \bpg_ctl\b[^\n]*\bpromote\b
      | \bpg_promote\s*\(
      | \bedit-config\b[^\n]*standby_cluster\s*=\s*null
      | \bPATCH\b[^\n]*/config[^\n]*standby_cluster
      | standby_cluster[^\n]*null[^\n]*\bPATCH\b",
    )
    .unwrap()
});

/// Where in `text` a promotion command is, skipping comment lines.
pub fn promotion_in(text: &str) -> Option<std::ops::Range<usize>> {
    let mut offset = 0;
    for line in text.split_inclusive('\n') {
        if !line.trim_start().starts_with('#') {
            if let Some(m) = PROMOTES.find(line) {
                return Some(offset + m.start()..offset + m.end());
            }
        }
        offset += line.len();
    }
    None
}

impl Check for PromotionWithoutGate {
    fn run(ctx: &LintContext, out: &mut Vec<Diagnostic>) {
        let spec = ctx.spec;
        let required: Vec<(String, String)> = spec
            .project
            .doc
            .promotion
            .required_checks
            .iter()
            .filter_map(|c| {
                c.get_ref()
                    .split_once('.')
                    .map(|(a, b)| (a.to_string(), b.to_string()))
            })
            .collect();
        let items_of = |list: &str| -> BTreeSet<(String, String)> {
            spec.checklist(list)
                .map(|c| {
                    c.doc
                        .items
                        .iter()
                        .map(|i| (list.to_string(), i.id.get_ref().clone()))
                        .collect()
                })
                .unwrap_or_default()
        };
        for (_, proc) in spec.procedures() {
            let p = &proc.doc;
            let mut held: BTreeSet<(String, String)> = BTreeSet::new();
            for b in &p.before {
                held.extend(items_of(b.get_ref()));
            }
            for (i, step) in p.steps.iter().enumerate() {
                if let Some(g) = &step.gate {
                    held.extend(items_of(g.get_ref()));
                }
                let by_text = step
                    .run
                    .as_ref()
                    .and_then(|r| promotion_in(r.get_ref()).map(|range| (r, range)));
                let by_kind = *step.kind.get_ref() == StepKind::Promotion;
                if by_text.is_none() && !by_kind {
                    continue;
                }
                let missing: Vec<String> = required
                    .iter()
                    .filter(|c| !held.contains(*c))
                    .map(|(l, i)| format!("{l}.{i}"))
                    .collect();
                if missing.is_empty() {
                    continue;
                }
                let later_gate = p.steps[i + 1..].iter().find_map(|s| {
                    s.gate
                        .as_ref()
                        .filter(|g| {
                            let items = items_of(g.get_ref());
                            required
                                .iter()
                                .all(|c| items.contains(c) || held.contains(c))
                        })
                        .map(|_| s.id.get_ref().clone())
                });
                let location = match &by_text {
                    Some((run, range)) => ctx.in_value(proc, run, range.clone()),
                    None => proc.loc(&step.kind),
                };
                let message = match later_gate {
                    Some(later) => format!(
                        "step `{}` promotes but is gated only after it runs (by step `{later}`)",
                        step.id.get_ref()
                    ),
                    None => format!(
                        "step `{}` promotes without a gate holding the required pre-promotion checks",
                        step.id.get_ref()
                    ),
                };
                out.push(
                    Diagnostic::error("RB003", message)
                        .at(location)
                        .label(format!("missing: {}", missing.join(", ")))
                        .help("add `kind = \"promotion\"` and `gate = \"pre-promotion\"` to this step (the checklist must hold every required check)")
                        .in_runbook(p.id.get_ref(), Some(step.id.get_ref())),
                );
            }
        }
    }
}
