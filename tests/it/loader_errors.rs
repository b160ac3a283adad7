//! Malformed specs: every fixture under tests/fixtures/bad/<case>/ is the mini
//! spec with a few files replaced; `expected.txt` beside it holds the
//! diagnostics it must produce, one `file:line:col: error: message [code]`
//! line each (paths relative to the project). `RBGEN_BLESS=1` rewrites them.

use crate::common::*;
use rbgen::spec::Spec;

fn short_diagnostics(project: &std::path::Path) -> String {
    let spec_dir = project.join("spec");
    let errors = match Spec::load(&spec_dir) {
        Ok(_) => return "(no errors)\n".to_string(),
        Err(mut errors) => {
            rbgen::diagnostic::sort_dedup(&mut errors);
            errors
        }
    };
    let prefix = format!("{}/", project.display());
    let mut out = String::new();
    for e in &errors {
        out.push_str(&e.render_short().replace(&prefix, ""));
        out.push('\n');
        if let Some(help) = &e.help {
            out.push_str(&format!("  help: {}\n", help.replace(&prefix, "")));
        }
    }
    out
}

#[test]
fn every_bad_fixture_reports_its_expected_diagnostics() {
    let bad = fixtures().join("bad");
    let mut cases: Vec<_> = std::fs::read_dir(&bad)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    cases.sort();
    assert!(cases.len() >= 15, "at least 15 malformed fixtures");
    let mut failures = Vec::new();
    for case in &cases {
        let project = mini_project(Some(case));
        let actual = short_diagnostics(project.path());
        let expected_path = case.join("expected.txt");
        if bless() {
            std::fs::write(&expected_path, &actual).unwrap();
            continue;
        }
        let expected = std::fs::read_to_string(&expected_path)
            .unwrap_or_else(|_| panic!("missing {}", expected_path.display()));
        if expected != actual {
            failures.push(format!(
                "--- {}\nexpected:\n{expected}actual:\n{actual}",
                case.display()
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn the_clean_mini_fixture_loads() {
    let project = mini_project(None);
    assert_eq!(short_diagnostics(project.path()), "(no errors)\n");
}

/// The CLI exits 2 on every bad fixture, never panics, and leaves an existing
/// `generated/` exactly as it was.
#[test]
fn build_of_a_bad_spec_exits_2_and_writes_nothing() {
    let bad = fixtures().join("bad");
    for case in std::fs::read_dir(&bad).unwrap() {
        let case = case.unwrap().path();
        let project = mini_project(Some(&case));
        let generated = project.path().join("generated");
        std::fs::create_dir_all(generated.join("scripts")).unwrap();
        std::fs::write(generated.join("scripts/keep.sh"), "old\n").unwrap();
        let before = snapshot_tree(&generated);
        let output = rbgen()
            .current_dir(project.path())
            .args(["build", "--spec", "spec"])
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(
            output.status.code(),
            Some(2),
            "{}: {stderr}",
            case.display()
        );
        assert!(!stderr.contains("panicked"), "{}: {stderr}", case.display());
        assert!(
            stderr.contains("nothing was written"),
            "{}: {stderr}",
            case.display()
        );
        assert_eq!(before, snapshot_tree(&generated), "{}", case.display());
    }
}

/// The rustc-style rendering: file:line:col, the TOML line and a caret.
#[test]
fn human_rendering_shows_the_line_and_a_caret() {
    let project = mini_project(Some(&fixtures().join("bad/unknown-key")));
    let output = rbgen()
        .current_dir(project.path())
        .arg("build")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr)
        .replace(&format!("{}/", project.path().display()), "");
    insta::assert_snapshot!(stderr);
}
