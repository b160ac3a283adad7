//! Hostile specs that cannot live as plain fixture files (binary bytes,
//! symlinks, directories, 10 MB values, deep nesting), on top of the file
//! fixtures in tests/fixtures/bad/. Each must exit 2 with a position where one
//! exists, never panic, and leave `generated/` exactly as it was; the
//! hostile-but-valid ones (CRLF, BOM, tabs, huge text) must build.

use crate::common::*;
use std::path::Path;

type Setup = fn(&Path);

fn runbook(spec: &Path) -> std::path::PathBuf {
    spec.join("runbooks/failover.toml")
}

fn edit(spec: &Path, f: impl Fn(String) -> String) {
    let p = runbook(spec);
    let text = std::fs::read_to_string(&p).unwrap();
    std::fs::write(p, f(text)).unwrap();
}

const REJECTED: &[(&str, Setup, Option<&str>)] = &[
    (
        "non-UTF-8 bytes",
        |s| {
            let mut bytes = std::fs::read(runbook(s)).unwrap();
            bytes.splice(20..20, [0xff, 0xfe, 0x80]);
            std::fs::write(runbook(s), bytes).unwrap();
        },
        Some("failover.toml:2:"),
    ),
    (
        "truncated TOML",
        |s| edit(s, |t| t[..t.len() / 2].to_string()),
        Some("failover.toml:"),
    ),
    (
        "NUL in an id",
        |s| edit(s, |t| t.replace("id = \"look\"", "id = \"lo\\u0000ok\"")),
        Some("failover.toml:"),
    ),
    (
        "id with ..",
        |s| edit(s, |t| t.replace("id = \"stop-old\"", "id = \"..\"")),
        Some("failover.toml:"),
    ),
    (
        "empty runbook file",
        |s| std::fs::write(runbook(s), "").unwrap(),
        Some("failover.toml:1:1"),
    ),
    (
        "spec file that is a directory",
        |s| std::fs::create_dir_all(s.join("runbooks/dir.toml")).unwrap(),
        None,
    ),
    (
        "symlink loop",
        |s| std::os::unix::fs::symlink("loop.toml", s.join("runbooks/loop.toml")).unwrap(),
        None,
    ),
    (
        "dangling symlink",
        |s| {
            std::os::unix::fs::symlink("/nonexistent/x.toml", s.join("runbooks/gone.toml")).unwrap()
        },
        None,
    ),
    (
        "deeply nested arrays",
        |s| {
            let deep = format!(
                "id = \"deep\"\ntitle = \"x\"\nsteps = {}{}\n",
                "[".repeat(100_000),
                "]".repeat(100_000)
            );
            std::fs::write(s.join("runbooks/deep.toml"), deep).unwrap();
        },
        Some("deep.toml:"),
    ),
    (
        "deeply nested inline tables",
        |s| {
            let deep = format!(
                "id = \"deep\"\ntitle = \"x\"\nx = {}1{}\n",
                "{a=".repeat(50_000),
                "}".repeat(50_000)
            );
            std::fs::write(s.join("runbooks/deep.toml"), deep).unwrap();
        },
        Some("deep.toml:"),
    ),
    (
        "wrong types everywhere",
        |s| {
            edit(s, |t| {
                t.replace("version = \"1.0.0\"", "version = [1, 0]")
                    .replace("kind = \"probe\"", "kind = 7")
                    .replace("sets = [\"FOUND\"]", "sets = \"FOUND\"")
            })
        },
        Some("failover.toml:"),
    ),
    (
        "date that is a string",
        |s| {
            edit(s, |t| {
                t.replace(
                    "last_reviewed = 2026-11-01",
                    "last_reviewed = \"last week\"",
                )
            })
        },
        Some("failover.toml:4:"),
    ),
    (
        "negative scenario number",
        |s| {
            let p = s.join("drills/chaos.toml");
            let t = std::fs::read_to_string(&p)
                .unwrap()
                .replace("scenario = 1", "scenario = -1");
            std::fs::write(p, t).unwrap();
        },
        Some("chaos.toml:3:"),
    ),
    (
        "escape sequence in a title",
        |s| {
            edit(s, |t| {
                t.replace("title = \"Promote\"", "title = \"Promote \\u001b[2J\"")
            })
        },
        Some("failover.toml:"),
    ),
    (
        "unknown top-level table",
        |s| edit(s, |t| format!("{t}\n[extras]\nx = 1\n")),
        Some("failover.toml:"),
    ),
    (
        "rbgen.toml that is a directory",
        |s| {
            std::fs::remove_file(s.join("rbgen.toml")).unwrap();
            std::fs::create_dir(s.join("rbgen.toml")).unwrap();
        },
        None,
    ),
];

#[test]
fn hostile_specs_are_rejected_with_positions_and_write_nothing() {
    for (name, setup, position) in REJECTED {
        let project = mini_project(None);
        let spec = project.path().join("spec");
        let generated = project.path().join("generated");
        rbgen()
            .current_dir(project.path())
            .arg("build")
            .assert()
            .success();
        let before = snapshot_tree(&generated);
        setup(&spec);
        let out = rbgen()
            .current_dir(project.path())
            .args(["build", "--spec", "spec"])
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{name}: {stderr}");
        assert!(!stderr.contains("panicked"), "{name}: {stderr}");
        if let Some(pos) = position {
            assert!(
                stderr.contains(pos),
                "{name}: expected a position `{pos}` in:\n{stderr}"
            );
        }
        assert!(
            stderr.contains("help"),
            "{name}: every error has a fix hint:\n{stderr}"
        );
        assert_eq!(
            before,
            snapshot_tree(&generated),
            "{name}: generated/ changed"
        );
        let lint = rbgen()
            .current_dir(project.path())
            .args(["lint", "--no-shellcheck"])
            .output()
            .unwrap();
        assert_eq!(
            lint.status.code(),
            Some(2),
            "{name}: lint of an unreadable spec exits 2"
        );
    }
    // With tests/fixtures/bad/, the corpus holds at least 40 hostile specs.
    let files = std::fs::read_dir(fixtures().join("bad")).unwrap().count();
    assert!(files + REJECTED.len() >= 40, "{files} + {}", REJECTED.len());
}

const ACCEPTED: &[(&str, Setup)] = &[
    ("CRLF line endings", |s| {
        edit(s, |t| t.replace('\n', "\r\n"))
    }),
    ("byte order mark", |s| edit(s, |t| format!("\u{feff}{t}"))),
    ("tabs for indentation", |s| {
        edit(s, |t| t.replace("\nshow_node", "\n\tshow_node"))
    }),
    ("10 MB title", |s| {
        edit(s, |t| {
            t.replace(
                "title = \"Look at the cluster\"",
                &format!("title = \"{}\"", "L".repeat(10_000_000)),
            )
        })
    }),
    ("template syntax in text", |s| {
        edit(s, |t| {
            t.replace(
                "description = \"Read-only\"",
                "description = \"{{ proc.id }} {% if x %} {# c #} <# d #>\"",
            )
        })
    }),
];

#[test]
fn hostile_but_valid_specs_build_and_keep_their_text() {
    for (name, setup) in ACCEPTED {
        let project = mini_project(None);
        setup(&project.path().join("spec"));
        let out = rbgen()
            .current_dir(project.path())
            .arg("build")
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{name}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let script = project.path().join("generated/scripts/lab/failover.sh");
        let list = std::process::Command::new(&script)
            .arg("--list")
            .output()
            .unwrap();
        assert!(list.status.success(), "{name}");
    }
    let project = mini_project(None);
    ACCEPTED[4].1(&project.path().join("spec"));
    rbgen()
        .current_dir(project.path())
        .arg("build")
        .assert()
        .success();
    let script = project.path().join("generated/scripts/lab/failover.sh");
    let dry = std::process::Command::new(&script)
        .args(["--dry-run", "--old-primary", "x"])
        .output()
        .unwrap();
    assert!(
        String::from_utf8_lossy(&dry.stdout).contains("{{ proc.id }} {% if x %} {# c #} <# d #>"),
        "template syntax is not evaluated"
    );
}

#[test]
fn crlf_positions_are_still_exact() {
    let project = mini_project(Some(&fixtures().join("bad/unknown-gate")));
    edit(&project.path().join("spec"), |t| t.replace('\n', "\r\n"));
    let out = rbgen()
        .current_dir(project.path())
        .args(["build", "--spec", "spec"])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("failover.toml:41:8"), "{stderr}");
}
