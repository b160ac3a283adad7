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
pub mod manifest;
pub mod references;
pub mod uses;

pub use actions::{Found, effect_name};

use crate::spec::Spec;
use crate::spec::model::{Procedure, S, Step};

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

/// Every field of `step` that holds shell, in the order the script runs
/// them: the `when` test, the run, the cleanup. The one list: a new shell
/// field is added here and every rule, the diff and the generators see it.
pub fn shell_fields(step: &Step) -> impl Iterator<Item = ShellField<'_>> {
    let test = step.when.as_ref().and_then(|w| w.test.as_ref());
    [
        (FieldKind::WhenTest, test),
        (FieldKind::Run, step.run.as_ref()),
        (FieldKind::Cleanup, step.cleanup.as_ref()),
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
}

impl<'s> Semantics<'s> {
    pub fn new(spec: &'s Spec) -> Self {
        Semantics {
            spec,
            actions_cache: Default::default(),
        }
    }
}
