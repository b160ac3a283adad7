use super::WELL_KNOWN;
use crate::declare_rule;
use crate::diagnostic::Diagnostic;
use crate::lint::{Check, LintContext};
use crate::semantics::shell_fields;
use crate::semantics::steps_in;
use std::collections::{BTreeMap, BTreeSet};

declare_rule! {
    /// ## What it catches
    /// A `$VAR` in a step's `run` (or a fault's `cleanup`), or a `$NAME` in
    /// its `target`, that nothing defines.
    /// Defined means: in the environment's `[vars]`, `[secrets]` or node
    /// groups, a runbook parameter, a variable an earlier step declares in
    /// `sets`, an assignment, `read`, `for` or `local` earlier in the same
    /// step, or a variable bash or the login shell provides (`HOME`, `PATH`,
    /// `$?`, `$1`…). Variables in unquoted heredocs count as uses.
    ///
    /// The bash is parsed with tree-sitter-bash, so single-quoted text (awk
    /// programs), quoted heredocs and `\$` (expanded later, on a remote host)
    /// are not uses, and `${X:-default}` is not an error.
    ///
    /// ## Why it matters
    /// Under `set -u` an undefined variable stops the script in the middle of
    /// an incident; without it, `psql -h $NEW_PRIMARY` silently connects to
    /// the local socket instead of the new primary.
    ///
    /// ## Example
    /// ```toml
    /// run = '''
    /// ssh "$OLD_PRIMARY" "systemctl start patroni"
    /// '''
    /// ```
    /// `OLD_PRIMARY` is defined nowhere.
    ///
    /// ## Fix
    /// Make it a runbook parameter (`[[params]] name = "OLD_PRIMARY"`), capture
    /// it in an earlier step and list it in that step's `sets`, or define it in
    /// the environment's `[vars]`.
    pub struct UndefinedVariable { code: "RB001", name: "undefined-variable", severity: Error }
}

impl Check for UndefinedVariable {
    fn run(ctx: &LintContext, out: &mut Vec<Diagnostic>) {
        for (_, proc) in ctx.spec.procedures() {
            let p = &proc.doc;
            // (span start, name) → (environments where undefined, diagnostic)
            let mut found: BTreeMap<(usize, String), (Vec<String>, Diagnostic)> = BTreeMap::new();
            let envs = ctx.spec.environments_of(p);
            for env in &envs {
                let env_id = env.doc.id.get_ref().as_str();
                let mut defined: BTreeSet<String> = ctx.spec.vars_of(env).into_keys().collect();
                defined.extend(env.doc.secrets.keys().map(|k| k.get_ref().clone()));
                defined.extend(p.params.iter().map(|a| a.name.get_ref().clone()));
                defined.extend(WELL_KNOWN.iter().map(|s| s.to_string()));
                let mut unsaved: BTreeMap<String, String> = BTreeMap::new();
                for step in steps_in(p, env_id) {
                    for text in shell_fields(step).map(|f| f.text) {
                        let a = ctx.analyse(text.get_ref());
                        for u in &a.uses {
                            if u.guarded
                                || defined.contains(&u.name)
                                || a.defined_before(&u.name, u.range.start)
                            {
                                continue;
                            }
                            let key = (text.span().start + u.range.start, u.name.clone());
                            let entry = found.entry(key).or_insert_with(|| {
                                let later = a.defs.iter().find(|d| d.name == u.name && d.range.start > u.range.start);
                                let help = match unsaved.get(&u.name) {
                                    _ if later.is_some() => format!(
                                        "{} is assigned only after this use, further down the same step: move the assignment before it",
                                        u.name
                                    ),
                                    Some(step) => format!(
                                        "step `{step}` assigns {0} but each step runs in a subshell: add `sets = [\"{0}\"]` to step `{step}`",
                                        u.name
                                    ),
                                    None => match crate::spec::loader::closest(&u.name, defined.iter().map(String::as_str)) {
                                        Some(s) => format!("did you mean `${s}`?"),
                                        None => "make it a runbook [[params]], capture it in an earlier step listed in `sets`, or define it in the environment's [vars]".to_string(),
                                    },
                                };
                                let d = Diagnostic::finding(String::new())
                                    .at(ctx.in_value(proc, text, u.range.clone()))
                                    .help(help)
                                    .in_runbook(p.id.get_ref(), Some(step.id.get_ref()));
                                (Vec::new(), d)
                            });
                            if !entry.0.iter().any(|e| e == env_id) {
                                entry.0.push(env_id.to_string());
                            }
                        }
                    }
                    // A target's `$NAME`: the script resolves it just
                    // before the step, so it must be defined by then too.
                    if let Some(target) = &step.target {
                        let text = target.get_ref();
                        let mut offset = 0;
                        for word in text.split(' ') {
                            for name in
                                crate::spec::model::target_word_vars(word).unwrap_or_default()
                            {
                                if defined.contains(name) || unsaved.contains_key(name) {
                                    continue;
                                }
                                let at = offset + word.find(name).unwrap_or(0);
                                let key = (target.span().start + at, name.to_string());
                                let entry = found.entry(key).or_insert_with(|| {
                                    let help = match crate::spec::loader::closest(name, defined.iter().map(String::as_str)) {
                                        Some(s) => format!("the step's target names `${name}`: did you mean `${s}`?"),
                                        None => "the step's target names it: make it a runbook [[params]], list it in an earlier step's `sets`, or define it in the environment's [vars]".to_string(),
                                    };
                                    let d = Diagnostic::finding(String::new())
                                        .at(ctx.in_value(proc, target, at..at + name.len()))
                                        .help(help)
                                        .in_runbook(p.id.get_ref(), Some(step.id.get_ref()));
                                    (Vec::new(), d)
                                });
                                if !entry.0.iter().any(|e| e == env_id) {
                                    entry.0.push(env_id.to_string());
                                }
                            }
                            offset += word.len() + 1;
                        }
                    }
                    defined.extend(step.sets.iter().map(|s| s.get_ref().clone()));
                    if let Some(run) = &step.run {
                        for d in &ctx.analyse(run.get_ref()).defs {
                            if !defined.contains(&d.name) {
                                unsaved.insert(d.name.clone(), step.id.get_ref().clone());
                            }
                        }
                    }
                }
            }
            for ((_, name), (where_, mut d)) in found {
                d.message = if where_.len() == envs.len() {
                    format!("`${name}` is not defined")
                } else {
                    format!(
                        "`${name}` is not defined in environment {}",
                        where_.join(", ")
                    )
                };
                out.push(d);
            }
        }
    }
}
