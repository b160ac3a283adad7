//! The runbook book (`book/`, mdBook source), the drill record sheets
//! (`drills/<id>.md`) and the printable single page (`print/runbooks.html`).
//!
//! All three are rendered from the same context by tera templates; the print
//! page is the book's Markdown turned into one HTML file by pulldown-cmark.

use super::prose::{self, Breaks};
use super::{GENERATOR, OutFile, Output};
use crate::semantics::Semantics;
use crate::shell::command::commands;
use crate::spec::model::*;
use crate::spec::{Doc, ProcKind, Spec};
use anyhow::{Result, anyhow};
use serde_json::{Value, json};
use std::collections::{BTreeMap, BTreeSet};

fn render(tera: &tera::Tera, name: &str, ctx: &Value) -> Result<String> {
    let ctx = tera::Context::from_serialize(ctx)
        .map_err(|e| anyhow!("{}", super::templates::render_error(&e)))?;
    tera.render(name, &ctx).map_err(|e| {
        anyhow!(
            "template {name}.tera: {}",
            super::templates::render_error(&e)
        )
    })
}

fn text(file: &mut Output, path: String, contents: String) {
    file.insert(path, OutFile::text(contents, false));
}

pub use crate::semantics::references::proc_file;

/// Prose fields rendered as book Markdown (see `prose`).
fn block(spec: &Spec, s: &Option<S>) -> Option<String> {
    s.as_ref()
        .map(|v| prose::to_book(spec, v.get_ref(), Breaks::Soft))
}

fn lines(spec: &Spec, s: &Option<S>) -> Option<String> {
    s.as_ref()
        .map(|v| prose::to_book(spec, v.get_ref(), Breaks::Hard))
}

fn inline(spec: &Spec, s: &Option<S>) -> Option<String> {
    s.as_ref().map(|v| prose::to_book_inline(spec, v.get_ref()))
}

fn opt(s: &Option<S>) -> Option<&str> {
    s.as_ref().map(|v| v.get_ref().as_str())
}

/// The date of the newest drill record of drill `id` (none for a runbook).
fn latest_record(spec: &Spec, kind: ProcKind, id: &str) -> Option<String> {
    if kind != ProcKind::Drill {
        return None;
    }
    super::history::runs(spec, kind, id)
        .first()
        .map(|r| r.date.clone())
}

fn date(d: &Option<crate::spec::Spanned<toml::value::Datetime>>) -> String {
    d.as_ref()
        .map(|d| d.get_ref().to_string())
        .unwrap_or_else(|| "never".to_string())
}

/// A related document's link as the book reaches it: a URL as written, a
/// path (relative to the procedure's file, as RB030 checks it) from the
/// book's root, which `prose::at_page` then makes relative to the page.
fn link_href(spec: &Spec, kind: ProcKind, href: &str) -> String {
    if crate::spec::model::is_url(href) {
        return href.to_string();
    }
    // generated/book/ is two levels under the project root, where spec/ is.
    let from_project = spec
        .root
        .file_name()
        .map(|spec_dir| {
            let dir = if kind == ProcKind::Drill {
                "drills"
            } else {
                "runbooks"
            };
            format!("{}/{dir}/{href}", spec_dir.to_string_lossy())
        })
        .unwrap_or_else(|| href.to_string());
    // `spec/runbooks/../checklists/x.toml` → `spec/checklists/x.toml`.
    let mut parts: Vec<&str> = Vec::new();
    for part in from_project.split('/') {
        match part {
            ".." if parts.last().is_some_and(|p| *p != "..") => {
                parts.pop();
            }
            "." | "" => {}
            p => parts.push(p),
        }
    }
    format!("{}../../{}", prose::ROOT, parts.join("/"))
}

fn checklist_value(spec: &Spec, id: &str) -> Value {
    match spec.checklist(id) {
        Some(c) => json!({
            "id": id,
            "anchor": prose::checklist_fragment(id),
            "title": c.doc.title.get_ref(),
            "description": block(spec, &c.doc.description),
            "items": c.doc.items.iter().map(|i| json!({"id": i.id.get_ref(), "text": prose::to_book_inline(spec, i.text.get_ref()), "how": inline(spec, &i.how), "owner": opt(&i.owner)})).collect::<Vec<_>>(),
        }),
        None => {
            json!({"id": id, "anchor": prose::checklist_fragment(id), "title": id, "items": []})
        }
    }
}

fn step_marker(kind: StepKind) -> Option<&'static str> {
    match kind {
        StepKind::Destructive => Some("destructive step"),
        StepKind::Promotion => Some("promotion"),
        StepKind::Fault => Some("fault injection"),
        _ => None,
    }
}

fn proc_value(sem: &Semantics, kind: ProcKind, doc: &Doc<Procedure>) -> Value {
    let spec = sem.spec;
    let p = &doc.doc;
    let id = p.id.get_ref();
    let envs = spec.environments_of(p);
    let steps: Vec<Value> = p
        .steps
        .iter()
        .enumerate()
        .map(|(i, s)| {
            json!({
                "number": i + 1,
                "id": s.id.get_ref(),
                "anchor": prose::step_fragment(s.id.get_ref()),
                "title": s.title.get_ref(),
                "kind": s.kind.get_ref().as_str(),
                "marker": step_marker(*s.kind.get_ref()),
                "description": block(spec, &s.description),
                "run": s.run.as_ref().map(|r| r.get_ref().trim_end()),
                "expect": lines(spec, &s.expect),
                "rollback": block(spec, &s.rollback),
                "cleanup": s.cleanup.as_ref().map(|r| r.get_ref().trim_end()),
                "timeout": opt(&s.timeout),
                "gate": s.gate.as_ref().map(|g| checklist_value(spec, g.get_ref())),
                "environments": s.environments.as_ref().map(|e| e.iter().map(|x| x.get_ref().as_str()).collect::<Vec<_>>().join(", ")),
                "branch": Some(crate::generate::bash::step_note(s, p)).filter(|n| !n.is_empty()),
                "target": Some(s.target_items().join(" ")).filter(|t| !t.is_empty()),
                "role_words": crate::semantics::condition::role_words(s),
            })
        })
        .collect();
    let choices: Vec<Value> = p
        .choices
        .iter()
        .map(|c| {
            let options: Vec<Value> = c
                .options
                .iter()
                .map(|o| {
                    let full = format!("{}.{}", c.id.get_ref(), o.id.get_ref());
                    let steps: Vec<String> = p
                        .steps
                        .iter()
                        .enumerate()
                        .filter(|(_, s)| s.option.as_ref().is_some_and(|x| *x.get_ref() == full))
                        .map(|(i, _)| (i + 1).to_string())
                        .collect();
                    let steps = match steps.len() {
                        0 => String::new(),
                        1 => format!("step {}", steps[0]),
                        _ => format!("steps {}", steps.join(", ")),
                    };
                    json!({"id": o.id.get_ref(), "label": o.label.get_ref(), "steps": steps})
                })
                .collect();
            json!({"id": c.id.get_ref(), "question": c.question.get_ref(), "options": options})
        })
        .collect();
    let is_prep = p.is_preparation.as_ref().is_some_and(|b| *b.get_ref());
    json!({
        "id": id,
        "kind": kind.as_str(),
        "file": proc_file(kind, id),
        "sheet": (kind == ProcKind::Drill && !is_prep).then(|| format!("drills/{id}-record-sheet.md")),
        "title": p.title.get_ref(),
        "choices": choices,
        "version": opt(&p.version).unwrap_or("unversioned"),
        "last_reviewed": date(&p.last_reviewed),
        // A drill run on record counts as performed, whatever the spec's
        // `last_performed` says.
        "last_performed": match (&p.last_performed, latest_record(spec, kind, id), &p.due) {
            (Some(d), _, _) => d.get_ref().to_string(),
            (None, Some(run), _) => format!("{run} (drill record)"),
            (None, None, Some(due)) => format!("never (first run due by {})", due.get_ref()),
            (None, None, None) => "never".to_string(),
        },
        "cadence_days": p.cadence_days.as_ref().map(|c| *c.get_ref()).unwrap_or(spec.project.doc.project.drill_cadence_days),
        "owner": opt(&p.owner).or(opt(&spec.project.doc.project.owner)).unwrap_or("unassigned"),
        "trigger": inline(spec, &p.trigger),
        "summary": block(spec, &p.summary),
        "description": block(spec, &p.description),
        "classification": inline(spec, &p.classification),
        "links": p.links.iter().map(|l| json!({"title": l.title.get_ref(), "href": link_href(spec, kind, l.href.get_ref())})).collect::<Vec<_>>(),
        "after": p.after.iter().map(|c| checklist_value(spec, c.get_ref())).collect::<Vec<_>>(),
        "goal": inline(spec, &p.goal),
        "rto": inline(spec, &p.rto),
        "rpo": inline(spec, &p.rpo),
        "warnings": p.warnings.iter().map(|w| prose::to_book_inline(spec, w.get_ref())).collect::<Vec<_>>(),
        "before": p.before.iter().map(|c| checklist_value(spec, c.get_ref())).collect::<Vec<_>>(),
        "requires": p.requires.iter().map(|(t, v)| json!({"tool": t.get_ref(), "version": v.get_ref()})).collect::<Vec<_>>(),
        "params": p.params.iter().map(|a| json!({"flag": a.name.get_ref().to_lowercase().replace('_', "-"), "description": prose::to_book_inline(spec, a.description.get_ref()), "default": opt(&a.default)})).collect::<Vec<_>>(),
        "scripts": envs.iter().map(|e| format!("generated/{}", super::bash::script_path(e.doc.id.get_ref(), id))).collect::<Vec<_>>(),
        "preparation": opt(&p.preparation),
        "preparation_file": opt(&p.preparation).map(|id| format!("../drills/{id}.md")),
        "targets": p.targets.iter().map(|t| json!({"id": t.id.get_ref(), "item": t.item.get_ref(), "target": t.target.get_ref(), "max_seconds": *t.max_seconds.get_ref()})).collect::<Vec<_>>(),
        "scenario": p.scenario.as_ref().map(|s| *s.get_ref()),
        "steps": steps,
        "history": super::history::to_value(&super::history::runs(spec, kind, id)),
        "exercised_by": super::history::exercised_by(spec, id).into_iter().map(|(d, t)| json!({"id": d, "title": t, "file": format!("{}{}", prose::ROOT, proc_file(ProcKind::Drill, &d))})).collect::<Vec<_>>(),
        "exercises": p.exercises.iter().filter_map(|e| spec.procedure(e.get_ref())).map(|(k, d)| json!({"title": d.doc.title.get_ref(), "file": format!("{}{}", prose::ROOT, proc_file(k, d.doc.id.get_ref()))})).collect::<Vec<_>>(),
        "uses": envs.iter().map(|e| sem.uses(doc, e).to_value(e.doc.id.get_ref())).collect::<Vec<_>>(),
    })
}

/// The decision tree: the drawing, the same tree as a nested list (for
/// screen readers and text browsers), and each question with its help.
fn tree_value(spec: &Spec) -> Value {
    let Some(tree) = &spec.decision_tree else {
        return Value::Null;
    };
    let questions: BTreeMap<&str, &Question> = tree
        .doc
        .questions
        .iter()
        .map(|q| (q.id.get_ref().as_str(), q))
        .collect();
    let title_of = |id: &str| {
        spec.procedure(id)
            .map(|(_, d)| d.doc.title.get_ref().clone())
            .unwrap_or_else(|| id.to_string())
    };
    let mut outline = String::new();
    let start = tree.doc.start.get_ref().as_str();
    if let Some(q) = questions.get(start) {
        outline.push_str(&format!(
            "- **{}**\n",
            prose::to_book_inline(spec, q.text.get_ref())
        ));
        outline_tree(
            spec,
            q,
            &questions,
            &title_of,
            "  ",
            &mut vec![start],
            &mut outline,
        );
    }
    let qs: Vec<Value> = tree
        .doc
        .questions
        .iter()
        .map(|q| {
            json!({
                "id": q.id.get_ref(),
                "anchor": prose::question_fragment(q.id.get_ref()),
                "text": prose::to_book_inline(spec, q.text.get_ref()),
                "help": block(spec, &q.help),
                "answers": q.answers.iter().map(|a| {
                    let rb = a.runbook.as_ref().map(|r| r.get_ref().as_str());
                    json!({
                        "answer": prose::to_book_inline(spec, a.answer.get_ref()),
                        "next": opt(&a.next),
                        "next_text": a.next.as_ref().and_then(|n| questions.get(n.get_ref().as_str())).map(|q| prose::to_book_inline(spec, q.text.get_ref())),
                        "next_anchor": a.next.as_ref().map(|n| prose::question_fragment(n.get_ref())),
                        "target": rb.map(|r| title_of(r)),
                        "file": rb.and_then(|r| spec.procedure(r)).map(|(k, d)| proc_file(k, d.doc.id.get_ref())),
                        "action": inline(spec, &a.action),
                    })
                }).collect::<Vec<_>>(),
            })
        })
        .collect();
    json!({
        "svg": super::tree_svg::whole(spec).map(|p| p.svg),
        "start": questions.get(start).map(|q| prose::to_book_inline(spec, q.text.get_ref())),
        "outline": outline.trim_end(),
        "questions": qs,
    })
}

/// The tree as a nested Markdown list: answer, then what it leads to.
fn outline_tree<'a>(
    spec: &Spec,
    q: &'a Question,
    questions: &BTreeMap<&'a str, &'a Question>,
    title_of: &dyn Fn(&str) -> String,
    indent: &str,
    path: &mut Vec<&'a str>,
    out: &mut String,
) {
    for a in &q.answers {
        let answer = prose::to_book_inline(spec, a.answer.get_ref());
        if let Some(next) = &a.next {
            let id = next.get_ref().as_str();
            match questions.get(id) {
                Some(nq) if !path.contains(&id) => {
                    out.push_str(&format!(
                        "{indent}- *{answer}* → **{}**\n",
                        prose::to_book_inline(spec, nq.text.get_ref())
                    ));
                    path.push(id);
                    outline_tree(
                        spec,
                        nq,
                        questions,
                        title_of,
                        &format!("{indent}  "),
                        path,
                        out,
                    );
                    path.pop();
                }
                Some(nq) => out.push_str(&format!(
                    "{indent}- *{answer}* → back to: {}\n",
                    prose::to_book_inline(spec, nq.text.get_ref())
                )),
                None => out.push_str(&format!("{indent}- *{answer}* → back to: {id}\n")),
            }
        } else if let Some(rb) = &a.runbook {
            let link = spec
                .procedure(rb.get_ref())
                .map(|(k, d)| format!("{}{}", prose::ROOT, proc_file(k, d.doc.id.get_ref())))
                .unwrap_or_default();
            out.push_str(&format!(
                "{indent}- *{answer}* → run [{}]({link})\n",
                super::markdown::inline(&title_of(rb.get_ref()))
            ));
        } else {
            out.push_str(&format!(
                "{indent}- *{answer}* → {}\n",
                inline(spec, &a.action).unwrap_or_default()
            ));
        }
    }
}

/// Distinct patronictl / etcdctl / psql commands and where each is used.
fn cheatsheet_value(spec: &Spec) -> Value {
    const TOOLS: [&str; 3] = ["patronictl", "etcdctl", "psql"];
    let mut by_tool: BTreeMap<&str, BTreeMap<String, Vec<Value>>> = BTreeMap::new();
    let mut seen_use: BTreeSet<(String, String, String)> = BTreeSet::new();
    for (kind, doc) in spec.procedures() {
        for (i, step) in doc.doc.steps.iter().enumerate() {
            let Some(run) = &step.run else { continue };
            let text = run.get_ref();
            // The command model: `sudo -u postgres psql`, `kubectl exec … --
            // patronictl list` and `ssh host "etcdctl …"` list their tool too.
            for c in commands(text).commands.iter() {
                let Some(tool) = TOOLS.iter().find(|t| **t == c.name()) else {
                    continue;
                };
                // A top-level command with its prefix assignments (`PGPASSWORD=… psql`).
                let range = if c.via.is_empty() {
                    c.range.clone()
                } else {
                    c.name.range.start.min(c.range.end)..c.range.end
                };
                // As written, line by line: joining lines would change what
                // a quoted multi-line argument means (a `-- comment` line
                // in `psql -c "…"` would swallow the whole query).
                let command = verbatim_command(&text[range]);
                let key = (
                    command.clone(),
                    doc.doc.id.get_ref().clone(),
                    step.id.get_ref().clone(),
                );
                if !seen_use.insert(key) {
                    continue;
                }
                by_tool.entry(tool).or_default().entry(command).or_default().push(json!({
                    "title": doc.doc.title.get_ref(),
                    "step": i + 1,
                    "file": format!("{}#{}", proc_file(kind, doc.doc.id.get_ref()), prose::step_fragment(step.id.get_ref())),
                }));
            }
        }
    }
    let tools: Vec<Value> = TOOLS
        .iter()
        .filter_map(|t| by_tool.get(t).map(|cmds| (t, cmds)))
        .map(|(t, cmds)| json!({"name": t, "commands": cmds.iter().map(|(c, u)| json!({"command": c, "used_in": u})).collect::<Vec<_>>()}))
        .collect();
    json!(tools)
}

/// A command's text for the cheat sheet exactly as the step has it, line
/// by line: copying it runs what the step runs. (Only its last line's
/// trailing blanks go; inside quotes they would end the same way in the
/// step.)
fn verbatim_command(text: &str) -> String {
    text.trim_end().to_string()
}

fn environments_value(spec: &Spec) -> Value {
    let envs: Vec<Value> = spec
        .environments
        .iter()
        .map(|env| {
            let e = &env.doc;
            let mut sites: BTreeMap<String, Vec<Value>> = BTreeMap::new();
            for n in &e.nodes {
                let site = opt(&n.site).unwrap_or("(no site)").to_string();
                sites.entry(site).or_default().push(json!({
                    "name": n.name.get_ref(),
                    "host": n.host.get_ref(),
                    "groups": n.groups.iter().map(|g| g.get_ref().as_str()).collect::<Vec<_>>().join(", "),
                }));
            }
            json!({
                "id": e.id.get_ref(),
                "title": e.title.get_ref(),
                "description": block(spec, &e.description),
                "tools": e.tools.iter().map(|(k, v)| json!({"name": k.get_ref(), "version": v.get_ref()})).collect::<Vec<_>>(),
                "sites": sites.into_iter().map(|(name, nodes)| json!({"name": name, "nodes": nodes})).collect::<Vec<_>>(),
                "vars": spec.vars_of(env).values().map(|v| json!({"name": v.name, "value": v.value})).collect::<Vec<_>>(),
                "secrets": e.secrets.iter().map(|(k, v)| json!({"name": k.get_ref(), "description": prose::to_book_inline(spec, v.get_ref())})).collect::<Vec<_>>(),
                "functions": spec.functions_of(env).values().map(|f| json!({
                    "name": f.name,
                    "args": f.function.args.join(" "),
                    "description": block(spec, &f.function.description).unwrap_or_default(),
                    "body": f.function.body.get_ref().trim_end(),
                })).collect::<Vec<_>>(),
            })
        })
        .collect();
    json!(envs)
}

/// A blank record sheet: the rows of the drill's targets with empty actuals.
pub fn blank_sheet(p: &Procedure) -> Value {
    json!({
        "date": "YYYY-MM-DD HH:MM ~ HH:MM",
        "participants": "DBA, infrastructure engineer names",
        "environment": "",
        "next_date": "YYYY-MM-DD",
        "issues": [],
        "stops": [],
        "rows": p.targets.iter().map(|t| json!({"item": t.item.get_ref(), "target": t.target.get_ref(), "actual": "", "achieved": "OK/NG"})).collect::<Vec<_>>(),
    })
}

pub fn scenarios_value(spec: &Spec) -> Value {
    let mut s: Vec<(u32, Value)> = spec
        .drills
        .iter()
        .filter_map(|d| d.doc.scenario.as_ref().map(|n| (*n.get_ref(), json!({"id": d.doc.id.get_ref(), "number": *n.get_ref(), "title": d.doc.title.get_ref()}))))
        .collect();
    s.sort_by_key(|(n, _)| *n);
    json!(s.into_iter().map(|(_, v)| v).collect::<Vec<_>>())
}

pub fn generate(sem: &Semantics, tera: &tera::Tera, out: &mut Output) -> Result<()> {
    let spec = sem.spec;
    let project = &spec.project.doc.project;
    let runbooks: Vec<Value> = spec
        .runbooks
        .iter()
        .map(|d| proc_value(sem, ProcKind::Runbook, d))
        .collect();
    let drills: Vec<Value> = spec
        .drills
        .iter()
        .map(|d| proc_value(sem, ProcKind::Drill, d))
        .collect();
    let scenarios = scenarios_value(spec);
    let mut checklists: Vec<Value> = spec
        .checklists
        .iter()
        .map(|c| checklist_value(spec, c.doc.id.get_ref()))
        .collect();
    for c in &mut checklists {
        let id = c["id"].as_str().unwrap_or_default().to_string();
        let used_by: Vec<Value> = spec
            .procedures()
            .filter(|(_, d)| {
                d.doc.before.iter().any(|b| b.get_ref() == &id) || d.doc.steps.iter().any(|s| s.gate.as_ref().is_some_and(|g| g.get_ref() == &id))
            })
            .map(|(k, d)| json!({"title": d.doc.title.get_ref(), "file": proc_file(k, d.doc.id.get_ref())}))
            .collect();
        c["used_by"] = json!(used_by);
    }
    let postmortem = spec.postmortem.as_ref().map(|pm| {
        json!({
            "title": pm.doc.title.get_ref(),
            "description": block(spec, &pm.doc.description),
            "template": pm.doc.template.get_ref(),
            "form": prose::to_book(spec, pm.doc.template.get_ref(), Breaks::Soft),
            "checks": opt(&pm.doc.checks_runbook).and_then(|id| spec.procedure(id)).map(|(k, d)| json!({"id": d.doc.id.get_ref(), "title": d.doc.title.get_ref(), "file": proc_file(k, d.doc.id.get_ref())})),
            "checklist": opt(&pm.doc.checklist).map(|id| checklist_value(spec, id)),
        })
    });
    let tree = tree_value(spec);
    let cheatsheet = cheatsheet_value(spec);
    let base = json!({
        "generator": GENERATOR,
        "project": {"name": project.name.get_ref(), "version": project.version.get_ref()},
        "runbooks": runbooks,
        "drills": drills,
        "tree_start": tree.get("start"),
        "has_tree": !tree.is_null(),
        "has_checklists": !checklists.is_empty(),
        "has_cheatsheet": cheatsheet.as_array().is_some_and(|t| !t.is_empty()),
        "postmortem_file": postmortem.as_ref().map(|_| "postmortem.md"),
        "postmortem_title": postmortem.as_ref().map(|pm| pm["title"].clone()),
        "pages": spec.pages.iter().map(|p| json!({"title": p.doc.title, "file": prose::page_file(&p.doc.id)})).collect::<Vec<_>>(),
    });
    // Each page: (path in the book, Markdown). Prose links are relative to
    // the book's root until `at_page` knows where the page is.
    let mut pages: Vec<(String, String)> = Vec::new();
    // Pages that read differently on paper (tick boxes, forms).
    let mut paper_pages: Vec<(String, String)> = Vec::new();
    let mut add =
        |path: &str, md: String| pages.push((path.to_string(), prose::at_page(&md, path)));
    add("SUMMARY.md", render(tera, "book/SUMMARY.md", &base)?);
    add("index.md", render(tera, "book/index.md", &base)?);
    add(
        "environments.md",
        render(
            tera,
            "book/environments.md",
            &json!({"environments": environments_value(spec)}),
        )?,
    );
    if !tree.is_null() {
        add(
            "decision-tree.md",
            render(tera, "book/decision-tree.md", &json!({"tree": tree}))?,
        );
    }
    if !checklists.is_empty() {
        add(
            "checklists.md",
            render(
                tera,
                "book/checklists.md",
                &json!({"checklists": checklists}),
            )?,
        );
    }
    for p in base["runbooks"]
        .as_array()
        .into_iter()
        .flatten()
        .chain(base["drills"].as_array().into_iter().flatten())
    {
        let file = p["file"].as_str().unwrap_or_default().to_string();
        add(
            &file,
            render(tera, "book/procedure.md", &json!({"p": p, "paper": false}))?,
        );
        paper_pages.push((
            file.clone(),
            render(tera, "book/procedure.md", &json!({"p": p, "paper": true}))?,
        ));
        if let Some(sheet_file) = p["sheet"].as_str() {
            let id = p["id"].as_str().unwrap_or_default();
            let doc = spec
                .drills
                .iter()
                .find(|d| d.doc.id.get_ref() == id)
                .map(|d| &d.doc);
            let sheet = doc.map(blank_sheet).unwrap_or(Value::Null);
            let md = render(
                tera,
                "drill-sheet.md",
                &json!({"p": p, "sheet": sheet, "scenarios": scenarios}),
            )?;
            text(
                out,
                format!("drills/{id}.md"),
                prose::at_page(&md, "drills/"),
            );
            add(
                sheet_file,
                format!(
                    "# Record sheet: {}\n\n{md}",
                    super::markdown::inline(p["title"].as_str().unwrap_or_default())
                ),
            );
        }
    }
    // The post-mortem: in the book a template to copy, on paper a form.
    if let Some(pm) = &postmortem {
        add(
            "postmortem.md",
            render(
                tera,
                "book/postmortem.md",
                &json!({"pm": pm, "paper": false}),
            )?,
        );
        paper_pages.push((
            "postmortem.md".into(),
            render(
                tera,
                "book/postmortem.md",
                &json!({"pm": pm, "paper": true}),
            )?,
        ));
    }
    for page in &spec.pages {
        let md = prose::page_to_book(spec, page.doc.text.get_ref());
        add(&prose::page_file(&page.doc.id), md);
    }
    if base["has_cheatsheet"] == json!(true) {
        add(
            "cheatsheet.md",
            render(tera, "book/cheatsheet.md", &json!({"tools": cheatsheet}))?,
        );
    }
    let print_pages: Vec<(String, String)> = pages
        .iter()
        .map(|(path, md)| {
            let paper = paper_pages.iter().find(|(p, _)| p == path);
            let md = paper
                .map(|(_, m)| prose::at_page(m, path))
                .unwrap_or_else(|| md.clone());
            (path.clone(), md)
        })
        .collect();
    let html = super::print::render(tera, &base, &print_pages)?;
    text(out, "print/runbooks.html".into(), html);
    for (path, md) in pages {
        text(out, format!("book/{path}"), md);
    }
    Ok(())
}
