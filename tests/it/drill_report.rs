//! `rbgen drill report` on the logs of a real drill (scenario 1, run by
//! lab/drill-ci against the loopback Patroni lab), and on broken logs.

use crate::common::*;

fn logs() -> std::path::PathBuf {
    fixtures().join("drill-logs")
}

fn report(args: &[&std::ffi::OsStr]) -> std::process::Output {
    rbgen()
        .args(["drill", "report", "--spec"])
        .arg(root().join("spec"))
        .args(["--participants", "Kim (DBA), Lee (infra)"])
        .args(args)
        .output()
        .unwrap()
}

#[test]
fn a_real_drill_log_fills_the_sheet_with_measured_figures() {
    let out = report(&[
        logs().join("preparation.jsonl").as_os_str(),
        logs().join("scenario-1.jsonl").as_os_str(),
    ]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    let sheet = String::from_utf8_lossy(&out.stdout);
    assert!(
        sheet.contains("| RTO (service recovery) | within 5 min | 20.2 s | OK |"),
        "{sheet}"
    );
    assert!(
        sheet.contains("| Failover detection time | within 30 s | 20.0 s | OK |"),
        "{sheet}"
    );
    assert!(sheet.contains("[x] 1 (Scenario 1"), "{sheet}");
    insta::assert_snapshot!("scenario_1_sheet", sheet);
}

#[test]
fn a_missed_target_is_ng_and_exits_1() {
    let dir = tempfile::tempdir().unwrap();
    let text = std::fs::read_to_string(logs().join("scenario-1.jsonl")).unwrap();
    // The new leader seen 45 s later than it was: detection misses 30 s.
    let slow: String = text
        .lines()
        .map(|l| {
            let mut v: serde_json::Value = serde_json::from_str(l).unwrap();
            if v["event"] == "mark" && v["name"] == "new_leader_seen" {
                v["epoch_ms"] = (v["epoch_ms"].as_i64().unwrap() + 45_000).into();
            }
            v.to_string() + "\n"
        })
        .collect();
    let log = dir.path().join("slow.jsonl");
    std::fs::write(&log, slow).unwrap();
    let sheet_path = dir.path().join("sheet.md");
    let out = report(&[log.as_os_str(), "--sheet".as_ref(), sheet_path.as_os_str()]);
    assert_eq!(out.status.code(), Some(1));
    let sheet = std::fs::read_to_string(&sheet_path).unwrap();
    assert!(
        sheet.contains("| Failover detection time | within 30 s | 65.0 s | NG |"),
        "{sheet}"
    );
    let html = std::fs::read_to_string(dir.path().join("sheet.html")).unwrap();
    assert!(
        html.contains("<td>NG</td>") && !html.contains("<script"),
        "{html}"
    );
}

#[test]
fn a_truncated_log_names_its_line() {
    let dir = tempfile::tempdir().unwrap();
    let text = std::fs::read_to_string(logs().join("scenario-1.jsonl")).unwrap();
    let cut = &text[..text.len() - 40];
    let log = dir.path().join("cut.jsonl");
    std::fs::write(&log, cut).unwrap();
    let out = report(&[log.as_os_str()]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    let lines = cut.lines().count();
    assert!(
        stderr.contains(&format!("cut.jsonl:{lines}: truncated line")),
        "{stderr}"
    );
}

#[test]
fn garbage_and_foreign_logs_are_clear_errors() {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("bad.jsonl");
    std::fs::write(&log, "{\"epoch_ms\":1,\"event\":\"run_start\"}\nnot json\n").unwrap();
    let out = report(&[log.as_os_str()]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("bad.jsonl:2: not a JSON object"));

    let prep_only = report(&[logs().join("preparation.jsonl").as_os_str()]);
    assert_eq!(prep_only.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&prep_only.stderr)
            .contains("no drill scenario of the spec is named in these logs")
    );
}

#[test]
fn a_record_is_written_beside_the_spec_and_dates_the_drill_for_rb005() {
    // A copy of the example spec to write the record into.
    let project = tempfile::tempdir().unwrap();
    copy_dir(&root().join("spec"), &project.path().join("spec"));
    let spec = project.path().join("spec");
    let out = rbgen()
        .args(["drill", "report", "--spec"])
        .arg(&spec)
        .arg(logs().join("preparation.jsonl"))
        .arg(logs().join("scenario-1.jsonl"))
        .arg("--record")
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let records: Vec<_> = std::fs::read_dir(spec.join("drills/records"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| {
            p.file_name()
                .unwrap()
                .to_string_lossy()
                .starts_with("scenario-1-primary-kill-lab-")
        })
        .collect();
    assert_eq!(records.len(), 1, "one record for scenario 1");
    let text = std::fs::read_to_string(&records[0]).unwrap();
    for needle in [
        "drill = \"scenario-1-primary-kill\"",
        "environment = \"lab\"",
        "passed = true",
        "log_sha256 = \"",
        "seconds = 20.2",
        "patroni = \"4.1.5\"",
    ] {
        assert!(text.contains(needle), "the record has {needle}:\n{text}");
    }
    // The record loads with the spec, and RB005 takes its date: long after
    // the hand-typed last_performed, scenario 1 is stale only without it.
    let lint = |dir: &std::path::Path| {
        let out = rbgen()
            .args([
                "lint",
                "--no-shellcheck",
                "--format",
                "json",
                "--today",
                "2027-02-10",
                "--spec",
            ])
            .arg(dir)
            .output()
            .unwrap();
        let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        v.as_array()
            .unwrap()
            .iter()
            .filter(|f| {
                f["code"] == "RB005"
                    && f["message"]
                        .as_str()
                        .unwrap()
                        .contains("scenario-1-primary-kill")
            })
            .count()
    };
    assert_eq!(
        lint(&spec),
        0,
        "the record (2026-11-26) is 76 days old on 2027-02-10"
    );
    std::fs::remove_file(&records[0]).unwrap();
    assert_eq!(
        lint(&spec),
        1,
        "without it, last_performed (2026-11-05) is 97 days old"
    );
}

#[test]
fn ci_writes_records_where_it_is_told() {
    let dir = tempfile::tempdir().unwrap();
    let out = rbgen()
        .args(["drill", "report", "--spec"])
        .arg(root().join("spec"))
        .arg(logs().join("scenario-1.jsonl"))
        .arg("--record")
        .arg("--record-dir")
        .arg(dir.path())
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
}

#[test]
fn a_branch_taken_is_not_an_issue_but_a_failed_step_is() {
    let dir = tempfile::tempdir().unwrap();
    let mut text = std::fs::read_to_string(logs().join("scenario-1.jsonl")).unwrap();
    let last: serde_json::Value = serde_json::from_str(text.lines().last().unwrap()).unwrap();
    let ms = last["epoch_ms"].as_i64().unwrap();
    // Runbook D's health check failing is its path to the rebuild (a later
    // step's `when` tests it); its restart failing is a finding.
    for (step, offset) in [("confirm-member-rejoined", 1), ("start-etcd", 2)] {
        text.push_str(&format!(
            "{{\"event\":\"step_end\",\"epoch_ms\":{},\"runbook\":\"d-etcd-failure\",\"kind\":\"runbook\",\"env\":\"lab\",\"step\":\"{step}\",\"status\":1}}\n",
            ms + offset
        ));
    }
    let log = dir.path().join("with-runbook.jsonl");
    std::fs::write(&log, text).unwrap();
    let out = report(&[log.as_os_str()]);
    let sheet = String::from_utf8_lossy(&out.stdout);
    assert!(
        sheet.contains("start-etcd\\` of d-etcd-failure exited with status 1"),
        "{sheet}"
    );
    assert!(!sheet.contains("confirm-member-rejoined"), "{sheet}");
}

/// A real log of the second-fault drill (lab/drill-ci): Runbook B's
/// promotion refused a standby leader that had moved, and succeeded after
/// the re-run. The sheet says where the run stopped, what the operator
/// saw, and how long the resume took.
#[test]
fn a_refused_step_is_on_the_sheet_with_its_message_and_the_resume() {
    let out = report(&[logs().join("drill-b-leader-moved.jsonl").as_os_str()]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    let sheet = String::from_utf8_lossy(&out.stdout);
    assert!(sheet.contains("### Where the run stopped"), "{sheet}");
    assert!(
        sheet.contains("- Step promote-dc2 of b-full-dc-failure stopped. The operator saw: “rbgen: step promote-dc2 refused: 127.0.2.10 is replica now, but this step needs it to be standby-leader”; after the resume the step succeeded 3.3 s later."),
        "{sheet}"
    );
    assert!(
        sheet.contains("| Refusal to first write through the endpoint (re-run from step 2) | within 5 min | 4.1 s | OK |"),
        "{sheet}"
    );
    // A drill that stopped nowhere has no such section.
    let plain = report(&[
        logs().join("preparation.jsonl").as_os_str(),
        logs().join("scenario-1.jsonl").as_os_str(),
    ]);
    assert!(!String::from_utf8_lossy(&plain.stdout).contains("Where the run stopped"));
}

/// The other second-fault drill: the new leader lost before the endpoint
/// switch; the runbook resumed and the endpoint reached the new leader.
#[test]
fn the_new_leader_lost_drill_measures_the_recovery_from_the_second_fault() {
    let out = report(&[logs().join("drill-b-new-leader-lost.jsonl").as_os_str()]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    let sheet = String::from_utf8_lossy(&out.stdout);
    assert!(
        sheet.contains(
            "| New leader lost to first write through the endpoint | within 5 min | 19.3 s | OK |"
        ),
        "{sheet}"
    );
    // Nothing refused on the way.
    assert!(!sheet.contains("Where the run stopped"), "{sheet}");
}

/// Runbook D's drill with a second etcd member lost during the rebuild
/// (a real log): the resumed runbook stopped on its configuration check's
/// timeout, and the sheet says so, with the time to succeed after the
/// member's restart and the resume.
#[test]
fn the_etcd_member_lost_drill_shows_where_runbook_d_stopped() {
    let out = report(&[logs()
        .join("drill-d-member-lost-during-rebuild.jsonl")
        .as_os_str()]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    let sheet = String::from_utf8_lossy(&out.stdout);
    assert!(
        sheet.contains("- Step confirm-config-restored of d-etcd-failure stopped. The operator saw: “rbgen: step confirm-config-restored timed out after 60s; stopping it”; after the resume the step succeeded 6.3 s later."),
        "{sheet}"
    );
    assert!(
        sheet.contains("| Second member lost to every etcd member healthy again | within 10 min | 96.7 s | OK |"),
        "{sheet}"
    );
}
