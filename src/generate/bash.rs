//! Bash scripts: `scripts/<env>/<id>.sh` for every runbook and drill.
//!
//! Spec text enters a script only through the template's `sh` filter
//! (single-quoting), and shell code (`run`, function bodies) verbatim; the
//! template owns everything else. See `templates/script.sh.tera`.

use super::prose::{Breaks, to_terminal};
use super::script_context::*;
use super::{GENERATOR, OutFile, Output};
use crate::shell::analysis::analyse;
use crate::shell::quote::comment_text;
use crate::spec::model::*;
use crate::spec::{Doc, ProcKind, Spec, parse_duration};
use anyhow::{Result, anyhow};
use std::collections::{BTreeMap, BTreeSet};

pub fn generate(sem: &Semantics, tera: &tera::Tera, out: &mut Output) -> Result<()> {
    generate_for(sem, tera, out, |_| true)
}

/// Scripts of the (procedure, environment) pairs whose index sum `which`
/// selects (builds split them across threads).
pub fn generate_for(
    sem: &Semantics,
    tera: &tera::Tera,
    out: &mut Output,
    which: impl Fn(usize) -> bool,
) -> Result<()> {
    let spec = sem.spec;
    for (kind, proc) in spec.procedures() {
        for env in spec.environments_of(&proc.doc) {
            let index = spec
                .environments
                .iter()
                .position(|e| std::ptr::eq(e, env))
                .unwrap_or(0);
            if !which(index) {
                continue;
            }
            let context = script_context(sem, kind, proc, env);
            let ctx = tera::Context::from_serialize(&context)
                .map_err(|e| anyhow!("{}", super::templates::render_error(&e)))?;
            let text = tera.render("script.sh", &ctx).map_err(|e| {
                anyhow!(
                    "rendering {} for {}: {}",
                    proc.doc.id.get_ref(),
                    env.doc.id.get_ref(),
                    super::templates::render_error(&e)
                )
            })?;
            out.insert(
                script_path(env.doc.id.get_ref(), proc.doc.id.get_ref()),
                OutFile::text(text, true),
            );
        }
    }
    Ok(())
}

/// Every script made with the templates in `templates` (the built-in ones
/// when `None`), as (environment, procedure id, text): what `rbgen lint
/// --templates` hands RB014.
pub fn render_all(
    spec: &Spec,
    templates: Option<&std::path::Path>,
) -> Result<Vec<(String, String, String)>> {
    let tera = super::templates::load(templates)?;
    let mut out = Output::new();
    generate(&Semantics::new(spec), &tera, &mut out)?;
    let mut scripts = Vec::new();
    for (_, proc) in spec.procedures() {
        for env in spec.environments_of(&proc.doc) {
            let (env, id) = (env.doc.id.get_ref(), proc.doc.id.get_ref());
            if let Some(file) = out.get(&script_path(env, id)) {
                let text = String::from_utf8_lossy(&file.contents).into_owned();
                scripts.push((env.clone(), id.clone(), text));
            }
        }
    }
    Ok(scripts)
}

pub fn script_path(env: &str, id: &str) -> String {
    format!("scripts/{env}/{id}.sh")
}

use crate::semantics::{Semantics, steps_in, wrapper};

/// A checklist's function name in the script: ids may hold `-`, bash names may not.
fn checklist_fn(id: &str) -> String {
    id.replace('-', "_")
}

/// The script template's context for `proc` in `env` (see
/// `script_context.rs` for what each field means).
fn script_context(
    sem: &Semantics,
    kind: ProcKind,
    proc: &Doc<Procedure>,
    env: &Doc<Environment>,
) -> ScriptContext {
    let spec = sem.spec;
    let p = &proc.doc;
    let env_id = env.doc.id.get_ref().as_str();
    let steps: Vec<&Step> = steps_in(p, env_id).collect();
    // Prose the script prints, as plain text for the terminal.
    let say = |text: &str| to_terminal(spec, Some(p.id.get_ref()), text, Breaks::Soft);
    let functions = spec.functions_of(env);

    // What the script needs: the functions its steps call (transitively,
    // in every shell field: `run`, `cleanup` and `when` tests) and the
    // secrets they read.
    let uses = sem.uses(proc, env);
    let needed: BTreeSet<&str> = uses.functions.iter().map(|(n, _, _)| n.as_str()).collect();
    let used_secrets: BTreeSet<&str> = uses.secrets.iter().map(String::as_str).collect();

    let vars: Vec<VarInfo> = spec
        .vars_of(env)
        .values()
        .map(|v| VarInfo {
            name: v.name.clone(),
            value: v.value.clone(),
        })
        .collect();
    let secrets = env
        .doc
        .secrets
        .iter()
        .filter(|(name, _)| used_secrets.contains(name.get_ref().as_str()))
        .map(|(name, desc)| {
            let n = name.get_ref();
            let description = say(desc.get_ref());
            SecretInfo {
                name: n.clone(),
                prompt: format!("{n} (secret, not echoed): "),
                missing: format!("secret {n} is not set: export it before running ({description})"),
                description,
            }
        })
        .collect();
    let fns = needed
        .iter()
        .map(|name| {
            let f = functions[*name];
            FunctionInfo {
                name: name.to_string(),
                description: comment_text(
                    f.function
                        .description
                        .as_ref()
                        .map(|d| d.get_ref().as_str())
                        .unwrap_or(""),
                ),
                body: f.function.body.get_ref().trim_end().to_string(),
            }
        })
        .collect();
    let params = p
        .params
        .iter()
        .map(|param| {
            let name = param.name.get_ref();
            let flag = name.to_lowercase().replace('_', "-");
            let example = param
                .example
                .as_ref()
                .map(|e| format!(" (e.g. {})", e.get_ref()))
                .unwrap_or_default();
            let description = say(param.description.get_ref());
            ParamInfo {
                name: name.clone(),
                flag_usage: format!("--{flag} VALUE"),
                description: format!("{description}{example}"),
                default: param.default.as_ref().map(|d| d.get_ref().clone()),
                prompt: format!("{description}{example}: "),
                placeholder: format!("<{name}>"),
                missing: format!(
                    "parameter {name} is required: pass --{flag} VALUE (or export {name})"
                ),
                flag,
            }
        })
        .collect();

    // Checklists the script walks: `before` ones and step gates.
    let mut lists: BTreeSet<&str> = p.before.iter().map(|c| c.get_ref().as_str()).collect();
    lists.extend(
        steps
            .iter()
            .filter_map(|s| s.gate.as_ref().map(|g| g.get_ref().as_str())),
    );
    let checklists = lists
        .iter()
        .filter_map(|id| spec.checklist(id))
        .map(|c| ChecklistInfo {
            id: c.doc.id.get_ref().clone(),
            fn_name: checklist_fn(c.doc.id.get_ref()),
            title: c.doc.title.get_ref().clone(),
            items: c
                .doc
                .items
                .iter()
                .map(|i| match &i.how {
                    Some(how) => format!("{} ({})", say(i.text.get_ref()), say(how.get_ref())),
                    None => say(i.text.get_ref()),
                })
                .collect(),
        })
        .collect();

    let numbers: BTreeMap<&str, usize> = steps
        .iter()
        .enumerate()
        .map(|(i, s)| (s.id.get_ref().as_str(), i + 1))
        .collect();
    // The step that `sets` each variable, for what a dry run shows when the
    // step did not run.
    let mut set_by: BTreeMap<&str, &str> = BTreeMap::new();
    for s in &steps {
        for v in &s.sets {
            set_by
                .entry(v.get_ref().as_str())
                .or_insert(s.id.get_ref().as_str());
        }
    }
    // Once per script: it resolves both paths on the file system.
    let source = spec_rel(spec, &proc.file);
    let step_values = steps
        .iter()
        .enumerate()
        .map(|(i, s)| step_info(spec, &source, proc, env, &steps, i, s, &numbers, &set_by))
        .collect();

    ScriptContext {
        generator: GENERATOR.to_string(),
        project: spec.project.doc.project.name.get_ref().clone(),
        proc: ProcInfo {
            id: p.id.get_ref().clone(),
            kind: kind.as_str().to_string(),
            title: p.title.get_ref().clone(),
            title_comment: comment_text(p.title.get_ref()),
            version: p
                .version
                .as_ref()
                .map(|v| v.get_ref().as_str())
                .unwrap_or("0")
                .to_string(),
            source,
        },
        env: EnvInfo {
            id: env_id.to_string(),
            path: env.doc.path.iter().map(|d| d.get_ref().clone()).collect(),
            vars,
        },
        functions: fns,
        params,
        secrets,
        checklists,
        before: p.before.iter().map(|c| checklist_fn(c.get_ref())).collect(),
        warnings: p.warnings.iter().map(|w| say(w.get_ref())).collect(),
        choices: p
            .choices
            .iter()
            .map(|c| ChoiceInfo {
                id: c.id.get_ref().clone(),
                var: choice_var(c.id.get_ref()),
                question: say(c.question.get_ref()),
                options: c
                    .options
                    .iter()
                    .map(|o| OptionInfo {
                        id: o.id.get_ref().clone(),
                        label: o.label.get_ref().clone(),
                    })
                    .collect(),
                ids: c
                    .options
                    .iter()
                    .map(|o| o.id.get_ref().as_str())
                    .collect::<Vec<_>>()
                    .join(" "),
            })
            .collect(),
        list: list_lines(spec, p, &steps),
        steps: step_values,
    }
}

/// `--list`: the checklists to complete first, then one row per step
/// (number, id, kind, title, columns as wide as the longest id) with what
/// will stop the run there on lines under it — its gate, its confirmation,
/// a manual wait, its timeout, its branch.
fn list_lines(spec: &Spec, p: &Procedure, steps: &[&Step]) -> Vec<String> {
    // Titles are plain text, shown as written.
    let title_of = |id: &str| {
        spec.checklist(id)
            .map(|c| c.doc.title.get_ref().clone())
            .unwrap_or_else(|| id.to_string())
    };
    let mut out = vec![p.title.get_ref().clone()];
    for c in &p.before {
        out.push(format!(
            "Before the first step: checklist {} (--ack {})",
            title_of(c.get_ref()),
            c.get_ref()
        ));
    }
    let id_width = steps
        .iter()
        .map(|s| s.id.get_ref().chars().count())
        .max()
        .unwrap_or(0);
    let kind_width = steps
        .iter()
        .map(|s| s.kind.get_ref().as_str().len() + 2)
        .max()
        .unwrap_or(0);
    let number_width = steps.len().to_string().len().max(2);
    let indent = " ".repeat(number_width + 2 + id_width + 1 + kind_width + 1);
    for (i, s) in steps.iter().enumerate() {
        out.push(format!(
            "{:>number_width$}. {:<id_width$} {:<kind_width$} {}",
            i + 1,
            s.id.get_ref(),
            format!("[{}]", s.kind.get_ref().as_str()),
            s.title.get_ref()
        ));
        let mut details: Vec<String> = Vec::new();
        if let Some(g) = &s.gate {
            details.push(format!(
                "gate: checklist {} (--ack {})",
                title_of(g.get_ref()),
                g.get_ref()
            ));
        }
        if let Some(words) = crate::semantics::condition::target_words(s) {
            details.push(format!("acts on {words}"));
        }
        if *s.kind.get_ref() == StepKind::Manual {
            details.push(format!(
                "waits for you to type done (--ack {})",
                s.id.get_ref()
            ));
        } else if s.asks_confirmation() && s.target.is_some() {
            details.push("asks you to type the target (--yes)".into());
        } else if s.asks_confirmation() {
            details.push("asks you to type yes (--yes)".into());
        }
        if let Some(t) = &s.timeout {
            details.push(format!("timeout {}", t.get_ref()));
        }
        let note = step_note(s, p);
        if !note.is_empty() {
            details.push(note);
        }
        for d in details {
            out.push(format!("{indent}{d}"));
        }
    }
    out
}

/// One step of the script.
#[allow(clippy::too_many_arguments)]
fn step_info(
    spec: &Spec,
    source: &str,
    proc: &Doc<Procedure>,
    env: &Doc<Environment>,
    steps: &[&Step],
    i: usize,
    s: &Step,
    numbers: &BTreeMap<&str, usize>,
    set_by: &BTreeMap<&str, &str>,
) -> StepInfo {
    let p = &proc.doc;
    let kind = *s.kind.get_ref();
    let body = s.run.as_ref().map(|r| r.get_ref().trim_end().to_string());
    let (line, _) = proc.file.line_col(s.id.span().start);
    // Variables the dry run shows: values from outside the step; what the
    // step assigns itself (loop variables, reads) is shown as such, and a
    // secret only as set or not set.
    let analysis = s.run.as_ref().map(|r| analyse(r.get_ref()));
    let used: Vec<String> = analysis
        .as_ref()
        .map(|a| a.used_names().into_iter().map(str::to_string).collect())
        .unwrap_or_default();
    let own = |name: &str| {
        analysis
            .as_ref()
            .is_some_and(|a| a.defs.iter().any(|d| d.name == name))
    };
    let is_secret = |name: &str| env.doc.secrets.keys().any(|k| k.get_ref() == name);
    let secret_vars = used.iter().filter(|v| is_secret(v)).cloned().collect();
    let own_vars = used
        .iter()
        .filter(|v| !is_secret(v) && own(v))
        .cloned()
        .collect();
    let vars = used
        .iter()
        .filter(|v| !is_secret(v) && !own(v))
        .map(|v| StepVar {
            name: v.clone(),
            unset: match set_by.get(v.as_str()) {
                Some(by) => format!("<set by step {by}>"),
                None => "<unset>".to_string(),
            },
        })
        .collect();
    let option = s.option.as_ref().and_then(|o| {
        let (choice, option) = o.get_ref().split_once('.')?;
        Some(StepOption {
            choice: choice.to_string(),
            var: choice_var(choice),
            option: option.to_string(),
            label: option_label(p, choice, option).to_string(),
        })
    });
    // A later step's `when` looks at this step's outcome: its failure is a
    // branch of the runbook, not the end of the run.
    let watched = steps[i + 1..].iter().any(|later| {
        later.when.as_ref().is_some_and(|w| {
            w.step
                .as_ref()
                .is_some_and(|t| t.get_ref() == s.id.get_ref())
        })
    });
    StepInfo {
        number: i + 1,
        target: s.target.as_ref().map(|t| target_info(env, s, t.get_ref())),
        id: s.id.get_ref().clone(),
        title: s.title.get_ref().clone(),
        kind: kind.as_str().to_string(),
        source: format!("{source}:{line}"),
        command_lines: body
            .as_deref()
            .map(|b| b.lines().map(str::to_string).collect())
            .unwrap_or_default(),
        body,
        description_lines: s
            .description
            .as_ref()
            .map(|d| {
                to_terminal(spec, Some(p.id.get_ref()), d.get_ref(), Breaks::Soft)
                    .lines()
                    .map(str::to_string)
                    .collect()
            })
            .unwrap_or_default(),
        vars,
        own_vars,
        secret_vars,
        continue_on_error: s.effective_on_error() == OnError::Continue,
        manual: kind == StepKind::Manual,
        condition: s.when.as_ref().map(|w| condition_value(w, numbers)),
        optional: s.optional.as_ref().is_some_and(|o| *o.get_ref()),
        option,
        watched,
        note: step_note(s, p),
        // Expected output is shown as written: it is what a command prints.
        expect: s.expect.as_ref().map(|e| e.get_ref().clone()),
        rollback: s
            .rollback
            .as_ref()
            .map(|e| to_terminal(spec, Some(p.id.get_ref()), e.get_ref(), Breaks::Soft)),
        gate_fn: s.gate.as_ref().map(|g| checklist_fn(g.get_ref())),
        confirm: s.asks_confirmation(),
        timeout: s.timeout.as_ref().and_then(|t| parse_duration(t.get_ref())),
        sets: s.sets.iter().map(|v| v.get_ref().clone()).collect(),
        cleanup: s
            .cleanup
            .as_ref()
            .map(|c| c.get_ref().trim_end().to_string()),
        run_wrapper: wrapper::run(
            i + 1,
            &s.sets
                .iter()
                .map(|v| v.get_ref().as_str())
                .collect::<Vec<_>>(),
        ),
        cleanup_wrapper: wrapper::cleanup(i + 1),
        restores: s
            .restores
            .as_ref()
            .and_then(|r| numbers.get(r.get_ref().as_str()).copied()),
    }
}

/// A step's target as the script resolves it in `env`: each item (a node,
/// a group, a `$NAME`) as shell words inside one double-quoted string.
fn target_info(env: &Doc<Environment>, s: &Step, target: &str) -> TargetInfo {
    let label = target.split_whitespace().collect::<Vec<_>>().join(" ");
    let e = &env.doc;
    let mut parts: Vec<String> = Vec::new();
    let mut from_var = false;
    for item in s.target_items() {
        if let Some(vars) = item
            .contains('$')
            .then(|| crate::spec::model::target_word_vars(item))
            .flatten()
        {
            // Each `$NAME` as `${NAME-}` (set -u), the rest of the word as
            // written (the loader allows no quotes or shell syntax in it).
            from_var = true;
            let mut word = item.replace("${", "$").replace('}', "");
            for v in &vars {
                word = word.replacen(&format!("${v}"), &format!("\u{1}{v}\u{2}"), 1);
            }
            parts.push(word.replace('\u{1}', "${").replace('\u{2}', "-}"));
        } else if let Some(n) = e.nodes.iter().find(|n| n.name.get_ref() == item) {
            // Host addresses are checked by the loader; quoted for the
            // double-quoted string all the same.
            parts.push(n.host.get_ref().replace(['"', '\\', '$', '`'], ""));
        } else if let Some((_, g)) = e.groups.iter().find(|(g, _)| g.get_ref() == item) {
            parts.push(format!("${{{}-}}", g.var.get_ref()));
        }
    }
    TargetInfo {
        from_var: from_var && s.target_items().len() == 1,
        label,
        hosts: format!("\"{}\"", parts.join(" ")),
        role: s.role.as_ref().map(|r| r.get_ref().trim().to_string()),
        max: s.max_targets.as_ref().map(|m| *m.get_ref()),
    }
}

/// The label of `choice.option` (the option id when unknown).
fn option_label<'a>(p: &'a Procedure, choice: &str, option: &'a str) -> &'a str {
    p.choices
        .iter()
        .find(|c| c.id.get_ref() == choice)
        .and_then(|c| c.options.iter().find(|x| x.id.get_ref() == option))
        .map(|x| x.label.get_ref().as_str())
        .unwrap_or(option)
}

/// The shell variable holding the option picked for a choice.
fn choice_var(choice: &str) -> String {
    format!("RB_CHOICE_{}", choice.replace('-', "_"))
}

/// A step's `when`, as the script evaluates it.
fn condition_value(w: &When, numbers: &BTreeMap<&str, usize>) -> Condition {
    if let Some(step) = &w.step {
        return Condition::Step {
            index: numbers.get(step.get_ref().as_str()).map(|n| n - 1),
            step: step.get_ref().clone(),
            outcome: w.outcome().as_str().to_string(),
        };
    }
    if let Some(var) = &w.var {
        let (op, value) = match (&w.equals, &w.not_equals) {
            (Some(v), _) => ("==", v.get_ref().as_str()),
            (None, Some(v)) => ("!=", v.get_ref().as_str()),
            (None, None) => ("==", ""),
        };
        return Condition::Var {
            var: var.get_ref().clone(),
            op: op.to_string(),
            value: value.to_string(),
        };
    }
    Condition::Test {
        test: w
            .test
            .as_ref()
            .map(|t| t.get_ref().trim())
            .unwrap_or("true")
            .to_string(),
    }
}

/// How `--list`, the book and the print page describe a step's place in the
/// runbook's branches: "only if step `check` failed", "optional",
/// "option `restart` of `recovery`: Option A …".
pub fn step_note(s: &Step, p: &Procedure) -> String {
    let mut notes: Vec<String> = Vec::new();
    if let Some(w) = &s.when {
        notes.push(format!("only if {}", crate::semantics::condition::words(w)));
    }
    if let Some(o) = &s.option {
        if let Some((choice, option)) = o.get_ref().split_once('.') {
            notes.push(format!("{choice}: {}", option_label(p, choice, option)));
        }
    }
    if s.optional.as_ref().is_some_and(|o| *o.get_ref()) {
        notes.push("optional".into());
    }
    notes.join("; ")
}

/// A spec file's path relative to the spec directory: stable whatever the
/// current directory, so builds are byte-identical from anywhere.
pub fn spec_rel(spec: &Spec, file: &crate::source::Source) -> String {
    let abs = |p: &std::path::Path| std::fs::canonicalize(p).unwrap_or_else(|_| p.to_path_buf());
    let root = abs(&spec.root);
    let path = abs(&file.path);
    path.strip_prefix(&root)
        .map(|p| format!("spec/{}", p.to_string_lossy()))
        .unwrap_or_else(|_| file.display_path())
}
