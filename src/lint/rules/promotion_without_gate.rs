use crate::declare_rule;
use crate::diagnostic::{Diagnostic, Severity};
use crate::lint::{Check, LintContext};
use crate::semantics::Found;
use crate::shell::effects::Effect;
use crate::spec::model::{ChecklistPurpose, Procedure, StepKind};
use crate::spec::{Doc, Spec};
use std::collections::BTreeSet;

declare_rule! {
    /// ## What it catches
    /// A step that promotes a server or cluster to primary without the
    /// pre-promotion checks acknowledged before it runs. Promotions are found
    /// in the step's commands, wherever they are — wrapped over several lines,
    /// behind `ssh`, `sudo`, `kubectl exec … --`, or inside an environment
    /// function the step calls — and never in text that only mentions them
    /// (`echo`, comments, quoted text):
    /// `patronictl failover|switchover|promote-cluster`, `pg_ctl promote`,
    /// `pg_ctlcluster … promote`, `SELECT pg_promote()`, `patronictl
    /// edit-config` setting `standby_cluster` to null, a `PATCH`/`PUT` of
    /// Patroni's `/config` whose data sets `standby_cluster` to null, a `POST`
    /// to `/failover` or `/switchover`, `repmgr standby promote|switchover`,
    /// `pg_autoctl perform failover|switchover|promotion`, `kubectl cnpg
    /// promote`, and functions declared `effect = "promotes"`.
    ///
    /// Each such step must:
    /// 1. be of kind `promotion` (so the script asks for confirmation, and
    ///    `--dry-run` never runs it) — reported at the promoting word;
    /// 2. be gated before it runs — by its own `gate`, an earlier step's
    ///    `gate`, or the runbook's `before` list — by checklists that hold:
    ///    - for a failover-class promotion (everything but a switchover):
    ///      every item of `[promotion] required_checks` in `rbgen.toml`;
    ///    - for a planned switchover, which demotes the running primary itself
    ///      and so cannot leave two primaries: every item of `[promotion]
    ///      switchover_checks`;
    ///    - when that list is empty (or there is no `[promotion]` table at
    ///      all): for a failover-class promotion, a checklist that says it is
    ///      for one — `purpose = "failover"`, or with no `purpose` an id or
    ///      title naming a promotion or failover (`pre-promotion`, "DR
    ///      failover checks") — so that a switchover checklist or a general
    ///      one never passes for the checks before a disaster failover; for
    ///      a switchover, any checklist. A promotion is never ungated by
    ///      default. rbgen also warns once, at `rbgen.toml`, that
    ///      `required_checks` is empty and names what `rbgen init` puts
    ///      there.
    ///
    /// A gate on a later step is reported as "gated only after it runs".
    /// This rule cannot be waived.
    ///
    /// ## Why it matters
    /// Promoting while the old primary is still partly alive causes split-brain:
    /// two primaries taking writes, and data loss when one is thrown away.
    /// The pre-promotion checks ("is the old primary really down? is its DCS
    /// member down? is traffic blocked? was it fenced? who approved?") are
    /// what prevents it.
    ///
    /// ## Example
    /// ```toml
    /// [[steps]]
    /// id = "promote"
    /// kind = "change"
    /// run = '''
    /// patronictl -c "$PATRONI_CONF" \
    ///   failover --candidate "$CANDIDATE" --force
    /// '''
    /// ```
    ///
    /// ## Fix
    /// Set `kind = "promotion"` and `gate = "pre-promotion"` on the step (the
    /// checklist must contain every required check), and list those checks
    /// in `[promotion] required_checks`.
    pub struct PromotionWithoutGate { code: "RB003", name: "promotion-without-gate", severity: Error, waivable: false }
}

/// What `rbgen init` writes to `required_checks`, for the hint.
const INIT_CHECKS: &str = "the old primary is stopped, its DCS member is stopped, the candidate's LSN is recorded, traffic to the old primary is blocked, it was fenced (STONITH), the promotion is approved";

fn pairs(list: &[crate::spec::model::S]) -> Vec<(String, String)> {
    list.iter()
        .filter_map(|c| {
            c.get_ref()
                .split_once('.')
                .map(|(a, b)| (a.to_string(), b.to_string()))
        })
        .collect()
}

fn items_of(spec: &Spec, list: &str) -> BTreeSet<(String, String)> {
    spec.checklist(list)
        .map(|c| {
            c.doc
                .items
                .iter()
                .map(|i| (list.to_string(), i.id.get_ref().clone()))
                .collect()
        })
        .unwrap_or_default()
}

impl Check for PromotionWithoutGate {
    fn run(ctx: &LintContext, out: &mut Vec<Diagnostic>) {
        let spec = ctx.spec;
        let promotion = &spec.project.doc.promotion;
        let required = pairs(&promotion.required_checks);
        let switchover = pairs(&promotion.switchover_checks);
        let mut any_failover = false;
        for (_, proc) in spec.procedures() {
            any_failover |= check_procedure(ctx, proc, &required, &switchover, out);
        }
        if any_failover && required.is_empty() {
            let location = spec.project.key_loc(&["promotion", "required_checks"]);
            let what = match promotion.required_checks.is_empty() {
                true => "no `[promotion] required_checks`",
                false => "`[promotion] required_checks` names no `checklist.item`",
            };
            let mut d = Diagnostic::finding(format!("{what}: every promotion is gated only by \"some checklist\""),
            )
            .at(location)
            .help(format!(
                "list the checks a promotion must follow in rbgen.toml, e.g. `[promotion] required_checks = [\"pre-promotion.old-primary-stopped\", …]`; `rbgen init` writes six: {INIT_CHECKS}"
            ));
            d.fixed_severity = Some(Severity::Warning);
            out.push(d);
        }
    }
}

/// Check one procedure; true if it holds a failover-class promotion.
fn check_procedure(
    ctx: &LintContext,
    proc: &Doc<Procedure>,
    required: &[(String, String)],
    switchover: &[(String, String)],
    out: &mut Vec<Diagnostic>,
) -> bool {
    let spec = ctx.spec;
    let p = &proc.doc;
    let mut any_failover = false;
    let mut held: BTreeSet<(String, String)> = BTreeSet::new();
    let mut gated_by: Vec<String> = Vec::new();
    // Checklists acknowledged so far that say they are for a failover.
    let for_failover = |list: &str| {
        spec.checklist(list)
            .is_some_and(|c| c.doc.purpose() == ChecklistPurpose::Failover)
    };
    let mut failover_gates = 0usize;
    for b in &p.before {
        held.extend(items_of(spec, b.get_ref()));
        gated_by.push(b.get_ref().clone());
        failover_gates += usize::from(for_failover(b.get_ref()));
    }
    for (i, step) in p.steps.iter().enumerate() {
        if let Some(g) = &step.gate {
            held.extend(items_of(spec, g.get_ref()));
            gated_by.push(g.get_ref().clone());
            failover_gates += usize::from(for_failover(g.get_ref()));
        }
        let promotions: Vec<Found> = step
            .run
            .as_ref()
            .map(|run| {
                ctx.sem
                    .step_actions(p, step, run.get_ref())
                    .into_iter()
                    .filter(|f| f.action.effect == Effect::Promotes)
                    .collect()
            })
            .unwrap_or_default();
        let by_kind = *step.kind.get_ref() == StepKind::Promotion;
        if promotions.is_empty() && !by_kind {
            continue;
        }
        let id = step.id.get_ref();
        let at = |f: &Found| {
            ctx.in_value(
                proc,
                step.run.as_ref().expect("promotions come from `run`"),
                f.action.at.clone(),
            )
        };
        if !by_kind {
            let f = &promotions[0];
            out.push(
                Diagnostic::finding(format!("step `{id}` runs {} but is a `{}` step, not `promotion`", f.describe(), step.kind.get_ref().as_str()),
                )
                .at(at(f))
                .label("this promotes")
                .help("set `kind = \"promotion\"` (the script then asks before it, and `--dry-run` never runs it) and gate it with the pre-promotion checklist")
                .in_runbook(p.id.get_ref(), Some(id)),
            );
        }
        // A switchover-only step is a planned promotion.
        let planned = !promotions.is_empty() && promotions.iter().all(|f| f.action.planned);
        any_failover |= !planned;
        let needed = if planned { switchover } else { required };
        // With no configured checks, `gates` counts the checklists that may
        // stand in: any for a switchover, one that says it is for a
        // failover otherwise.
        let satisfied = |held: &BTreeSet<(String, String)>, gates: usize| {
            if needed.is_empty() {
                gates > 0
            } else {
                needed.iter().all(|c| held.contains(c))
            }
        };
        let gates = if planned {
            gated_by.len()
        } else {
            failover_gates
        };
        if satisfied(&held, gates) {
            continue;
        }
        let missing: Vec<String> = needed
            .iter()
            .filter(|c| !held.contains(*c))
            .map(|(l, i)| format!("{l}.{i}"))
            .collect();
        // A later gate that would complete the set.
        let mut later_held = held.clone();
        let mut later_gates = gates;
        let later_gate = p.steps[i + 1..].iter().find_map(|s| {
            let g = s.gate.as_ref()?;
            later_held.extend(items_of(spec, g.get_ref()));
            later_gates += usize::from(planned || for_failover(g.get_ref()));
            satisfied(&later_held, later_gates).then(|| s.id.get_ref().clone())
        });
        let location = match promotions.first() {
            Some(f) => at(f),
            None => proc.loc(&step.kind),
        };
        let what = if planned { "switches over" } else { "promotes" };
        let mut shown = gated_by.clone();
        shown.sort();
        shown.dedup();
        let before = shown
            .iter()
            .map(|g| format!("`{g}`"))
            .collect::<Vec<_>>()
            .join(", ");
        let message = match (later_gate, gated_by.is_empty()) {
            (Some(later), true) => {
                format!("step `{id}` {what} but is gated only after it runs (by step `{later}`)")
            }
            (Some(later), false) => format!(
                "step `{id}` {what} before the required checks are all acknowledged: the checklists before it ({before}) lack some, which step `{later}` acknowledges only after it runs"
            ),
            (None, true) if needed.is_empty() => {
                format!("step `{id}` {what} without any checklist acknowledged before it")
            }
            (None, false) if needed.is_empty() => format!(
                "step `{id}` {what}, but no checklist acknowledged before it ({before}) is for a failover, and `[promotion] required_checks` is empty"
            ),
            (None, true) => format!(
                "step `{id}` {what} without a gate holding the required pre-promotion checks"
            ),
            (None, false) => format!(
                "step `{id}` {what}, but the checklists acknowledged before it ({before}) do not hold the required pre-promotion checks"
            ),
        };
        let label = if missing.is_empty() && !gated_by.is_empty() {
            "no failover checklist gates this step".to_string()
        } else if missing.is_empty() {
            "no checklist gates this step".to_string()
        } else {
            format!("missing: {}", missing.join(", "))
        };
        out.push(
            Diagnostic::finding(message)
                .at(location)
                .label(label)
                .help("add `gate = \"<checklist>\"` to this step (or `before = [\"<checklist>\"]` to the runbook); the checklist must hold every required check")
                .in_runbook(p.id.get_ref(), Some(id)),
        );
    }
    any_failover
}
