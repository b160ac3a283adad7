//! `rbgen diff --base REV`: what a pull request changes in the runbooks,
//! said the way a reviewer needs it — per runbook and environment, step by
//! step — instead of as a TOML diff.
//!
//! Both sides are whole, validated specs: the base is read from git
//! (`git ls-tree`/`git show` into a temporary directory, no checkout) and
//! loaded like the working one, so a variable's value or a function's body
//! is compared as each environment sees it. Changes that weaken safety — a
//! gate dropped, a confirmation removed, a probe that now writes, a rollback
//! removed — are marked, and `--deny weakened` turns them into exit 1.

pub mod markdown;
mod procedure;
mod sections;
mod text;

use crate::git::AtRevision;
use crate::semantics::Semantics;
use crate::spec::Spec;
use anyhow::{Result, bail};
use serde::Serialize;
use std::path::Path;

/// Everything that changed between the base and the working spec.
#[derive(Debug, Serialize)]
pub struct SpecDiff {
    /// The base revision, as the user named it.
    pub base: String,
    /// How many changes weaken safety, in all sections.
    pub weakened: usize,
    pub procedures: Vec<ProcDiff>,
    pub environments: Vec<SectionDiff>,
    pub checklists: Vec<SectionDiff>,
    /// `rbgen.toml`: required checks, lint severities and waivers; the
    /// decision tree.
    pub project: Vec<Change>,
    /// `drills/records/`: runs added, removed or edited.
    pub drill_records: Vec<Change>,
}

impl SpecDiff {
    pub fn is_empty(&self) -> bool {
        self.procedures.is_empty()
            && self.environments.is_empty()
            && self.checklists.is_empty()
            && self.project.is_empty()
            && self.drill_records.is_empty()
    }

    fn all_changes(&self) -> impl Iterator<Item = &Change> {
        self.procedures
            .iter()
            .flat_map(|p| &p.changes)
            .chain(self.environments.iter().flat_map(|e| &e.changes))
            .chain(self.checklists.iter().flat_map(|c| &c.changes))
            .chain(&self.project)
            .chain(&self.drill_records)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    Added,
    Removed,
    Changed,
}

/// One runbook or drill that was added, removed or changed.
#[derive(Debug, Serialize)]
pub struct ProcDiff {
    pub id: String,
    /// `runbook` or `drill`.
    pub kind: &'static str,
    pub title: String,
    /// The spec file, relative to the spec directory.
    pub file: String,
    pub status: Status,
    pub version_before: Option<String>,
    pub version_after: Option<String>,
    /// The content changed and the version did not (RB006's finding).
    pub version_not_bumped: bool,
    pub changes: Vec<Change>,
}

/// An environment or a checklist that was added, removed or changed.
#[derive(Debug, Serialize)]
pub struct SectionDiff {
    pub id: String,
    pub title: String,
    pub status: Status,
    pub changes: Vec<Change>,
}

/// One change, with where it is and whether it weakens safety.
#[derive(Debug, Serialize)]
pub struct Change {
    /// A stable name for the kind of change (`gate-removed`, `command-changed`, …).
    pub kind: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub step: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub environment: Option<String>,
    /// One line for a person.
    pub summary: String,
    pub weakens: bool,
    /// A unified diff of the text (commands, expect, bodies), when it helps.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub diff: Option<String>,
}

impl Change {
    fn new(kind: &'static str, summary: impl Into<String>) -> Change {
        Change {
            kind,
            step: None,
            environment: None,
            summary: summary.into(),
            weakens: false,
            diff: None,
        }
    }

    fn weakening(mut self, weakens: bool) -> Change {
        self.weakens = weakens;
        self
    }

    fn at_step(mut self, step: &str) -> Change {
        self.step = Some(step.to_string());
        self
    }

    fn in_env(mut self, env: &str) -> Change {
        self.environment = Some(env.to_string());
        self
    }

    fn with_diff(mut self, old: &str, new: &str) -> Change {
        self.diff = Some(text::unified(old, new));
        self
    }
}

/// The spec directory as it was at `rev`, loaded and validated. `None`
/// when the directory did not exist then (every runbook is new).
pub fn load_base(spec_dir: &Path, rev: &str) -> Result<(tempfile::TempDir, Option<Spec>)> {
    let repo = AtRevision::open(
        spec_dir,
        rev,
        "--base",
        "rbgen diff reads the base revision with git; run it in the repository's checkout",
    )?;
    let rel = repo.relative(spec_dir)?;
    let tmp = tempfile::tempdir()?;
    let dir = tmp.path().join("spec");
    if repo.extract_dir(&rel, &dir)? == 0 {
        return Ok((tmp, None));
    }
    match Spec::load(&dir) {
        Ok(spec) => Ok((tmp, Some(spec))),
        Err(errors) => {
            let first = errors
                .first()
                .map(|d| d.render_human(false))
                .unwrap_or_default()
                .replace(&format!("{}/", dir.display()), &format!("{rel}/"));
            bail!(
                "the spec at {rev} does not load ({} error{}), so there is nothing to compare with:\n{first}\n  help: compare with a revision whose spec builds (`--base <commit>`)",
                errors.len(),
                if errors.len() == 1 { "" } else { "s" }
            )
        }
    }
}

/// Compare the base spec (absent: nothing existed) with the working one.
pub fn compare(base: Option<&Spec>, head: &Spec, base_name: &str) -> SpecDiff {
    let head_ctx = Semantics::new(head);
    let base_ctx = base.map(Semantics::new);

    let mut procedures = Vec::new();
    for (kind, new) in head.procedures() {
        let id = new.doc.id.get_ref();
        let old = base
            .and_then(|b| b.procedure(id))
            .filter(|(k, _)| *k == kind);
        let diff = match (old, &base_ctx) {
            (Some((_, old)), Some(base_ctx)) => {
                procedure::changed(base_ctx, &head_ctx, kind, old, new)
            }
            _ => Some(procedure::added(kind, new)),
        };
        procedures.extend(diff);
    }
    if let Some(base) = base {
        for (kind, old) in base.procedures() {
            let id = old.doc.id.get_ref();
            if head.procedure(id).filter(|(k, _)| *k == kind).is_none() {
                procedures.push(procedure::removed(kind, old));
            }
        }
    }
    let environments = sections::environments(base, head);
    let checklists = sections::checklists(base, head);
    let project = sections::project(base, head);
    let drill_records = sections::records(base, head);
    let mut diff = SpecDiff {
        base: base_name.to_string(),
        weakened: 0,
        procedures,
        environments,
        checklists,
        project,
        drill_records,
    };
    diff.weakened = diff.all_changes().filter(|c| c.weakens).count();
    diff
}
