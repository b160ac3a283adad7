//! The README is a README, and the documentation's links lead somewhere:
//! every relative link and image in README.md, CONTRIBUTING.md,
//! ARCHITECTURE.md and docs/**/*.md names a file that exists, and a
//! `#fragment` into a Markdown page names one of its headings.

use crate::common::*;
use pulldown_cmark::{Event, HeadingLevel, Parser, Tag, TagEnd};
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

fn documents() -> Vec<PathBuf> {
    let mut out: Vec<PathBuf> = ["README.md", "CONTRIBUTING.md", "ARCHITECTURE.md"]
        .iter()
        .map(|f| root().join(f))
        .collect();
    for e in walkdir::WalkDir::new(root().join("docs")).sort_by_file_name() {
        let e = e.unwrap();
        if e.path().extension().is_some_and(|x| x == "md") {
            out.push(e.path().to_path_buf());
        }
    }
    out
}

/// A heading's anchor as GitHub and mdBook make it.
fn slug(heading: &str) -> String {
    heading
        .trim()
        .to_lowercase()
        .chars()
        .filter_map(|c| match c {
            ' ' => Some('-'),
            c if c.is_alphanumeric() || c == '-' || c == '_' => Some(c),
            _ => None,
        })
        .collect()
}

fn anchors(text: &str) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    let mut heading: Option<String> = None;
    for event in Parser::new(text) {
        match event {
            Event::Start(Tag::Heading { .. }) => heading = Some(String::new()),
            Event::Text(t) | Event::Code(t) => {
                if let Some(h) = &mut heading {
                    h.push_str(&t);
                }
            }
            Event::End(TagEnd::Heading(_)) => {
                out.extend(heading.take().map(|h| slug(&h)));
            }
            _ => {}
        }
    }
    out
}

/// Relative link and image targets of `text`.
fn targets(text: &str) -> Vec<String> {
    Parser::new(text)
        .filter_map(|e| match e {
            Event::Start(Tag::Link { dest_url, .. })
            | Event::Start(Tag::Image { dest_url, .. }) => Some(dest_url.to_string()),
            _ => None,
        })
        .filter(|t| {
            let scheme = t.split_once(':').is_some_and(|(s, _)| {
                !s.is_empty()
                    && s.chars()
                        .all(|c| c.is_ascii_alphanumeric() || "+.-".contains(c))
            });
            !scheme
        })
        .collect()
}

#[test]
fn every_relative_link_resolves() {
    let mut broken = Vec::new();
    let mut checked = 0;
    for doc in documents() {
        let text = std::fs::read_to_string(&doc).unwrap();
        for t in targets(&text) {
            checked += 1;
            let (path, fragment) = t.split_once('#').unwrap_or((&t, ""));
            let dest = if path.is_empty() {
                doc.clone()
            } else {
                doc.parent().unwrap().join(path)
            };
            let rel = doc.strip_prefix(root()).unwrap().display().to_string();
            if !dest.exists() {
                broken.push(format!("{rel}: {t}: no such file"));
            } else if !fragment.is_empty()
                && dest.extension().is_some_and(|x| x == "md")
                && !anchors(&std::fs::read_to_string(&dest).unwrap()).contains(fragment)
            {
                broken.push(format!("{rel}: {t}: no heading #{fragment}"));
            }
        }
    }
    assert!(
        checked > 100,
        "only {checked} links found: is the reader broken?"
    );
    assert!(broken.is_empty(), "broken links:\n{}", broken.join("\n"));
}

/// What a first-time reader needs and no more: the two set-up commands on
/// the first screen, a short page, and the rule reference elsewhere.
#[test]
fn the_readme_is_short_and_starts_with_the_two_setup_commands() {
    let readme = std::fs::read_to_string(root().join("README.md")).unwrap();
    let lines = readme.lines().count();
    assert!((100..=250).contains(&lines), "README.md has {lines} lines");
    let first_screen: String = readme.lines().take(40).collect::<Vec<_>>().join("\n");
    let setup = "cargo run --release -- build     # compile spec/ into generated/\n\
                 tools/test                       # install the test tools if missing, run every test";
    assert!(
        first_screen.contains(setup),
        "the first screen lacks the two set-up commands"
    );
    // Exactly two commands in the set-up block.
    let block = first_screen
        .split("```sh\n")
        .nth(1)
        .unwrap()
        .split("```")
        .next()
        .unwrap();
    assert_eq!(
        block.lines().filter(|l| !l.trim().is_empty()).count(),
        2,
        "{block}"
    );
    let h1 = Parser::new(&readme)
        .filter(|e| {
            matches!(
                e,
                Event::Start(Tag::Heading {
                    level: HeadingLevel::H1,
                    ..
                })
            )
        })
        .count();
    assert_eq!(h1, 1, "one title");
    assert!(
        !readme.contains("## What it catches"),
        "the rule reference lives in docs/rules/"
    );
}

/// docs/ is an mdBook whose contents list every page in docs/ (no orphan
/// page a reader cannot reach), and `tools/test` builds it without warnings
/// in `.ci/run`.
#[test]
fn every_docs_page_is_in_the_summary() {
    let summary = std::fs::read_to_string(root().join("docs/SUMMARY.md")).unwrap();
    let listed: BTreeSet<String> = targets(&summary).into_iter().collect();
    let docs = root().join("docs");
    for doc in documents() {
        let Ok(rel) = doc.strip_prefix(&docs) else {
            continue;
        };
        let rel = rel.display().to_string();
        if rel == "SUMMARY.md" {
            continue;
        }
        assert!(
            listed.contains(&rel),
            "docs/{rel} is not in docs/SUMMARY.md"
        );
    }
    assert!(Path::new(&docs.join("book.toml")).exists());
}
