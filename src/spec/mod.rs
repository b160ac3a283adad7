//! The spec: loading (`loader`), the file formats (`model`), and the checks
//! that need more than one file (`validate`).

pub mod loader;
pub mod model;
pub mod schema;
pub mod spanned;
pub mod validate;

pub use spanned::Spanned;

use crate::diagnostic::Diagnostic;
use crate::source::{Location, Source};
use model::*;
use std::collections::BTreeMap;
use std::ops::Range;
use std::path::{Path, PathBuf};

/// A parsed file and the source it came from.
#[derive(Debug)]
pub struct Doc<T> {
    pub file: Source,
    pub doc: T,
}

impl<T> Doc<T> {
    pub fn loc<U>(&self, value: &Spanned<U>) -> Location {
        Location::new(&self.file, value.span())
    }

    pub fn loc_span(&self, span: Range<usize>) -> Location {
        Location::new(&self.file, span)
    }

    /// Where a key is written (`["promotion", "required_checks"]`), for a
    /// finding about a value the model keeps without a span (an empty
    /// list); the start of the file when it is not written at all.
    pub fn key_loc(&self, path: &[&str]) -> Location {
        let span = toml::de::DeTable::parse(&self.file.text)
            .ok()
            .and_then(|root| {
                let mut table = root.get_ref();
                let (last, parents) = path.split_last()?;
                for key in parents {
                    match table.get(*key)?.get_ref() {
                        toml::de::DeValue::Table(t) => table = t,
                        _ => return None,
                    }
                }
                table.get_key_value(*last).map(|(k, _)| k.span())
            });
        Location::new(&self.file, span.unwrap_or(0..0))
    }
}

/// The whole spec, every file parsed and validated.
#[derive(Debug)]
pub struct Spec {
    pub root: PathBuf,
    pub project: Doc<ProjectFile>,
    pub common: Option<Doc<Common>>,
    pub environments: Vec<Doc<Environment>>,
    pub checklists: Vec<Doc<Checklist>>,
    pub runbooks: Vec<Doc<Procedure>>,
    pub drills: Vec<Doc<Procedure>>,
    /// `drills/records/*.toml`: one file per recorded drill run.
    pub records: Vec<Doc<DrillRecord>>,
    pub decision_tree: Option<Doc<DecisionTree>>,
    pub postmortem: Option<Doc<Postmortem>>,
    /// `pages/*.md`: reference pages, in file-name order.
    pub pages: Vec<Doc<Page>>,
}

/// Whether a procedure is a runbook or a drill.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProcKind {
    Runbook,
    Drill,
}

impl ProcKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ProcKind::Runbook => "runbook",
            ProcKind::Drill => "drill",
        }
    }
}

/// A function as an environment sees it after `common.toml` is merged in.
#[derive(Debug, Clone, Copy)]
pub struct ResolvedFunction<'a> {
    pub name: &'a str,
    pub function: &'a Function,
    pub file: &'a Source,
}

/// A variable as an environment sees it, with where it was defined.
#[derive(Debug, Clone)]
pub struct ResolvedVar {
    pub name: String,
    pub value: String,
    pub location: Location,
}

impl Spec {
    /// Drill records that satisfy `keep`, newest first.
    pub fn records_where(&self, keep: impl Fn(&DrillRecord) -> bool) -> Vec<&DrillRecord> {
        let mut out: Vec<&DrillRecord> = self
            .records
            .iter()
            .map(|r| &r.doc)
            .filter(|r| keep(r))
            .collect();
        // RFC 3339 UTC times (what `drill report --record` writes) sort as text.
        out.sort_by_cached_key(|r| std::cmp::Reverse(r.started.get_ref().to_string()));
        out
    }

    /// Records of drill `id` that passed, newest first.
    pub fn passing_records(&self, drill: &str) -> Vec<&DrillRecord> {
        self.records_where(|r| r.drill.get_ref() == drill && *r.passed.get_ref())
    }

    /// Records of drills that exercise runbook `id`, newest first.
    pub fn records_exercising(&self, runbook: &str) -> Vec<&DrillRecord> {
        self.records_where(|r| {
            self.drills.iter().any(|d| {
                d.doc.id.get_ref() == r.drill.get_ref()
                    && d.doc.exercises.iter().any(|e| e.get_ref() == runbook)
            })
        })
    }

    /// Load and validate the spec at `root`.
    pub fn load(root: &Path) -> Result<Spec, Vec<Diagnostic>> {
        let spec = loader::load(root)?;
        let errors = validate::validate(&spec);
        if errors.is_empty() {
            Ok(spec)
        } else {
            Err(errors)
        }
    }

    /// Runbooks then drills, each sorted by id.
    pub fn procedures(&self) -> impl Iterator<Item = (ProcKind, &Doc<Procedure>)> {
        self.runbooks
            .iter()
            .map(|d| (ProcKind::Runbook, d))
            .chain(self.drills.iter().map(|d| (ProcKind::Drill, d)))
    }

    pub fn procedure(&self, id: &str) -> Option<(ProcKind, &Doc<Procedure>)> {
        self.procedures().find(|(_, d)| d.doc.id.get_ref() == id)
    }

    pub fn page(&self, id: &str) -> Option<&Doc<Page>> {
        self.pages.iter().find(|p| p.doc.id == id)
    }

    pub fn checklist(&self, id: &str) -> Option<&Doc<Checklist>> {
        self.checklists.iter().find(|c| c.doc.id.get_ref() == id)
    }

    pub fn environment(&self, id: &str) -> Option<&Doc<Environment>> {
        self.environments.iter().find(|e| e.doc.id.get_ref() == id)
    }

    /// Environments a procedure is built for.
    pub fn environments_of<'a>(&'a self, proc: &'a Procedure) -> Vec<&'a Doc<Environment>> {
        match &proc.environments {
            Some(ids) => self
                .environments
                .iter()
                .filter(|e| ids.iter().any(|id| id.get_ref() == e.doc.id.get_ref()))
                .collect(),
            None => self.environments.iter().collect(),
        }
    }

    /// Functions of an environment: common ones, overridden by the environment's.
    pub fn functions_of<'a>(
        &'a self,
        env: &'a Doc<Environment>,
    ) -> BTreeMap<&'a str, ResolvedFunction<'a>> {
        let mut out = BTreeMap::new();
        if let Some(common) = &self.common {
            for (name, function) in &common.doc.functions {
                out.insert(
                    name.get_ref().as_str(),
                    ResolvedFunction {
                        name: name.get_ref(),
                        function,
                        file: &common.file,
                    },
                );
            }
        }
        for (name, function) in &env.doc.functions {
            out.insert(
                name.get_ref().as_str(),
                ResolvedFunction {
                    name: name.get_ref(),
                    function,
                    file: &env.file,
                },
            );
        }
        out
    }

    /// Variables of an environment: common vars, the environment's vars, and
    /// one variable per node group (its hosts, space-separated).
    pub fn vars_of(&self, env: &Doc<Environment>) -> BTreeMap<String, ResolvedVar> {
        let mut out = BTreeMap::new();
        let mut add = |name: &str, value: String, location: Location| {
            let name = name.to_string();
            out.insert(
                name.clone(),
                ResolvedVar {
                    name,
                    value,
                    location,
                },
            );
        };
        // Later definitions override earlier ones: common, then the environment.
        let sources = self.common.iter().map(|c| (&c.doc.vars, &c.file));
        for (vars, file) in sources.chain(std::iter::once((&env.doc.vars, &env.file))) {
            for (name, value) in vars {
                add(
                    name.get_ref(),
                    value.get_ref().clone(),
                    Location::new(file, name.span()),
                );
            }
        }
        for (group, def) in &env.doc.groups {
            let hosts: Vec<&str> = env
                .doc
                .nodes
                .iter()
                .filter(|n| n.groups.iter().any(|g| g.get_ref() == group.get_ref()))
                .map(|n| n.host.get_ref().as_str())
                .collect();
            add(def.var.get_ref(), hosts.join(" "), env.loc(&def.var));
        }
        out
    }
}

/// Parse `30s`, `5m`, `2h` (or a bare number of seconds) into seconds.
pub fn parse_duration(text: &str) -> Option<u64> {
    let text = text.trim();
    let (number, unit) = match text.find(|c: char| !c.is_ascii_digit()) {
        Some(i) => text.split_at(i),
        None => (text, "s"),
    };
    let n: u64 = number.parse().ok()?;
    let factor = match unit.trim() {
        "s" | "sec" => 1,
        "m" | "min" => 60,
        "h" => 3600,
        _ => return None,
    };
    n.checked_mul(factor).filter(|s| *s > 0)
}

/// Convert a TOML date into a calendar date.
pub fn to_date(value: &toml::value::Datetime) -> Option<jiff::civil::Date> {
    let d = value.date?;
    jiff::civil::Date::new(d.year as i16, d.month as i8, d.day as i8).ok()
}
