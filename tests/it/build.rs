//! `rbgen build`, `build --check` and `schema` through the binary (`init`:
//! tests/init_project.rs).

use crate::common::*;
use std::path::Path;
use std::process::Command;

fn scripts_under(dir: &Path) -> Vec<std::path::PathBuf> {
    walkdir::WalkDir::new(dir)
        .sort_by_file_name()
        .into_iter()
        .map(|e| e.unwrap().into_path())
        .filter(|p| p.extension().is_some_and(|e| e == "sh"))
        .collect()
}

fn assert_scripts_clean(dir: &Path) {
    let scripts = scripts_under(dir);
    assert!(!scripts.is_empty(), "no scripts under {}", dir.display());
    for script in &scripts {
        let out = Command::new("bash").arg("-n").arg(script).output().unwrap();
        assert!(
            out.status.success(),
            "bash -n {}: {}",
            script.display(),
            String::from_utf8_lossy(&out.stderr)
        );
    }
    if require_tool("shellcheck", "--version") {
        let out = Command::new("shellcheck")
            .args(["-s", "bash", "-f", "gcc"])
            .args(&scripts)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "ShellCheck findings in generated scripts:\n{}",
            String::from_utf8_lossy(&out.stdout)
        );
    }
}

#[test]
fn every_script_of_the_example_spec_passes_bash_n_and_shellcheck() {
    let dir = build_example();
    let out = dir.path().join("generated");
    assert_scripts_clean(&out);
}

#[test]
fn every_script_of_the_mini_fixture_passes_bash_n_and_shellcheck() {
    let project = mini_project(None);
    rbgen()
        .current_dir(project.path())
        .arg("build")
        .assert()
        .success();
    assert_scripts_clean(&project.path().join("generated"));
}

#[test]
fn example_spec_has_every_runbook_and_drill_in_both_environments() {
    let dir = build_example();
    let out = dir.path().join("generated");
    let spec = rbgen::spec::Spec::load(&root().join("spec")).unwrap();
    for env in ["production", "lab"] {
        for id in [
            "a-single-node-failure",
            "b-full-dc-failure",
            "c-network-partition",
            "d-etcd-failure",
            "e-split-brain",
            "scenario-1-primary-kill",
            "scenario-2-network-partition",
            "scenario-3-etcd-node-failure",
            "scenario-4-standby-promotion",
        ] {
            let script = out.join(format!("scripts/{env}/{id}.sh"));
            assert!(script.is_file(), "missing {}", script.display());
            let list = Command::new(&script).arg("--list").output().unwrap();
            assert!(list.status.success(), "{} --list", script.display());
            // `--list` is the plan: every step of this environment, in
            // order, numbered, with its kind.
            let listed = String::from_utf8_lossy(&list.stdout);
            let (_, proc) = spec.procedure(id).unwrap();
            let mut rest: &str = &listed;
            let steps: Vec<_> = rbgen::semantics::steps_in(&proc.doc, env).collect();
            // Columns as wide as the longest id, at any length.
            let width = steps.iter().map(|s| s.id.get_ref().len()).max().unwrap();
            for (i, step) in steps.iter().enumerate() {
                let line = format!(
                    "{:>2}. {:<width$} [{}]",
                    i + 1,
                    step.id.get_ref(),
                    step.kind.get_ref().as_str()
                );
                let at = rest.find(&line).unwrap_or_else(|| {
                    panic!("{id} ({env}) --list lacks `{line}` in order:\n{listed}")
                });
                rest = &rest[at + line.len()..];
            }
        }
    }
}

#[test]
fn builds_are_byte_identical_and_stale_files_are_removed() {
    let project = mini_project(None);
    rbgen()
        .current_dir(project.path())
        .arg("build")
        .assert()
        .success();
    let generated = project.path().join("generated");
    let first = snapshot_tree(&generated);
    std::fs::write(generated.join("scripts/lab/removed-runbook.sh"), "stale").unwrap();
    // From another directory, with an explicit spec path: same bytes.
    rbgen()
        .current_dir(std::env::temp_dir())
        .args(["build", "--spec"])
        .arg(project.path().join("spec"))
        .assert()
        .success();
    assert_eq!(first, snapshot_tree(&generated));
}

#[test]
fn check_passes_on_a_fresh_build_and_reports_drift_with_the_fix() {
    let project = mini_project(None);
    rbgen()
        .current_dir(project.path())
        .arg("build")
        .assert()
        .success();
    let generated = project.path().join("generated");
    rbgen()
        .current_dir(project.path())
        .args(["build", "--check"])
        .assert()
        .code(0);

    let script = generated.join("scripts/lab/failover.sh");
    let text = std::fs::read_to_string(&script).unwrap();
    std::fs::write(&script, text.replace("set -Eeuo pipefail", "set -e")).unwrap();
    std::fs::write(generated.join("scripts/lab/extra.sh"), "x").unwrap();
    std::fs::remove_file(generated.join("scripts/lab/chaos.sh")).unwrap();
    let before = snapshot_tree(&generated);
    let out = rbgen()
        .current_dir(project.path())
        .args(["build", "--check"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stdout.contains("-set -e\n+set -Eeuo pipefail"),
        "unified diff: {stdout}"
    );
    assert!(
        stdout.contains("missing: ") && stdout.contains("chaos.sh"),
        "{stdout}"
    );
    assert!(
        stdout.contains("extra: ") && stdout.contains("extra.sh"),
        "{stdout}"
    );
    assert!(stderr.contains("run `rbgen build`"), "{stderr}");
    assert_eq!(before, snapshot_tree(&generated), "--check wrote nothing");
}

#[test]
fn schema_describes_every_file_kind() {
    let out = rbgen().arg("schema").output().unwrap();
    assert!(out.status.success());
    let schema: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    for kind in [
        "rbgen.toml",
        "environments/*.toml",
        "runbooks/*.toml",
        "drills/*.toml",
        "decision-tree.toml",
    ] {
        assert!(schema["files"][kind]["properties"].is_object(), "{kind}");
    }
    let steps = &schema["files"]["runbooks/*.toml"]["$defs"]["Step"]["properties"];
    assert!(
        steps["kind"].is_object() && steps["gate"].is_object(),
        "{steps}"
    );
}

#[test]
fn spec_is_found_from_a_subdirectory() {
    let project = mini_project(None);
    let sub = project.path().join("spec/runbooks");
    rbgen().current_dir(&sub).arg("build").assert().success();
    assert!(
        project
            .path()
            .join("generated/scripts/lab/failover.sh")
            .is_file()
    );
}

#[test]
fn unwritable_output_is_a_clear_error() {
    let project = mini_project(None);
    let out = rbgen()
        .current_dir(project.path())
        .args(["build", "--out", "/proc/rbgen-cannot-write/generated"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("cannot create"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn templates_can_be_overridden_and_template_errors_name_file_line_and_value() {
    let project = mini_project(None);
    let templates = project.path().join("my-templates");
    std::fs::create_dir_all(&templates).unwrap();
    let builtin = std::fs::read_to_string(root().join("templates/drill-sheet.md.tera")).unwrap();
    std::fs::write(
        templates.join("drill-sheet.md.tera"),
        format!("<# our own sheet #>\nTEAM SHEET\n{builtin}"),
    )
    .unwrap();
    rbgen()
        .current_dir(project.path())
        .args(["build", "--templates", "my-templates"])
        .assert()
        .success();
    let sheet = std::fs::read_to_string(project.path().join("generated/drills/chaos.md")).unwrap();
    assert!(sheet.trim_start().starts_with("TEAM SHEET\n"), "{sheet}");
    let generated = snapshot_tree(&project.path().join("generated"));

    std::fs::write(
        templates.join("script.sh.tera"),
        "#!/bin/bash\n{{ proc.no_such_field }}\n",
    )
    .unwrap();
    let out = rbgen()
        .current_dir(project.path())
        .args(["build", "--templates", "my-templates"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("my-templates/script.sh.tera:2:9") && stderr.contains("no_such_field"),
        "{stderr}"
    );
    assert_eq!(
        generated,
        snapshot_tree(&project.path().join("generated")),
        "a failed build writes nothing"
    );
}

/// The script template's context is a documented contract: `rbgen schema
/// --template script` describes every field the built-in template reads,
/// with its documentation.
#[test]
fn the_script_template_context_is_published_as_a_schema() {
    let out = rbgen()
        .args(["schema", "--template", "script"])
        .output()
        .unwrap();
    assert!(out.status.success());
    let schema: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let defs = &schema["$defs"];
    let props = |v: &serde_json::Value| -> Vec<String> {
        v["properties"]
            .as_object()
            .unwrap()
            .keys()
            .cloned()
            .collect()
    };
    let top = props(&schema);
    // Every top-level name the built-in template reads (`{{ proc.… }}`,
    // `{% for s in steps %}`) is in the schema.
    let template = std::fs::read_to_string(root().join("templates/script.sh.tera")).unwrap();
    for name in [
        "generator",
        "project",
        "proc",
        "env",
        "functions",
        "params",
        "secrets",
        "checklists",
        "before",
        "warnings",
        "choices",
        "steps",
    ] {
        assert!(template.contains(name), "{name}");
        assert!(
            top.contains(&name.to_string()),
            "schema lacks `{name}`: {top:?}"
        );
    }
    // `s` is a step, or a secret in the secrets loop.
    let mut step = props(&defs["StepInfo"]);
    step.extend(props(&defs["SecretInfo"]));
    let used_in_template = regex::Regex::new(r"\bs\.([a-z_]+)").unwrap();
    for m in used_in_template.captures_iter(&template) {
        assert!(
            step.contains(&m[1].to_string()),
            "the template reads s.{} but the context has no such field",
            &m[1]
        );
    }
    assert!(
        defs["StepInfo"]["properties"]["body"]["description"]
            .as_str()
            .is_some_and(|d| d.contains("Shell code")),
        "fields carry their documentation"
    );
    // A condition is one of three kinds, told apart by `kind`.
    let kinds = serde_json::to_string(&defs["Condition"]).unwrap();
    for k in ["\"step\"", "\"var\"", "\"test\""] {
        assert!(kinds.contains(k), "{kinds}");
    }
}
