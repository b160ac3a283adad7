//! One runbook or drill compared with its base: the procedure's own fields,
//! its steps (matched by id, with renames and moves found), and per
//! environment the variables, secrets and functions its commands use.

use super::text::{added_removed, code_list, field, quoted};
use super::{Change, ProcDiff, Status};
use crate::semantics::Semantics;
use crate::semantics::uses;
use crate::spec::model::{OnError, Procedure, Step, StepKind, When};
use crate::spec::{Doc, ProcKind};

fn opt(s: &Option<crate::spec::Spanned<String>>) -> Option<&str> {
    s.as_ref().map(|v| v.get_ref().as_str())
}

fn names(list: &[crate::spec::Spanned<String>]) -> Vec<&str> {
    list.iter().map(|s| s.get_ref().as_str()).collect()
}

fn file_of(doc: &Doc<Procedure>) -> String {
    // Relative to the spec directory, the same on both sides.
    let path = &doc.file.path;
    let parts: Vec<_> = path.components().rev().take(2).collect();
    parts
        .iter()
        .rev()
        .map(|c| c.as_os_str().to_string_lossy().to_string())
        .collect::<Vec<_>>()
        .join("/")
}

fn header(kind: ProcKind, doc: &Doc<Procedure>, status: Status) -> ProcDiff {
    ProcDiff {
        id: doc.doc.id.get_ref().clone(),
        kind: kind.as_str(),
        title: doc.doc.title.get_ref().clone(),
        file: file_of(doc),
        status,
        version_before: None,
        version_after: None,
        version_not_bumped: false,
        changes: Vec::new(),
    }
}

pub fn added(kind: ProcKind, new: &Doc<Procedure>) -> ProcDiff {
    let mut d = header(kind, new, Status::Added);
    d.version_after = opt(&new.doc.version).map(str::to_string);
    let steps = &new.doc.steps;
    let confirmed = steps.iter().filter(|s| s.asks_confirmation()).count();
    let gated = steps.iter().filter(|s| s.gate.is_some()).count();
    d.changes.push(Change::new(
        "procedure-added",
        format!(
            "new {}: {} step{}, {gated} gated, {confirmed} asking for confirmation",
            kind.as_str(),
            steps.len(),
            if steps.len() == 1 { "" } else { "s" },
        ),
    ));
    d
}

pub fn removed(kind: ProcKind, old: &Doc<Procedure>) -> ProcDiff {
    let mut d = header(kind, old, Status::Removed);
    d.version_before = opt(&old.doc.version).map(str::to_string);
    d.changes.push(Change::new(
        "procedure-removed",
        format!("{} removed ({} steps)", kind.as_str(), old.doc.steps.len()),
    ));
    d
}

/// `None` when nothing changed at all.
pub fn changed(
    base: &Semantics,
    head: &Semantics,
    kind: ProcKind,
    old: &Doc<Procedure>,
    new: &Doc<Procedure>,
) -> Option<ProcDiff> {
    let mut d = header(kind, new, Status::Changed);
    d.version_before = opt(&old.doc.version).map(str::to_string);
    d.version_after = opt(&new.doc.version).map(str::to_string);
    let (o, n) = (&old.doc, &new.doc);
    let out = &mut d.changes;

    out.extend(field(
        "title-changed",
        "title",
        Some(o.title.get_ref()),
        Some(n.title.get_ref()),
    ));
    for (kind, label, a, b) in [
        ("rto-changed", "RTO", opt(&o.rto), opt(&n.rto)),
        ("rpo-changed", "RPO", opt(&o.rpo), opt(&n.rpo)),
        (
            "trigger-changed",
            "trigger",
            opt(&o.trigger),
            opt(&n.trigger),
        ),
        (
            "summary-changed",
            "summary",
            opt(&o.summary),
            opt(&n.summary),
        ),
        ("owner-changed", "owner", opt(&o.owner), opt(&n.owner)),
        ("goal-changed", "goal", opt(&o.goal), opt(&n.goal)),
    ] {
        out.extend(field(kind, label, a, b));
    }
    let date = |d: &Option<crate::spec::Spanned<toml::value::Datetime>>| {
        d.as_ref().map(|v| v.get_ref().to_string())
    };
    out.extend(field(
        "last-reviewed-changed",
        "last reviewed",
        date(&o.last_reviewed).as_deref(),
        date(&n.last_reviewed).as_deref(),
    ));

    list_changes(
        out,
        ("warning-added", "warning-removed"),
        "warning",
        &names(&o.warnings),
        &names(&n.warnings),
    );
    let (added, removed) = added_removed(&names(&o.before), &names(&n.before));
    for c in added {
        out.push(Change::new(
            "before-added",
            format!("checklist `{c}` is now acknowledged before the first step"),
        ));
    }
    for c in removed {
        out.push(
            Change::new(
                "before-removed",
                format!("checklist `{c}` is no longer acknowledged before the first step"),
            )
            .weakening(true),
        );
    }
    let envs =
        |e: &Option<Vec<crate::spec::Spanned<String>>>| e.as_ref().map(|v| names(v).join(", "));
    out.extend(field(
        "environments-changed",
        "built for environments",
        envs(&o.environments).as_deref().or(Some("all")),
        envs(&n.environments).as_deref().or(Some("all")),
    ));
    map_changes(
        out,
        "requires-changed",
        "requires",
        &o.requires,
        &n.requires,
    );
    params(out, o, n);
    choices(out, o, n);
    list_changes(
        out,
        ("exercises-added", "exercises-removed"),
        "exercised runbook",
        &names(&o.exercises),
        &names(&n.exercises),
    );
    targets(out, o, n);

    steps(base, head, out, o, n);
    per_environment(base, head, out, old, new);

    if out.is_empty() && old.file.text != new.file.text {
        out.push(Change::new(
            "text-changed",
            "text changed (comments or layout only)",
        ));
    }
    let changed = !out.is_empty();
    d.version_not_bumped =
        changed && d.version_before == d.version_after && d.version_before.is_some();
    (changed || d.version_before != d.version_after).then_some(d)
}

/// Names added to and removed from a list, as `<kind>-added` and
/// `<kind>-removed` changes labelled `label`.
fn list_changes(
    out: &mut Vec<Change>,
    kinds: (&'static str, &'static str),
    label: &str,
    old: &[&str],
    new: &[&str],
) {
    let (added, removed) = added_removed(old, new);
    for a in added {
        out.push(Change::new(
            kinds.0,
            format!("{label} added: {}", quoted(Some(a))),
        ));
    }
    for r in removed {
        out.push(Change::new(
            kinds.1,
            format!("{label} removed: {}", quoted(Some(r))),
        ));
    }
}

fn map_changes(
    out: &mut Vec<Change>,
    kind: &'static str,
    label: &str,
    old: &std::collections::BTreeMap<crate::spec::Spanned<String>, crate::spec::Spanned<String>>,
    new: &std::collections::BTreeMap<crate::spec::Spanned<String>, crate::spec::Spanned<String>>,
) {
    let get = |m: &std::collections::BTreeMap<
        crate::spec::Spanned<String>,
        crate::spec::Spanned<String>,
    >,
               k: &str| {
        m.iter()
            .find(|(key, _)| key.get_ref() == k)
            .map(|(_, v)| v.get_ref().clone())
    };
    let mut keys: Vec<&str> = old
        .keys()
        .chain(new.keys())
        .map(|k| k.get_ref().as_str())
        .collect();
    keys.sort();
    keys.dedup();
    for k in keys {
        out.extend(field(
            kind,
            &format!("{label} `{k}`"),
            get(old, k).as_deref(),
            get(new, k).as_deref(),
        ));
    }
}

fn params(out: &mut Vec<Change>, o: &Procedure, n: &Procedure) {
    let find = |p: &Procedure, name: &str| {
        p.params.iter().find(|x| x.name.get_ref() == name).map(|x| {
            (
                opt(&x.default).map(str::to_string),
                x.description.get_ref().clone(),
            )
        })
    };
    let old: Vec<&str> = o.params.iter().map(|p| p.name.get_ref().as_str()).collect();
    let new: Vec<&str> = n.params.iter().map(|p| p.name.get_ref().as_str()).collect();
    let (added, removed) = added_removed(&old, &new);
    for p in added {
        let (default, _) = find(n, p).unwrap_or_default();
        out.push(Change::new(
            "param-added",
            match default {
                Some(d) => format!("parameter `{p}` added (default {})", quoted(Some(&d))),
                None => format!("parameter `{p}` added (required)"),
            },
        ));
    }
    for p in removed {
        out.push(Change::new(
            "param-removed",
            format!("parameter `{p}` removed"),
        ));
    }
    for p in new.iter().filter(|p| old.contains(p)) {
        let (od, odesc) = find(o, p).unwrap_or_default();
        let (nd, ndesc) = find(n, p).unwrap_or_default();
        out.extend(field(
            "param-changed",
            &format!("parameter `{p}` default"),
            od.as_deref(),
            nd.as_deref(),
        ));
        out.extend(field(
            "param-changed",
            &format!("parameter `{p}` description"),
            Some(&odesc),
            Some(&ndesc),
        ));
    }
}

fn choices(out: &mut Vec<Change>, o: &Procedure, n: &Procedure) {
    let options = |p: &Procedure| -> Vec<String> {
        p.choices
            .iter()
            .flat_map(|c| {
                c.options
                    .iter()
                    .map(move |x| format!("{}.{}", c.id.get_ref(), x.id.get_ref()))
            })
            .collect()
    };
    let (old, new) = (options(o), options(n));
    let old: Vec<&str> = old.iter().map(String::as_str).collect();
    let new: Vec<&str> = new.iter().map(String::as_str).collect();
    list_changes(
        out,
        ("choice-option-added", "choice-option-removed"),
        "choice option",
        &old,
        &new,
    );
}

fn targets(out: &mut Vec<Change>, o: &Procedure, n: &Procedure) {
    for t in &n.targets {
        let id = t.id.get_ref();
        match o.targets.iter().find(|x| x.id.get_ref() == id) {
            None => out.push(Change::new(
                "target-added",
                format!("target `{id}` added: {}", t.target.get_ref()),
            )),
            Some(old) => {
                let (a, b) = (*old.max_seconds.get_ref(), *t.max_seconds.get_ref());
                if a != b {
                    out.push(
                        Change::new(
                            "target-changed",
                            format!(
                                "target `{id}` limit {a} → {b}{}",
                                if b > a { " (looser)" } else { " (stricter)" }
                            ),
                        )
                        .weakening(b > a),
                    );
                }
                out.extend(field(
                    "target-changed",
                    &format!("target `{id}` text"),
                    Some(old.target.get_ref()),
                    Some(t.target.get_ref()),
                ));
            }
        }
    }
    for t in &o.targets {
        if !n.targets.iter().any(|x| x.id.get_ref() == t.id.get_ref()) {
            out.push(
                Change::new(
                    "target-removed",
                    format!("target `{}` removed", t.id.get_ref()),
                )
                .weakening(true),
            );
        }
    }
}

/// Whether two steps are one step whose id changed: the same kind, and the
/// same commands or the same title. Anything else is a removal and an
/// addition.
fn same_step(a: &Step, b: &Step) -> bool {
    a.kind.get_ref() == b.kind.get_ref()
        && (opt(&a.run) == opt(&b.run) || a.title.get_ref().trim() == b.title.get_ref().trim())
}

/// A check the procedure relied on: removing it weakens what the operator
/// verifies before acting.
fn is_check(step: &Step) -> bool {
    matches!(step.kind.get_ref(), StepKind::Probe | StepKind::Manual)
}

fn steps(base: &Semantics, head: &Semantics, out: &mut Vec<Change>, o: &Procedure, n: &Procedure) {
    let old_ids: Vec<&str> = o.steps.iter().map(|s| s.id.get_ref().as_str()).collect();
    let new_ids: Vec<&str> = n.steps.iter().map(|s| s.id.get_ref().as_str()).collect();
    let (added, removed) = added_removed(&old_ids, &new_ids);
    let mut renamed: Vec<(&str, &str)> = Vec::new();
    for r in &removed {
        let old = &o.steps[old_ids.iter().position(|i| i == r).unwrap()];
        if let Some(a) = added.iter().find(|a| {
            !renamed.iter().any(|(_, x)| x == *a)
                && same_step(old, &n.steps[new_ids.iter().position(|i| i == *a).unwrap()])
        }) {
            renamed.push((r, a));
        }
    }
    let number = |ids: &[&str], id: &str| {
        ids.iter()
            .position(|i| *i == id)
            .map(|i| i + 1)
            .unwrap_or(0)
    };
    for (from, to) in &renamed {
        out.push(
            Change::new(
                "step-id-renamed",
                format!("step id `{from}` renamed to `{to}`"),
            )
            .at_step(to),
        );
    }
    for a in added
        .iter()
        .filter(|a| !renamed.iter().any(|(_, x)| x == *a))
    {
        let step = &n.steps[number(&new_ids, a) - 1];
        let mut c = Change::new(
            "step-added",
            format!(
                "step {} added: {} ({}{}{})",
                number(&new_ids, a),
                step.title.get_ref().trim(),
                step.kind.get_ref().as_str(),
                step.gate
                    .as_ref()
                    .map(|g| format!(", gate `{}`", g.get_ref()))
                    .unwrap_or_default(),
                if step.asks_confirmation() {
                    ", confirmed"
                } else {
                    ""
                },
            ),
        )
        .at_step(a);
        if let Some(run) = opt(&step.run) {
            c = c.with_diff("", run);
        }
        out.push(c);
    }
    for r in removed
        .iter()
        .filter(|r| !renamed.iter().any(|(x, _)| x == *r))
    {
        let step = &o.steps[number(&old_ids, r) - 1];
        let check = is_check(step);
        out.push(
            Change::new(
                "step-removed",
                format!(
                    "step {} removed: {} ({}){}",
                    number(&old_ids, r),
                    step.title.get_ref().trim(),
                    step.kind.get_ref().as_str(),
                    if check {
                        " — a check the procedure no longer makes"
                    } else {
                        ""
                    },
                ),
            )
            .at_step(r)
            .weakening(check),
        );
    }

    // Moves: the steps outside the longest common order of the ids both sides keep.
    let old_common: Vec<&str> = old_ids
        .iter()
        .map(|i| {
            renamed
                .iter()
                .find(|(f, _)| f == i)
                .map(|(_, t)| *t)
                .unwrap_or(i)
        })
        .filter(|i| new_ids.contains(i))
        .collect();
    let new_common: Vec<&str> = new_ids
        .iter()
        .copied()
        .filter(|i| old_common.contains(i))
        .collect();
    let ops = similar::capture_diff_slices(similar::Algorithm::Myers, &old_common, &new_common);
    let mut moved: Vec<&str> = Vec::new();
    for op in ops {
        if let similar::DiffOp::Insert {
            new_index, new_len, ..
        } = op
        {
            moved.extend(&new_common[new_index..new_index + new_len]);
        }
    }
    for id in moved {
        let was = renamed
            .iter()
            .find(|(_, t)| *t == id)
            .map(|(f, _)| *f)
            .unwrap_or(id);
        out.push(
            Change::new(
                "step-moved",
                format!(
                    "step moved: was step {}, now step {}",
                    number(&old_ids, was),
                    number(&new_ids, id)
                ),
            )
            .at_step(id),
        );
    }

    for new in &n.steps {
        let id = new.id.get_ref().as_str();
        let was = renamed
            .iter()
            .find(|(_, t)| *t == id)
            .map(|(f, _)| *f)
            .unwrap_or(id);
        if let Some(old) = o.steps.iter().find(|s| s.id.get_ref() == was) {
            let before = out.len();
            step(base, head, out, (o, old), (n, new));
            for c in &mut out[before..] {
                c.step = Some(id.to_string());
            }
        }
    }
}

fn describe_when(w: &Option<When>) -> Option<String> {
    let w = w.as_ref()?;
    Some(if let Some(s) = &w.step {
        format!("step {} {}", s.get_ref(), w.outcome().as_str())
    } else if let Some(v) = &w.var {
        match (&w.equals, &w.not_equals) {
            (Some(e), _) => format!("${} = {}", v.get_ref(), e.get_ref()),
            (_, Some(e)) => format!("${} != {}", v.get_ref(), e.get_ref()),
            _ => format!("${}", v.get_ref()),
        }
    } else {
        w.test
            .as_ref()
            .map(|t| t.get_ref().trim().to_string())
            .unwrap_or_default()
    })
}

/// The strongest thing a step's commands do, and how it is shown.
fn strongest(
    ctx: &Semantics,
    proc: &Procedure,
    step: &Step,
) -> Option<(crate::shell::effects::Effect, String)> {
    let run = opt(&step.run)?;
    ctx.step_actions(proc, step, run)
        .into_iter()
        .max_by_key(|f| f.action.effect)
        .map(|f| (f.action.effect, f.describe()))
}

fn step(
    base: &Semantics,
    head: &Semantics,
    out: &mut Vec<Change>,
    (op, o): (&Procedure, &Step),
    (np, n): (&Procedure, &Step),
) {
    out.extend(field(
        "step-renamed",
        "title",
        Some(o.title.get_ref()),
        Some(n.title.get_ref()),
    ));
    let (ok, nk) = (*o.kind.get_ref(), *n.kind.get_ref());
    if ok != nk {
        let lost = match ok {
            StepKind::Promotion => {
                Some("a promotion no longer needs a gate holding the required checks")
            }
            StepKind::Destructive => Some("no longer treated as destructive"),
            StepKind::Fault => Some("a fault no longer needs its cleanup"),
            _ => None,
        }
        .filter(|_| {
            !matches!(
                nk,
                StepKind::Promotion | StepKind::Destructive | StepKind::Fault
            )
        });
        out.push(
            Change::new(
                "kind-changed",
                format!(
                    "kind `{}` → `{}`{}",
                    ok.as_str(),
                    nk.as_str(),
                    lost.map(|l| format!(" — {l}")).unwrap_or_default()
                ),
            )
            .weakening(lost.is_some()),
        );
    }
    match (opt(&o.gate), opt(&n.gate)) {
        (Some(g), None) => out.push(
            Change::new(
                "gate-removed",
                format!(
                    "gate `{g}` removed: its checks are no longer acknowledged before the step"
                ),
            )
            .weakening(true),
        ),
        (None, Some(g)) => out.push(Change::new("gate-added", format!("gate `{g}` added"))),
        (Some(a), Some(b)) if a != b => {
            out.push(Change::new("gate-changed", format!("gate `{a}` → `{b}`")))
        }
        _ => {}
    }
    match (o.asks_confirmation(), n.asks_confirmation()) {
        (true, false) => out.push(
            Change::new(
                "confirmation-removed",
                "confirmation removed: the step runs without asking",
            )
            .weakening(true),
        ),
        (false, true) => out.push(Change::new(
            "confirmation-added",
            "confirmation added: the script asks before the step",
        )),
        _ => {}
    }
    let optional = |s: &Step| s.optional.as_ref().is_some_and(|v| *v.get_ref());
    match (optional(o), optional(n)) {
        (false, true) => out.push(
            Change::new(
                "optional-added",
                "now optional: the operator may decline it",
            )
            .weakening(nk == StepKind::Probe),
        ),
        (true, false) => out.push(Change::new("optional-removed", "no longer optional")),
        _ => {}
    }
    if o.effective_on_error() == OnError::Stop && n.effective_on_error() == OnError::Continue {
        out.push(
            Change::new(
                "on-error-continue",
                "a failing command no longer stops the step (`on_error = \"continue\"`)",
            )
            .weakening(nk != StepKind::Probe),
        );
    } else if o.effective_on_error() != n.effective_on_error() {
        out.push(Change::new(
            "on-error-stop",
            "a failing command now stops the step",
        ));
    }
    let (ow, nw) = (describe_when(&o.when), describe_when(&n.when));
    if ow != nw {
        let c = match (&ow, &nw) {
            (None, Some(w)) => Change::new(
                "when-changed",
                format!("now runs only when {}", quoted(Some(w))),
            )
            .weakening(nk == StepKind::Probe),
            (Some(w), None) => Change::new(
                "when-changed",
                format!("now always runs (was only when {})", quoted(Some(w))),
            ),
            _ => Change::new(
                "when-changed",
                format!(
                    "condition {} → {}",
                    quoted(ow.as_deref()),
                    quoted(nw.as_deref())
                ),
            ),
        };
        out.push(c);
    }
    out.extend(field(
        "option-changed",
        "belongs to option",
        opt(&o.option),
        opt(&n.option),
    ));
    let envs = |s: &Step| s.environments.as_ref().map(|v| names(v).join(", "));
    out.extend(field(
        "step-environments-changed",
        "runs in environments",
        envs(o).as_deref().or(Some("all")),
        envs(n).as_deref().or(Some("all")),
    ));
    out.extend(field(
        "timeout-changed",
        "timeout",
        opt(&o.timeout),
        opt(&n.timeout),
    ));
    out.extend(field(
        "sets-changed",
        "sets",
        Some(&names(&o.sets).join(" "))
            .filter(|s| !s.is_empty())
            .map(String::as_str),
        Some(&names(&n.sets).join(" "))
            .filter(|s| !s.is_empty())
            .map(String::as_str),
    ));
    out.extend(field(
        "description-changed",
        "description",
        opt(&o.description),
        opt(&n.description),
    ));
    out.extend(field(
        "expect-changed",
        "expected output",
        opt(&o.expect),
        opt(&n.expect),
    ));

    if opt(&o.run) != opt(&n.run) {
        let summary = match (opt(&o.run), opt(&n.run)) {
            (None, Some(_)) => "command added",
            (Some(_), None) => "command removed",
            _ => "command changed",
        };
        out.push(
            Change::new("command-changed", summary)
                .with_diff(opt(&o.run).unwrap_or(""), opt(&n.run).unwrap_or("")),
        );
    }
    // What the commands do, before and after, as the lint rules read them.
    let (was, now) = (strongest(base, op, o), strongest(head, np, n));
    if nk == StepKind::Probe
        && let Some((_, what)) = &now
        && (ok != StepKind::Probe || was.is_none())
    {
        out.push(
            Change::new(
                "probe-now-writes",
                format!(
                    "the probe now changes state: it runs {what}, and `--dry-run` executes probes"
                ),
            )
            .weakening(true),
        );
    } else if let Some((effect, what)) = &now
        && was.as_ref().is_none_or(|(e, _)| e < effect)
    {
        out.push(Change::new(
            "effect-stronger",
            format!(
                "now {}: runs {what}",
                crate::semantics::effect_name(*effect)
            ),
        ));
    }

    for (kind, label, a, b) in [
        ("rollback", "rollback", opt(&o.rollback), opt(&n.rollback)),
        ("cleanup", "cleanup", opt(&o.cleanup), opt(&n.cleanup)),
    ] {
        match (a, b) {
            (Some(a), None) => out.push(
                Change::new(
                    if kind == "rollback" {
                        "rollback-removed"
                    } else {
                        "cleanup-removed"
                    },
                    format!("{label} removed: nothing undoes the step any more"),
                )
                .with_diff(a, "")
                .weakening(true),
            ),
            (None, Some(b)) => out.push(
                Change::new(
                    if kind == "rollback" {
                        "rollback-added"
                    } else {
                        "cleanup-added"
                    },
                    format!("{label} added"),
                )
                .with_diff("", b),
            ),
            (Some(a), Some(b)) if a != b => out.push(
                Change::new(
                    if kind == "rollback" {
                        "rollback-changed"
                    } else {
                        "cleanup-changed"
                    },
                    format!("{label} changed"),
                )
                .with_diff(a, b),
            ),
            _ => {}
        }
    }
    out.extend(field(
        "restores-changed",
        "restores",
        opt(&o.restores),
        opt(&n.restores),
    ));
}

/// Per environment built on both sides: the variables (with values), the
/// secrets and the functions the procedure's commands use.
fn per_environment(
    base: &Semantics,
    head: &Semantics,
    out: &mut Vec<Change>,
    old: &Doc<Procedure>,
    new: &Doc<Procedure>,
) {
    for env in head.spec.environments_of(&new.doc) {
        let id = env.doc.id.get_ref();
        let Some(old_env) = base
            .spec
            .environments_of(&old.doc)
            .into_iter()
            .find(|e| e.doc.id.get_ref() == id)
        else {
            continue;
        };
        let (a, b) = (
            uses::of(base.spec, &old.doc, old_env),
            uses::of(head.spec, &new.doc, env),
        );
        let secrets = |u: &uses::Uses| u.secrets.clone();
        let (sa, sb) = (secrets(&a), secrets(&b));
        let (sa, sb): (Vec<&str>, Vec<&str>) = (
            sa.iter().map(String::as_str).collect(),
            sb.iter().map(String::as_str).collect(),
        );
        let (added, removed) = added_removed(&sa, &sb);
        if !added.is_empty() {
            out.push(
                Change::new(
                    "secret-added",
                    format!("now needs secret {}", code_list(&added)),
                )
                .in_env(id),
            );
        }
        if !removed.is_empty() {
            out.push(
                Change::new(
                    "secret-removed",
                    format!("no longer needs secret {}", code_list(&removed)),
                )
                .in_env(id),
            );
        }
        for (name, value) in &b.vars {
            if let Some((_, was)) = a.vars.iter().find(|(n, _)| n == name)
                && was != value
            {
                out.push(
                    Change::new(
                        "variable-changed",
                        format!("`${name}`: {} → {}", quoted(Some(was)), quoted(Some(value))),
                    )
                    .in_env(id),
                );
            }
        }
        for (name, _, body) in &b.functions {
            if let Some((_, _, was)) = a.functions.iter().find(|(n, _, _)| n == name)
                && was != body
            {
                out.push(
                    Change::new("function-changed", format!("function `{name}` changed"))
                        .in_env(id)
                        .with_diff(was, body),
                );
            }
        }
    }
}
