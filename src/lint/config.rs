//! Lint configuration from `rbgen.toml`: severity overrides and waivers.
//! A waiver needs a reason; a waiver that matches nothing is reported
//! (RB015, `rules/unused_waiver.rs`) so that waivers cannot outlive the
//! problem they excused.

use super::WaiverUse;
use crate::diagnostic::{Diagnostic, Severity};
use crate::source::Location;
use crate::spec::Spec;
use std::collections::BTreeMap;

pub struct Waiver {
    pub code: String,
    pub runbook: String,
    pub step: Option<String>,
    pub location: Location,
}

pub struct Config {
    /// code → level; `None` = off.
    severity: BTreeMap<String, Option<Severity>>,
    pub waivers: Vec<Waiver>,
}

impl Config {
    pub fn from_spec(spec: &Spec) -> Config {
        let doc = &spec.project;
        let severity = doc
            .doc
            .lint
            .severity
            .iter()
            .map(|(code, level)| {
                // The loader rejected any other word.
                let level = Severity::parse_level(level.get_ref()).unwrap_or(None);
                (code.get_ref().to_ascii_uppercase(), level)
            })
            .collect();
        let waivers = doc
            .doc
            .lint
            .waivers
            .iter()
            .map(|w| Waiver {
                code: w.code.get_ref().clone(),
                runbook: w.runbook.get_ref().clone(),
                step: w.step.as_ref().map(|s| s.get_ref().clone()),
                location: doc.loc(&w.code),
            })
            .collect();
        Config { severity, waivers }
    }

    /// The level a rule runs at, `None` when turned off.
    pub fn level(&self, code: &str, default: Severity) -> Option<Severity> {
        match self.severity.get(code) {
            Some(level) => *level,
            None => Some(default),
        }
    }

    /// The level `rbgen.toml` sets for `code` (a rule, or an external
    /// tool's check such as `SC2086`), if it sets one: `Some(None)` is off.
    pub fn configured(&self, code: &str) -> Option<Option<Severity>> {
        self.severity.get(&code.to_ascii_uppercase()).copied()
    }

    /// The level of one finding: its external check's configured level
    /// (`SC2086 = "off"`) first, then a level the rule fixed for it, then
    /// the rule's configured level. `None`: the finding is dropped.
    pub fn finding_level(
        &self,
        rule_level: Severity,
        fixed: Option<Severity>,
        subcode: Option<&str>,
    ) -> Option<Severity> {
        if let Some(level) = subcode.and_then(|sc| self.configured(sc)) {
            return level;
        }
        Some(fixed.unwrap_or(rule_level))
    }

    /// Drop waived findings; say what became of each waiver (RB015 reports
    /// those that waived nothing).
    pub fn apply_waivers(
        &self,
        findings: Vec<Diagnostic>,
        ran: impl Fn(&str) -> bool,
    ) -> (Vec<Diagnostic>, Vec<WaiverUse>) {
        let mut used = vec![false; self.waivers.len()];
        let mut kept = Vec::new();
        for d in findings {
            let waivable = super::registry::rule(d.code).is_some_and(|r| r.waivable());
            let hit = self.waivers.iter().position(|w| {
                waivable
                    && w.code == d.code
                    && d.runbook.as_deref() == Some(w.runbook.as_str())
                    && (w.step.is_none() || w.step.as_deref() == d.step.as_deref())
            });
            match hit {
                Some(i) => used[i] = true,
                None => kept.push(d),
            }
        }
        let uses = self
            .waivers
            .iter()
            .zip(used)
            .map(|(w, used)| match super::registry::rule(&w.code) {
                _ if used => WaiverUse::Matched,
                None => WaiverUse::UnknownRule,
                Some(r) if !r.waivable() => WaiverUse::Unwaivable,
                Some(_) if !ran(&w.code) => WaiverUse::RuleNotRun,
                Some(_) => WaiverUse::Unmatched,
            })
            .collect();
        (kept, uses)
    }
}
