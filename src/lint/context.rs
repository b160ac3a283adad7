//! What every rule sees: the spec, today's date, the recorded manifest, the
//! lint configuration, and helpers to turn a position inside a string value
//! into an exact `file:line:col`.

use super::config::Config;
use crate::semantics::Semantics;
use crate::shell::analysis::{Analysis, analyse};
use crate::source::{Location, StringMap};
use crate::spec::Spanned;
use crate::spec::model::{Procedure, Step};
use crate::spec::{Doc, ProcKind, Spec};
use std::ops::Range;
use std::path::PathBuf;

/// One generated script, as `--templates` made it.
pub struct RenderedScript {
    pub env: String,
    /// The runbook or drill id.
    pub id: String,
    pub text: String,
}

pub struct LintContext<'a> {
    pub spec: &'a Spec,
    pub today: jiff::civil::Date,
    /// `generated/manifest.json` as last built, if any (RB006); with
    /// `--base REV`, the versions and hashes at that revision instead.
    pub manifest: Option<crate::semantics::manifest::Manifest>,
    /// The git revision `manifest` was read from (`--base`).
    pub base: Option<String>,
    pub config: Config,
    /// Run ShellCheck (RB014)?
    pub shellcheck: bool,
    /// Where ShellCheck results are cached.
    pub cache_dir: Option<PathBuf>,
    /// Whether a missing tool is an error (`--deny warnings` or CI=true).
    pub strict: bool,
    /// `--templates DIR`: the complete scripts made with the user's
    /// templates (or why they could not be made), which RB014 also checks.
    /// Rendered by the caller: lint reads the spec, never the generators.
    pub template_scripts: Option<Result<Vec<RenderedScript>, String>>,
    /// What the spec's steps run, do and use: the analysis every rule reads.
    pub sem: Semantics<'a>,
    /// Which of `config.waivers` matched a finding, once waivers are
    /// applied (RB015 reads it).
    pub waivers_matched: std::sync::Mutex<Vec<super::WaiverUse>>,
}

impl<'a> LintContext<'a> {
    pub fn new(spec: &'a Spec, today: jiff::civil::Date) -> Self {
        LintContext {
            spec,
            today,
            manifest: None,
            base: None,
            config: Config::from_spec(spec),
            shellcheck: false,
            cache_dir: None,
            strict: false,
            template_scripts: None,
            sem: Semantics::new(spec),
            waivers_matched: Default::default(),
        }
    }

    /// Bash analysis of `text` (cached per distinct text).
    pub fn analyse(&self, text: &str) -> std::sync::Arc<Analysis> {
        analyse(text)
    }

    /// Location of `range` (byte offsets into the string's value) in the file.
    pub fn in_value<T>(
        &self,
        doc: &Doc<T>,
        value: &Spanned<String>,
        range: Range<usize>,
    ) -> Location {
        let map = StringMap::new(&doc.file.text, value.span());
        Location::new(&doc.file, map.raw_span(range))
    }

    /// Every (kind, procedure, step) of the spec.
    pub fn steps(&self) -> impl Iterator<Item = (ProcKind, &'a Doc<Procedure>, &'a Step)> {
        self.spec
            .procedures()
            .flat_map(|(k, d)| d.doc.steps.iter().map(move |s| (k, d, s)))
    }
}
