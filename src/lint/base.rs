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
use crate::spec::Spec;
use anyhow::{Context as _, Result, anyhow, bail};
use serde_json::{Map, Value, json};
use std::path::{Path, PathBuf};
use std::process::Command;

fn git(dir: &Path, args: &[&str]) -> Result<std::process::Output> {
    Command::new("git")
        .arg("-C")
        .arg(dir)
        .args(args)
        .output()
        .context("cannot run git (is it installed?)")
}

/// The base revision CI should compare with when none is given: in a
/// GitHub pull request, the merge base with the target branch.
pub fn ci_default(spec_dir: &Path) -> Option<String> {
    if std::env::var("CI").as_deref() != Ok("true") {
        return None;
    }
    let target = std::env::var("GITHUB_BASE_REF")
        .ok()
        .filter(|r| !r.is_empty())?;
    let out = git(
        spec_dir,
        &["merge-base", "HEAD", &format!("origin/{target}")],
    )
    .ok()?;
    out.status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).trim().to_string())
        .filter(|s| !s.is_empty())
}

/// Versions and hashes of the spec's runbooks and drills as they were at
/// `rev`, in the manifest's shape. A file that did not exist at `rev` (a new
/// runbook) is left out: it has no old version to keep.
pub fn manifest_at(spec: &Spec, rev: &str) -> Result<Value> {
    let out = git(&spec.root, &["rev-parse", "--show-toplevel"])?;
    if !out.status.success() {
        bail!(
            "--base {rev}: {} is not in a git repository\n  help: without git history, RB006 compares with generated/manifest.json (drop --base)",
            spec.root.display()
        );
    }
    let top = PathBuf::from(String::from_utf8_lossy(&out.stdout).trim());
    let top = top.canonicalize().unwrap_or(top);
    let verify = git(
        &top,
        &[
            "rev-parse",
            "--verify",
            "--quiet",
            &format!("{rev}^{{commit}}"),
        ],
    )?;
    if !verify.status.success() {
        bail!(
            "--base {rev}: no such commit in {}\n  help: fetch it first (`git fetch origin main`), or name a branch, tag or commit that exists",
            top.display()
        );
    }
    let mut sections: [(&str, Map<String, Value>); 2] =
        [("runbooks", Map::new()), ("drills", Map::new())];
    for (kind, doc) in spec.procedures() {
        let file = doc
            .file
            .path
            .canonicalize()
            .unwrap_or(doc.file.path.clone());
        let rel = file.strip_prefix(&top).map_err(|_| {
            anyhow!(
                "{} is outside the repository {}",
                file.display(),
                top.display()
            )
        })?;
        let rel = rel.to_string_lossy().replace('\\', "/");
        let show = git(&top, &["show", &format!("{rev}:{rel}")])?;
        if !show.status.success() {
            continue; // new since the base
        }
        let text = String::from_utf8_lossy(&show.stdout).to_string();
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
