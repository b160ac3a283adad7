//! What every rule sees: the spec, today's date, the recorded manifest, the
//! lint configuration, and helpers to turn a position inside a string value
//! into an exact `file:line:col`.

use super::config::Config;
use crate::shell::analysis::{Analysis, analyse};
use crate::source::{Location, StringMap};
use crate::spec::model::{Procedure, Step};
use crate::spec::{Doc, ProcKind, Spec};
use std::ops::Range;
use std::path::PathBuf;
use toml::Spanned;

pub struct LintContext<'a> {
    pub spec: &'a Spec,
    pub today: jiff::civil::Date,
    /// `generated/manifest.json` as last built, if any (RB006); with
    /// `--base REV`, the versions and hashes at that revision instead.
    pub manifest: Option<serde_json::Value>,
    /// The git revision `manifest` was read from (`--base`).
    pub base: Option<String>,
    pub config: Config,
    /// Run ShellCheck (RB014)?
    pub shellcheck: bool,
    /// Where ShellCheck results are cached.
    pub cache_dir: Option<PathBuf>,
    /// Whether a missing tool is an error (`--deny warnings` or CI=true).
    pub strict: bool,
    /// `--templates DIR`: also ShellCheck the complete scripts they make.
    pub templates: Option<PathBuf>,
    /// What each (environment, shell text) does: several rules ask.
    pub(crate) actions_cache: ActionsCache,
}

pub(crate) type ActionsCache = std::sync::Mutex<
    std::collections::HashMap<(String, String), std::sync::Arc<Vec<super::commands::Found>>>,
>;

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
            templates: None,
            actions_cache: Default::default(),
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
