//! Steps that say where they act: the script resolves the target's hosts,
//! bounds how many there are, asks the operator to type the target, and —
//! just before the step, after the confirmation — reads each host's role
//! with the environment's `node_role` and refuses, naming the host and both
//! roles, when it is not the role the step needs. The refusal is logged
//! and the run resumes with `--from`.

use crate::common::*;
use std::path::Path;
use std::process::{Command, Stdio};

/// The mini project with `node_role` reading `$ROLE_DIR/HOST` and the
/// destructive step `stop-old` aimed at `$OLD_PRIMARY` with `role`.
fn project(role: &str, extra: &str) -> tempfile::TempDir {
    let project = mini_project(None);
    let spec = project.path().join("spec");
    let env = spec.join("environments/lab.toml");
    let mut text = std::fs::read_to_string(&env).unwrap();
    text.push_str(
        "\n[functions.node_role]\ndescription = \"The role written in $ROLE_DIR/HOST (a stand-in for Patroni's REST API)\"\nargs = [\"HOST\"]\nbody = '''\ncat \"$ROLE_DIR/$1\" 2>/dev/null || echo unreachable\n'''\n",
    );
    std::fs::write(&env, text).unwrap();
    let rb = spec.join("runbooks/failover.toml");
    let text = std::fs::read_to_string(&rb).unwrap().replacen(
        "id = \"stop-old\"\ntitle = \"Stop the old primary\"\nkind = \"destructive\"\n",
        &format!("id = \"stop-old\"\ntitle = \"Stop the old primary\"\nkind = \"destructive\"\ntarget = \"$OLD_PRIMARY\"\nrole = \"{role}\"\n{extra}"),
        1,
    );
    std::fs::write(&rb, text).unwrap();
    let out = rbgen()
        .current_dir(project.path())
        .arg("build")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    std::fs::create_dir_all(project.path().join("roles")).unwrap();
    project
}

fn set_role(project: &Path, host: &str, role: &str) {
    std::fs::write(project.join("roles").join(host), format!("{role}\n")).unwrap();
}

fn run(project: &Path, args: &[&str]) -> std::process::Output {
    Command::new(project.join("generated/scripts/lab/failover.sh"))
        .args(args)
        .env("ROLE_DIR", project.join("roles"))
        .env("RBGEN_LOG_DIR", project)
        .env("RBGEN_LOCK_DIR", project)
        .env("RBGEN_LOG", project.join("run.jsonl"))
        .env("DB_PASSWORD", "x")
        .stdin(Stdio::null())
        .output()
        .unwrap()
}

#[test]
fn a_step_aimed_at_the_wrong_role_is_refused_before_anything_runs() {
    let project = project("replica", "");
    let p = project.path();
    let marker = p.join("rbgen-mini-stop-ran");
    let marker_dir = p.to_str().unwrap();
    // 10.0.0.1 was the replica when the runbook was written; it leads now.
    set_role(p, "10.0.0.1", "leader");
    let out = run(
        p,
        &[
            "--yes",
            "--ack",
            "all",
            "--old-primary",
            "10.0.0.1",
            "--marker-dir",
            marker_dir,
        ],
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("rbgen: step stop-old refused: 10.0.0.1 is primary now, but this step needs it to be replica"),
        "{stderr}"
    );
    assert!(
        stderr.contains("resume with:") && stderr.contains("--from stop-old"),
        "{stderr}"
    );
    assert!(
        !marker.exists(),
        "the step ran although its target has the wrong role"
    );
    let log = std::fs::read_to_string(p.join("run.jsonl")).unwrap();
    assert!(
        log.lines().any(|l| l.contains("\"event\":\"role_refused\"")
            && l.contains("\"host\":\"10.0.0.1\"")
            && l.contains("\"found\":\"primary\"")
            && l.contains("\"needed\":\"replica\"")),
        "{log}"
    );
    // The cluster is put right; the run resumes at the step.
    set_role(p, "10.0.0.1", "replica");
    let out = run(
        p,
        &[
            "--yes",
            "--ack",
            "all",
            "--old-primary",
            "10.0.0.1",
            "--marker-dir",
            marker_dir,
            "--from",
            "stop-old",
        ],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        marker.exists(),
        "the step did not run once the role was right"
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains("target: $OLD_PRIMARY = 10.0.0.1 (1 host(s))"),
        "{stdout}"
    );
}

#[test]
fn never_the_primary_and_unreachable_hosts() {
    let project = project("!primary", "");
    let p = project.path();
    let marker_dir = p.to_str().unwrap();
    set_role(p, "10.0.0.9", "master");
    let out = run(
        p,
        &[
            "--yes",
            "--ack",
            "all",
            "--old-primary",
            "10.0.0.9",
            "--marker-dir",
            marker_dir,
        ],
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("10.0.0.9 is primary now, but this step needs it to be not primary"),
        "{stderr}"
    );
    // A host that does not answer is `stopped`: not the primary.
    let out = run(
        p,
        &[
            "--yes",
            "--ack",
            "all",
            "--old-primary",
            "10.0.0.8",
            "--marker-dir",
            marker_dir,
        ],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn a_dry_run_shows_each_target_and_its_role_now() {
    let project = project("replica", "");
    let p = project.path();
    set_role(p, "10.0.0.1", "replica");
    let out = run(p, &["--dry-run", "--old-primary", "10.0.0.1"]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains("target: $OLD_PRIMARY = 10.0.0.1 (1 host(s))"),
        "{stdout}"
    );
    assert!(
        stdout.contains("role of 10.0.0.1 now: replica (the step needs replica)"),
        "{stdout}"
    );
    let list = run(p, &["--list"]);
    let list = String::from_utf8_lossy(&list.stdout);
    assert!(
        list.contains("acts on $OLD_PRIMARY, which must be replica when the step runs"),
        "{list}"
    );
    assert!(
        list.contains("asks you to type the target (--yes)"),
        "{list}"
    );
}

#[test]
fn more_hosts_than_max_targets_stop_the_run() {
    let project = project("any", "max_targets = 1\n");
    let p = project.path();
    let marker_dir = p.to_str().unwrap();
    let out = run(
        p,
        &[
            "--yes",
            "--ack",
            "all",
            "--old-primary",
            "10.0.0.1,10.0.0.2",
            "--marker-dir",
            marker_dir,
        ],
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains(
            "step stop-old would act on 2 hosts (10.0.0.1 10.0.0.2), more than its max_targets 1"
        ),
        "{stderr}"
    );
    assert!(!p.join("rbgen-mini-stop-ran").exists());
    // An empty target is refused the same way.
    let out = run(
        p,
        &[
            "--yes",
            "--ack",
            "all",
            "--old-primary",
            " ",
            "--marker-dir",
            marker_dir,
        ],
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("its target $OLD_PRIMARY names no host; nothing was run"),
        "{stderr}"
    );
}

#[test]
fn on_a_terminal_the_operator_types_the_target() {
    if !require_tool("script", "--version") {
        return;
    }
    let project = project("any", "");
    let p = project.path();
    let script = p.join("generated/scripts/lab/failover.sh");
    let cmd = format!(
        "{} --ack all --old-primary 10.0.0.1 --marker-dir {} --only stop-old",
        script.display(),
        p.display()
    );
    let drive = |answer: &str| {
        let mut child = Command::new("script")
            .args(["-qec", &cmd, "/dev/null"])
            .env("ROLE_DIR", p.join("roles"))
            .env("RBGEN_LOG_DIR", p)
            .env("RBGEN_LOCK_DIR", p)
            .env("DB_PASSWORD", "x")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        use std::io::Write;
        child
            .stdin
            .take()
            .unwrap()
            .write_all(format!("{answer}\n").as_bytes())
            .unwrap();
        child.wait_with_output().unwrap()
    };
    // `yes` is not the target.
    let out = drive("yes");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("step stop-old (destructive) acts on 1 host(s): 10.0.0.1"),
        "{text}"
    );
    assert!(
        text.contains("Type the target (10.0.0.1) to run it:"),
        "{text}"
    );
    assert!(text.contains("stopped before step stop-old"), "{text}");
    assert!(!p.join("rbgen-mini-stop-ran").exists());
    let out = drive("10.0.0.1");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    assert!(p.join("rbgen-mini-stop-ran").exists());
}

#[test]
fn a_target_must_name_something_and_a_role_needs_node_role() {
    let project = mini_project(None);
    let rb = project.path().join("spec/runbooks/failover.toml");
    let text = std::fs::read_to_string(&rb).unwrap().replacen(
        "kind = \"destructive\"\n",
        "kind = \"destructive\"\ntarget = \"db-9\"\nrole = \"replica\"\n",
        1,
    );
    std::fs::write(&rb, text).unwrap();
    let out = rbgen()
        .current_dir(project.path())
        .arg("build")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("target `db-9` is no node, no group and no `$NAME`"),
        "{stderr}"
    );
    assert!(
        stderr.contains("name a node or a group of the environments (dc1, n1)"),
        "{stderr}"
    );
    assert!(
        stderr.contains("environment `lab` has no `node_role` function"),
        "{stderr}"
    );
}
