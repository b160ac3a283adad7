//! Helpers shared by the integration tests.
#![allow(dead_code)]

use std::path::{Path, PathBuf};

pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

pub fn fixtures() -> PathBuf {
    root().join("tests/fixtures")
}

pub fn copy_dir(from: &Path, to: &Path) {
    for entry in walkdir::WalkDir::new(from) {
        let entry = entry.unwrap();
        let rel = entry.path().strip_prefix(from).unwrap();
        let dest = to.join(rel);
        if entry.file_type().is_dir() {
            std::fs::create_dir_all(&dest).unwrap();
        } else {
            std::fs::copy(entry.path(), &dest).unwrap();
        }
    }
}

/// A project directory holding a copy of the mini fixture spec at `spec/`,
/// with the files of `overlay` (a directory under tests/fixtures) laid over it.
/// A file named `REMOVE` in the overlay lists spec files to delete.
pub fn mini_project(overlay: Option<&Path>) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let spec = dir.path().join("spec");
    copy_dir(&fixtures().join("mini/spec"), &spec);
    if let Some(overlay) = overlay {
        for entry in walkdir::WalkDir::new(overlay).min_depth(1) {
            let entry = entry.unwrap();
            let rel = entry.path().strip_prefix(overlay).unwrap();
            if entry.file_type().is_dir() || rel == Path::new("expected.txt") {
                continue;
            }
            if rel == Path::new("REMOVE") {
                for line in std::fs::read_to_string(entry.path()).unwrap().lines() {
                    std::fs::remove_file(spec.join(line.trim())).unwrap();
                }
                continue;
            }
            let dest = spec.join(rel);
            std::fs::create_dir_all(dest.parent().unwrap()).unwrap();
            std::fs::copy(entry.path(), dest).unwrap();
        }
    }
    dir
}

pub fn rbgen() -> assert_cmd::Command {
    let mut cmd = assert_cmd::Command::cargo_bin("rbgen").unwrap();
    cmd.env("NO_COLOR", "1");
    cmd
}

/// Every file under `dir` with its bytes, for before/after comparisons.
pub fn snapshot_tree(dir: &Path) -> Vec<(PathBuf, Vec<u8>)> {
    let mut out = Vec::new();
    if !dir.exists() {
        return out;
    }
    for entry in walkdir::WalkDir::new(dir).sort_by_file_name() {
        let entry = entry.unwrap();
        if entry.file_type().is_file() {
            out.push((
                entry.path().strip_prefix(dir).unwrap().to_path_buf(),
                std::fs::read(entry.path()).unwrap(),
            ));
        }
    }
    out
}

/// Whether to rewrite expected-output files instead of comparing.
pub fn bless() -> bool {
    std::env::var_os("RBGEN_BLESS").is_some()
}

/// Build the example spec (`spec/`) into `<tempdir>/generated`.
pub fn build_example() -> tempfile::TempDir {
    let out = tempfile::tempdir().unwrap();
    rbgen()
        .args(["build", "--spec"])
        .arg(root().join("spec"))
        .arg("--out")
        .arg(out.path().join("generated"))
        .assert()
        .success();
    out
}

/// An external tool the test runs for real. Missing, the test fails (a test
/// that cannot run must not report "ok"): `tools/install-test-deps`
/// installs every tool the suite uses. Returns true, for callers that read
/// it as "the tool is here".
pub fn require_tool(tool: &str, version_arg: &str) -> bool {
    let found = std::process::Command::new(tool)
        .arg(version_arg)
        .output()
        .is_ok_and(|o| o.status.success());
    assert!(
        found,
        "{tool} is required by this test: tools/install-test-deps installs it"
    );
    found
}

/// A JSON finding as one actionlint-style line: `file:line:col: severity: message [code]`.
pub fn finding_line(f: &serde_json::Value) -> String {
    format!(
        "{}:{}:{}: {}: {} [{}]",
        f["file"].as_str().unwrap_or("-"),
        f["line"],
        f["column"],
        f["severity"].as_str().unwrap(),
        f["message"].as_str().unwrap(),
        f["code"].as_str().unwrap()
    )
}

/// Run git in `dir` with a fixed identity; panics with git's message on failure.
pub fn git(dir: &Path, args: &[&str]) {
    let out = std::process::Command::new("git")
        .arg("-C")
        .arg(dir)
        .args([
            "-c",
            "user.name=rbgen test",
            "-c",
            "user.email=test@example.invalid",
        ])
        .args(args)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Make `dir` a repository whose `main` holds its current files, with a
/// bare `origin` beside it (fetched, as a CI checkout has) and a branch
/// `pr` checked out: the starting point of a pull request.
pub fn pull_request_repo(dir: &Path) {
    git(dir, &["init", "-q", "-b", "main"]);
    git(dir, &["add", "-A"]);
    git(dir, &["commit", "-q", "-m", "base"]);
    let origin = dir.with_extension("origin.git");
    git(
        dir,
        &["clone", "-q", "--bare", ".", origin.to_str().unwrap()],
    );
    git(dir, &["remote", "add", "origin", origin.to_str().unwrap()]);
    git(dir, &["fetch", "-q", "origin"]);
    git(dir, &["checkout", "-q", "-b", "pr"]);
}

/// `rbgen lint --format json --today 2026-11-26 EXTRA…` in `project`, with
/// its ShellCheck cache inside the project; `tune` adjusts the command (an
/// environment variable, a PATH). The exit code and the findings; panics
/// with the output when it is not JSON.
pub fn lint_json_with(
    project: &Path,
    extra: &[&str],
    tune: impl FnOnce(&mut assert_cmd::Command),
) -> (Option<i32>, Vec<serde_json::Value>) {
    let mut cmd = rbgen();
    cmd.current_dir(project)
        .args(["lint", "--format", "json", "--today", "2026-11-26"])
        .args(extra)
        .env("XDG_CACHE_HOME", project.join("cache"));
    tune(&mut cmd);
    let out = cmd.output().unwrap();
    let findings: Vec<serde_json::Value> =
        serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
            panic!(
                "lint output is not JSON ({e}): {}\n{}",
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            )
        });
    (out.status.code(), findings)
}

/// [`lint_json_with`] as it is.
pub fn lint_json(project: &Path, extra: &[&str]) -> (Option<i32>, Vec<serde_json::Value>) {
    lint_json_with(project, extra, |_| {})
}

/// The messages of the findings of rule `code`.
pub fn messages_of(findings: &[serde_json::Value], code: &str) -> Vec<String> {
    findings
        .iter()
        .filter(|f| f["code"] == code)
        .map(|f| f["message"].as_str().unwrap().to_string())
        .collect()
}

/// A spec copied into a temporary project and built into its `generated/`.
/// Its lab scripts run without a terminal, with their log, lock and markers
/// in the project's `work/`, and the environment [`Built::env`] gives them
/// (the values the spec's parameters and secrets need).
pub struct Built {
    pub dir: tempfile::TempDir,
    /// Variables set for every run; `None` removes one.
    pub env: Vec<(String, Option<String>)>,
}

impl Built {
    /// `spec_dir` (a spec directory) built in a new project.
    pub fn new(spec_dir: &Path) -> Built {
        let dir = tempfile::tempdir().unwrap();
        copy_dir(spec_dir, &dir.path().join("spec"));
        rbgen()
            .current_dir(dir.path())
            .arg("build")
            .assert()
            .success();
        std::fs::create_dir(dir.path().join("work")).unwrap();
        let work = dir.path().join("work").to_string_lossy().into_owned();
        Built {
            dir,
            env: vec![
                ("MARKER_DIR".into(), Some(work.clone())),
                ("RBGEN_LOG".into(), Some(format!("{work}/log.jsonl"))),
                ("RBGEN_LOCK_DIR".into(), Some(work.clone())),
                ("RBGEN_LOG_DIR".into(), Some(work)),
            ],
        }
    }

    /// Set (or, with `None`, remove) a variable for every run.
    pub fn with_env(mut self, name: &str, value: Option<&str>) -> Built {
        self.env.retain(|(n, _)| n != name);
        self.env.push((name.into(), value.map(str::to_string)));
        self
    }

    pub fn work(&self) -> PathBuf {
        self.dir.path().join("work")
    }

    pub fn script(&self, id: &str) -> PathBuf {
        self.dir
            .path()
            .join(format!("generated/scripts/lab/{id}.sh"))
    }

    /// Run a lab script without a terminal (standard input closed).
    pub fn run(&self, id: &str, args: &[&str]) -> std::process::Output {
        let mut cmd = std::process::Command::new(self.script(id));
        cmd.args(args).stdin(std::process::Stdio::null());
        for (name, value) in &self.env {
            match value {
                Some(v) => cmd.env(name, v),
                None => cmd.env_remove(name),
            };
        }
        cmd.output().unwrap()
    }

    /// The runs' JSON-lines log, one value per line.
    pub fn log(&self) -> Vec<serde_json::Value> {
        std::fs::read_to_string(self.work().join("log.jsonl"))
            .unwrap_or_default()
            .lines()
            .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("bad JSON line {l}: {e}")))
            .collect()
    }

    /// Whether a step left the marker file `name` in `work/`.
    pub fn marker(&self, name: &str) -> bool {
        self.work().join(name).exists()
    }
}
