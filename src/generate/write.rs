//! Writing the output directory atomically, and checking it for drift.
//!
//! A build stages the complete tree in a sibling directory and then swaps it
//! in with one `renameat2(RENAME_EXCHANGE)`, so that at every instant the
//! output directory is either the old tree or the new one, never a mix: a
//! build killed half-way leaves the old `generated/` as it was.

use super::Output;
use anyhow::{Context as _, Result, bail};
use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

/// Write `output` as the complete contents of `dir`.
pub fn write_atomically(dir: &Path, output: &Output) -> Result<()> {
    let parent = match dir.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    fs::create_dir_all(&parent).with_context(|| format!("cannot create {}", parent.display()))?;
    let name = dir
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or("generated");
    let stage = parent.join(format!(".{name}.rbgen-stage-{}", std::process::id()));
    // A stage left by a killed build is garbage; clear ours if it exists.
    let _ = fs::remove_dir_all(&stage);
    let result = stage_tree(&stage, output).and_then(|()| swap_in(&stage, dir));
    if result.is_err() {
        let _ = fs::remove_dir_all(&stage);
    }
    result?;
    // After the exchange, `stage` holds the previous tree.
    let _ = fs::remove_dir_all(&stage);
    remove_stale_stages(&parent, name);
    Ok(())
}

fn stage_tree(stage: &Path, output: &Output) -> Result<()> {
    fs::create_dir(stage).with_context(|| {
        format!(
            "cannot create {} (is the output directory writable?)",
            stage.display()
        )
    })?;
    for (rel, file) in output {
        let path = stage.join(rel);
        if let Some(p) = path.parent() {
            fs::create_dir_all(p).with_context(|| format!("cannot create {}", p.display()))?;
        }
        fs::write(&path, &file.contents)
            .with_context(|| format!("cannot write {}", path.display()))?;
        let mode = if file.executable { 0o755 } else { 0o644 };
        fs::set_permissions(&path, fs::Permissions::from_mode(mode))
            .with_context(|| format!("cannot set permissions of {}", path.display()))?;
    }
    // Make the new tree durable before it becomes visible.
    if let Ok(f) = fs::File::open(stage) {
        let _ = f.sync_all();
    }
    Ok(())
}

fn swap_in(stage: &Path, dir: &Path) -> Result<()> {
    if !dir.exists() {
        match fs::rename(stage, dir) {
            Ok(()) => return Ok(()),
            // Another build created it meanwhile: exchange with theirs.
            Err(_) if dir.is_dir() => {}
            Err(e) => return Err(e).with_context(|| format!("cannot create {}", dir.display())),
        }
    }
    if !dir.is_dir() {
        bail!(
            "output path {} exists and is not a directory",
            dir.display()
        );
    }
    exchange(stage, dir).with_context(|| format!("cannot replace {}", dir.display()))
}

/// Atomically exchange two paths (Linux `renameat2(RENAME_EXCHANGE)`).
fn exchange(a: &Path, b: &Path) -> std::io::Result<()> {
    use std::ffi::CString;
    use std::os::unix::ffi::OsStrExt;
    let ca = CString::new(a.as_os_str().as_bytes())?;
    let cb = CString::new(b.as_os_str().as_bytes())?;
    // SAFETY: both pointers are valid NUL-terminated paths for the call's duration.
    let rc = unsafe {
        libc::renameat2(
            libc::AT_FDCWD,
            ca.as_ptr(),
            libc::AT_FDCWD,
            cb.as_ptr(),
            libc::RENAME_EXCHANGE,
        )
    };
    if rc == 0 {
        Ok(())
    } else {
        Err(std::io::Error::last_os_error())
    }
}

/// Stages of builds that were killed (their process is gone) are removed.
fn remove_stale_stages(parent: &Path, name: &str) {
    let prefix = format!(".{name}.rbgen-stage-");
    let Ok(entries) = fs::read_dir(parent) else {
        return;
    };
    for entry in entries.flatten() {
        let file_name = entry.file_name();
        let Some(pid) = file_name.to_str().and_then(|n| n.strip_prefix(&prefix)) else {
            continue;
        };
        let alive = pid
            .parse::<u32>()
            .is_ok_and(|pid| Path::new(&format!("/proc/{pid}")).exists());
        if !alive {
            let _ = fs::remove_dir_all(entry.path());
        }
    }
}

/// Differences between `output` and what is on disk under `dir`.
#[derive(Debug, Default)]
pub struct Drift {
    pub missing: Vec<String>,
    pub extra: Vec<String>,
    /// (path, unified diff)
    pub changed: Vec<(String, String)>,
}

impl Drift {
    pub fn is_clean(&self) -> bool {
        self.missing.is_empty() && self.extra.is_empty() && self.changed.is_empty()
    }
}

pub fn check(dir: &Path, output: &Output) -> Result<Drift> {
    let mut drift = Drift::default();
    let mut on_disk = std::collections::BTreeSet::new();
    if dir.is_dir() {
        for entry in walkdir::WalkDir::new(dir).sort_by_file_name() {
            let entry = entry.with_context(|| format!("cannot read {}", dir.display()))?;
            if entry.file_type().is_file() {
                let rel = entry.path().strip_prefix(dir).unwrap_or(entry.path());
                on_disk.insert(rel.to_string_lossy().replace('\\', "/"));
            }
        }
    }
    for (rel, file) in output {
        if !on_disk.remove(rel) {
            drift.missing.push(rel.clone());
            continue;
        }
        let path = dir.join(rel);
        let current = fs::read(&path).with_context(|| format!("cannot read {}", path.display()))?;
        let mode_ok = fs::metadata(&path)
            .map(|m| (m.permissions().mode() & 0o111 != 0) == file.executable)
            .unwrap_or(false);
        if current != file.contents || !mode_ok {
            let old = String::from_utf8_lossy(&current);
            let new = String::from_utf8_lossy(&file.contents);
            let mut diff = similar::TextDiff::from_lines(old.as_ref(), new.as_ref())
                .unified_diff()
                .context_radius(3)
                .header(&format!("a/{rel}"), &format!("b/{rel}"))
                .to_string();
            if !mode_ok {
                diff.push_str(&format!(
                    "(file mode differs: expected {})\n",
                    if file.executable {
                        "executable"
                    } else {
                        "not executable"
                    }
                ));
            }
            drift.changed.push((rel.clone(), diff));
        }
    }
    drift.extra = on_disk.into_iter().collect();
    Ok(drift)
}
