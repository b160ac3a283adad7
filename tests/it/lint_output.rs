//! Where lint findings go and how they name files: findings on standard
//! output, rbgen's own messages on standard error; GitHub annotations and
//! SARIF relative to the repository root from any working directory; SARIF
//! rule descriptions as whole sentences; `--templates` checks the scripts a
//! user's template makes.

use crate::common::*;
use std::path::Path;

fn rb009_project() -> tempfile::TempDir {
    mini_project(Some(&fixtures().join("lint/RB009-unconfirmed-destructive")))
}

#[test]
fn human_findings_go_to_stdout_and_the_summary_to_stderr() {
    let project = rb009_project();
    let out = rbgen()
        .current_dir(project.path())
        .args(["lint", "--no-shellcheck", "--today", "2026-11-26"])
        .env("NO_COLOR", "1")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stdout.contains("error[RB009]") && stdout.contains("spec/runbooks/lintcase.toml:16:11"),
        "{stdout}"
    );
    assert!(
        !stderr.contains("RB009"),
        "findings are not on stderr: {stderr}"
    );
    assert!(stderr.contains("rbgen lint: 3 error(s)"), "{stderr}");
}

fn github_files(project: &Path, cwd: &Path, extra: &[&str]) -> Vec<String> {
    let out = rbgen()
        .current_dir(cwd)
        .args([
            "lint",
            "--no-shellcheck",
            "--today",
            "2026-11-26",
            "--format",
            "github",
        ])
        .args(extra)
        .env("XDG_CACHE_HOME", project.join("cache"))
        .output()
        .unwrap();
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter_map(|l| l.split("file=").nth(1))
        .map(|rest| rest.split(',').next().unwrap().to_string())
        .collect()
}

#[test]
fn github_annotations_name_files_from_the_repository_root_wherever_rbgen_runs() {
    // Without git: the spec's parent is the root.
    let project = rb009_project();
    let from_top = github_files(project.path(), project.path(), &[]);
    assert!(!from_top.is_empty());
    assert!(
        from_top.iter().all(|f| f.starts_with("spec/")),
        "{from_top:?}"
    );
    assert!(
        from_top.iter().any(|f| f == "spec/runbooks/lintcase.toml"),
        "{from_top:?}"
    );
    let below = project.path().join("spec/runbooks");
    assert_eq!(github_files(project.path(), &below, &[]), from_top);
    // From outside, with --spec.
    let outside = tempfile::tempdir().unwrap();
    let spec = project.path().join("spec");
    assert_eq!(
        github_files(
            project.path(),
            outside.path(),
            &["--spec", spec.to_str().unwrap()]
        ),
        from_top
    );

    // In a git repository whose runbooks live in a subdirectory.
    let repo = tempfile::tempdir().unwrap();
    std::fs::create_dir(repo.path().join(".git")).unwrap();
    copy_dir(project.path(), &repo.path().join("db"));
    let files = github_files(repo.path(), &repo.path().join("db/spec/runbooks"), &[]);
    let expected: Vec<String> = from_top.iter().map(|f| format!("db/{f}")).collect();
    assert_eq!(files, expected);
}

#[test]
fn sarif_uses_repository_relative_uris_code_point_columns_and_whole_sentences() {
    let project = rb009_project();
    let out = rbgen()
        .current_dir(project.path().join("spec"))
        .args([
            "lint",
            "--no-shellcheck",
            "--today",
            "2026-11-26",
            "--format",
            "sarif",
        ])
        .output()
        .unwrap();
    let sarif: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let run = &sarif["runs"][0];
    assert_eq!(run["columnKind"], "unicodeCodePoints");
    let uris: Vec<&str> = run["results"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|r| r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"].as_str())
        .collect();
    assert!(uris.contains(&"spec/runbooks/lintcase.toml"), "{uris:?}");
    assert!(uris.iter().all(|u| u.starts_with("spec/")), "{uris:?}");
    for rule in run["tool"]["driver"]["rules"].as_array().unwrap() {
        let short = rule["shortDescription"]["text"].as_str().unwrap();
        assert!(
            short.ends_with('.') && short.chars().next().unwrap().is_uppercase(),
            "{}: {short}",
            rule["id"]
        );
        // Backticks come in pairs: the sentence was not cut inside code.
        assert_eq!(short.matches('`').count() % 2, 0, "{}: {short}", rule["id"]);
        assert!(short.len() > 30, "{}: {short}", rule["id"]);
    }
}

#[test]
fn lint_with_templates_checks_the_scripts_that_template_makes() {
    require_tool("shellcheck", "--version");
    let project = mini_project(None);
    let templates = project.path().join("my-templates");
    std::fs::create_dir_all(&templates).unwrap();
    let builtin = std::fs::read_to_string(root().join("templates/script.sh.tera")).unwrap();
    // A runner change ShellCheck objects to (SC2045: iterating over ls).
    let broken = builtin.replacen(
        "rb_usage() {",
        "rb_list_tmp() {\n  for f in $(ls /tmp); do echo \"$f\"; done\n}\n\nrb_usage() {",
        1,
    );
    assert_ne!(broken, builtin);
    std::fs::write(templates.join("script.sh.tera"), broken).unwrap();
    let lint = |extra: &[&str]| messages_of(&lint_json(project.path(), extra).1, "RB014");
    assert!(lint(&[]).is_empty(), "the built-in runner is clean");
    let with = lint(&["--templates", "my-templates"]);
    assert!(
        !with.is_empty()
            && with
                .iter()
                .all(|m| m.starts_with("SC2045") && m.contains("in the script template")),
        "{with:?}"
    );
}
