//! Findings a person can read: ShellCheck's info/style findings are notes
//! that never fail a run, the human output puts errors first and collapses
//! repeats, `--statistics` counts, per-SC levels and `.shellcheckrc` are
//! honoured, and a reader that stops early (`| head`) is not a crash.

use crate::common::*;
use std::io::Read;
use std::path::Path;

const HEAD: &str = r#"id = "noisy"
title = "Noisy"
version = "1.0.0"
last_reviewed = 2026-11-01
owner = "dba"
trigger = "t"
rto = "1 min"
rpo = "0"

[[params]]
name = "NODE"
description = "A member"
example = "10.0.0.1"
"#;

/// 40 probes with two unquoted expansions each (80 SC2086, an info-level
/// check), and, when `defects`, two real defects after them.
fn noisy_project(defects: bool) -> tempfile::TempDir {
    let project = mini_project(None);
    let mut text = HEAD.to_string();
    for i in 0..40 {
        text.push_str(&format!(
            "\n[[steps]]\nid = \"look-{i}\"\ntitle = \"Look {i}\"\nkind = \"probe\"\nrun = '''\necho $CLUSTER $NODE {i}\n'''\n"
        ));
    }
    if defects {
        text.push_str(
            r#"
[[steps]]
id = "watch"
title = "Watch"
kind = "probe"
run = '''
watch -n 2 patronictl list
'''

[[steps]]
id = "wait-up"
title = "Wait"
kind = "wait"
timeout = "1m"
run = '''
for _ in $(seq 1 30); do
  pg_isready -h "$NODE" && break
  sleep 2
done
echo "up"
'''
"#,
        );
    }
    std::fs::write(project.path().join("spec/runbooks/noisy.toml"), text).unwrap();
    // The mini spec's untargeted promotion and destructive steps (RB027
    // notes) are not what these tests count.
    let toml = project.path().join("spec/rbgen.toml");
    let mut cfg = std::fs::read_to_string(&toml).unwrap();
    cfg.push_str("\n[lint.severity]\nRB027 = \"off\"\n");
    std::fs::write(&toml, cfg).unwrap();
    project
}

fn lint_human(project: &Path, extra: &[&str]) -> (Option<i32>, String, String) {
    let out = rbgen()
        .current_dir(project)
        .args(["lint", "--today", "2026-11-26"])
        .args(extra)
        .output()
        .unwrap();
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// The first line of each finding: `error[RB022]: …`.
fn headings(stdout: &str) -> Vec<&str> {
    stdout
        .lines()
        .filter(|l| l.starts_with("error[") || l.starts_with("warning[") || l.starts_with("note["))
        .collect()
}

#[test]
fn eighty_style_findings_come_last_in_one_block_and_do_not_hide_the_defects() {
    require_tool("shellcheck", "--version");
    let project = noisy_project(true);
    let (code, stdout, stderr) = lint_human(project.path(), &[]);
    assert_eq!(code, Some(1), "{stderr}");
    assert!(
        stderr.contains("2 error(s)") && stderr.contains("80 note(s)"),
        "{stderr}"
    );
    let heads = headings(&stdout);
    // The two defects open the output, before any warning or note.
    assert!(heads[0].starts_with("error[RB022]"), "{heads:?}");
    assert!(heads[1].starts_with("error[RB021]"), "{heads:?}");
    let first_note = heads.iter().position(|h| h.starts_with("note[")).unwrap();
    assert!(
        heads[first_note..].iter().all(|h| h.starts_with("note[")),
        "{heads:?}"
    );
    // 80 SC2086 findings are one block naming how many more there are.
    let sc2086 = heads.iter().filter(|h| h.contains("SC2086")).count();
    assert_eq!(sc2086, 1, "{stdout}");
    assert!(stdout.contains("79 more in this file at"), "{stdout}");
    // Everything that is not a note fits a first screen of 50 lines.
    let before_notes = stdout.lines().position(|l| l.starts_with("note[")).unwrap();
    assert!(
        before_notes <= 50,
        "{before_notes} lines before the notes:\n{stdout}"
    );
    assert!(stdout.lines().count() < 80, "{stdout}");
}

#[test]
fn notes_never_fail_a_run_even_with_deny_warnings() {
    require_tool("shellcheck", "--version");
    let project = noisy_project(false);
    // The mini spec's own warnings are made errors-free: only notes and
    // warnings are left, and `--deny warnings` must not count the notes.
    let (_, findings) = lint_json(project.path(), &[]);
    let notes = findings.iter().filter(|f| f["severity"] == "note").count();
    assert_eq!(notes, 80, "{findings:#?}");
    assert!(
        findings.iter().all(|f| f["severity"] != "error"),
        "{findings:#?}"
    );
    let (code, _, stderr) = lint_human(project.path(), &[]);
    assert_eq!(code, Some(0), "{stderr}");
    // With warnings denied the run fails on the warnings, and says so
    // without counting the notes as warnings.
    let (code, _, stderr) = lint_human(project.path(), &["--deny", "warnings"]);
    let warnings = findings
        .iter()
        .filter(|f| f["severity"] == "warning")
        .count();
    assert_eq!(code, Some(if warnings > 0 { 1 } else { 0 }), "{stderr}");
    assert!(
        stderr.contains(&format!("{warnings} warning(s), 80 note(s)")),
        "{stderr}"
    );
}

#[test]
fn statistics_counts_each_code_once_most_severe_first() {
    require_tool("shellcheck", "--version");
    let project = noisy_project(true);
    let (_, stdout, _) = lint_human(project.path(), &["--statistics"]);
    let rows: Vec<&str> = stdout.lines().filter(|l| !l.trim().is_empty()).collect();
    let sc2086 = rows
        .iter()
        .find(|r| r.contains("SC2086"))
        .expect("an SC2086 row");
    assert!(
        sc2086.trim_start().starts_with("80 ") && sc2086.contains("note"),
        "{stdout}"
    );
    let rb022 = rows.iter().position(|r| r.contains("RB022")).unwrap();
    let note = rows.iter().position(|r| r.contains("note")).unwrap();
    assert!(rb022 < note, "errors are counted before notes:\n{stdout}");
    assert!(
        !stdout.contains("-->"),
        "statistics print no snippets:\n{stdout}"
    );
}

#[test]
fn an_sc_code_can_be_turned_off_or_raised_in_rbgen_toml() {
    require_tool("shellcheck", "--version");
    let project = noisy_project(false);
    let toml = project.path().join("spec/rbgen.toml");
    // `noisy_project` ends rbgen.toml with its `[lint.severity]` table.
    let base = std::fs::read_to_string(&toml).unwrap();
    std::fs::write(&toml, format!("{base}SC2086 = \"off\"\n")).unwrap();
    let (_, findings) = lint_json(project.path(), &[]);
    assert!(
        !findings
            .iter()
            .any(|f| f["message"].as_str().unwrap().contains("SC2086"))
    );
    std::fs::write(&toml, format!("{base}SC2086 = \"error\"\n")).unwrap();
    let (code, findings) = lint_json(project.path(), &[]);
    let raised = findings
        .iter()
        .filter(|f| f["message"].as_str().unwrap().contains("SC2086"))
        .collect::<Vec<_>>();
    assert_eq!(raised.len(), 80);
    assert!(raised.iter().all(|f| f["severity"] == "error"));
    assert_eq!(code, Some(1));
}

#[test]
fn a_shellcheckrc_beside_the_spec_is_honoured() {
    require_tool("shellcheck", "--version");
    let project = noisy_project(false);
    std::fs::write(project.path().join(".shellcheckrc"), "disable=SC2086\n").unwrap();
    let (_, findings) = lint_json(project.path(), &[]);
    assert!(
        !findings
            .iter()
            .any(|f| f["message"].as_str().unwrap().contains("SC2086")),
        "{findings:#?}"
    );
}

#[test]
fn a_reader_that_stops_early_is_not_a_crash() {
    use std::os::unix::process::ExitStatusExt;
    // The reader leaves before rbgen writes its first byte (`| head -0`).
    let mut child = std::process::Command::new(assert_cmd::cargo::cargo_bin("rbgen"))
        .args(["explain", "--all"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take());
    let mut stderr = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut stderr)
        .unwrap();
    let status = child.wait().unwrap();
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert!(
        status.signal() == Some(libc::SIGPIPE) || status.success(),
        "{status:?}: {stderr}"
    );
}
