//! Environments (and `common.toml`), checklists and the project file
//! compared with their base. Procedures are in `procedure.rs`.

use super::text::{added_removed, field, quoted};
use super::{Change, SectionDiff, Status};
use crate::spec::Spanned;
use crate::spec::Spec;
use crate::spec::model::{Environment, Function};
use std::collections::BTreeMap;

type Map = BTreeMap<Spanned<String>, Spanned<String>>;

fn flat(map: &Map) -> BTreeMap<&str, &str> {
    map.iter()
        .map(|(k, v)| (k.get_ref().as_str(), v.get_ref().as_str()))
        .collect()
}

/// Keys added, removed and changed between two maps, one change each.
fn map_diff(
    out: &mut Vec<Change>,
    kind: &'static str,
    label: &str,
    old: &BTreeMap<&str, &str>,
    new: &BTreeMap<&str, &str>,
) {
    let mut keys: Vec<&str> = old.keys().chain(new.keys()).copied().collect();
    keys.sort();
    keys.dedup();
    for k in keys {
        out.extend(field(
            kind,
            &format!("{label} `{k}`"),
            old.get(k).copied(),
            new.get(k).copied(),
        ));
    }
}

fn functions_diff(
    out: &mut Vec<Change>,
    old: &BTreeMap<Spanned<String>, Function>,
    new: &BTreeMap<Spanned<String>, Function>,
) {
    let body = |m: &BTreeMap<Spanned<String>, Function>| -> BTreeMap<String, String> {
        m.iter()
            .map(|(k, f)| (k.get_ref().clone(), f.body.get_ref().clone()))
            .collect()
    };
    let (a, b) = (body(old), body(new));
    for (name, new_body) in &b {
        match a.get(name) {
            None => out.push(
                Change::new("function-added", format!("function `{name}` added"))
                    .with_diff("", new_body),
            ),
            Some(was) if was != new_body => out.push(
                Change::new("function-changed", format!("function `{name}` changed"))
                    .with_diff(was, new_body),
            ),
            _ => {}
        }
    }
    for name in a.keys().filter(|n| !b.contains_key(*n)) {
        out.push(Change::new(
            "function-removed",
            format!("function `{name}` removed"),
        ));
    }
    let effect = |m: &BTreeMap<Spanned<String>, Function>, n: &str| {
        m.iter()
            .find(|(k, _)| k.get_ref() == n)
            .and_then(|(_, f)| f.effect.as_ref().map(|e| format!("{:?}", e.get_ref())))
    };
    for name in b.keys().filter(|n| a.contains_key(*n)) {
        let (was, now) = (effect(old, name), effect(new, name));
        if was != now {
            // Declaring a function read-only hides its writes from every rule.
            let hides = now.as_deref() == Some("ReadOnly");
            out.push(
                Change::new(
                    "function-effect-changed",
                    format!(
                        "function `{name}` declared effect {} → {}",
                        quoted(was.as_deref()),
                        quoted(now.as_deref())
                    ),
                )
                .weakening(hides),
            );
        }
    }
}

fn secret_names(e: &Environment) -> Vec<&str> {
    e.secrets.keys().map(|k| k.get_ref().as_str()).collect()
}

/// Node name → "host @site [groups]": one comparable line per node.
fn nodes(e: &Environment) -> BTreeMap<String, String> {
    e.nodes
        .iter()
        .map(|nd| {
            let groups: Vec<&str> = nd.groups.iter().map(|g| g.get_ref().as_str()).collect();
            let site = nd
                .site
                .as_ref()
                .map(|s| format!(" @{}", s.get_ref()))
                .unwrap_or_default();
            (
                nd.name.get_ref().clone(),
                format!("{}{site} [{}]", nd.host.get_ref(), groups.join(" ")),
            )
        })
        .collect()
}

fn refs(m: &BTreeMap<String, String>) -> BTreeMap<&str, &str> {
    m.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect()
}

fn environment(out: &mut Vec<Change>, o: &Environment, n: &Environment) {
    out.extend(field(
        "title-changed",
        "title",
        Some(o.title.get_ref()),
        Some(n.title.get_ref()),
    ));
    map_diff(
        out,
        "tool-version-changed",
        "deployed",
        &flat(&o.tools),
        &flat(&n.tools),
    );
    map_diff(
        out,
        "variable-changed",
        "variable",
        &flat(&o.vars),
        &flat(&n.vars),
    );
    let (added, removed) = added_removed(&secret_names(o), &secret_names(n));
    for s in added {
        out.push(Change::new("secret-added", format!("secret `{s}` added")));
    }
    for s in removed {
        out.push(Change::new(
            "secret-removed",
            format!("secret `{s}` removed"),
        ));
    }
    let (a, b) = (nodes(o), nodes(n));
    map_diff(out, "node-changed", "node", &refs(&a), &refs(&b));
    let path = |e: &Environment| {
        e.path
            .iter()
            .map(|p| p.get_ref().as_str())
            .collect::<Vec<_>>()
            .join(":")
    };
    out.extend(field(
        "path-changed",
        "PATH additions",
        Some(&path(o)).filter(|p| !p.is_empty()).map(String::as_str),
        Some(&path(n)).filter(|p| !p.is_empty()).map(String::as_str),
    ));
    functions_diff(out, &o.functions, &n.functions);
}

pub fn environments(base: Option<&Spec>, head: &Spec) -> Vec<SectionDiff> {
    let mut out = Vec::new();
    // `common.toml` first: what every environment shares.
    let common_changes = {
        let mut c = Vec::new();
        let empty_vars = Map::new();
        let empty_fns = BTreeMap::new();
        let old = base.and_then(|b| b.common.as_ref());
        let new = head.common.as_ref();
        map_diff(
            &mut c,
            "variable-changed",
            "variable",
            &flat(old.map(|d| &d.doc.vars).unwrap_or(&empty_vars)),
            &flat(new.map(|d| &d.doc.vars).unwrap_or(&empty_vars)),
        );
        functions_diff(
            &mut c,
            old.map(|d| &d.doc.functions).unwrap_or(&empty_fns),
            new.map(|d| &d.doc.functions).unwrap_or(&empty_fns),
        );
        c
    };
    if !common_changes.is_empty() {
        out.push(SectionDiff {
            id: "common".into(),
            title: "Shared by every environment (common.toml)".into(),
            status: Status::Changed,
            changes: common_changes,
        });
    }
    for env in &head.environments {
        let id = env.doc.id.get_ref();
        let title = env.doc.title.get_ref().clone();
        match base.and_then(|b| b.environment(id)) {
            None => out.push(SectionDiff {
                id: id.clone(),
                title,
                status: Status::Added,
                changes: vec![Change::new(
                    "environment-added",
                    format!("new environment with {} nodes", env.doc.nodes.len()),
                )],
            }),
            Some(old) => {
                let mut changes = Vec::new();
                environment(&mut changes, &old.doc, &env.doc);
                out.extend(changed(id, title, changes));
            }
        }
    }
    let gone = base
        .map(|b| b.environments.as_slice())
        .unwrap_or_default()
        .iter();
    out.extend(removed(
        gone.map(|e| (e.doc.id.get_ref(), e.doc.title.get_ref()))
            .filter(|(id, _)| head.environment(id).is_none()),
        "environment-removed",
    ));
    out
}

/// Sections of the base that the working spec no longer has.
fn removed<'a>(
    gone: impl Iterator<Item = (&'a String, &'a String)>,
    kind: &'static str,
) -> Vec<SectionDiff> {
    gone.map(|(id, title)| SectionDiff {
        id: id.clone(),
        title: title.clone(),
        status: Status::Removed,
        changes: vec![Change::new(kind, "removed")],
    })
    .collect()
}

/// A section whose changes are `changes`, if there are any.
fn changed(id: &str, title: String, changes: Vec<Change>) -> Option<SectionDiff> {
    (!changes.is_empty()).then(|| SectionDiff {
        id: id.to_string(),
        title,
        status: Status::Changed,
        changes,
    })
}

/// Checklists whose items stand between an operator and an action: gates,
/// `before` lists, and the project's required checks.
fn guards(spec: &Spec) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for (_, p) in spec.procedures() {
        out.extend(p.doc.before.iter().map(|b| b.get_ref().clone()));
        out.extend(
            p.doc
                .steps
                .iter()
                .filter_map(|s| s.gate.as_ref().map(|g| g.get_ref().clone())),
        );
    }
    out
}

fn required(spec: &Spec) -> Vec<String> {
    let p = &spec.project.doc.promotion;
    p.required_checks
        .iter()
        .chain(&p.switchover_checks)
        .map(|c| c.get_ref().clone())
        .collect()
}

pub fn checklists(base: Option<&Spec>, head: &Spec) -> Vec<SectionDiff> {
    let mut out = Vec::new();
    let guards: Vec<String> = base
        .map(guards)
        .unwrap_or_default()
        .into_iter()
        .chain(guards(head))
        .collect();
    let required: Vec<String> = base
        .map(required)
        .unwrap_or_default()
        .into_iter()
        .chain(required(head))
        .collect();
    for list in &head.checklists {
        let id = list.doc.id.get_ref();
        let title = list.doc.title.get_ref().clone();
        let Some(old) = base.and_then(|b| b.checklist(id)) else {
            out.push(SectionDiff {
                id: id.clone(),
                title,
                status: Status::Added,
                changes: vec![Change::new(
                    "checklist-added",
                    format!("new checklist with {} items", list.doc.items.len()),
                )],
            });
            continue;
        };
        let mut changes = Vec::new();
        changes.extend(field(
            "title-changed",
            "title",
            Some(old.doc.title.get_ref()),
            Some(&title),
        ));
        let guard = guards.iter().any(|g| g == id);
        for item in &list.doc.items {
            let iid = item.id.get_ref();
            match old.doc.items.iter().find(|i| i.id.get_ref() == iid) {
                None => changes.push(Change::new(
                    "item-added",
                    format!("item `{iid}` added: {}", item.text.get_ref().trim()),
                )),
                Some(was) => {
                    let opt = |s: &Option<Spanned<String>>| s.as_ref().map(|v| v.get_ref().clone());
                    changes.extend(field(
                        "item-changed",
                        &format!("item `{iid}`"),
                        Some(was.text.get_ref()),
                        Some(item.text.get_ref()),
                    ));
                    changes.extend(field(
                        "item-changed",
                        &format!("item `{iid}` how to verify"),
                        opt(&was.how).as_deref(),
                        opt(&item.how).as_deref(),
                    ));
                }
            }
        }
        for item in &old.doc.items {
            let iid = item.id.get_ref();
            if !list.doc.items.iter().any(|i| i.id.get_ref() == iid) {
                let is_required = required.iter().any(|r| r == &format!("{id}.{iid}"));
                let weakens = guard || is_required;
                changes.push(
                    Change::new(
                        "item-removed",
                        format!(
                            "item `{iid}` removed: {}{}",
                            item.text.get_ref().trim(),
                            if weakens {
                                " — no longer checked where this checklist gates a step"
                            } else {
                                ""
                            }
                        ),
                    )
                    .weakening(weakens),
                );
            }
        }
        out.extend(changed(id, title, changes));
    }
    let gone = base
        .map(|b| b.checklists.as_slice())
        .unwrap_or_default()
        .iter();
    out.extend(removed(
        gone.map(|c| (c.doc.id.get_ref(), c.doc.title.get_ref()))
            .filter(|(id, _)| head.checklist(id).is_none()),
        "checklist-removed",
    ));
    out
}

/// `rbgen.toml` and the decision tree.
pub fn project(base: Option<&Spec>, head: &Spec) -> Vec<Change> {
    let mut out = Vec::new();
    let Some(base) = base else { return out };
    let (o, n) = (&base.project.doc, &head.project.doc);
    for (label, a, b) in [
        (
            "required check",
            &o.promotion.required_checks,
            &n.promotion.required_checks,
        ),
        (
            "switchover check",
            &o.promotion.switchover_checks,
            &n.promotion.switchover_checks,
        ),
    ] {
        let a: Vec<&str> = a.iter().map(|c| c.get_ref().as_str()).collect();
        let b: Vec<&str> = b.iter().map(|c| c.get_ref().as_str()).collect();
        let (added, removed) = added_removed(&a, &b);
        for c in added {
            out.push(Change::new(
                "required-check-added",
                format!("{label} `{c}` added"),
            ));
        }
        for c in removed {
            out.push(
                Change::new(
                    "required-check-removed",
                    format!("{label} `{c}` removed: promotions no longer need it"),
                )
                .weakening(true),
            );
        }
    }
    let rank = |s: Option<&str>| match s {
        Some("off") => 0,
        Some("warning") => 1,
        _ => 2,
    };
    let sev = |m: &Map| {
        flat(m)
            .into_iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect::<BTreeMap<_, _>>()
    };
    let (sa, sb) = (sev(&o.lint.severity), sev(&n.lint.severity));
    let mut codes: Vec<&String> = sa.keys().chain(sb.keys()).collect();
    codes.sort();
    codes.dedup();
    for code in codes {
        let (a, b) = (
            sa.get(code).map(String::as_str),
            sb.get(code).map(String::as_str),
        );
        if a != b {
            out.push(
                Change::new(
                    "lint-severity-changed",
                    format!(
                        "lint rule {code}: {} → {}",
                        a.unwrap_or("default"),
                        b.unwrap_or("default")
                    ),
                )
                .weakening(rank(b) < rank(a)),
            );
        }
    }
    let waiver = |w: &crate::spec::model::Waiver| {
        format!(
            "{} for `{}`{}",
            w.code.get_ref(),
            w.runbook.get_ref(),
            w.step
                .as_ref()
                .map(|s| format!(" step `{}`", s.get_ref()))
                .unwrap_or_default()
        )
    };
    let (wa, wb): (Vec<String>, Vec<String>) = (
        o.lint.waivers.iter().map(waiver).collect(),
        n.lint.waivers.iter().map(waiver).collect(),
    );
    for (w, full) in wb.iter().zip(&n.lint.waivers) {
        if !wa.contains(w) {
            out.push(
                Change::new(
                    "waiver-added",
                    format!(
                        "lint finding waived: {w} — “{}”",
                        full.reason.get_ref().trim()
                    ),
                )
                .weakening(true),
            );
        }
    }
    for w in wa.iter().filter(|w| !wb.contains(w)) {
        out.push(Change::new(
            "waiver-removed",
            format!("waiver removed: {w}"),
        ));
    }
    let answers = |s: &Spec| -> BTreeMap<String, String> {
        s.decision_tree
            .iter()
            .flat_map(|t| &t.doc.questions)
            .flat_map(|q| {
                q.answers.iter().map(move |a| {
                    let to = a
                        .runbook
                        .as_ref()
                        .map(|r| format!("runbook {}", r.get_ref()))
                        .or_else(|| a.next.as_ref().map(|n| format!("question {}", n.get_ref())))
                        .or_else(|| a.action.as_ref().map(|x| x.get_ref().trim().to_string()))
                        .unwrap_or_default();
                    (
                        format!("{} → “{}”", q.id.get_ref(), a.answer.get_ref().trim()),
                        to,
                    )
                })
            })
            .collect()
    };
    let (ta, tb) = (answers(base), answers(head));
    map_diff(
        &mut out,
        "decision-tree-changed",
        "decision tree",
        &refs(&ta),
        &refs(&tb),
    );
    out
}

/// Drill records (`drills/records/`): added by `rbgen drill report
/// --record`, never edited by hand — an edit after the fact (a failed run
/// turned into a pass) is marked.
pub fn records(base: Option<&Spec>, head: &Spec) -> Vec<Change> {
    let name = |d: &crate::spec::Doc<crate::spec::model::DrillRecord>| {
        d.file
            .path
            .file_name()
            .map(|n| n.to_string_lossy().to_string())
            .unwrap_or_default()
    };
    let describe = |r: &crate::spec::model::DrillRecord| {
        format!(
            "`{}` in `{}`, started {}, {}",
            r.drill.get_ref(),
            r.environment.get_ref(),
            r.started.get_ref(),
            if *r.passed.get_ref() {
                "passed"
            } else {
                "failed"
            }
        )
    };
    let old: Vec<_> = base.map(|b| b.records.iter().collect()).unwrap_or_default();
    let mut out = Vec::new();
    for rec in &head.records {
        match old.iter().find(|o| name(o) == name(rec)) {
            None => out.push(Change::new(
                "drill-record-added",
                format!("drill record added: {}", describe(&rec.doc)),
            )),
            Some(o) if o.file.text != rec.file.text => out.push(
                Change::new(
                    "drill-record-edited",
                    format!(
                        "drill record `{}` edited after it was written: now {}",
                        name(rec),
                        describe(&rec.doc)
                    ),
                )
                .with_diff(&o.file.text, &rec.file.text)
                .weakening(true),
            ),
            _ => {}
        }
    }
    for o in old {
        if !head.records.iter().any(|r| name(r) == name(o)) {
            out.push(Change::new(
                "drill-record-removed",
                format!("drill record removed: {}", describe(&o.doc)),
            ));
        }
    }
    out
}
