//! The binder and the terminal as a person uses them at 03:00: branches in
//! words with where to go otherwise, every command a page asks to type
//! defined in the binder, values to carry written down where they are
//! made, runbooks that end with END OF RUNBOOK and start on a right-hand
//! page, a post-mortem form with nothing pre-filled; a script's `--help`
//! and `--list` with no Markdown or `[[…]]` left, `--list` aligned at any id
//! length, and a cheat sheet whose commands do what the steps do.

use crate::common::*;
use std::path::Path;
use std::process::Command;

fn pdf_pages(spec: &Path, env: &str) -> Vec<String> {
    require_tool("pdftotext", "-v");
    let dir = tempfile::tempdir().unwrap();
    let pdf = dir.path().join("b.pdf");
    let out = rbgen()
        .args(["print", "--env", env, "--out"])
        .arg(&pdf)
        .arg("--spec")
        .arg(spec)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = Command::new("pdftotext")
        .arg("-layout")
        .arg(&pdf)
        .arg("-")
        .output()
        .unwrap();
    String::from_utf8(text.stdout)
        .unwrap()
        .split('\u{c}')
        .map(|p| p.split_whitespace().collect::<Vec<_>>().join(" "))
        .collect()
}

#[test]
#[cfg_attr(
    not(feature = "pdf"),
    ignore = "needs the pdf feature: tools/test builds with --features pdf"
)]
fn the_binder_reads_as_a_procedure() {
    let pages = pdf_pages(&root().join("spec"), "production");
    let all = pages.join("\n");
    // Branches in words, with where to go otherwise; never the shell test.
    assert!(
        all.contains("IF OLD_PRIMARY is not one of DC2_NODES → do this step; otherwise → step"),
        "a shell test in words"
    );
    assert!(all.contains("IF DC1_ALIVE_CHECKS is not 0 → do this step; otherwise → step 4, p."));
    assert!(
        !all.contains("[[ \" $DC2_NODES"),
        "raw shell condition printed"
    );
    // A reference inside a runbook is short.
    assert!(all.contains("(→ step 3, p."), "short in-runbook reference");
    // Values carried between steps have a line to be written on.
    assert!(all.contains("write down DC1_ALIVE_CHECKS ($DC1_ALIVE_CHECKS, used by later steps):"));
    // STOP frames are approved in writing.
    assert!(all.contains("approved by at :"));
    // Each runbook ends, and the next starts on a right-hand (odd) page.
    for letter in ["A", "B", "C", "D", "E"] {
        assert!(
            all.contains(&format!("END OF RUNBOOK {letter}")),
            "END OF RUNBOOK {letter}"
        );
        let start = pages
            .iter()
            .position(|p| p.contains(&format!("Runbook {letter} — ")) && p.contains("kind runbook"))
            .unwrap_or_else(|| panic!("Runbook {letter}'s first page"));
        assert_eq!(
            start % 2,
            0,
            "Runbook {letter} starts on page {} (a left-hand page)",
            start + 1
        );
    }
    // A left-hand page left over before a runbook says it is blank on purpose.
    for (i, p) in pages.iter().enumerate() {
        let words = p.split_whitespace().count();
        assert!(
            // (The decision tree's pages are a drawing.)
            words > 25
                || p.contains("This page is intentionally blank.")
                || p.starts_with("Incident decision tree")
                || p.trim().is_empty(),
            "page {} is nearly empty: {p}",
            i + 1
        );
    }
    // A step split across pages says so at both ends.
    let mut splits = 0;
    for (i, p) in pages.iter().enumerate() {
        let here = i + 1;
        if let Some(at) = p.find(&format!("continued on p. {}", here + 1)) {
            splits += 1;
            let step = p[..at].rsplit("Step ").next().unwrap().trim().to_string();
            let next = &pages[here];
            assert!(
                next.contains(&format!("Step {step}:"))
                    && next.contains(&format!("continued from p. {here}")),
                "page {here} says step {step} continues on p. {}, which does not say where it came from:\n{next}",
                here + 1
            );
        }
    }
    assert!(splits > 0, "the example has long steps; none was split?");
    // Nothing of another environment, and no pointer to a document the
    // binder does not contain.
    assert!(
        !all.contains("(lab:") && !all.contains("loopback"),
        "lab-only text in production"
    );
    assert!(
        !all.contains("see Part 4)") && !all.contains("Part 3 procedure"),
        "points outside the binder"
    );
    // The values a runbook uses are on a card before its first step.
    let b_first = pages
        .iter()
        .position(|p| p.contains("Runbook B — ") && p.contains("kind runbook"))
        .unwrap();
    let card = pages[b_first..]
        .iter()
        .find(|p| p.contains("Values in production"))
        .expect("a values card");
    assert!(
        card.find("Values in production").unwrap() < card.find("Step 1:").unwrap_or(usize::MAX)
    );

    // Where a step acts, and the role the script checks, next to the step.
    assert!(
        all.contains("Acts on $OLD_PRIMARY, which must be stopped when the step runs."),
        "target and role on paper"
    );
    let book =
        std::fs::read_to_string(root().join("generated/book/runbooks/e-split-brain.md")).unwrap();
    assert!(
        book.contains("**Acts on:** `$OLD_PRIMARY`, which must be stopped when the step runs"),
        "target in the book"
    );

    // Every command a drill page types is defined in the binder.
    if all.contains("rb_mark ") {
        assert!(
            all.contains("rb_mark() {"),
            "rb_mark is typed but never defined"
        );
    }
    // The post-mortem form: labels and blank lines, no sample values.
    let form: String = pages
        .iter()
        .filter(|p| p.starts_with("Post-Recovery Post-Mortem"))
        .cloned()
        .collect();
    assert!(form.contains("Form"), "the post-mortem pages");
    for sample in [
        "YYYY-MM-DD",
        "DBA name",
        "T+00:XX",
        "[]",
        "Change Watchdog mode",
    ] {
        assert!(
            !form.contains(sample),
            "the form prints the sample {sample:?}"
        );
    }
    assert!(all.contains("Incident start time:"));
    // A measured value is not in a column of times.
    let sheet = pages
        .iter()
        .find(|p| p.contains("DR drill record: Scenario 3"))
        .unwrap();
    assert!(
        sheet.contains("Measured values") && sheet.contains("rpo_seconds seconds"),
        "{sheet}"
    );
    let times = &sheet[sheet.find("Event times").unwrap()..sheet.find("Measured values").unwrap()];
    assert!(!times.contains("rpo_seconds"), "{times}");
}

#[test]
#[cfg_attr(
    not(feature = "pdf"),
    ignore = "needs the pdf feature: tools/test builds with --features pdf"
)]
fn foreign_binders_have_ends_words_and_no_near_empty_pages() {
    let mut seen = 0;
    for entry in std::fs::read_dir(root().join("tests/fixtures/foreign")).unwrap() {
        let spec = entry.unwrap().path().join("spec");
        if !spec.is_dir() {
            continue;
        }
        let loaded =
            rbgen::spec::Spec::load(&spec).unwrap_or_else(|_| panic!("{} loads", spec.display()));
        let env = loaded.environments[0].doc.id.get_ref().clone();
        let pages = pdf_pages(&spec, &env);
        let all = pages.join("\n");
        let runbooks = loaded
            .runbooks
            .iter()
            .filter(|r| {
                loaded
                    .environments_of(&r.doc)
                    .iter()
                    .any(|e| e.doc.id.get_ref() == &env)
            })
            .count();
        assert_eq!(
            all.matches("END OF RUNBOOK ").count(),
            runbooks,
            "{}: one END OF RUNBOOK per runbook",
            spec.display()
        );
        assert!(
            !all.contains("only if:"),
            "{}: a raw condition",
            spec.display()
        );
        for (i, p) in pages.iter().enumerate().skip(1) {
            let words = p.split_whitespace().count();
            assert!(
                words > 25
                    || p.contains("This page is intentionally blank.")
                    || p.starts_with("Incident decision tree")
                    || p.trim().is_empty(),
                "{} page {} is nearly empty: {p}",
                spec.display(),
                i + 1
            );
        }
        seen += 1;
    }
    assert!(seen >= 10, "the foreign corpus has {seen} specs");
}

#[test]
fn help_and_list_have_no_markdown_and_align_at_any_id_length() {
    let project = mini_project(None);
    let rb = project.path().join("spec/runbooks/failover.toml");
    let long = "look-at-the-cluster-before-anything-else-happens";
    let text = std::fs::read_to_string(&rb)
        .unwrap()
        .replace("id = \"look\"", &format!("id = \"{long}\""))
        .replace(
            "description = \"Read-only\"",
            "description = \"Run `patronictl list` **first**; then [[failover#promote]].\"",
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
    let script = project.path().join("generated/scripts/lab/failover.sh");
    let list = Command::new(&script).arg("--list").output().unwrap();
    let list = String::from_utf8_lossy(&list.stdout);
    let rows: Vec<&str> = list
        .lines()
        .filter(|l| l.trim_start().starts_with(char::is_numeric))
        .collect();
    assert_eq!(rows.len(), 3, "{list}");
    // The kind column starts at the same place on every row.
    let at: Vec<usize> = rows.iter().map(|r| r.find('[').unwrap()).collect();
    assert!(at.iter().all(|a| *a == at[0]), "misaligned:\n{list}");
    assert!(rows[0].contains(long) && at[0] > long.len(), "{list}");
    assert!(
        list.contains("gate: checklist Pre-promotion (--ack pre-promotion)"),
        "{list}"
    );
    assert!(list.contains("asks you to type yes (--yes)"), "{list}");
    let dry = Command::new(&script)
        .args(["--dry-run", "--old-primary", "10.0.0.1"])
        .env("RBGEN_LOG_DIR", project.path())
        .stdin(std::process::Stdio::null())
        .output()
        .unwrap();
    let shown = String::from_utf8_lossy(&dry.stdout);
    assert!(
        shown.contains("Run patronictl list first; then step 3: Promote."),
        "{shown}"
    );
    assert!(
        !shown.contains("[[") && !shown.contains("`patronictl") && !shown.contains("**"),
        "{shown}"
    );
}

#[test]
fn the_cheat_sheet_keeps_a_multi_line_command_as_written() {
    let project = mini_project(None);
    let rb = project.path().join("spec/runbooks/failover.toml");
    let text = std::fs::read_to_string(&rb).unwrap();
    // A look step whose psql query starts with a comment line.
    let text = text.replacen(
        "[[steps]]",
        "[[steps]]\nid = \"count\"\ntitle = \"Count sessions\"\nkind = \"probe\"\nrun = '''\npsql -X -c \"-- sessions per state\nSELECT state, count(*) FROM pg_stat_activity GROUP BY 1\"\n'''\n\n[[steps]]",
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
    let sheet =
        std::fs::read_to_string(project.path().join("generated/book/cheatsheet.md")).unwrap();
    assert!(
        sheet.contains("psql -X -c \"-- sessions per state\nSELECT state, count(*) FROM pg_stat_activity GROUP BY 1\""),
        "{sheet}"
    );
}
