//! Running the real ShellCheck over generated scripts, in one batch, with
//! results cached by content so that re-linting an unchanged spec starts no
//! ShellCheck process at all.

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};
use std::process::Command;

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Comment {
    pub line: usize,
    pub column: usize,
    pub level: String,
    pub code: u32,
    pub message: String,
}

#[derive(Deserialize)]
struct Json1 {
    comments: Vec<Json1Comment>,
}

#[derive(Deserialize)]
struct Json1Comment {
    file: String,
    line: usize,
    column: usize,
    level: String,
    code: u32,
    message: String,
}

/// The `shellcheck` binary and an identity for cache keys (path, size, mtime:
/// cheaper than asking it for `--version`, which would start a process).
pub fn find() -> Option<(PathBuf, String)> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|d| d.join("shellcheck"))
        .find(|p| p.is_file())
        .map(|p| {
            let meta = std::fs::metadata(&p).ok();
            let id = meta
                .map(|m| format!("{}:{}:{:?}", p.display(), m.len(), m.modified().ok()))
                .unwrap_or_default();
            (p, id)
        })
}

/// Default cache directory: `$XDG_CACHE_HOME/rbgen/shellcheck` or `~/.cache/…`.
pub fn default_cache_dir() -> Option<PathBuf> {
    std::env::var_os("XDG_CACHE_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| Path::new(&h).join(".cache")))
        .map(|d| d.join("rbgen/shellcheck"))
}

/// How many ShellCheck processes the last `check` started (for tests and the benchmark).
pub static PROCESSES_STARTED: std::sync::atomic::AtomicUsize =
    std::sync::atomic::AtomicUsize::new(0);

/// A ShellCheck to run: the binary, an identity for cache keys, and the
/// `.shellcheckrc` text that applies (written beside the checked files).
pub struct ShellCheck<'a> {
    pub binary: &'a Path,
    pub identity: &'a str,
    pub rc: Option<&'a str>,
}

impl ShellCheck<'_> {
    /// ShellCheck every script; returns the comments of each, in input order.
    pub fn check(
        &self,
        scripts: &[String],
        cache: Option<&Path>,
    ) -> anyhow::Result<Vec<Vec<Comment>>> {
        check(self.binary, self.identity, self.rc, scripts, cache)
    }
}

fn check(
    binary: &Path,
    identity: &str,
    rc: Option<&str>,
    scripts: &[String],
    cache: Option<&Path>,
) -> anyhow::Result<Vec<Vec<Comment>>> {
    let keys: Vec<String> = scripts
        .iter()
        .map(|s| {
            let mut h = Sha256::new();
            h.update(identity.as_bytes());
            h.update([0]);
            h.update(s.as_bytes());
            h.finalize().iter().map(|b| format!("{b:02x}")).collect()
        })
        .collect();
    let mut results: Vec<Option<Vec<Comment>>> = keys
        .iter()
        .map(|k| {
            let path = cache?.join(format!("{k}.json"));
            serde_json::from_slice(&std::fs::read(path).ok()?).ok()
        })
        .collect();
    let todo: Vec<usize> = (0..scripts.len())
        .filter(|i| results[*i].is_none())
        .collect();
    if !todo.is_empty() {
        let dir = tempfile::tempdir()?;
        if let Some(rc) = rc {
            std::fs::write(dir.path().join(".shellcheckrc"), rc)?;
        }
        let mut files = Vec::new();
        for i in &todo {
            let f = dir.path().join(format!("{i}.sh"));
            std::fs::write(&f, &scripts[*i])?;
            files.push(f);
        }
        // One batch per core: ShellCheck is single-threaded and slow on long scripts.
        let cores = std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(1)
            .min(files.len());
        let chunk = files.len().div_ceil(cores);
        let outputs: Vec<std::io::Result<std::process::Output>> = std::thread::scope(|scope| {
            let handles: Vec<_> = files
                .chunks(chunk)
                .map(|batch| {
                    PROCESSES_STARTED.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                    scope.spawn(move || {
                        Command::new(binary)
                            .args(["-s", "bash", "-f", "json1"])
                            .args(batch)
                            .output()
                    })
                })
                .collect();
            handles
                .into_iter()
                .map(|h| {
                    h.join().unwrap_or_else(|_| {
                        Err(std::io::Error::other("ShellCheck thread panicked"))
                    })
                })
                .collect()
        });
        let mut comments = Vec::new();
        for output in outputs {
            let output = output?;
            let parsed: Json1 = serde_json::from_slice(&output.stdout).map_err(|e| {
                anyhow::anyhow!(
                    "cannot read ShellCheck's output ({e}): {}",
                    String::from_utf8_lossy(&output.stderr)
                )
            })?;
            comments.extend(parsed.comments);
        }
        let parsed = Json1 { comments };
        for i in &todo {
            results[*i] = Some(Vec::new());
        }
        for c in parsed.comments {
            let Some(i) = Path::new(&c.file)
                .file_stem()
                .and_then(|s| s.to_str())
                .and_then(|s| s.parse::<usize>().ok())
            else {
                continue;
            };
            if let Some(Some(list)) = results.get_mut(i) {
                list.push(Comment {
                    line: c.line,
                    column: c.column,
                    level: c.level,
                    code: c.code,
                    message: c.message,
                });
            }
        }
        if let Some(cache) = cache {
            if std::fs::create_dir_all(cache).is_ok() {
                for i in &todo {
                    let _ = std::fs::write(
                        cache.join(format!("{}.json", keys[*i])),
                        serde_json::to_vec(&results[*i]).unwrap_or_default(),
                    );
                }
            }
        }
    }
    Ok(results.into_iter().map(Option::unwrap_or_default).collect())
}
