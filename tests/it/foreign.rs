//! The foreign corpus: complete specs written in styles unlike the example
//! (tests/fixtures/foreign/<name>/spec) — a single-region team doing planned
//! switchovers with no `[promotion]` table, a Kubernetes team driving a
//! postgres-operator cluster through `kubectl exec`, and a team whose steps
//! are long `\`-wrapped commands with heredoc SQL, saved with CRLF.
//!
//! For each: it builds, every generated script passes `bash -n` and
//! ShellCheck, and `rbgen lint` reports exactly `expected.txt` (actionlint
//! style, `file:line:col: severity: message [code]`). The seeded defects and
//! the must-not-fire cases (commands mentioned in `echo`, comments, quoted
//! text, awk programs) are listed with reasons in each `intended.md`; a
//! must-not-fire case firing shows up as an extra line. `RBGEN_BLESS=1`
//! rewrites the expected files.

use crate::common::*;
use std::path::{Path, PathBuf};
use std::process::Command;

fn corpus() -> Vec<PathBuf> {
    let mut specs: Vec<PathBuf> = std::fs::read_dir(fixtures().join("foreign"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.join("spec/rbgen.toml").is_file())
        .collect();
    specs.sort();
    assert!(
        specs.len() >= 3,
        "the foreign corpus holds at least three specs"
    );
    specs
}

/// A copy of the corpus entry to work in (lint and build write beside the spec).
fn project(case: &Path) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    copy_dir(&case.join("spec"), &dir.path().join("spec"));
    dir
}

#[test]
fn foreign_specs_lint_to_exactly_their_expected_findings() {
    let shellcheck = require_tool("shellcheck", "--version");
    let mut failures = Vec::new();
    for case in corpus() {
        let name = case.file_name().unwrap().to_string_lossy().to_string();
        let project = project(&case);
        let args: &[&str] = if shellcheck {
            &[]
        } else {
            &["--no-shellcheck"]
        };
        let (code, findings) = lint_json(project.path(), args);
        assert!(code == Some(0) || code == Some(1), "{name}: exit {code:?}");
        let actual: String = findings.iter().map(|f| finding_line(f) + "\n").collect();
        let expected_path = case.join("expected.txt");
        if bless() {
            std::fs::write(&expected_path, &actual).unwrap();
            continue;
        }
        let expected = std::fs::read_to_string(&expected_path).unwrap_or_default();
        if expected != actual {
            let diff = similar::TextDiff::from_lines(&expected, &actual)
                .unified_diff()
                .header("expected.txt", "actual")
                .to_string();
            failures.push(format!("--- {name}\n{diff}"));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn foreign_specs_build_into_scripts_that_pass_bash_n_and_shellcheck() {
    let shellcheck = require_tool("shellcheck", "--version");
    for case in corpus() {
        let name = case.file_name().unwrap().to_string_lossy().to_string();
        let project = project(&case);
        rbgen()
            .current_dir(project.path())
            .arg("build")
            .assert()
            .success();
        let scripts: Vec<PathBuf> = walkdir::WalkDir::new(project.path().join("generated/scripts"))
            .into_iter()
            .map(|e| e.unwrap().into_path())
            .filter(|p| p.extension().is_some_and(|e| e == "sh"))
            .collect();
        assert!(!scripts.is_empty(), "{name}: no scripts");
        for script in &scripts {
            let text = std::fs::read(script).unwrap();
            assert!(
                !text.contains(&b'\r'),
                "{name}: {} holds a CR",
                script.display()
            );
            let n = Command::new("bash").arg("-n").arg(script).output().unwrap();
            assert!(
                n.status.success(),
                "{name}: bash -n {}: {}",
                script.display(),
                String::from_utf8_lossy(&n.stderr)
            );
        }
        if shellcheck {
            let sc = Command::new("shellcheck")
                .args(["-s", "bash", "-f", "gcc"])
                .args(&scripts)
                .output()
                .unwrap();
            assert!(
                sc.status.success(),
                "{name}: {}",
                String::from_utf8_lossy(&sc.stdout)
            );
        }
    }
}

/// The CRLF entry must stay CRLF, or it stops testing what it is for; and
/// its findings must sit where they would in the same spec saved with LF.
#[test]
fn the_crlf_spec_is_crlf_and_lints_like_its_lf_copy() {
    let case = fixtures().join("foreign/wrapped-heredoc-crlf");
    let mut tomls = 0;
    for entry in walkdir::WalkDir::new(case.join("spec")) {
        let path = entry.unwrap().into_path();
        if path.extension().is_some_and(|e| e == "toml") {
            let text = std::fs::read_to_string(&path).unwrap();
            assert!(
                text.contains("\r\n") && !text.replace("\r\n", "").contains('\n'),
                "{} is not CRLF",
                path.display()
            );
            tomls += 1;
        }
    }
    assert!(tomls >= 5);
    let crlf = project(&case);
    let lf = project(&case);
    for entry in walkdir::WalkDir::new(lf.path().join("spec")) {
        let path = entry.unwrap().into_path();
        if path.is_file() {
            let text = std::fs::read_to_string(&path).unwrap();
            std::fs::write(&path, text.replace("\r\n", "\n")).unwrap();
        }
    }
    let lint = |p: &Path| {
        let out = rbgen()
            .current_dir(p)
            .args([
                "lint",
                "--format",
                "json",
                "--today",
                "2026-11-26",
                "--no-shellcheck",
            ])
            .output()
            .unwrap();
        let f: Vec<serde_json::Value> = serde_json::from_slice(&out.stdout).unwrap();
        f.iter().map(finding_line).collect::<Vec<_>>()
    };
    let (a, b) = (lint(crlf.path()), lint(lf.path()));
    assert!(!a.is_empty());
    assert_eq!(a, b);
}

/// The JSON Schemas (`rbgen schema --out`), mapped by the `.taplo.toml`
/// `rbgen init` writes, accept every file of every foreign spec — CRLF,
/// records and all — as the real `taplo` CLI applies them.
#[test]
fn taplo_accepts_every_foreign_spec_with_the_schemas() {
    require_tool("taplo", "--version");
    for case in corpus() {
        let dir = project(&case);
        std::fs::copy(
            root().join("templates/init/taplo.toml"),
            dir.path().join(".taplo.toml"),
        )
        .unwrap();
        rbgen()
            .current_dir(dir.path())
            .args(["schema", "--out", "schemas"])
            .assert()
            .success();
        let out = Command::new("taplo")
            .arg("lint")
            .current_dir(dir.path())
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}: {}",
            case.display(),
            String::from_utf8_lossy(&out.stderr)
        );
    }
}
