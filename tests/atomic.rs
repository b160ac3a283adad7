//! A build killed at any point leaves the previous `generated/` intact, and
//! two builds racing on the same output never leave a mix.

mod common;

use common::*;
use std::path::Path;
use std::time::Duration;

/// A project with `n` copies of the mini runbook, so a build takes long
/// enough to be killed in the middle.
fn big_project(n: usize, marker: &str) -> tempfile::TempDir {
    let project = mini_project(None);
    let spec = project.path().join("spec");
    let base = std::fs::read_to_string(spec.join("runbooks/failover.toml")).unwrap();
    for i in 0..n {
        let text = base
            .replace("id = \"failover\"", &format!("id = \"failover-{i}\""))
            .replace(
                "title = \"Look at the cluster\"",
                &format!("title = \"Look at the cluster {marker}\""),
            );
        std::fs::write(spec.join(format!("runbooks/failover-{i}.toml")), text).unwrap();
    }
    project
}

fn set_marker(spec: &Path, n: usize, from: &str, to: &str) {
    for i in 0..n {
        let p = spec.join(format!("runbooks/failover-{i}.toml"));
        let text = std::fs::read_to_string(&p).unwrap().replace(from, to);
        std::fs::write(p, text).unwrap();
    }
}

#[test]
fn a_build_killed_at_any_point_leaves_the_old_tree_or_the_new_one() {
    const N: usize = 150;
    let project = big_project(N, "Zq-old");
    let generated = project.path().join("generated");
    rbgen()
        .current_dir(project.path())
        .arg("build")
        .assert()
        .success();
    let old = snapshot_tree(&generated);
    // The tree a finished new build writes, made elsewhere for comparison.
    let reference = big_project(N, "Zq-new");
    rbgen()
        .current_dir(reference.path())
        .arg("build")
        .assert()
        .success();
    let new = snapshot_tree(&reference.path().join("generated"));
    assert_ne!(old, new);

    set_marker(&project.path().join("spec"), N, "Zq-old", "Zq-new");
    let bin = assert_cmd::cargo::cargo_bin("rbgen");
    // Measure a full build, then kill builds at points spread across it.
    let started = std::time::Instant::now();
    let status = std::process::Command::new(&bin)
        .current_dir(project.path())
        .args(["build", "--out", "/tmp/rbgen-atomic-timing"])
        .output()
        .unwrap();
    assert!(status.status.success());
    let full = started.elapsed();
    let _ = std::fs::remove_dir_all("/tmp/rbgen-atomic-timing");
    let mut saw_old = 0;
    for k in 0..12u32 {
        let delay = full * k / 10;
        let mut child = std::process::Command::new(&bin)
            .current_dir(project.path())
            .arg("build")
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(delay);
        let _ = child.kill();
        let _ = child.wait();
        let now = snapshot_tree(&generated);
        assert!(
            now == old || now == new,
            "after a kill at {delay:?} generated/ is neither the old nor the new tree"
        );
        if now == old {
            saw_old += 1;
            continue;
        }
        // It finished: put the old tree back for the next round.
        set_marker(&project.path().join("spec"), N, "Zq-new", "Zq-old");
        rbgen()
            .current_dir(project.path())
            .arg("build")
            .assert()
            .success();
        set_marker(&project.path().join("spec"), N, "Zq-old", "Zq-new");
    }
    assert!(
        saw_old > 0,
        "no build was killed before it finished; the test proved nothing"
    );
    // Stages of killed builds are cleared by the next build.
    rbgen()
        .current_dir(project.path())
        .arg("build")
        .assert()
        .success();
    let leftovers: Vec<_> = std::fs::read_dir(project.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .filter(|n| n.to_string_lossy().contains("rbgen-stage"))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
    assert_eq!(snapshot_tree(&generated), new);
}

#[test]
fn concurrent_builds_never_leave_a_mix() {
    const N: usize = 60;
    let a = big_project(N, "AAA");
    let b_spec = big_project(N, "BBB");
    let out = tempfile::tempdir().unwrap();
    let gen_dir = out.path().join("generated");
    let bin = assert_cmd::cargo::cargo_bin("rbgen");
    for _ in 0..4 {
        let spawn = |spec: &Path| {
            std::process::Command::new(&bin)
                .args(["build", "--spec"])
                .arg(spec)
                .arg("--out")
                .arg(&gen_dir)
                .stderr(std::process::Stdio::null())
                .spawn()
                .unwrap()
        };
        let mut x = spawn(&a.path().join("spec"));
        let mut y = spawn(&b_spec.path().join("spec"));
        assert!(x.wait().unwrap().success());
        assert!(y.wait().unwrap().success());
        let tree = snapshot_tree(&gen_dir);
        let has = |m: &str| {
            tree.iter()
                .any(|(_, bytes)| String::from_utf8_lossy(bytes).contains(m))
        };
        assert!(has("AAA") != has("BBB"), "generated/ mixes two builds");
        std::thread::sleep(Duration::from_millis(10));
    }
}
