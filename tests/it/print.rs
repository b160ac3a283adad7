//! The printed binder (`rbgen print --env ENV`), read back the way a person
//! reads paper: page by page with poppler's pdftotext. Every page says where
//! the reader is, the contents' page numbers are right, no step heading is
//! left alone at the foot of a page, prose has no Markdown left in it, each
//! runbook carries the functions it calls, and the same spec prints the
//! same bytes. Built with `--features pdf` (tools/test and CI do); without
//! it, `rbgen print` must say how to get it.

use crate::common::*;
use std::path::{Path, PathBuf};
use std::process::Command;

/// Tests of the laid-out PDF are ignored (reported as such, never "ok")
/// without the `pdf` feature; CI builds with it, and fails without it.
#[test]
fn the_suite_is_built_with_the_pdf_feature_in_ci() {
    if std::env::var("CI").as_deref() == Ok("true") {
        assert!(
            cfg!(feature = "pdf"),
            "CI=true: the tests must be built with --features pdf"
        );
    }
}

fn print(spec: &Path, env: &str, out: &Path) {
    let output = rbgen()
        .args(["print", "--env", env, "--out"])
        .arg(out)
        .arg("--spec")
        .arg(spec)
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "rbgen print failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
}

/// The text of every page, in order.
fn pages(pdf: &Path) -> Vec<String> {
    let out = Command::new("pdftotext")
        .arg("-layout")
        .arg(pdf)
        .arg("-")
        .output()
        .unwrap();
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    let mut pages: Vec<String> = text.split('\u{c}').map(str::to_string).collect();
    if pages.last().is_some_and(|p| p.trim().is_empty()) {
        pages.pop();
    }
    pages
}

/// Non-empty lines, spaces squeezed.
fn lines(page: &str) -> Vec<String> {
    page.lines()
        .map(|l| l.split_whitespace().collect::<Vec<_>>().join(" "))
        .filter(|l| !l.is_empty())
        .collect()
}

fn squeeze(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

struct Proc {
    title: String,
    steps: Vec<String>,
}

/// Runbook and drill titles with their step titles, from the spec itself.
fn procedures(spec: &Path) -> Vec<Proc> {
    let spec = rbgen::spec::Spec::load(spec).unwrap();
    spec.procedures()
        .map(|(_, d)| Proc {
            title: squeeze(d.doc.title.get_ref()),
            steps: d
                .doc
                .steps
                .iter()
                .map(|s| squeeze(s.title.get_ref()))
                .collect(),
        })
        .collect()
}

fn example_pdf() -> (tempfile::TempDir, PathBuf, Vec<String>) {
    require_tool("pdftotext", "-v");
    let dir = tempfile::tempdir().unwrap();
    let pdf = dir.path().join("production.pdf");
    print(&root().join("spec"), "production", &pdf);
    let pages = pages(&pdf);
    (dir, pdf, pages)
}

#[test]
#[cfg_attr(
    not(feature = "pdf"),
    ignore = "needs the pdf feature: tools/test builds with --features pdf"
)]
fn every_page_says_where_the_reader_is() {
    let (_dir, _, pages) = example_pdf();
    let total = pages.len();
    assert!(total > 20, "the example binder has {total} pages");
    let procs = procedures(&root().join("spec"));
    for (i, page) in pages.iter().enumerate() {
        let lines = lines(page);
        let last = lines.last().cloned().unwrap_or_default();
        assert!(
            last.ends_with(&format!("page {} of {total}", i + 1)),
            "page {}: footer is {last:?}",
            i + 1
        );
        if i == 0 {
            continue; // the cover
        }
        // The running header: what the page belongs to, then id, version
        // and environment.
        let header = &format!("{} {}", lines[0], lines[1]);
        assert!(
            header.contains("environment: Production (production)"),
            "page {}: header {header:?}",
            i + 1
        );
        // A page showing steps names, in its header, the procedure they
        // belong to: "Step N: title" is step N of that procedure.
        for line in &lines[1..] {
            let Some(rest) = line.strip_prefix("Step ") else {
                continue;
            };
            let Some((number, title)) = rest.split_once(": ") else {
                continue;
            };
            let Ok(number) = number.parse::<usize>() else {
                continue;
            };
            let owner = procs
                .iter()
                .filter(|p| header.contains(&p.title))
                .max_by_key(|p| p.title.len());
            let owner = owner.unwrap_or_else(|| {
                panic!(
                    "page {}: shows {line:?} but its header {header:?} names no runbook",
                    i + 1
                )
            });
            let expected = &owner.steps[number - 1];
            assert!(
                title.starts_with(expected.split(' ').next().unwrap_or_default()),
                "page {}: {line:?} is not step {number} of {:?} ({expected:?})",
                i + 1,
                owner.title
            );
        }
    }
}

#[test]
#[cfg_attr(
    not(feature = "pdf"),
    ignore = "needs the pdf feature: tools/test builds with --features pdf"
)]
fn contents_page_numbers_are_where_the_titles_are() {
    let (_dir, _, pages) = example_pdf();
    let contents = &pages[1];
    assert!(contents.contains("Contents"));
    let mut checked = 0;
    let mut last_title = String::new();
    for line in lines(contents) {
        // "Title . . . . . 12"
        let Some((title, number)) = line.rsplit_once(' ') else {
            continue;
        };
        let Ok(number) = number.parse::<usize>() else {
            continue;
        };
        let title = title.trim_end_matches([' ', '.']).to_string();
        if title.is_empty() || !line.contains(". .") {
            continue;
        }
        let page = squeeze(&pages[number - 1]);
        let wanted = if title == "Record sheet" {
            format!("DR drill record: {last_title}")
        } else {
            title.clone()
        };
        assert!(
            page.contains(&wanted),
            "contents say {title:?} is on page {number}, but that page does not show {wanted:?}"
        );
        if title != "Record sheet" {
            last_title = title;
        }
        checked += 1;
    }
    assert!(checked >= 15, "only {checked} contents entries were read");
    for must in [
        "Incident decision tree",
        "Checklists",
        "Appendix",
        "Runbook B",
    ] {
        assert!(contents.contains(must), "the contents list {must}");
    }
}

#[test]
#[cfg_attr(
    not(feature = "pdf"),
    ignore = "needs the pdf feature: tools/test builds with --features pdf"
)]
fn no_page_ends_with_a_step_heading() {
    let (_dir, _, pages) = example_pdf();
    for (i, page) in pages.iter().enumerate() {
        let lines = lines(page);
        // The last line is the footer; the one before it ends the body.
        let body_end = lines.iter().rev().nth(1).cloned().unwrap_or_default();
        let is_heading = body_end.starts_with("Step ") && body_end.contains(": ");
        let is_record = body_end.contains("started") && body_end.contains("done");
        assert!(
            !is_heading && !is_record,
            "page {} ends with a step heading: {body_end:?}",
            i + 1
        );
    }
}

#[test]
#[cfg_attr(
    not(feature = "pdf"),
    ignore = "needs the pdf feature: tools/test builds with --features pdf"
)]
fn printed_prose_has_no_markdown_left() {
    let (_dir, _, pages) = example_pdf();
    let text = pages.join("\n");
    assert!(!text.contains('`'), "a literal backtick is printed");
    // `[[id]]` or `[[id#step]]` left as written (bash's `[[ … ]]` has spaces).
    for (i, _) in text.match_indices("[[") {
        let rest = &text[i + 2..];
        let word: String = rest.chars().take_while(|c| !c.is_whitespace()).collect();
        assert!(
            !word.contains("]]"),
            "an unresolved reference is printed: [[{word}"
        );
    }
    assert!(!text.contains("**"), "Markdown emphasis is printed");
    // A resolved reference names the step's current number and title, and
    // its page.
    assert!(
        squeeze(&text).contains("Runbook B — Full-DC Failure (2DC Standby Cluster Manual Promotion), step 8: Immediate post-promotion checklist (p."),
        "the post-promotion checklist's reference is resolved"
    );
}

#[test]
#[cfg_attr(
    not(feature = "pdf"),
    ignore = "needs the pdf feature: tools/test builds with --features pdf"
)]
fn each_runbook_prints_the_functions_it_calls() {
    let (_dir, _, pages) = example_pdf();
    let root = root().join("spec");
    let spec = rbgen::spec::Spec::load(&root).unwrap();
    let env = spec.environment("production").unwrap();
    let titles: Vec<String> = spec
        .runbooks
        .iter()
        .map(|d| squeeze(d.doc.title.get_ref()))
        .collect();
    for rb in &spec.runbooks {
        let title = squeeze(rb.doc.title.get_ref());
        // The runbook's pages: those whose header names it.
        let text: String = pages
            .iter()
            .filter(|p| {
                let header = lines(p).into_iter().take(2).collect::<Vec<_>>().join(" ");
                header.contains(&title)
                    && !titles
                        .iter()
                        .any(|t| t.len() > title.len() && t.contains(&title) && header.contains(t))
            })
            .map(|p| squeeze(p))
            .collect::<Vec<_>>()
            .join(" ");
        let uses = rbgen::semantics::uses::of(&spec, &rb.doc, env);
        assert!(
            !uses.functions.is_empty() || rb.doc.steps.is_empty(),
            "{title} calls functions"
        );
        for (name, _, _) in &uses.functions {
            assert!(
                text.contains(&format!("{name}() {{")),
                "{title}: the definition of `{name}` is not printed with the runbook"
            );
        }
        for (name, _) in &uses.vars {
            assert!(
                text.contains(&format!("{name}=")),
                "{title}: the value of {name} is not printed"
            );
        }
    }
}

#[test]
#[cfg_attr(
    not(feature = "pdf"),
    ignore = "needs the pdf feature: tools/test builds with --features pdf"
)]
fn the_same_spec_prints_the_same_bytes() {
    let (dir, pdf, pages) = example_pdf();
    // What is compared is a real binder, not two empty files.
    let bytes = std::fs::read(&pdf).unwrap();
    assert!(bytes.starts_with(b"%PDF-"), "not a PDF");
    assert!(pages.len() > 20, "{} pages", pages.len());
    let again = dir.path().join("again.pdf");
    print(&root().join("spec"), "production", &again);
    assert!(bytes == std::fs::read(&again).unwrap(), "two prints differ");
}

/// Phrases only the example's spec contains: none may reach another team's
/// binder or book.
const EXAMPLE_ONLY: &[&str] = &[
    "Seoul",
    "Busan",
    "Singapore",
    "DC1",
    "notification checklist",
    "Runbook B",
    "pg-seoul",
    "Patroni multi-region",
    "can be executed",
];

#[test]
fn foreign_binders_and_books_carry_nothing_of_the_example() {
    let enabled = cfg!(feature = "pdf") && require_tool("pdftotext", "-v");
    let mut foreign: Vec<PathBuf> = std::fs::read_dir(fixtures().join("foreign"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.join("spec/rbgen.toml").is_file())
        .collect();
    foreign.sort();
    for case in foreign {
        let spec_dir = case.join("spec");
        let own: String = walkdir::WalkDir::new(&spec_dir)
            .into_iter()
            .filter_map(Result::ok)
            .filter(|e| e.file_type().is_file())
            .map(|e| std::fs::read_to_string(e.path()).unwrap_or_default())
            .collect();
        let work = tempfile::tempdir().unwrap();
        copy_dir(&spec_dir, &work.path().join("spec"));
        rbgen()
            .current_dir(work.path())
            .arg("build")
            .assert()
            .success();
        let mut outputs: Vec<(String, String)> =
            walkdir::WalkDir::new(work.path().join("generated/book"))
                .into_iter()
                .filter_map(Result::ok)
                .filter(|e| e.file_type().is_file())
                .map(|e| {
                    (
                        e.path().display().to_string(),
                        std::fs::read_to_string(e.path()).unwrap(),
                    )
                })
                .collect();
        let spec = rbgen::spec::Spec::load(&work.path().join("spec")).unwrap();
        // No chapter without content.
        let summary =
            std::fs::read_to_string(work.path().join("generated/book/SUMMARY.md")).unwrap();
        assert_eq!(
            summary.contains("decision-tree.md"),
            spec.decision_tree.is_some(),
            "{case:?}"
        );
        assert_eq!(
            summary.contains("checklists.md"),
            !spec.checklists.is_empty(),
            "{case:?}"
        );
        assert_eq!(
            summary.contains("postmortem.md"),
            spec.postmortem.is_some(),
            "{case:?}"
        );
        assert_eq!(
            summary.contains("# DR drills"),
            !spec.drills.is_empty(),
            "{case:?}"
        );
        if enabled {
            for env in &spec.environments {
                let pdf = work.path().join(format!("{}.pdf", env.doc.id.get_ref()));
                print(&work.path().join("spec"), env.doc.id.get_ref(), &pdf);
                outputs.push((pdf.display().to_string(), pages(&pdf).join("\n")));
            }
        }
        for (path, text) in &outputs {
            for phrase in EXAMPLE_ONLY {
                if own.contains(phrase) {
                    continue;
                }
                assert!(
                    !squeeze(text).contains(phrase),
                    "{path} says {phrase:?}, which only the example spec says"
                );
            }
        }
    }
}

#[test]
fn the_decision_tree_svg_has_one_box_per_question_and_leaf() {
    let spec = rbgen::spec::Spec::load(&root().join("spec")).unwrap();
    let tree = &spec.decision_tree.as_ref().unwrap().doc;
    let part = rbgen::generate::tree_svg::whole(&spec).unwrap();
    let count = |class: &str| part.svg.matches(&format!("class=\"{class}\"")).count();
    assert_eq!(count("question"), tree.questions.len());
    let runbooks = tree
        .questions
        .iter()
        .flat_map(|q| &q.answers)
        .filter(|a| a.runbook.is_some())
        .count();
    let actions = tree
        .questions
        .iter()
        .flat_map(|q| &q.answers)
        .filter(|a| a.runbook.is_none() && a.next.is_none())
        .count();
    assert_eq!(count("runbook"), runbooks);
    assert_eq!(count("action"), actions);
    for q in &tree.questions {
        assert!(
            part.svg
                .contains(&format!("data-id=\"{}\"", q.id.get_ref())),
            "question {} is drawn",
            q.id.get_ref()
        );
    }
    // The drawing is the book's, inline.
    let book = build_example();
    let page =
        std::fs::read_to_string(book.path().join("generated/book/decision-tree.md")).unwrap();
    assert!(page.contains("<svg") && !page.contains("mermaid"));
    // On paper it is cut into parts that each fit a page.
    for p in rbgen::generate::tree_svg::paper(&spec, 400.0) {
        assert!(
            p.height <= 400.0 + 120.0,
            "a part is {} units tall",
            p.height
        );
    }
}

#[test]
#[cfg_attr(
    feature = "pdf",
    ignore = "only a build without the pdf feature refuses to print"
)]
fn print_without_the_feature_says_what_to_install() {
    let dir = tempfile::tempdir().unwrap();
    let out = rbgen()
        .args(["print", "--env", "lab", "--spec"])
        .arg(root().join("spec"))
        .arg("--out")
        .arg(dir.path().join("x.pdf"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--features pdf"));
    assert!(!dir.path().join("x.pdf").exists());
}

#[test]
#[cfg_attr(
    not(feature = "pdf"),
    ignore = "needs the pdf feature: tools/test builds with --features pdf"
)]
fn mini_binder_pages_are_snapshotted() {
    require_tool("pdftotext", "-v");
    let project = mini_project(None);
    let pdf = project.path().join("lab.pdf");
    print(&project.path().join("spec"), "lab", &pdf);
    let text: Vec<String> = pages(&pdf).iter().map(|p| lines(p).join("\n")).collect();
    insta::assert_snapshot!("mini_binder_text", text.join("\n\n=== page break ===\n\n"));
    let typst = rbgen()
        .args(["print", "--env", "lab", "--typst", "--out"])
        .arg(project.path().join("lab.typ"))
        .arg("--spec")
        .arg(project.path().join("spec"))
        .output()
        .unwrap();
    assert!(typst.status.success());
    let source = std::fs::read_to_string(project.path().join("lab.typ")).unwrap();
    // Spec text reaches Typst only as string literals or escaped markup.
    assert!(!source.contains("#touch"), "spec text became Typst code");
}
