//! The generated scripts as an operator meets them on a terminal: driven
//! through a pseudo-terminal (tests/pty/drive.py; Ctrl-C is a real ETX on
//! the terminal, so the kernel sends SIGINT as it would at 03:00). Built from
//! tests/fixtures/operator: a manual step between a probe and a change, a
//! diagnostic probe with failing checks, and wait steps to interrupt.

use crate::common::*;
use serde_json::{Value, json};
use std::process::{Command, Stdio};

const CANARY: &str = "canary-secret-5f1e";

/// The operator fixture built: a manual step between a probe and a change,
/// diagnostic probes, wait steps to interrupt.
fn operator() -> Built {
    Built::new(&fixtures().join("operator/spec"))
        .with_env("RBGEN_OPERATOR", Some("kim"))
        .with_env("API_TOKEN", Some(CANARY))
}

/// Run a script on a pseudo-terminal with `steps` of the plan.
fn pty(op: &Built, id: &str, args: &[&str], steps: Value, exit: i32) -> Value {
    let mut argv = vec![op.script(id).to_string_lossy().to_string()];
    argv.extend(args.iter().map(|a| a.to_string()));
    let env: serde_json::Map<String, Value> = op
        .env
        .iter()
        .filter_map(|(k, v)| v.as_ref().map(|v| (k.clone(), json!(v))))
        .collect();
    let plan = json!({"argv": argv, "env": env, "steps": steps, "exit": exit, "timeout": 20});
    let plan_path = op.work().join("plan.json");
    std::fs::write(&plan_path, plan.to_string()).unwrap();
    let out = Command::new("python3")
        .arg(root().join("tests/pty/drive.py"))
        .arg(&plan_path)
        .output()
        .unwrap();
    let result: Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("drive.py: {e}: {}", String::from_utf8_lossy(&out.stderr)));
    assert!(
        result["ok"] == true,
        "{id} {args:?}: {}\n--- transcript ---\n{}",
        result["reason"],
        result["transcript"].as_str().unwrap()
    );
    result
}

fn transcript(v: &Value) -> &str {
    v["transcript"].as_str().unwrap()
}

#[test]
fn a_manual_step_waits_for_done_on_a_terminal_and_logs_who() {
    let op = operator();
    let marker = op.work().join("restarted");
    // The restart has not run while the prompt waits; a wrong answer asks again.
    let steps = json!([
        {"expect": "Type done when it is done"},
        {"expect": "", "send": "later\n"},
        {"expect": "type done, or stop"},
        {"expect": "Type done when it is done", "send": "done\n"},
        {"expect": "all 3 step\\(s\\) done"},
    ]);
    let before = pty(&op, "drain-and-restart", &[], steps, 0);
    let t = transcript(&before);
    let prompt_at = t.find("Type done").unwrap();
    assert!(
        t[..prompt_at].contains("expect: The console shows 0 sessions"),
        "{t}"
    );
    assert!(marker.exists(), "the restart ran after done");
    let ack = op
        .log()
        .into_iter()
        .find(|e| e["event"] == "manual_ack")
        .expect("manual_ack logged");
    assert_eq!(
        (
            ack["step"].as_str(),
            ack["how"].as_str(),
            ack["operator"].as_str()
        ),
        (Some("drain"), Some("interactive"), Some("kim"))
    );
    let events: Vec<String> = op
        .log()
        .iter()
        .map(|e| {
            format!(
                "{}:{}",
                e["event"].as_str().unwrap(),
                e["step"].as_str().unwrap_or("")
            )
        })
        .collect();
    let ack_at = events.iter().position(|e| e == "manual_ack:drain").unwrap();
    let restart_at = events
        .iter()
        .position(|e| e == "step_start:restart")
        .unwrap();
    assert!(ack_at < restart_at, "{events:?}");
}

#[test]
fn a_manual_step_without_a_terminal_stops_unless_acknowledged_up_front() {
    let op = operator();
    let out = op.run("drain-and-restart", &[]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("manual step drain needs a person") && stderr.contains("--ack drain"),
        "{stderr}"
    );
    assert!(!op.marker("restarted"), "nothing after the manual step ran");

    let out = op.run("drain-and-restart", &["--ack", "drain"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(op.marker("restarted"));
    let ack = op
        .log()
        .into_iter()
        .find(|e| e["event"] == "manual_ack")
        .unwrap();
    assert_eq!(ack["how"], "flag");
}

#[test]
fn typing_stop_at_a_manual_step_ends_the_run_with_a_resume_hint() {
    let op = operator();
    let r = pty(
        &op,
        "drain-and-restart",
        &[],
        json!([{"expect": "Type done", "send": "stop\n"}, {"expect": "--from drain"}]),
        2,
    );
    assert!(!op.marker("restarted"), "{}", transcript(&r));
}

#[test]
fn a_diagnostic_probe_runs_every_check_and_fails_if_one_failed() {
    let op = operator();
    let out = op.run("diagnose", &["--only", "checks"]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stdout}{stderr}");
    let ran = |line: &str| stdout.lines().any(|l| l == line);
    assert!(
        ran("check one ran") && ran("check three ran") && ran("target beta"),
        "{stdout}"
    );
    assert!(
        stderr.contains("FAILED (exit 2): ls /nonexistent-rbgen-directory"),
        "{stderr}"
    );
    assert!(
        stderr.contains("No such file or directory"),
        "the command's own stderr is shown: {stderr}"
    );
    assert!(
        stderr.contains("2 command(s) of this step failed"),
        "{stderr}"
    );
    let failed: Vec<(i64, String)> = op
        .log()
        .iter()
        .filter(|e| e["event"] == "command_failed")
        .map(|e| {
            (
                e["status"].as_i64().unwrap(),
                e["command"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert_eq!(failed.len(), 2, "{failed:?}");
    assert_eq!(
        failed[0],
        (2, "ls /nonexistent-rbgen-directory".to_string())
    );
    assert_eq!(failed[1].0, 7, "curl's connection refused");

    // on_error = "stop": the first failure ends the step.
    let out = op.run("diagnose", &["--only", "strict"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        !String::from_utf8_lossy(&out.stdout)
            .lines()
            .any(|l| l == "after the strict failure")
    );
}

#[test]
fn a_dry_run_tells_what_failed_what_would_change_and_what_would_wait() {
    let op = operator();
    let out = op.run("diagnose", &["--dry-run"]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(
        out.status.code(),
        Some(1),
        "a failed probe fails the dry run: {stdout}"
    );
    assert!(!stdout.contains("step(s) done"), "{stdout}");
    assert!(
        stdout.contains("probes failed:        2 (checks strict)"),
        "{stdout}"
    );
    assert!(
        stdout.contains("expect: three lines, one FAILED"),
        "{stdout}"
    );
    assert!(stdout.contains("target=(set by this step)"), "{stdout}");
    assert!(
        stderr.contains("FAILED (exit 7): curl"),
        "a silent curl still says what failed: {stderr}"
    );

    let out = op.run("drain-and-restart", &["--dry-run"]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{stdout}");
    assert!(
        stdout.contains("would change state:   1 (restart)"),
        "{stdout}"
    );
    assert!(stdout.contains("- manual step drain"), "{stdout}");
    assert!(!op.marker("restarted"));
}

#[test]
fn secret_values_never_appear_in_output_or_log() {
    let op = operator();
    let dry = op.run("diagnose", &["--dry-run"]);
    let real = op.run("diagnose", &[]);
    let pty = pty(
        &op,
        "diagnose",
        &[],
        json!([{"expect": "step checks failed"}]),
        1,
    );
    let mut all = String::new();
    for o in [&dry, &real] {
        all.push_str(&String::from_utf8_lossy(&o.stdout));
        all.push_str(&String::from_utf8_lossy(&o.stderr));
    }
    all.push_str(transcript(&pty));
    all.push_str(&std::fs::read_to_string(op.work().join("log.jsonl")).unwrap());
    assert!(String::from_utf8_lossy(&dry.stdout).contains("API_TOKEN=<secret, set>"));
    assert!(!all.contains(CANARY), "the secret leaked:\n{all}");
    // Not set: said so, still no value.
    let mut cmd = Command::new(op.script("diagnose"));
    let out = cmd
        .arg("--dry-run")
        .env_remove("API_TOKEN")
        .env("RBGEN_LOCK_DIR", op.work())
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&out.stdout).contains("API_TOKEN=<secret, not set>"));
}

fn interrupted_at(op: &Built, args: &[&str], wait_for: &str) -> Value {
    let r = pty(
        &op,
        "interrupt",
        args,
        json!([{"expect": wait_for, "pause": 0.4, "interrupt": true}, {"expect": "interrupted \\(Ctrl-C\\)"}]),
        130,
    );
    assert!(
        !op.marker("after-ran"),
        "Ctrl-C never moves on to the next step: {}",
        transcript(&r)
    );
    assert!(
        op.log().iter().any(|e| e["event"] == "interrupted"),
        "logged"
    );
    r
}

#[test]
fn ctrl_c_inside_a_step_stops_the_run() {
    let op = operator();
    let r = interrupted_at(&op, &[], "waiting plain");
    let t = transcript(&r);
    assert!(
        !t.lines().any(|l| l.trim_end() == "plain wait ended"),
        "the rest of the step did not run: {t}"
    );
    assert!(t.contains("--from wait-plain"), "{t}");
}

#[test]
fn ctrl_c_inside_a_step_with_a_timeout_stops_its_commands() {
    let op = operator();
    let started = std::time::Instant::now();
    interrupted_at(&op, &["--from", "wait-timed"], "waiting timed");
    assert!(
        started.elapsed().as_secs() < 15,
        "the 30 s sleep was stopped, not waited for"
    );
}

#[test]
fn ctrl_c_at_a_prompt_stops_the_run() {
    let op = operator();
    let r = pty(
        &op,
        "drain-and-restart",
        &[],
        json!([{"expect": "Type done", "pause": 0.3, "interrupt": true}, {"expect": "--from drain"}]),
        130,
    );
    assert!(!op.marker("restarted"), "{}", transcript(&r));
}

#[test]
fn ctrl_c_that_a_command_handles_itself_still_stops_the_step() {
    // `watch` and similar tools exit 0 on Ctrl-C; the step must not go on.
    let op = operator();
    let spec = op.dir.path().join("spec/runbooks/interrupt.toml");
    let text = std::fs::read_to_string(&spec).unwrap().replace(
        "sleep 30\necho \"plain wait ended\"",
        "python3 -c 'import signal, sys, time; signal.signal(signal.SIGINT, lambda *a: sys.exit(0)); time.sleep(30)'\necho \"plain wait ended\"",
    );
    std::fs::write(&spec, text).unwrap();
    rbgen()
        .current_dir(op.dir.path())
        .arg("build")
        .assert()
        .success();
    let r = interrupted_at(&op, &[], "waiting plain");
    assert!(
        !transcript(&r)
            .lines()
            .any(|l| l.trim_end() == "plain wait ended"),
        "{}",
        transcript(&r)
    );
}

fn skipped(op: &Built) -> Vec<(String, String)> {
    op.log()
        .iter()
        .filter(|e| e["event"] == "step_skipped")
        .map(|e| {
            (
                e["step"].as_str().unwrap().to_string(),
                e["reason"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

#[test]
fn branches_follow_outcomes_and_the_chosen_option() {
    // Node dead (check fails: a branch, not the end), rebuild chosen, reinit fails.
    let op = operator();
    let out = op.run("recover-node", &["--yes", "--choose", "recovery=rebuild"]);
    assert!(
        out.status.success(),
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    for (marker, want) in [
        ("fenced", false),
        ("restarted", false),
        ("reinit-tried", true),
        ("rebuilt", true),
        ("notified", true),
        ("verified", true),
    ] {
        assert_eq!(op.marker(marker), want, "{marker}");
    }
    let skips = skipped(&op);
    assert!(
        skips.contains(&("fence".into(), "only if step check-alive succeeded".into())),
        "{skips:?}"
    );
    assert!(
        skips.contains(&(
            "restart".into(),
            "not the option chosen for recovery".into()
        )),
        "{skips:?}"
    );
    let choice = op
        .log()
        .into_iter()
        .find(|e| e["event"] == "choice")
        .unwrap();
    assert_eq!(
        (choice["option"].as_str(), choice["how"].as_str()),
        (Some("rebuild"), Some("given"))
    );

    // Node alive, restart chosen: fenced first, the rebuild branch never runs.
    let op = operator();
    std::fs::write(op.work().join("alive"), "").unwrap();
    let out = op.run("recover-node", &["--yes", "--choose", "recovery=restart"]);
    assert!(out.status.success());
    for (marker, want) in [
        ("fenced", true),
        ("restarted", true),
        ("reinit-tried", false),
        ("rebuilt", false),
        ("verified", true),
    ] {
        assert_eq!(op.marker(marker), want, "{marker}");
    }
}

#[test]
fn a_choice_without_a_terminal_or_flag_stops_and_says_how() {
    let op = operator();
    let out = op.run("recover-node", &["--yes"]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("--choose recovery=OPTION (options: restart rebuild)"),
        "{stderr}"
    );
    assert!(!op.marker("verified") && !op.marker("restarted"));
    let out = op.run("recover-node", &["--choose", "recovery=fast"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("has no option 'fast'"));
}

#[test]
fn an_operator_picks_an_alternative_by_typing_and_may_decline_an_optional_step() {
    let op = operator();
    let steps = json!([
        {"expect": "Choice recovery: How do you bring the node back\\?"},
        {"expect": "Your choice", "send": "2\n"},
        {"expect": "Optional step. Run it\\?", "send": "n\n"},
        {"expect": "all 7 step\\(s\\) done"},
    ]);
    let r = pty(&op, "recover-node", &[], steps, 0);
    assert!(
        op.marker("rebuilt") && !op.marker("restarted"),
        "{}",
        transcript(&r)
    );
    assert!(
        !op.marker("notified") && op.marker("verified"),
        "declining the optional step did not end the run"
    );
    assert!(skipped(&op).contains(&("notify".into(), "declined (optional)".into())));
    let choice = op
        .log()
        .into_iter()
        .find(|e| e["event"] == "choice")
        .unwrap();
    assert_eq!(
        (
            choice["option"].as_str(),
            choice["how"].as_str(),
            choice["operator"].as_str()
        ),
        (Some("rebuild"), Some("interactive"), Some("kim"))
    );
}

#[test]
fn resuming_with_from_keeps_the_choice_and_the_outcomes() {
    let op = operator();
    let out = op.run(
        "recover-node",
        &["--yes", "--choose", "recovery=rebuild", "--skip", "rebuild"],
    );
    assert!(out.status.success());
    assert!(!op.marker("rebuilt"));
    // No --choose now, and no terminal: the choice and reinit's failure come
    // from the saved state.
    let out = op.run("recover-node", &["--yes", "--from", "rebuild"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(op.marker("rebuilt"));
}

#[test]
fn a_dry_run_shows_every_branch_and_the_choice_it_would_ask() {
    let op = operator();
    let out = op.run("recover-node", &["--dry-run"]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("1) Option A: restart and reintegrate"),
        "{stderr}"
    );
    for step in ["fence", "restart", "reinit", "rebuild", "notify"] {
        assert!(
            stdout.contains(&format!("({step}, ")),
            "{step} shown: {stdout}"
        );
    }
    assert!(
        stdout.contains("- choice recovery") && stdout.contains("- optional step notify (asked)"),
        "{stdout}"
    );
    let list = Command::new(op.script("recover-node"))
        .arg("--list")
        .output()
        .unwrap();
    let list = String::from_utf8_lossy(&list.stdout);
    assert!(
        list.contains("\n                              only if step reinit failed; recovery: Option B: rebuild from scratch\n"),
        "{list}"
    );
}
