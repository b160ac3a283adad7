//! A step's `when = { test = … }` is shell like `run` and `cleanup`: every
//! consumer reads it through `semantics::shell_fields`. Here a function and
//! a secret are used only in a `when` test (of the mini fixture's lab
//! environment): the script defines the function and asks for the secret,
//! the test really runs, and lint checks the test's variables and shell.

use crate::common::*;
use std::path::Path;
use std::process::{Command, Stdio};

/// The mini project with `replica_ready` (a function) and `REPL_TOKEN` (a
/// secret) that only the `when` test of a new last step uses.
fn project(test: &str) -> tempfile::TempDir {
    let dir = mini_project(None);
    let spec = dir.path().join("spec");
    let env = spec.join("environments/lab.toml");
    let text = std::fs::read_to_string(&env).unwrap();
    let text = text.replacen(
        "DB_PASSWORD = \"Password of the app user\"",
        "DB_PASSWORD = \"Password of the app user\"\nREPL_TOKEN = \"Token the replica check sends\"",
        1,
    ) + r#"
[functions.replica_ready]
description = "Whether the replica answers (leaves a marker)"
body = '''
[ -n "$1" ] && touch "$MARKER_DIR/replica-ready-checked"
'''
"#;
    std::fs::write(&env, text).unwrap();
    let rb = spec.join("runbooks/failover.toml");
    let text = std::fs::read_to_string(&rb).unwrap()
        + &format!(
            r#"
[[steps]]
id = "resync"
title = "Resync the old primary"
kind = "change"
when = {{ test = '{test}' }}
run = '''
touch "$MARKER_DIR/resync-ran"
'''
"#
        );
    std::fs::write(&rb, text).unwrap();
    dir
}

fn run_script(dir: &Path, token: Option<&str>) -> std::process::Output {
    let mut cmd = Command::new(dir.join("generated/scripts/lab/failover.sh"));
    cmd.args(["--yes", "--ack", "all", "--old-primary", "10.0.0.9"])
        .env("RBGEN_LOG_DIR", dir)
        .env("RBGEN_LOCK_DIR", dir)
        .env("RBGEN_LOG", dir.join("run.jsonl"))
        .env("DB_PASSWORD", "s3cret")
        .env("MARKER_DIR", dir)
        .env_remove("REPL_TOKEN")
        .stdin(Stdio::null());
    if let Some(t) = token {
        cmd.env("REPL_TOKEN", t);
    }
    cmd.output().unwrap()
}

#[test]
fn a_function_and_a_secret_used_only_in_a_when_test_reach_the_script() {
    let project = project(r#"replica_ready "$REPL_TOKEN""#);
    let dir = project.path();
    rbgen().current_dir(dir).arg("build").assert().success();
    let script = std::fs::read_to_string(dir.join("generated/scripts/lab/failover.sh")).unwrap();
    assert!(
        script.contains("replica_ready() {"),
        "the script calls replica_ready in a when test but does not define it"
    );
    assert!(
        script.contains("secret REPL_TOKEN is not set"),
        "the script never asks for REPL_TOKEN"
    );

    // Without the secret the run stops before any step, saying which.
    let out = run_script(dir, None);
    assert_ne!(out.status.code(), Some(0));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("REPL_TOKEN"), "{err}");
    assert!(!dir.join("resync-ran").exists());

    // With it, the test runs the function, which succeeds, so the step runs.
    let out = run_script(dir, Some("t0ken"));
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        dir.join("replica-ready-checked").exists(),
        "the when test never ran replica_ready"
    );
    assert!(
        dir.join("resync-ran").exists(),
        "the step its when test allows did not run"
    );
}

#[test]
fn lint_reads_when_tests_like_any_shell() {
    require_tool("shellcheck", "--version");
    let test = r#"replica_ready $REPL_TOKEN "$MISSING_IN_TEST""#;
    let project = project(test);
    let dir = project.path();
    let rb = std::fs::read_to_string(dir.join("spec/runbooks/failover.toml")).unwrap();
    let (line, text) = rb
        .lines()
        .enumerate()
        .find(|(_, l)| l.starts_with("when = { test"))
        .unwrap();
    let col = |needle: &str| text.find(needle).unwrap() + 1;
    let (_, findings) = lint_json(dir, &[]);
    let at = |code: &str| -> Vec<(u64, u64, String)> {
        findings
            .iter()
            .filter(|f| f["code"] == code && f["file"] == "spec/runbooks/failover.toml")
            .map(|f| {
                (
                    f["line"].as_u64().unwrap(),
                    f["column"].as_u64().unwrap(),
                    f["message"].as_str().unwrap().to_string(),
                )
            })
            .collect()
    };
    let line = line as u64 + 1;
    assert_eq!(
        at("RB001"),
        [(
            line,
            col("MISSING_IN_TEST") as u64,
            "`$MISSING_IN_TEST` is not defined".to_string()
        )]
    );
    let sc: Vec<_> = at("RB014")
        .into_iter()
        .filter(|(l, _, _)| *l == line)
        .collect();
    assert!(
        sc.iter()
            .any(|(_, c, m)| *c == col("$REPL_TOKEN") as u64 && m.starts_with("SC2086")),
        "ShellCheck does not see the when test: {sc:?}"
    );
    // The secret is used (by the test): nothing calls it unused.
    assert!(
        findings
            .iter()
            .all(|f| !f["message"].as_str().unwrap().contains("REPL_TOKEN") || f["code"] == "RB014"),
        "{findings:#?}"
    );
}

/// A misspelled function in a `when` test is "command not found" at run
/// time, which the test reads as false: the step would be skipped without a
/// word. RB011 names it.
#[test]
fn a_misspelled_function_in_a_when_test_is_reported() {
    let project = project(r#"replica_redy "$REPL_TOKEN""#);
    let (_, findings) = lint_json(project.path(), &["--no-shellcheck"]);
    let rb011: Vec<_> = findings.iter().filter(|f| f["code"] == "RB011").collect();
    assert!(
        rb011.iter().any(|f| f["message"]
            == "`replica_redy` is not a function of environment `lab`"
            && f["help"] == "did you mean `replica_ready`?"
            && f["step"] == "resync"),
        "{rb011:#?}"
    );
}

/// A `when` test runs before the step's gate and confirmation: one that
/// changes state is reported (RB016), whatever the step's kind.
#[test]
fn a_when_test_that_changes_state_is_reported() {
    let project = project(r#"systemctl restart patroni && replica_ready "$REPL_TOKEN""#);
    let (_, findings) = lint_json(project.path(), &["--no-shellcheck"]);
    let rb016 = messages_of(&findings, "RB016");
    assert!(
        rb016
            .iter()
            .any(|m| m.starts_with("the `when` test of step `resync` runs `systemctl restart`")),
        "{rb016:?}"
    );
}

/// With `--templates`, ShellCheck reads the complete scripts too; a finding
/// in a `when` test is the spec's, at its line, and not also blamed on the
/// template.
#[test]
fn with_templates_a_when_test_finding_is_the_specs_not_the_templates() {
    require_tool("shellcheck", "--version");
    let project = project(r#"replica_ready $REPL_TOKEN"#);
    let dir = project.path();
    let templates = dir.join("my-templates");
    std::fs::create_dir(&templates).unwrap();
    std::fs::copy(
        root().join("templates/script.sh.tera"),
        templates.join("script.sh.tera"),
    )
    .unwrap();
    let (_, findings) = lint_json(dir, &["--templates", "my-templates"]);
    let rb014 = messages_of(&findings, "RB014");
    assert!(rb014.iter().any(|m| m.starts_with("SC2086")), "{rb014:?}");
    assert!(
        rb014.iter().all(|m| !m.contains("in the script template")),
        "{rb014:?}"
    );
}
