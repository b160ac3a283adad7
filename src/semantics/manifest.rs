//! The build manifest (`generated/manifest.json`): per runbook and drill its
//! version and a content hash, so that `rbgen lint` (RB006) can tell a
//! changed runbook whose version was not bumped. One type, written by the
//! build and read by lint and `lint --base`; no timestamps, so two builds
//! are byte-identical.

use crate::spec::{ProcKind, Spec};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;

/// Where the manifest lives in the output directory.
pub const FILE: &str = "manifest.json";

/// Fields in name order: the file's keys are sorted, as they always were.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Manifest {
    #[serde(default)]
    pub drills: BTreeMap<String, Entry>,
    /// `rbgen 0.1.0`: the generator that wrote it (empty for a manifest
    /// made from a git revision).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub generator: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub project: Option<Project>,
    #[serde(default)]
    pub runbooks: BTreeMap<String, Entry>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Project {
    pub name: String,
    pub version: String,
}

/// One runbook or drill as it was built.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Entry {
    /// `sha256:…` of the spec file ([`content_hash`]); empty when an
    /// edited manifest lost it (that entry is then not compared, the others
    /// still are).
    #[serde(default)]
    pub hash: String,
    #[serde(default)]
    pub version: Option<String>,
}

impl Manifest {
    /// The manifest of `spec` as `generator` builds it.
    pub fn of(spec: &Spec, generator: &str) -> Manifest {
        let mut m = Manifest {
            generator: generator.to_string(),
            project: Some(Project {
                name: spec.project.doc.project.name.get_ref().clone(),
                version: spec.project.doc.project.version.get_ref().clone(),
            }),
            ..Manifest::default()
        };
        for (kind, d) in spec.procedures() {
            m.insert(
                kind,
                d.doc.id.get_ref(),
                Entry {
                    version: d.doc.version.as_ref().map(|v| v.get_ref().clone()),
                    hash: content_hash(&d.file.text),
                },
            );
        }
        m
    }

    /// Read a manifest; `None` when it is missing or not a manifest (lint
    /// then has nothing to compare with, which is not an error).
    pub fn parse(bytes: &[u8]) -> Option<Manifest> {
        serde_json::from_slice(bytes).ok()
    }

    /// The manifest's file text: pretty JSON with a final newline.
    pub fn to_text(&self) -> String {
        let mut text = serde_json::to_string_pretty(self).expect("a manifest serialises");
        text.push('\n');
        text
    }

    pub fn insert(&mut self, kind: ProcKind, id: &str, entry: Entry) {
        self.section_mut(kind).insert(id.to_string(), entry);
    }

    pub fn entry(&self, kind: ProcKind, id: &str) -> Option<&Entry> {
        match kind {
            ProcKind::Runbook => self.runbooks.get(id),
            ProcKind::Drill => self.drills.get(id),
        }
    }

    fn section_mut(&mut self, kind: ProcKind) -> &mut BTreeMap<String, Entry> {
        match kind {
            ProcKind::Runbook => &mut self.runbooks,
            ProcKind::Drill => &mut self.drills,
        }
    }
}

/// Hash of a spec file's text, line endings normalised so a CRLF checkout
/// hashes the same as an LF one.
pub fn content_hash(text: &str) -> String {
    let normalised = text.replace("\r\n", "\n");
    let digest = Sha256::digest(normalised.as_bytes());
    format!(
        "sha256:{}",
        digest
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect::<String>()
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    /// One entry an edit broke does not turn RB006 off for the others.
    #[test]
    fn an_entry_without_a_hash_still_leaves_the_others() {
        let text = br#"{"runbooks": {"a": {"version": "1.0.0"}, "b": {"hash": "sha256:00", "version": "2.0.0"}}}"#;
        let m = Manifest::parse(text).expect("a manifest with one broken entry still reads");
        assert_eq!(
            m.entry(ProcKind::Runbook, "a").map(|e| e.hash.as_str()),
            Some("")
        );
        assert_eq!(
            m.entry(ProcKind::Runbook, "b"),
            Some(&Entry {
                hash: "sha256:00".into(),
                version: Some("2.0.0".into())
            })
        );
    }

    #[test]
    fn the_hash_ignores_line_endings() {
        assert_eq!(content_hash("a\r\nb\n"), content_hash("a\nb\n"));
        assert!(content_hash("a").starts_with("sha256:"));
    }
}
