//! RB006 in the pull-request flow, against a real git repository made in a
//! temporary directory: edit a step, run `rbgen build`, commit — `rbgen lint
//! --base main` still reports the unchanged version, until it is bumped.

use crate::common::*;
use std::path::Path;

fn rb006(dir: &Path, extra: &[&str]) -> (Option<i32>, Vec<String>) {
    let mut args = vec!["--no-shellcheck"];
    args.extend(extra);
    let (code, findings) = lint_json_with(dir, &args, |c| {
        c.env_remove("GITHUB_BASE_REF");
    });
    (code, messages_of(&findings, "RB006"))
}

#[test]
fn a_pr_that_edits_a_step_without_a_version_bump_fails_after_build() {
    let project = mini_project(None);
    let dir = project.path();
    git(dir, &["init", "-q", "-b", "main"]);
    rbgen().current_dir(dir).arg("build").assert().success();
    git(dir, &["add", "-A"]);
    git(dir, &["commit", "-q", "-m", "base"]);
    git(dir, &["checkout", "-q", "-b", "pr"]);

    // The PR: a step's command changes, the version does not; the author
    // rebuilds (as `build --check` demands) and commits.
    let rb = dir.join("spec/runbooks/failover.toml");
    let text = std::fs::read_to_string(&rb).unwrap();
    std::fs::write(
        &rb,
        text.replace(
            "echo \"promoting, found=$FOUND\"",
            "echo \"promoting now, found=$FOUND\"",
        ),
    )
    .unwrap();
    rbgen().current_dir(dir).arg("build").assert().success();
    git(dir, &["commit", "-q", "-am", "edit a step"]);

    // The manifest was rewritten by the build: alone it sees nothing.
    let (_, without_base) = rb006(dir, &[]);
    assert!(without_base.is_empty(), "{without_base:?}");
    // Against the base branch the unchanged version is caught.
    let (code, with_base) = rb006(dir, &["--base", "main"]);
    assert_eq!(code, Some(1));
    assert_eq!(
        with_base,
        ["runbook `failover` changed since main but its version is still 1.0.0"]
    );

    // Bumping the version clears it.
    let text = std::fs::read_to_string(&rb).unwrap();
    std::fs::write(
        &rb,
        text.replacen("version = \"1.0.0\"", "version = \"1.0.1\"", 1),
    )
    .unwrap();
    let (_, bumped) = rb006(dir, &["--base", "main"]);
    assert!(bumped.is_empty(), "{bumped:?}");
}

#[test]
fn a_new_runbook_has_no_base_version_to_keep() {
    let project = mini_project(None);
    let dir = project.path();
    git(dir, &["init", "-q", "-b", "main"]);
    git(dir, &["add", "-A"]);
    git(dir, &["commit", "-q", "-m", "base"]);
    let rb = dir.join("spec/runbooks/failover.toml");
    let copy = std::fs::read_to_string(&rb).unwrap().replacen(
        "id = \"failover\"",
        "id = \"failover-two\"",
        1,
    );
    std::fs::write(dir.join("spec/runbooks/failover-two.toml"), copy).unwrap();
    let (_, found) = rb006(dir, &["--base", "main"]);
    assert!(found.is_empty(), "{found:?}");
}

#[test]
fn without_git_base_is_a_clear_error_and_the_manifest_still_works() {
    let project = mini_project(None);
    let dir = project.path();
    let out = rbgen()
        .current_dir(dir)
        .args(["lint", "--no-shellcheck", "--base", "main"])
        .env("GIT_CEILING_DIRECTORIES", dir.parent().unwrap())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("is not in a git repository"), "{err}");
    // The manifest comparison: build, edit without a bump, lint.
    rbgen().current_dir(dir).arg("build").assert().success();
    let rb = dir.join("spec/runbooks/failover.toml");
    let text = std::fs::read_to_string(&rb).unwrap();
    std::fs::write(
        &rb,
        text.replace(
            "echo \"promoting, found=$FOUND\"",
            "echo \"promoting now, found=$FOUND\"",
        ),
    )
    .unwrap();
    let (_, found) = rb006(dir, &[]);
    assert_eq!(
        found,
        ["runbook `failover` changed but its version is still 1.0.0"]
    );
}
