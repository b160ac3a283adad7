//! What a spec means, per environment: the one analysis layer between the
//! spec and shell models below it and the consumers above it (`lint`,
//! `diff`, `generate`).
//!
//! It answers, once per run and lazily: which steps a procedure has in an
//! environment ([`steps_in`]); which shell fields a step has ([`shell_fields`]:
//! `run`, `cleanup` and the `when` test, the one list every consumer reads);
//! what those fields' commands are once the environment's functions are
//! expanded, and what each command does ([`Semantics::actions_in`]); which
//! variables, secrets and functions a procedure uses in an environment
//! ([`uses`]); what a `[[reference]]` in prose resolves to ([`references`]);
//! and what the build manifest records ([`manifest`]).
//!
//! Consumers never ask each other these questions: a lint rule does not
//! call a generator to learn which steps exist, the diff does not build a
//! lint context to learn what a command does.

pub mod actions;
pub mod condition;
pub mod manifest;
pub mod references;
pub mod uses;
pub mod wrapper;

pub use actions::{Found, effect_name};

use crate::spec::model::{Environment, Procedure, S, Step};
use crate::spec::{Doc, Spec};
use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};
use uses::Uses;

/// A step's field that holds shell, and what the generated script does with it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum FieldKind {
    /// `run`: the step's commands.
    Run,
    /// `cleanup`: runs when a fault step's run ends (trap).
    Cleanup,
    /// `when = { test = … }`: a shell test run just before the step decides
    /// whether it runs.
    WhenTest,
}

impl FieldKind {
    /// The key as written in the spec.
    pub fn key(self) -> &'static str {
        match self {
            FieldKind::Run => "run",
            FieldKind::Cleanup => "cleanup",
            FieldKind::WhenTest => "when.test",
        }
    }
}

/// One shell field of a step.
#[derive(Debug, Clone, Copy)]
pub struct ShellField<'a> {
    pub kind: FieldKind,
    pub text: &'a S,
}

/// Every field of `step` that holds shell: the run, the cleanup, the `when`
/// test (the order what a procedure uses is listed in). The one list: a new
/// shell field is added here and every rule, the diff and the generators
/// see it.
pub fn shell_fields(step: &Step) -> impl Iterator<Item = ShellField<'_>> {
    let test = step.when.as_ref().and_then(|w| w.test.as_ref());
    [
        (FieldKind::Run, step.run.as_ref()),
        (FieldKind::Cleanup, step.cleanup.as_ref()),
        (FieldKind::WhenTest, test),
    ]
    .into_iter()
    .filter_map(|(kind, text)| text.map(|text| ShellField { kind, text }))
}

/// Steps that exist in `env` (a step may be limited to some environments).
pub fn steps_in<'a>(proc: &'a Procedure, env: &str) -> impl Iterator<Item = &'a Step> {
    proc.steps.iter().filter(move |s| {
        s.environments
            .as_ref()
            .is_none_or(|envs| envs.iter().any(|e| e.get_ref() == env))
    })
}

/// The analysis of one spec, shared by every consumer of one run. What it
/// computes is cached here: a rule, the diff and a generator asking the same
/// question get the same answer without parsing again.
pub struct Semantics<'s> {
    pub spec: &'s Spec,
    pub(crate) actions_cache: actions::ActionsCache,
    /// (procedure id, environment id) → what the procedure uses there. A
    /// cell per key, so that two threads asking at once compute it once.
    uses_cache: Mutex<HashMap<(String, String), Arc<OnceLock<Arc<Uses>>>>>,
}

impl<'s> Semantics<'s> {
    pub fn new(spec: &'s Spec) -> Self {
        Semantics {
            spec,
            actions_cache: Default::default(),
            uses_cache: Default::default(),
        }
    }

    /// The variables, secrets and functions `proc` uses in `env` (see
    /// [`uses::of`]), computed once per run.
    pub fn uses(&self, proc: &Doc<Procedure>, env: &Doc<Environment>) -> Arc<Uses> {
        let key = (proc.doc.id.get_ref().clone(), env.doc.id.get_ref().clone());
        let cell = match self.uses_cache.lock() {
            Ok(mut cache) => cache.entry(key).or_default().clone(),
            Err(_) => Arc::new(OnceLock::new()),
        };
        cell.get_or_init(|| Arc::new(uses::of(self.spec, &proc.doc, env)))
            .clone()
    }

    /// What the generators read, worked out on all cores before they run:
    /// every procedure's uses in every environment (which parses each
    /// shell text, function bodies included, once) and the command model of
    /// every step. The generators then only read caches.
    pub fn prefetch_for_build(&self) {
        let mut jobs: Vec<(&Doc<Procedure>, &Doc<Environment>)> = Vec::new();
        for (_, proc) in self.spec.procedures() {
            for env in self.spec.environments_of(&proc.doc) {
                jobs.push((proc, env));
            }
        }
        let cores = std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(1)
            .min(jobs.len().max(1));
        let jobs = &jobs;
        std::thread::scope(|scope| {
            for t in 0..cores {
                scope.spawn(move || {
                    for (proc, env) in jobs.iter().skip(t).step_by(cores) {
                        self.uses(proc, env);
                        for step in &proc.doc.steps {
                            for field in shell_fields(step) {
                                // The variable analysis and the command
                                // model of one text share its parse tree.
                                crate::shell::analysis::analyse(field.text.get_ref());
                                crate::shell::command::commands(field.text.get_ref());
                            }
                        }
                    }
                });
            }
        });
        crate::shell::analysis::release_trees();
    }
}
