//! The generated bash scripts, run for real: quoting canary, dry-run safety,
//! gates, confirmation, lock, resume, timeouts and fault cleanup. Built from
//! the mini fixture, whose titles hold `$(touch …)`, backticks and quotes.

use crate::common::*;
use std::path::Path;
use std::process::Command;

/// The mini fixture built, run with a database password and no
/// `OLD_PRIMARY` in the environment.
fn built() -> Built {
    Built::new(&fixtures().join("mini/spec"))
        .with_env("DB_PASSWORD", Some("s3cret"))
        .with_env("OLD_PRIMARY", None)
}

fn text(out: &std::process::Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

const CANARY: &str = "/tmp/rbgen-canary";
const TITLE: &str = "Fail over $(touch /tmp/rbgen-canary) `id` 'q' \"dq\"";

#[test]
fn spec_text_is_printed_verbatim_and_never_executes() {
    let _ = std::fs::remove_file(CANARY);
    let b = built();
    for args in [
        &["--help"][..],
        &["--list"],
        &["--dry-run", "--old-primary", "10.0.0.9"],
    ] {
        let out = b.run("failover", args);
        assert!(out.status.success(), "{args:?}: {}", text(&out));
        assert!(
            text(&out).contains(TITLE),
            "{args:?} prints the title verbatim: {}",
            text(&out)
        );
    }
    let out = b.run(
        "failover",
        &["--yes", "--ack", "all", "--old-primary", "10.0.0.9"],
    );
    assert!(out.status.success(), "{}", text(&out));
    assert!(!Path::new(CANARY).exists(), "a title executed");
    let start = &b.log()[0];
    assert_eq!(start["event"], "run_start");
    assert_eq!(start["title"], TITLE, "the log holds the title verbatim");
}

#[test]
fn dry_run_executes_probes_only() {
    let b = built();
    let marker = b.work().join("rbgen-mini-stop-ran");
    let out = b.run("failover", &["--dry-run", "--old-primary", "10.0.0.9"]);
    let t = text(&out);
    assert!(out.status.success(), "{t}");
    assert!(
        t.contains("probe ran on pg-test for 10.0.0.9"),
        "the probe step ran: {t}"
    );
    assert!(
        t.contains("$ node_stop \"$OLD_PRIMARY\""),
        "the change step's command is printed: {t}"
    );
    assert!(
        t.contains("OLD_PRIMARY=10.0.0.9"),
        "variables are shown: {t}"
    );
    assert!(!marker.exists(), "the destructive step ran in a dry run");
    assert!(
        !t.contains("promoting, found=yes"),
        "the promotion ran in a dry run: {t}"
    );
}

#[test]
fn destructive_steps_need_confirmation_and_gates_need_acknowledgement() {
    let b = built();
    let out = b.run("failover", &["--old-primary", "10.0.0.9"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out).contains("needs confirmation"), "{}", text(&out));
    let out = b.run("failover", &["--yes", "--old-primary", "10.0.0.9"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out).contains("checklist 'pre-promotion' must be acknowledged"),
        "{}",
        text(&out)
    );
    assert!(
        !text(&out).contains("promoting, found=yes"),
        "promotion ran without its gate"
    );
    let out = b.run(
        "failover",
        &[
            "--yes",
            "--ack",
            "pre-promotion",
            "--old-primary",
            "10.0.0.9",
        ],
    );
    assert!(out.status.success(), "{}", text(&out));
    let events: Vec<String> = b
        .log()
        .iter()
        .map(|e| e["event"].as_str().unwrap().to_string())
        .collect();
    let gate = events
        .iter()
        .position(|e| e == "gate_ack")
        .expect("gate logged");
    let promote_start = b
        .log()
        .iter()
        .position(|e| e["event"] == "step_start" && e["step"] == "promote")
        .unwrap();
    assert!(
        gate < promote_start,
        "the gate is acknowledged before the promotion starts"
    );
}

#[test]
fn missing_parameter_is_an_error_without_a_terminal() {
    let b = built();
    let out = b.run("failover", &["--yes", "--ack", "all"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out).contains("parameter OLD_PRIMARY is required: pass --old-primary VALUE"),
        "{}",
        text(&out)
    );
}

#[test]
fn from_resumes_with_values_saved_by_earlier_steps() {
    let b = built();
    let out = b.run("failover", &["--only", "look", "--old-primary", "10.0.0.9"]);
    assert!(out.status.success(), "{}", text(&out));
    let out = b.run(
        "failover",
        &[
            "--from",
            "promote",
            "--ack",
            "all",
            "--yes",
            "--old-primary",
            "10.0.0.9",
        ],
    );
    assert!(out.status.success(), "{}", text(&out));
    assert!(
        text(&out).contains("promoting, found=yes"),
        "{}",
        text(&out)
    );
    assert!(
        !text(&out).contains("probe ran"),
        "--from skipped the earlier steps"
    );
}

#[test]
fn unknown_step_lists_the_steps() {
    let b = built();
    let out = b.run("failover", &["--from", "nope"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out).contains("no step 'nope'; steps are: look stop-old promote"),
        "{}",
        text(&out)
    );
}

#[test]
fn a_second_operator_is_locked_out() {
    let b = built();
    let lock = b.work().join("rbgen-lab-failover.lock");
    let mut holder = Command::new("flock")
        .arg(&lock)
        .args(["sleep", "20"])
        .spawn()
        .unwrap();
    // Wait until the holder has the lock.
    for _ in 0..100 {
        if Command::new("flock")
            .args(["-n"])
            .arg(&lock)
            .arg("true")
            .status()
            .unwrap()
            .success()
        {
            std::thread::sleep(std::time::Duration::from_millis(20));
        } else {
            break;
        }
    }
    let out = b.run("failover", &["--yes", "--ack", "all", "--old-primary", "x"]);
    holder.kill().unwrap();
    let _ = holder.wait();
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out).contains("another operator is running failover in lab"),
        "{}",
        text(&out)
    );
}

#[test]
fn a_failing_step_stops_the_run_names_the_resume_command_and_cleans_up_faults() {
    let b = built();
    let fault = b.work().join("fault");
    let out = b.run(
        "chaos",
        &[
            "--yes",
            "--fault-file",
            fault.to_str().unwrap(),
            "--fail-after",
            "yes",
        ],
    );
    let t = text(&out);
    assert_eq!(out.status.code(), Some(1), "{t}");
    assert!(t.contains("step observe failed (exit 1)"), "{t}");
    assert!(
        t.contains("resume with:") && t.contains("--from observe"),
        "{t}"
    );
    assert!(!fault.exists(), "the fault's cleanup ran");
    let log = b.log();
    let ends: Vec<_> = log
        .iter()
        .filter(|e| e["event"] == "step_end")
        .map(|e| (e["step"].clone(), e["status"].clone()))
        .collect();
    assert_eq!(
        ends,
        [("inject".into(), 0.into()), ("observe".into(), 1.into())]
    );
    assert!(
        log.iter()
            .any(|e| e["event"] == "cleanup_end" && e["status"] == 0)
    );
    assert_eq!(log.last().unwrap()["event"], "run_end");
}

#[test]
fn a_step_past_its_timeout_is_killed() {
    let b = built();
    let fault = b.work().join("fault");
    let started = std::time::Instant::now();
    let out = b.run(
        "chaos",
        &[
            "--yes",
            "--fault-file",
            fault.to_str().unwrap(),
            "--fail-after",
            "hang",
        ],
    );
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(
        text(&out).contains("step hang timed out after 1s"),
        "{}",
        text(&out)
    );
    // The step sleeps 30 s; the timeout is 1 s. A generous bound, not a benchmark.
    assert!(
        started.elapsed().as_secs() < 20,
        "the hung step was not killed"
    );
    assert!(!fault.exists(), "the fault's cleanup ran");
}

#[test]
fn drill_marks_are_logged() {
    let b = built();
    let fault = b.work().join("fault");
    let out = b.run("chaos", &["--yes", "--fault-file", fault.to_str().unwrap()]);
    assert!(out.status.success(), "{}", text(&out));
    let marks: Vec<_> = b
        .log()
        .iter()
        .filter(|e| e["event"] == "mark")
        .map(|e| e["name"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(marks, ["fault_injected", "recovered"]);
}

/// The part of a script between two of the template's section markers.
fn section<'a>(script: &'a str, from: &str, to: &str) -> &'a str {
    let start = script.find(from).unwrap_or_else(|| panic!("no `{from}`"));
    let end = script[start..]
        .find(to)
        .unwrap_or_else(|| panic!("no `{to}`"))
        + start;
    &script[start..end]
}

/// Focused snapshots of what the spec puts into a script: its header and
/// environment, the step functions, and what `--help` and `--list` print.
/// The runner between them is the template's own code, tested by running it
/// (the tests above and `operator_flow`), except the parts the spec fills
/// in: conditions and choices (`rb_should_run`), snapshotted below from the
/// operator fixture, which has them.
#[test]
fn what_the_spec_puts_into_a_script_is_snapshotted() {
    let b = built();
    let script = std::fs::read_to_string(b.script("failover")).unwrap();
    insta::assert_snapshot!(
        "mini_failover_header_and_environment",
        section(&script, "#!/usr/bin/env bash", "# ---- runner")
    );
    insta::assert_snapshot!(
        "mini_failover_steps",
        section(&script, "# ---- steps", "rb_call_step() {")
    );
    let help = b.run("failover", &["--help"]);
    assert!(help.status.success());
    insta::assert_snapshot!("mini_failover_help", String::from_utf8_lossy(&help.stdout));
    let list = b.run("failover", &["--list"]);
    assert!(list.status.success());
    insta::assert_snapshot!("mini_failover_list", String::from_utf8_lossy(&list.stdout));
}

/// The spec-filled part of the runner: each step's `when` (outcome, variable
/// and shell-test conditions) and choice, from a fixture that has them.
#[test]
fn conditions_and_choices_in_the_runner_are_snapshotted() {
    let b = Built::new(&fixtures().join("operator/spec"));
    let mut arms = String::new();
    for id in ["recover-node", "drain-and-restart", "interrupt", "diagnose"] {
        let path = b.script(id);
        let Ok(script) = std::fs::read_to_string(&path) else {
            continue;
        };
        arms.push_str(&format!("==== {id}\n"));
        arms.push_str(section(&script, "rb_should_run() {", "\n}\n"));
        arms.push('\n');
    }
    assert!(
        arms.contains("RB_OUTCOME["),
        "the fixture has outcome conditions"
    );
    insta::assert_snapshot!("operator_should_run", arms);
}
