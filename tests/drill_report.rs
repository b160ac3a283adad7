//! `rbgen drill report` on the logs of a real drill (scenario 1, run by
//! lab/drill-ci against the loopback Patroni lab), and on broken logs.

mod common;

use common::*;

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
