//! `rbgen lint --base REV`: what RB006 compares against in a pull request.
//!
//! `generated/manifest.json` cannot hold the line there: the PR flow runs
//! `rbgen build`, which records the new hash under the old version, so a
//! changed runbook with an unchanged version passed both gates. With a base
//! revision, each runbook and drill file is read from git as it was at REV
//! (`git show REV:path`, no checkout needed) and compared with the working
//! file: changed text under the same version is RB006, whatever the build
//! wrote since.

use crate::generate::manifest::content_hash;
use crate::git::AtRevision;
use crate::spec::Spec;
use anyhow::Result;
use serde_json::{Map, Value, json};

/// Versions and hashes of the spec's runbooks and drills as they were at
/// `rev`, in the manifest's shape. A file that did not exist at `rev` (a new
/// runbook) is left out: it has no old version to keep.
pub fn manifest_at(spec: &Spec, rev: &str) -> Result<Value> {
    let repo = AtRevision::open(
        &spec.root,
        rev,
        "--base",
        "without git history, RB006 compares with generated/manifest.json (drop --base)",
    )?;
    let mut sections: [(&str, Map<String, Value>); 2] =
        [("runbooks", Map::new()), ("drills", Map::new())];
    for (kind, doc) in spec.procedures() {
        let rel = repo.relative(&doc.file.path)?;
        let Some(bytes) = repo.show(&rel)? else {
            continue; // new since the base
        };
        let text = String::from_utf8_lossy(&bytes).to_string();
        let version = toml::from_str::<toml::Table>(&text).ok().and_then(|t| {
            t.get("version")
                .and_then(|v| v.as_str().map(str::to_string))
        });
        let section = match kind {
            crate::spec::ProcKind::Runbook => 0,
            crate::spec::ProcKind::Drill => 1,
        };
        sections[section].1.insert(
            doc.doc.id.get_ref().clone(),
            json!({"version": version, "hash": content_hash(&text)}),
        );
    }
    let [(r, runbooks), (d, drills)] = sections;
    Ok(json!({ r: runbooks, d: drills }))
}
