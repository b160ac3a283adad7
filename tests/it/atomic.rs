//! A build killed at any point leaves the previous `generated/` intact, and
//! two builds racing on the same output never leave a mix.

use crate::common::*;
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

/// A small tmpfs mounted for one test (needs mount privileges: root in this
/// sandbox; elsewhere the test says SKIPPED). Unmounted on drop.
struct Tmpfs(std::path::PathBuf);

impl Tmpfs {
    fn mount(size: &str) -> Option<Tmpfs> {
        let dir = tempfile::tempdir().unwrap().keep();
        let ok = std::process::Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={size}"), "tmpfs"])
            .arg(&dir)
            .status()
            .is_ok_and(|s| s.success());
        if !ok {
            eprintln!("SKIPPED: cannot mount a tmpfs here");
            return None;
        }
        Some(Tmpfs(dir))
    }
}

impl Drop for Tmpfs {
    fn drop(&mut self) {
        let _ = std::process::Command::new("umount").arg(&self.0).status();
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

#[test]
fn a_full_output_filesystem_is_a_clear_error_and_keeps_the_old_tree() {
    let Some(fs) = Tmpfs::mount("400k") else {
        return;
    };
    let small = mini_project(None);
    let out = fs.0.join("generated");
    rbgen()
        .current_dir(small.path())
        .arg("build")
        .arg("--out")
        .arg(&out)
        .assert()
        .success();
    let before = snapshot_tree(&out);
    let big = big_project(200, "Zq-big");
    let result = rbgen()
        .current_dir(big.path())
        .arg("build")
        .arg("--out")
        .arg(&out)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&result.stderr);
    assert_eq!(result.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("No space left on device"), "{stderr}");
    assert_eq!(before, snapshot_tree(&out), "the old tree is intact");
    let leftovers: Vec<_> = std::fs::read_dir(&fs.0)
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .filter(|n| n.to_string_lossy().contains("rbgen-stage"))
        .collect();
    assert!(
        leftovers.is_empty(),
        "the failed stage was removed: {leftovers:?}"
    );
}

#[test]
fn a_read_only_output_filesystem_is_a_clear_error() {
    let Some(fs) = Tmpfs::mount("4m") else { return };
    let project = mini_project(None);
    let out = fs.0.join("generated");
    rbgen()
        .current_dir(project.path())
        .arg("build")
        .arg("--out")
        .arg(&out)
        .assert()
        .success();
    let before = snapshot_tree(&out);
    assert!(
        std::process::Command::new("mount")
            .args(["-o", "remount,ro"])
            .arg(&fs.0)
            .status()
            .unwrap()
            .success()
    );
    let spec = project.path().join("spec/runbooks/failover.toml");
    let text = std::fs::read_to_string(&spec)
        .unwrap()
        .replace("title = \"Promote\"", "title = \"Promote now\"");
    std::fs::write(&spec, text).unwrap();
    let result = rbgen()
        .current_dir(project.path())
        .arg("build")
        .arg("--out")
        .arg(&out)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&result.stderr);
    assert_eq!(result.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("Read-only file system"), "{stderr}");
    assert_eq!(before, snapshot_tree(&out));
}
