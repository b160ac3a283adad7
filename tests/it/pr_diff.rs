//! `rbgen diff --base REV` in a real git repository made in a temporary
//! directory: what a pull request changes, per runbook, step and
//! environment, with the changes that weaken safety marked — on the mini
//! fixture and on every spec of the foreign corpus.

use crate::common::*;
use serde_json::Value;
use std::path::Path;

/// The mini project, built, on `main` of a repository with an `origin`,
/// and a branch `pr` checked out.
fn repo() -> tempfile::TempDir {
    let project = mini_project(None);
    rbgen()
        .current_dir(project.path())
        .arg("build")
        .assert()
        .success();
    pull_request_repo(project.path());
    project
}

/// The pull request: the promotion's command edited, its gate dropped.
fn edit_the_promotion_and_drop_its_gate(dir: &Path) {
    edit(
        dir,
        "runbooks/failover.toml",
        "echo \"promoting, found=$FOUND\"",
        "echo \"promoting now, found=$FOUND\"",
    );
    edit(
        dir,
        "runbooks/failover.toml",
        "gate = \"pre-promotion\"\n",
        "",
    );
}

fn edit(dir: &Path, rel: &str, from: &str, to: &str) {
    let path = dir.join("spec").join(rel);
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(text.contains(from), "{rel} has no `{from}`");
    std::fs::write(&path, text.replacen(from, to, 1)).unwrap();
}

fn diff_json(dir: &Path, extra: &[&str]) -> (Option<i32>, Value) {
    let out = rbgen()
        .current_dir(dir)
        .args(["diff", "--format", "json"])
        .args(extra)
        .env_remove("GITHUB_BASE_REF")
        .output()
        .unwrap();
    let json = serde_json::from_slice(&out.stdout).unwrap_or_else(|_| {
        panic!(
            "not JSON: {}\n{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    });
    (out.status.code(), json)
}

/// Every change of a procedure as `step: kind (weakens)`.
fn changes_of(d: &Value, id: &str) -> Vec<String> {
    let p = d["procedures"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["id"] == id)
        .unwrap_or_else(|| panic!("no procedure {id} in {d:#}"));
    p["changes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            format!(
                "{}{}{}{}",
                c["step"]
                    .as_str()
                    .map(|s| format!("{s}: "))
                    .unwrap_or_default(),
                c["environment"]
                    .as_str()
                    .map(|s| format!("[{s}] "))
                    .unwrap_or_default(),
                c["kind"].as_str().unwrap(),
                if c["weakens"] == true {
                    " (weakens)"
                } else {
                    ""
                }
            )
        })
        .collect()
}

/// The pull request: a step's command edited and its gate dropped,
/// the version kept, `rbgen build` run and committed. In CI (`CI=true`,
/// `GITHUB_BASE_REF=main`, no flags) lint fails on RB006 and diff shows the
/// command and flags the gate; `--deny weakened` exits 1.
#[test]
fn the_pull_request_flow_in_ci() {
    let project = repo();
    let dir = project.path();
    edit_the_promotion_and_drop_its_gate(dir);
    rbgen().current_dir(dir).arg("build").assert().success();
    git(dir, &["commit", "-q", "-am", "edit a step, drop its gate"]);

    let lint = rbgen()
        .current_dir(dir)
        .args(["lint", "--no-shellcheck", "--format", "json"])
        .env("CI", "true")
        .env("GITHUB_BASE_REF", "main")
        .output()
        .unwrap();
    assert_eq!(lint.status.code(), Some(1));
    let findings: Value = serde_json::from_slice(&lint.stdout).unwrap();
    assert!(
        findings
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f["code"] == "RB006"
                && f["message"].as_str().unwrap().contains("changed since")),
        "{findings:#}"
    );

    let ci = |args: &[&str]| {
        rbgen()
            .current_dir(dir)
            .arg("diff")
            .args(args)
            .env("CI", "true")
            .env("GITHUB_BASE_REF", "main")
            .output()
            .unwrap()
    };
    let md = ci(&[]);
    assert_eq!(
        md.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&md.stderr)
    );
    let md = String::from_utf8(md.stdout).unwrap();
    assert!(md.contains("-echo \"promoting, found=$FOUND\""), "{md}");
    assert!(md.contains("+echo \"promoting now, found=$FOUND\""), "{md}");
    assert!(
        md.contains("⚠️ **weakens safety** · step `promote`: gate `pre-promotion` removed"),
        "{md}"
    );
    assert!(md.contains("**not bumped**"), "{md}");
    let denied = ci(&["--deny", "weakened"]);
    assert_eq!(denied.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&denied.stderr).contains("1 change weakens safety"),
        "{}",
        String::from_utf8_lossy(&denied.stderr)
    );
}

#[test]
fn markdown_for_the_reviewer() {
    let project = repo();
    let dir = project.path();
    edit_the_promotion_and_drop_its_gate(dir);
    edit(
        dir,
        "runbooks/failover.toml",
        "version = \"1.0.0\"",
        "version = \"1.1.0\"",
    );
    edit(
        dir,
        "runbooks/failover.toml",
        "rto = \"5 min\"",
        "rto = \"15 min\"",
    );
    let out = rbgen()
        .current_dir(dir)
        .args(["diff", "--base", "main"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    insta::assert_snapshot!("mini_pr_markdown", String::from_utf8(out.stdout).unwrap());
}

/// One edit per kind of change the reviewer must see, each recognised from
/// the parsed spec (and the parsed commands), not from the TOML text.
#[test]
fn each_kind_of_change_is_named_and_weakening_ones_are_marked() {
    let project = repo();
    let dir = project.path();
    let rb = "runbooks/failover.toml";
    // The probe now restarts a service: it writes, and dry-run runs probes.
    edit(
        dir,
        rb,
        "show_node \"$OLD_PRIMARY\"\n",
        "show_node \"$OLD_PRIMARY\"\nsystemctl restart patroni\n",
    );
    // The destructive step no longer asks.
    edit(
        dir,
        rb,
        "kind = \"destructive\"\n",
        "kind = \"destructive\"\nconfirm = false\n",
    );
    // The promotion becomes a plain change (and keeps its gate).
    edit(dir, rb, "kind = \"promotion\"", "kind = \"change\"");
    // The step id of the probe is renamed (its content is the same).
    edit(dir, rb, "id = \"look\"", "id = \"inspect\"");
    edit(
        dir,
        rb,
        "description = \"Read-only\"",
        "description = \"Read-only, mostly\"",
    );
    // A parameter added, a timeout set.
    edit(
        dir,
        rb,
        "[[steps]]\nid = \"stop-old\"",
        "[[params]]\nname = \"REASON\"\ndescription = \"Why\"\n\n[[steps]]\nid = \"stop-old\"\ntimeout = \"2m\"",
    );
    let (code, d) = diff_json(dir, &["--base", "main"]);
    assert_eq!(code, Some(0));
    let changes = changes_of(&d, "failover");
    for expected in [
        "inspect: step-id-renamed",
        "inspect: description-changed",
        "inspect: command-changed",
        "inspect: probe-now-writes (weakens)",
        "stop-old: confirmation-removed (weakens)",
        "stop-old: timeout-changed",
        "promote: kind-changed (weakens)",
        "promote: confirmation-removed (weakens)",
        "param-added",
    ] {
        assert!(
            changes.contains(&expected.to_string()),
            "missing {expected}: {changes:#?}"
        );
    }
    assert_eq!(d["weakened"], 4, "{changes:#?}");
    let p = &d["procedures"][0];
    assert_eq!(p["version_not_bumped"], true);
    let (code, _) = diff_json(dir, &["--base", "main", "--deny", "weakened"]);
    assert_eq!(code, Some(1));
}

/// Steps reordered and removed, a rollback dropped, a variable's value and a
/// function's body changed in the environment (shown per environment for the
/// runbook that uses them), a checklist item that a gate holds removed.
#[test]
fn moves_removals_and_what_an_environment_gives_a_runbook() {
    let project = repo();
    let dir = project.path();
    let rb = "runbooks/failover.toml";
    let path = dir.join("spec").join(rb);
    let text = std::fs::read_to_string(&path).unwrap();
    // Move `promote` before `stop-old`; drop the probe.
    let (head, rest) = text.split_once("[[steps]]\nid = \"look\"").unwrap();
    let (_, rest) = rest.split_once("[[steps]]\nid = \"stop-old\"").unwrap();
    let (stop, promote) = rest.split_once("[[steps]]\nid = \"promote\"").unwrap();
    std::fs::write(
        &path,
        format!("{head}[[steps]]\nid = \"promote\"{promote}\n[[steps]]\nid = \"stop-old\"{stop}"),
    )
    .unwrap();
    edit(
        dir,
        rb,
        "echo \"promoting, found=$FOUND\"",
        "echo \"promoting, found=${FOUND:-}\"",
    );
    let env = std::fs::read_to_string(dir.join("spec/environments/lab.toml")).unwrap();
    let checklist =
        std::fs::read_to_string(dir.join("spec/checklists/pre-promotion.toml")).unwrap();
    let (code, d) = {
        // Change what the environment gives: the first var's value.
        let (before, after) = env.split_once("[vars]\n").expect("lab.toml has [vars]");
        let (first, tail) = after.split_once('\n').unwrap();
        let (name, _) = first.split_once('=').unwrap();
        std::fs::write(
            dir.join("spec/environments/lab.toml"),
            format!("{before}[vars]\n{name}= \"changed-value\"\n{tail}"),
        )
        .unwrap();
        // Drop the checklist's last item, and the project's requirement of it.
        edit(dir, "rbgen.toml", ", \"pre-promotion.approved\"", "");
        let last = checklist.rfind("[[items]]").unwrap();
        std::fs::write(
            dir.join("spec/checklists/pre-promotion.toml"),
            &checklist[..last],
        )
        .unwrap();
        diff_json(dir, &["--base", "main"])
    };
    assert_eq!(code, Some(0));
    let changes = changes_of(&d, "failover");
    assert!(
        changes.contains(&"look: step-removed (weakens)".to_string()),
        "{changes:#?}"
    );
    assert!(
        changes.iter().any(|c| c.ends_with("step-moved")),
        "{changes:#?}"
    );
    let lists = d["checklists"].as_array().unwrap();
    assert!(
        lists.iter().any(|l| l["id"] == "pre-promotion"
            && l["changes"]
                .as_array()
                .unwrap()
                .iter()
                .any(|c| c["kind"] == "item-removed" && c["weakens"] == true)),
        "{d:#}"
    );
    assert!(
        d["project"]
            .as_array()
            .unwrap()
            .iter()
            .any(|c| c["kind"] == "required-check-removed" && c["weakens"] == true),
        "{d:#}"
    );
    let envs = d["environments"].as_array().unwrap();
    assert!(
        envs.iter().any(|e| e["id"] == "lab"
            && e["changes"]
                .as_array()
                .unwrap()
                .iter()
                .any(|c| c["kind"] == "variable-changed")),
        "{d:#}"
    );
}

#[test]
fn nothing_changed_and_bad_bases() {
    let project = repo();
    let dir = project.path();
    let out = rbgen()
        .current_dir(dir)
        .args(["diff", "--base", "main", "--deny", "weakened"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    assert!(
        String::from_utf8_lossy(&out.stdout)
            .contains("No runbook, drill, environment, checklist or drill record changed.")
    );

    let out = rbgen()
        .current_dir(dir)
        .args(["diff", "--base", "no-such-branch"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("no such commit") && err.contains("help:"),
        "{err}"
    );

    let out = rbgen()
        .current_dir(dir)
        .arg("diff")
        .env_remove("CI")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--base main"));

    // Outside git.
    let plain = mini_project(None);
    let out = rbgen()
        .current_dir(plain.path())
        .args(["diff", "--base", "main"])
        .env("GIT_CEILING_DIRECTORIES", plain.path().parent().unwrap())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("is not in a git repository"));
}

/// A spec added by the PR (nothing at the base) lists every procedure as new.
#[test]
fn a_spec_new_at_the_base() {
    let project = mini_project(None);
    let dir = project.path();
    git(dir, &["init", "-q", "-b", "main"]);
    std::fs::write(dir.join("README"), "x\n").unwrap();
    git(dir, &["add", "README"]);
    git(dir, &["commit", "-q", "-m", "empty"]);
    let (code, d) = diff_json(dir, &["--base", "main"]);
    assert_eq!(code, Some(0));
    assert!(
        d["procedures"]
            .as_array()
            .unwrap()
            .iter()
            .all(|p| p["status"] == "added")
    );
    assert!(!d["procedures"].as_array().unwrap().is_empty());
}

/// On every foreign spec: dropping the first gate of a runbook (whatever
/// the file's line endings) is found, at its step, and marked weakening.
#[test]
fn a_dropped_gate_is_found_in_every_foreign_spec() {
    let mut cases = std::fs::read_dir(fixtures().join("foreign"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.join("spec/rbgen.toml").is_file())
        .collect::<Vec<_>>();
    cases.sort();
    let mut checked = 0;
    for case in cases {
        let project = tempfile::tempdir().unwrap();
        let dir = project.path();
        copy_dir(&case.join("spec"), &dir.join("spec"));
        git(dir, &["init", "-q", "-b", "main"]);
        git(dir, &["add", "-A"]);
        git(dir, &["commit", "-q", "-m", "base"]);
        let (_, same) = diff_json(dir, &["--base", "main"]);
        assert_eq!(
            same["procedures"],
            Value::Array(vec![]),
            "{}",
            case.display()
        );

        let mut runbooks: Vec<_> = std::fs::read_dir(dir.join("spec/runbooks"))
            .unwrap()
            .map(|e| e.unwrap().path())
            .collect();
        runbooks.sort();
        let Some((file, text)) = runbooks.iter().find_map(|f| {
            let t = std::fs::read_to_string(f).unwrap();
            t.lines()
                .any(|l| l.trim_start().starts_with("gate") && l.contains('='))
                .then(|| (f.clone(), t))
        }) else {
            continue;
        };
        let mut dropped = false;
        let kept: String = text
            .split_inclusive('\n')
            .filter(|l| {
                let drop = !dropped && l.trim_start().starts_with("gate") && l.contains('=');
                dropped |= drop;
                !drop
            })
            .collect();
        std::fs::write(&file, kept).unwrap();
        let (code, d) = diff_json(dir, &["--base", "main", "--deny", "weakened"]);
        assert_eq!(code, Some(1), "{}: {d:#}", case.display());
        let gate_removed: Vec<&Value> = d["procedures"]
            .as_array()
            .unwrap()
            .iter()
            .flat_map(|p| p["changes"].as_array().unwrap())
            .filter(|c| c["kind"] == "gate-removed")
            .collect();
        assert_eq!(gate_removed.len(), 1, "{}: {d:#}", case.display());
        assert_eq!(gate_removed[0]["weakens"], true);
        assert!(gate_removed[0]["step"].is_string());
        checked += 1;
    }
    assert!(checked >= 5, "only {checked} foreign specs have a gate");
}

/// The example spec: unchanged against itself; a drill record edited by
/// hand after it was written (a measured figure lowered) is marked, a new
/// record is listed; a title's HTML stays text in the Markdown.
#[test]
fn the_example_spec_records_and_hostile_titles() {
    let project = tempfile::tempdir().unwrap();
    let dir = project.path();
    copy_dir(&root().join("spec"), &dir.join("spec"));
    git(dir, &["init", "-q", "-b", "main"]);
    git(dir, &["add", "-A"]);
    git(dir, &["commit", "-q", "-m", "base"]);
    let (code, same) = diff_json(dir, &["--base", "main", "--deny", "weakened"]);
    assert_eq!(code, Some(0));
    assert_eq!(same["weakened"], 0, "{same:#}");
    assert_eq!(same["procedures"], Value::Array(vec![]));

    let records = dir.join("spec/drills/records");
    let mut files: Vec<_> = std::fs::read_dir(&records)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    let first = std::fs::read_to_string(&files[0]).unwrap();
    let (head, tail) = first.split_once("seconds = ").unwrap();
    let (_, rest) = tail.split_once('\n').unwrap();
    std::fs::write(&files[0], format!("{head}seconds = 1.0\n{rest}")).unwrap();
    let copy = files[0].with_file_name("drill-a-node-loss-lab-20261201T000000Z.toml");
    std::fs::write(&copy, first.replace("2026-11-26T", "2026-12-01T")).unwrap();

    edit(
        dir,
        "runbooks/a-single-node-failure.toml",
        "\ntitle = \"",
        "\ntitle = \"<img src=x onerror=alert(1)> ",
    );
    let (code, d) = diff_json(dir, &["--base", "main"]);
    assert_eq!(code, Some(0));
    let kinds: Vec<(String, bool)> = d["drill_records"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c["kind"].as_str().unwrap().to_string(),
                c["weakens"] == true,
            )
        })
        .collect();
    assert!(
        kinds.contains(&("drill-record-edited".into(), true)),
        "{kinds:?}"
    );
    assert!(
        kinds.contains(&("drill-record-added".into(), false)),
        "{kinds:?}"
    );

    let md = rbgen()
        .current_dir(dir)
        .args(["diff", "--base", "main"])
        .output()
        .unwrap();
    let md = String::from_utf8(md.stdout).unwrap();
    // Raw HTML in a heading is text; in a code span it is literal anyway.
    let heading = md
        .lines()
        .find(|l| l.starts_with("### Runbook `a-single-node-failure`"))
        .unwrap_or_else(|| panic!("{md}"));
    assert!(
        heading.contains("&lt;img src=x") && !heading.contains("<img"),
        "{heading}"
    );
    assert!(md.contains("### Drill records"), "{md}");
}
