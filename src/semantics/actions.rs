//! The commands a step runs and what they do, as every rule and the diff
//! see them: the shell field's command model, with calls of the
//! environment's functions expanded (or classified by their declared
//! `effect`), in each environment the procedure is built for.

use super::{Semantics, shell_fields, steps_in};
use crate::shell::command::{Command, Word};
use crate::shell::effects::{Action, Effect, actions};
use crate::shell::inline::expanded_commands;
use crate::spec::Doc;
use crate::spec::model::{Environment, FunctionEffect, Procedure, Step};

/// A command and one thing it does.
#[derive(Debug, Clone)]
pub struct Found {
    pub command: Command,
    pub action: Action,
}

impl Found {
    /// "`systemctl stop` (via node_service → ssh)".
    pub fn describe(&self) -> String {
        if self.command.via.is_empty() {
            self.action.what.clone()
        } else {
            format!(
                "{} (via {})",
                self.action.what,
                self.command.via.join(" → ")
            )
        }
    }
}

/// What each (environment, shell text) does: several rules and the diff ask.
pub(crate) type ActionsCache =
    std::sync::Mutex<std::collections::HashMap<(String, String), std::sync::Arc<Vec<Found>>>>;

impl Semantics<'_> {
    /// Commands of `text` as it runs in `env`.
    pub fn commands_in(&self, env: &Doc<Environment>, text: &str) -> Vec<Command> {
        let functions = self.spec.functions_of(env);
        let body_of = |name: &str| {
            functions
                .get(name)
                .filter(|f| {
                    f.function
                        .effect
                        .as_ref()
                        .is_none_or(|e| *e.get_ref() != FunctionEffect::ReadOnly)
                })
                .map(|f| f.function.body.get_ref().clone())
        };
        expanded_commands(text, &body_of)
    }

    /// What `text` does in `env`: actions of its commands, and of calls of
    /// functions that declare an `effect` (computed once per environment and
    /// text: RB003, RB009, RB010 and RB016 all ask).
    pub fn actions_in(&self, env: &Doc<Environment>, text: &str) -> std::sync::Arc<Vec<Found>> {
        let key = (env.doc.id.get_ref().clone(), text.to_string());
        if let Some(hit) = self
            .actions_cache
            .lock()
            .ok()
            .and_then(|c| c.get(&key).cloned())
        {
            return hit;
        }
        let found = std::sync::Arc::new(self.actions_uncached(env, text));
        if let Ok(mut c) = self.actions_cache.lock() {
            c.insert(key, found.clone());
        }
        found
    }

    fn actions_uncached(&self, env: &Doc<Environment>, text: &str) -> Vec<Found> {
        let functions = self.spec.functions_of(env);
        let mut out = Vec::new();
        for command in self.commands_in(env, text) {
            if let Some(declared) = functions
                .get(command.name())
                .and_then(|f| f.function.effect.as_ref())
            {
                let effect = match declared.get_ref() {
                    FunctionEffect::ReadOnly => None,
                    FunctionEffect::ChangesState => Some(Effect::ChangesState),
                    FunctionEffect::Destructive => Some(Effect::Destructive),
                    FunctionEffect::Promotes => Some(Effect::Promotes),
                };
                if let Some(effect) = effect {
                    let what = format!("`{}` (declared `{}`)", command.name(), effect_name(effect));
                    out.push(Found {
                        action: Action {
                            effect,
                            planned: false,
                            what,
                            at: command.name.range.clone(),
                            fault: None,
                        },
                        command: command.clone(),
                    });
                }
            }
            for action in actions(&command) {
                out.push(Found {
                    command: command.clone(),
                    action,
                });
            }
        }
        out
    }

    /// Work out what every step does in every environment, and the variable
    /// analysis of every shell field, on all cores at once: several rules
    /// read the first, others the second, and parsing is most of lint's time.
    pub fn prefetch(&self) {
        let mut jobs: Vec<(&Doc<Environment>, &str)> = Vec::new();
        for (_, proc) in self.spec.procedures() {
            for env in self.spec.environments_of(&proc.doc) {
                for step in steps_in(&proc.doc, env.doc.id.get_ref()) {
                    for field in shell_fields(step) {
                        jobs.push((env, field.text.get_ref()));
                    }
                }
            }
        }
        let cores = std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(1);
        if cores < 2 || jobs.len() < 16 {
            return;
        }
        // Interleaved, not in halves: runbooks that call many functions sit
        // together in the spec.
        let jobs = &jobs;
        std::thread::scope(|scope| {
            for t in 0..cores {
                scope.spawn(move || {
                    for (env, text) in jobs.iter().skip(t).step_by(cores) {
                        self.actions_in(env, text);
                        crate::shell::analysis::analyse(text);
                    }
                });
            }
        });
    }

    /// What a step's shell field does, in every environment the step is
    /// built for; one entry per (position, effect).
    pub fn step_actions(&self, proc: &Procedure, step: &Step, text: &str) -> Vec<Found> {
        let mut out: Vec<Found> = Vec::new();
        for env in self.spec.environments_of(proc) {
            if !steps_in(proc, env.doc.id.get_ref()).any(|s| std::ptr::eq(s, step)) {
                continue;
            }
            for f in self.actions_in(env, text).iter().cloned() {
                let seen = out.iter().any(|o| {
                    o.action.at == f.action.at
                        && o.action.effect == f.action.effect
                        && o.action.what == f.action.what
                });
                if !seen {
                    out.push(f);
                }
            }
        }
        out.sort_by_key(|f| (f.action.at.start, std::cmp::Reverse(f.action.effect)));
        out
    }

    /// Every word of `text`'s commands, assignments' values included.
    pub fn words_of(text: &str) -> Vec<Word> {
        let model = crate::shell::command::commands(text);
        let mut out = Vec::new();
        for c in &model.commands {
            out.push(c.name.clone());
            out.extend(c.args.iter().cloned());
            out.extend(c.stdin.iter().cloned());
        }
        out.extend(model.assignments.iter().filter_map(|a| a.value.clone()));
        out
    }
}

pub fn effect_name(e: Effect) -> &'static str {
    match e {
        Effect::ChangesState => "changes-state",
        Effect::Destructive => "destructive",
        Effect::Promotes => "promotes",
    }
}
