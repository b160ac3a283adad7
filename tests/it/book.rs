//! The book, the printable page and the drill sheets: real `mdbook build`,
//! real headless Chromium printing to PDF, `pdftotext` reading it back.

use crate::common::*;
use std::path::Path;
use std::process::Command;

const RUNBOOKS: [&str; 5] = [
    "a-single-node-failure",
    "b-full-dc-failure",
    "c-network-partition",
    "d-etcd-failure",
    "e-split-brain",
];

fn titles(generated: &Path) -> Vec<String> {
    RUNBOOKS
        .iter()
        .map(|id| {
            let md =
                std::fs::read_to_string(generated.join(format!("book/runbooks/{id}.md"))).unwrap();
            md.lines()
                .next()
                .unwrap()
                .trim_start_matches("# ")
                .replace('\\', "")
        })
        .collect()
}

#[test]
fn mdbook_builds_the_example_book_without_warnings() {
    require_tool("mdbook", "--version");
    let dir = build_example();
    let book_toml = std::fs::read_to_string(root().join("book.toml")).unwrap();
    std::fs::write(dir.path().join("book.toml"), book_toml).unwrap();
    let out = Command::new("mdbook")
        .arg("build")
        .current_dir(dir.path())
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "mdbook build failed:\n{stderr}");
    for bad in ["WARN", "ERROR", "not found", "missing"] {
        assert!(!stderr.contains(bad), "mdbook reported `{bad}`:\n{stderr}");
    }
    for id in RUNBOOKS {
        let page = dir.path().join(format!("target/book/runbooks/{id}.html"));
        assert!(page.is_file(), "missing {}", page.display());
    }
}

#[test]
fn every_summary_link_points_at_a_generated_page() {
    let dir = build_example();
    let book = dir.path().join("generated/book");
    let summary = std::fs::read_to_string(book.join("SUMMARY.md")).unwrap();
    let mut links = 0;
    for part in summary.split("](").skip(1) {
        let target = part.split(')').next().unwrap();
        assert!(
            book.join(target).is_file(),
            "SUMMARY links to missing {target}"
        );
        links += 1;
    }
    assert!(links >= 5 + 5 + 4, "SUMMARY has {links} links");
}

#[test]
fn print_page_is_self_contained_and_holds_every_runbook() {
    let dir = build_example();
    let generated = dir.path().join("generated");
    let html = std::fs::read_to_string(generated.join("print/runbooks.html")).unwrap();
    assert!(!html.contains("<script"), "no JavaScript");
    assert!(!html.contains("<link"), "no external stylesheet");
    assert!(!html.contains("src=\"http"), "nothing fetched");
    assert!(
        html.contains("break-before: page"),
        "one runbook per printed page"
    );
    assert!(
        html.contains("type=\"checkbox\""),
        "checklists print as boxes"
    );
    // Long commands are wrapped by rbgen, each continued line marked.
    let mut continued = 0;
    for block in html.split("<pre><code>").skip(1) {
        let block = block.split("</code></pre>").next().unwrap();
        for line in block.lines() {
            let shown = line
                .replace(
                    "<span class=\"cont\" title=\"continues the line above\">↪</span>",
                    "↪",
                )
                .replace("&lt;", "<")
                .replace("&gt;", ">")
                .replace("&amp;", "&")
                .replace("&quot;", "\"");
            assert!(
                shown.chars().count() <= 88,
                "a printed code line is too wide: {shown}"
            );
            continued += usize::from(shown.contains('↪'));
        }
    }
    assert!(
        continued > 10,
        "the example's long commands are continued, {continued} marks"
    );
    assert!(
        !html.contains("{{") && !html.contains("{%"),
        "no raw template syntax"
    );
    for title in titles(&generated) {
        let escaped = title
            .replace('&', "&amp;")
            .replace('<', "&lt;")
            .replace('>', "&gt;");
        assert!(html.contains(&escaped), "print page lacks {title}");
    }
}

#[test]
fn chromium_prints_one_page_or_more_per_runbook_with_every_title() {
    let chromium = ["chromium", "chromium-browser"].into_iter().find(|c| {
        Command::new(c)
            .arg("--version")
            .output()
            .is_ok_and(|o| o.status.success())
    });
    let Some(chromium) = chromium else {
        panic!("chromium is required by this test: tools/install-test-deps installs it");
    };
    require_tool("pdftotext", "-v");
    let dir = build_example();
    let generated = dir.path().join("generated");
    let pdf = dir.path().join("runbooks.pdf");
    let profile = dir.path().join("chromium-profile");
    let out = Command::new(chromium)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-pdf-header-footer",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .arg(format!("--print-to-pdf={}", pdf.display()))
        .arg(format!(
            "file://{}",
            generated.join("print/runbooks.html").display()
        ))
        .output()
        .unwrap();
    assert!(
        pdf.is_file(),
        "chromium wrote no PDF: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let info = Command::new("pdfinfo").arg(&pdf).output().unwrap();
    let info = String::from_utf8_lossy(&info.stdout);
    let pages: usize = info
        .lines()
        .find_map(|l| l.strip_prefix("Pages:"))
        .and_then(|n| n.trim().parse().ok())
        .expect("pdfinfo prints a page count");
    assert!(
        pages >= RUNBOOKS.len(),
        "{pages} pages for {} runbooks",
        RUNBOOKS.len()
    );
    let text = Command::new("pdftotext")
        .arg(&pdf)
        .arg("-")
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&text.stdout)
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    for title in titles(&generated) {
        let title = title.split_whitespace().collect::<Vec<_>>().join(" ");
        assert!(text.contains(&title), "PDF lacks the title {title}");
    }
}

#[test]
fn spec_text_is_escaped_in_the_book_and_the_print_page() {
    let project = mini_project(None);
    let rb = project.path().join("spec/runbooks/failover.toml");
    let text = std::fs::read_to_string(&rb).unwrap();
    std::fs::write(
        &rb,
        text.replace(
            "trigger = \"Primary down\"",
            "trigger = \"<script>alert(1)</script> {{#include /etc/passwd}} {% raw %}\"",
        ),
    )
    .unwrap();
    rbgen()
        .current_dir(project.path())
        .arg("build")
        .assert()
        .success();
    let generated = project.path().join("generated");
    let md = std::fs::read_to_string(generated.join("book/runbooks/failover.md")).unwrap();
    // Prose is Markdown: raw HTML is shown, not live; mdBook's directive is
    // escaped so that mdBook prints it instead of including a file.
    assert!(md.contains("&lt;script>alert(1)&lt;/script>"), "{md}");
    assert!(md.contains(r"\{{#include /etc/passwd}}"), "{md}");
    assert!(!md.contains("<script>"), "{md}");
    let html = std::fs::read_to_string(generated.join("print/runbooks.html")).unwrap();
    assert!(
        html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"),
        "escaped in HTML"
    );
    assert!(!html.contains("<script>"), "no live HTML");
    assert!(
        html.contains("{{#include /etc/passwd}} {% raw %}"),
        "template syntax shown verbatim"
    );
}

#[test]
fn drill_sheets_hold_the_targets_from_the_spec() {
    let dir = build_example();
    let sheet = std::fs::read_to_string(
        dir.path()
            .join("generated/drills/scenario-1-primary-kill.md"),
    )
    .unwrap();
    for needle in [
        "| Item | Target | Actual | Achieved |",
        "RTO",
        "RPO",
        "within 5 min",
        "within 30 s",
        "within 60 s",
        "[x] 1",
        "Next Drill Schedule",
    ] {
        assert!(sheet.contains(needle), "sheet lacks {needle}:\n{sheet}");
    }
}

#[test]
fn manifest_records_versions_and_hashes_without_timestamps() {
    let dir = build_example();
    let manifest: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(dir.path().join("generated/manifest.json")).unwrap(),
    )
    .unwrap();
    for id in RUNBOOKS {
        let entry = &manifest["runbooks"][id];
        assert!(entry["version"].is_string(), "{id}");
        assert!(
            entry["hash"].as_str().unwrap().starts_with("sha256:"),
            "{id}"
        );
    }
    assert!(manifest["drills"]["scenario-4-standby-promotion"]["hash"].is_string());
    let text = serde_json::to_string(&manifest).unwrap();
    assert!(!text.contains("2026-11-26T"), "no wall-clock time");
}

#[test]
fn mini_book_pages_are_snapshotted() {
    let project = mini_project(None);
    rbgen()
        .current_dir(project.path())
        .arg("build")
        .assert()
        .success();
    let generated = project.path().join("generated");
    for page in [
        "book/SUMMARY.md",
        "book/runbooks/failover.md",
        "book/checklists.md",
        "book/environments.md",
        "drills/chaos.md",
        "manifest.json",
    ] {
        let text = std::fs::read_to_string(generated.join(page)).unwrap();
        insta::assert_snapshot!(page.replace('/', "__"), text);
    }
    let html = std::fs::read_to_string(generated.join("print/runbooks.html")).unwrap();
    insta::assert_snapshot!("print__runbooks.html", html);
}
