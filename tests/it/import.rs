//! `rbgen import`: five Markdown runbooks written in five teams' styles
//! (tests/fixtures/import/<style>/runbook.md) become specs that match the
//! expected spec beside them (`expected/`, `RBGEN_BLESS=1` rewrites), build
//! on the first try into scripts that pass `bash -n` and ShellCheck, and
//! lint to exactly the findings in `expected-lint.txt` — the documents'
//! planted defects. A README or a changelog is refused with no file written.

use crate::common::*;
use std::path::{Path, PathBuf};
use std::process::Command;

const STYLES: &[&str] = &[
    "patroni-ssh",
    "repmgr-numbered",
    "cnpg-console",
    "streaming-plain",
    "cloud-managed",
];

fn import(style: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let md = fixtures().join("import").join(style).join("runbook.md");
    let out = rbgen()
        .current_dir(dir.path())
        .args(["import", "--into", "project", "--today", "2026-11-26"])
        .arg(&md)
        .env("XDG_CACHE_HOME", dir.path().join("cache"))
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{style}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("imported "), "{style}: {stderr}");
    assert!(
        stderr.contains("rbgen lint:"),
        "{style}: the import lints what it wrote: {stderr}"
    );
    dir
}

/// Every file under `dir` (relative path, text), sorted.
fn files_under(dir: &Path) -> Vec<(PathBuf, String)> {
    let mut out: Vec<(PathBuf, String)> = walkdir::WalkDir::new(dir)
        .into_iter()
        .map(|e| e.unwrap().into_path())
        .filter(|p| p.is_file())
        .map(|p| {
            let text = std::fs::read_to_string(&p).unwrap();
            (p.strip_prefix(dir).unwrap().to_path_buf(), text)
        })
        .collect();
    out.sort();
    out
}

/// The spec files an import wrote (not init's project files and schemas).
fn spec_files(project: &Path) -> Vec<(PathBuf, String)> {
    files_under(&project.join("spec"))
}

#[test]
fn each_style_imports_to_its_expected_spec() {
    let mut failures = Vec::new();
    for style in STYLES {
        let dir = import(style);
        let actual = spec_files(&dir.path().join("project"));
        let expected_dir = fixtures().join("import").join(style).join("expected");
        if bless() {
            let _ = std::fs::remove_dir_all(&expected_dir);
            for (rel, text) in &actual {
                let path = expected_dir.join(rel);
                std::fs::create_dir_all(path.parent().unwrap()).unwrap();
                std::fs::write(path, text).unwrap();
            }
            continue;
        }
        let expected = files_under(&expected_dir);
        if expected != actual {
            let names = |v: &[(PathBuf, String)]| {
                v.iter()
                    .map(|(p, _)| p.display().to_string())
                    .collect::<Vec<_>>()
                    .join(", ")
            };
            let mut diff = format!(
                "--- {style}: files expected [{}], actual [{}]\n",
                names(&expected),
                names(&actual)
            );
            for (rel, text) in &actual {
                let want = expected
                    .iter()
                    .find(|(p, _)| p == rel)
                    .map(|(_, t)| t.as_str())
                    .unwrap_or("");
                if want != text {
                    diff.push_str(
                        &similar::TextDiff::from_lines(want, text)
                            .unified_diff()
                            .header(&rel.display().to_string(), "actual")
                            .to_string(),
                    );
                }
            }
            failures.push(diff);
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn each_import_builds_first_try_and_lints_to_the_documents_defects() {
    let shellcheck = require_tool("shellcheck", "--version");
    let mut failures = Vec::new();
    for style in STYLES {
        let dir = import(style);
        let project = dir.path().join("project");
        let built = rbgen().current_dir(&project).arg("build").output().unwrap();
        assert!(
            built.status.success(),
            "{style}: {}",
            String::from_utf8_lossy(&built.stderr)
        );
        let scripts: Vec<PathBuf> = walkdir::WalkDir::new(project.join("generated/scripts"))
            .into_iter()
            .map(|e| e.unwrap().into_path())
            .filter(|p| p.extension().is_some_and(|e| e == "sh"))
            .collect();
        assert!(!scripts.is_empty(), "{style}: no scripts");
        for s in &scripts {
            let n = Command::new("bash").arg("-n").arg(s).output().unwrap();
            assert!(n.status.success(), "{style}: bash -n {}", s.display());
        }
        if shellcheck {
            // Warnings and errors; the document's own code may carry
            // ShellCheck's info and style notes, which lint shows (RB014)
            // and which do not fail a gate.
            let sc = Command::new("shellcheck")
                .args(["-s", "bash", "-S", "warning", "-f", "gcc"])
                .args(&scripts)
                .output()
                .unwrap();
            assert!(
                sc.status.success(),
                "{style}: {}",
                String::from_utf8_lossy(&sc.stdout)
            );
        }
        // The book shows reference pages and follow-up lists.
        let summary = std::fs::read_to_string(project.join("generated/book/SUMMARY.md")).unwrap();
        for page in std::fs::read_dir(project.join("spec/pages"))
            .into_iter()
            .flatten()
        {
            let id = page
                .unwrap()
                .path()
                .file_stem()
                .unwrap()
                .to_string_lossy()
                .to_string();
            assert!(
                summary.contains(&format!("(pages/{id}.md)")),
                "{style}: page {id} not in the book: {summary}"
            );
        }
        let args: &[&str] = if shellcheck {
            &[]
        } else {
            &["--no-shellcheck"]
        };
        let (_, findings) = lint_json(&project, args);
        let actual: String = findings.iter().map(|f| finding_line(f) + "\n").collect();
        let path = fixtures()
            .join("import")
            .join(style)
            .join("expected-lint.txt");
        if bless() {
            std::fs::write(&path, &actual).unwrap();
            continue;
        }
        let expected = std::fs::read_to_string(&path).unwrap_or_default();
        if expected != actual {
            failures.push(format!(
                "--- {style}\n{}",
                similar::TextDiff::from_lines(&expected, &actual)
                    .unified_diff()
                    .header("expected-lint.txt", "actual")
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn the_imports_guesses_are_marked_and_the_documents_contents_kept() {
    let dir = import("patroni-ssh");
    let spec = dir.path().join("project/spec");
    let failover = std::fs::read_to_string(spec.join("runbooks/unplanned-failover.toml")).unwrap();
    // Numbering stripped, kinds guessed from the command model and marked.
    assert!(
        failover.contains("title = \"Fence the old leader\""),
        "{failover}"
    );
    assert!(
        failover
            .contains("kind = \"promotion\"          # guessed: `patronictl failover` promotes"),
        "{failover}"
    );
    // The interactive confirmation is a manual step now.
    assert!(failover.contains("title = \"Confirm with the incident lead\"\nkind = \"manual\"          # guessed: was an interactive `read -p`"), "{failover}");
    assert!(!failover.contains("read -p \""), "{failover}");
    // The variable the document never defines is a parameter; the follow-up
    // list comes after the runbook; the links are kept.
    assert!(failover.contains("name = \"NODE2_NAME\""), "{failover}");
    assert!(
        failover.contains("after = [\"follow-up-actions\"]"),
        "{failover}"
    );
    assert!(
        failover.contains("href = \"https://patroni.readthedocs.io/en/latest/rest_api.html\""),
        "{failover}"
    );
    // Secrets lose their value; versions stated become [tools].
    let env = std::fs::read_to_string(spec.join("environments/production.toml")).unwrap();
    assert!(env.contains("[secrets]\nPGPASSWORD = "), "{env}");
    assert!(!env.contains("changeme"), "{env}");
    assert!(env.contains("patroni = \"3.3\""), "{env}");
    // The thresholds table is a reference page the runbooks point at.
    let page = std::fs::read_to_string(spec.join("pages/thresholds.md")).unwrap();
    assert!(page.contains("| Replica lag | < 16 MB |"), "{page}");
    assert!(failover.contains("[[thresholds]]"), "{failover}");
}

#[test]
fn a_readme_or_a_changelog_is_refused_and_nothing_is_written() {
    for file in ["README.md", "CHANGELOG.md"] {
        let dir = tempfile::tempdir().unwrap();
        let out = rbgen()
            .current_dir(dir.path())
            .args(["import", "--into", "project"])
            .arg(fixtures().join("import/not-a-runbook").join(file))
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "{file}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.contains("is not a runbook"), "{file}: {stderr}");
        assert!(
            !dir.path().join("project").exists(),
            "{file}: files were written"
        );
    }
}

#[test]
fn an_import_never_overwrites_a_file() {
    let dir = import("repmgr-numbered");
    let project = dir.path().join("project");
    let before = snapshot_tree(&project);
    let out = rbgen()
        .current_dir(dir.path())
        .args(["import", "--into", "project"])
        .arg(fixtures().join("import/repmgr-numbered/runbook.md"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("never overwrites a file"));
    assert_eq!(before, snapshot_tree(&project), "an existing file changed");
}

/// Reference pages and follow-up lists reach the binder too.
#[test]
fn the_binder_has_the_reference_pages_and_follow_up_lists() {
    let dir = import("patroni-ssh");
    let project = dir.path().join("project");
    let out = rbgen()
        .current_dir(&project)
        .args([
            "print",
            "--env",
            "production",
            "--typst",
            "--out",
            "binder.typ",
        ])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let typ = std::fs::read_to_string(project.join("binder.typ")).unwrap();
    assert!(
        typ.contains("Reference: Thresholds"),
        "no reference page in the binder"
    );
    assert!(
        typ.contains("After the runbook: Follow\\-up actions"),
        "no follow-up list in the binder"
    );
    assert!(
        typ.contains("owner: #box("),
        "no owner line on a follow-up item"
    );
}

/// A runbook whose commands are all inline code is refused, and told why.
#[test]
fn a_runbook_of_inline_commands_is_told_to_fence_them() {
    let dir = tempfile::tempdir().unwrap();
    let md = dir.path().join("inline.md");
    std::fs::write(
        &md,
        "# Promote a replica\n\n1. Check the cluster: `kubectl cnpg status pg-main`\n2. Promote: `kubectl cnpg promote pg-main pg-main-2`\n",
    )
    .unwrap();
    let out = rbgen()
        .current_dir(dir.path())
        .args(["import", "--into", "p"])
        .arg(&md)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("its commands are written as inline code (`kubectl cnpg status pg-main`)"),
        "{stderr}"
    );
    assert!(!dir.path().join("p").exists());
}

/// The book's own Markdown is one more style (heading ids `{#…}`, a
/// "Steps" heading, a checklist written under the promotion step): Runbook
/// B's page imports back to its seven steps, the promotion gated by the
/// checklist under it, and builds.
#[test]
fn the_books_runbook_page_imports_back_with_its_gate() {
    let dir = tempfile::tempdir().unwrap();
    let out = rbgen()
        .current_dir(dir.path())
        .args(["import", "--into", "p", "--today", "2026-11-26"])
        .arg(root().join("generated/book/runbooks/b-full-dc-failure.md"))
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let spec = dir.path().join("p/spec");
    let rb = std::fs::read_to_string(
        spec.join("runbooks/full-dc-failure-2dc-standby-cluster-manual.toml"),
    )
    .unwrap();
    assert_eq!(rb.matches("[[steps]]").count(), 7, "{rb}");
    assert!(
        rb.contains("title = \"Confirm DC1 is fully down\""),
        "heading ids are not titles: {rb}"
    );
    assert!(
        rb.contains("title = \"Promote the DC2 standby cluster\"\nkind = \"promotion\""),
        "{rb}"
    );
    assert!(
        rb.contains("gate = \"promote-the-dc2-standby-cluster\""),
        "{rb}"
    );
    let built = rbgen()
        .current_dir(dir.path().join("p"))
        .arg("build")
        .output()
        .unwrap();
    assert!(
        built.status.success(),
        "{}",
        String::from_utf8_lossy(&built.stderr)
    );
}

/// Two sections with one title write two files, each named where it is
/// used, and a list inside a runbook's section belongs to that runbook.
#[test]
fn sections_of_the_same_title_never_share_a_file() {
    let dir = tempfile::tempdir().unwrap();
    let md = dir.path().join("two.md");
    std::fs::write(
        &md,
        "# Failover\n\n## Checklist\n\n- [ ] Before you start: tell the team\n\n## Promote\n\n```bash\npatronictl -c /etc/patroni.yml failover --candidate pg2 --force\n```\n\n## Notes\n\nSome notes.\n\n## Checklist\n\n- [ ] After: write the ticket\n\n# Switchover\n\n## Notes\n\nOther notes.\n\n## Run it\n\n```bash\npatronictl -c /etc/patroni.yml switchover --candidate pg2 --force\n```\n",
    )
    .unwrap();
    let out = rbgen()
        .current_dir(dir.path())
        .args(["import", "--into", "p"])
        .arg(&md)
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let spec = dir.path().join("p/spec");
    for f in [
        "checklists/checklist.toml",
        "checklists/checklist-2.toml",
        "pages/notes.md",
        "pages/notes-2.md",
    ] {
        assert!(spec.join(f).is_file(), "{f} missing");
    }
    let failover = std::fs::read_to_string(spec.join("runbooks/failover.toml")).unwrap();
    assert!(failover.contains("before = [\"checklist\"]"), "{failover}");
    assert!(failover.contains("after = [\"checklist-2\"]"), "{failover}");
    assert!(
        std::fs::read_to_string(spec.join("pages/notes-2.md"))
            .unwrap()
            .contains("Other notes.")
    );
}
