//! `rbgen lint --base REV`: what RB006 compares against in a pull request.
//!
//! `generated/manifest.json` cannot hold the line there: the PR flow runs
//! `rbgen build`, which records the new hash under the old version, so a
//! changed runbook with an unchanged version passed both gates. With a base
//! revision, each runbook and drill file is read from git as it was at REV
//! (`git show REV:path`, no checkout needed) and compared with the working
//! file: changed text under the same version is RB006, whatever the build
//! wrote since.

use crate::git::AtRevision;
use crate::semantics::manifest::{Entry, Manifest, content_hash};
use crate::spec::Spec;
use anyhow::Result;

/// Versions and hashes of the spec's runbooks and drills as they were at
/// `rev`, in the manifest's shape. A file that did not exist at `rev` (a new
/// runbook) is left out: it has no old version to keep.
pub fn manifest_at(spec: &Spec, rev: &str) -> Result<Manifest> {
    let repo = AtRevision::open(
        &spec.root,
        rev,
        "--base",
        "without git history, RB006 compares with generated/manifest.json (drop --base)",
    )?;
    let mut manifest = Manifest::default();
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
        manifest.insert(
            kind,
            doc.doc.id.get_ref(),
            Entry {
                version,
                hash: content_hash(&text),
            },
        );
    }
    Ok(manifest)
}
