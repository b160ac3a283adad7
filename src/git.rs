//! The few git operations rbgen needs to compare a pull request with its
//! base: find the repository, check a revision exists, and read files as
//! they were at that revision (`git show`, `git ls-tree`) without touching
//! the work tree or asking the user for a second checkout.

use anyhow::{Context as _, Result, anyhow, bail};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn git(dir: &Path, args: &[&str]) -> Result<Output> {
    Command::new("git")
        .arg("-C")
        .arg(dir)
        .args(args)
        .output()
        .context("cannot run git (is it installed?)")
}

/// The base revision CI should compare with when none is given: in a
/// GitHub pull request, the merge base with the target branch.
pub fn ci_default(dir: &Path) -> Option<String> {
    if std::env::var("CI").as_deref() != Ok("true") {
        return None;
    }
    let target = std::env::var("GITHUB_BASE_REF")
        .ok()
        .filter(|r| !r.is_empty())?;
    let out = git(dir, &["merge-base", "HEAD", &format!("origin/{target}")]).ok()?;
    out.status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).trim().to_string())
        .filter(|s| !s.is_empty())
}

/// A git repository and a revision in it known to exist.
pub struct AtRevision {
    pub top: PathBuf,
    pub rev: String,
}

impl AtRevision {
    /// Check that `dir` is inside a repository and `rev` names a commit;
    /// errors say what to do (`flag` is the option the user gave, and
    /// `without_git` the help line for a directory outside git).
    pub fn open(dir: &Path, rev: &str, flag: &str, without_git: &str) -> Result<AtRevision> {
        let out = git(dir, &["rev-parse", "--show-toplevel"])?;
        if !out.status.success() {
            bail!(
                "{flag} {rev}: {} is not in a git repository\n  help: {without_git}",
                dir.display()
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
                "{flag} {rev}: no such commit in {}\n  help: fetch it first (`git fetch origin main`; in GitHub Actions check out with `fetch-depth: 0`), or name a branch, tag or commit that exists",
                top.display()
            );
        }
        Ok(AtRevision {
            top,
            rev: rev.to_string(),
        })
    }

    /// `path` relative to the repository root, with `/` separators.
    pub fn relative(&self, path: &Path) -> Result<String> {
        let abs = path.canonicalize().unwrap_or_else(|_| path.to_path_buf());
        let rel = abs.strip_prefix(&self.top).map_err(|_| {
            anyhow!(
                "{} is outside the repository {}",
                abs.display(),
                self.top.display()
            )
        })?;
        Ok(rel.to_string_lossy().replace('\\', "/"))
    }

    /// The file at `rel` as it was at the revision; `None` if it did not exist.
    pub fn show(&self, rel: &str) -> Result<Option<Vec<u8>>> {
        let out = git(&self.top, &["show", &format!("{}:{rel}", self.rev)])?;
        Ok(out.status.success().then_some(out.stdout))
    }

    /// Copy the directory `rel` as it was at the revision into `into`;
    /// returns how many files were written (0: it did not exist then).
    pub fn extract_dir(&self, rel: &str, into: &Path) -> Result<usize> {
        let prefix = if rel.is_empty() || rel == "." {
            String::new()
        } else {
            format!("{}/", rel.trim_end_matches('/'))
        };
        let out = git(
            &self.top,
            &[
                "ls-tree",
                "-r",
                "-z",
                "--name-only",
                &self.rev,
                "--",
                &prefix,
            ],
        )?;
        if !out.status.success() {
            bail!(
                "git ls-tree {}: {}",
                self.rev,
                String::from_utf8_lossy(&out.stderr).trim()
            );
        }
        let mut count = 0;
        for name in out.stdout.split(|b| *b == 0).filter(|n| !n.is_empty()) {
            let name = String::from_utf8_lossy(name).to_string();
            let Some(inner) = name.strip_prefix(&prefix) else {
                continue;
            };
            let Some(bytes) = self.show(&name)? else {
                continue;
            };
            let path = into.join(inner);
            if let Some(parent) = path.parent() {
                std::fs::create_dir_all(parent)
                    .with_context(|| format!("cannot create {}", parent.display()))?;
            }
            std::fs::write(&path, bytes)
                .with_context(|| format!("cannot write {}", path.display()))?;
            count += 1;
        }
        Ok(count)
    }
}
