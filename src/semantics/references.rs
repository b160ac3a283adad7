//! `[[target]]` references in prose, and what they resolve to.
//!
//! Prose may point at other parts of the spec with `[[target]]`:
//! `[[runbook-id]]`, `[[runbook-id#step-id]]`, `[[checklist-id]]`,
//! `[[checklist-id#item-id]]`, `[[decision-tree]]`,
//! `[[decision-tree#question-id]]`, `[[postmortem]]`, and a reference page
//! `[[page-id]]` / `[[page-id#heading-anchor]]`. Each resolves into
//! the target's current title and number ("Runbook B, step 8: …"), its book
//! page and anchor, and a document-wide key; the generators render it as a
//! link or a page number, lint reports one that resolves to nothing (RB018).

use crate::spec::{ProcKind, Spec};
use pulldown_cmark::{Event, Options, Parser, Tag};
use regex::Regex;
use std::ops::Range;
use std::sync::LazyLock;

/// The book page of a runbook or drill, relative to the book's root.
pub fn proc_file(kind: ProcKind, id: &str) -> String {
    match kind {
        ProcKind::Runbook => format!("runbooks/{id}.md"),
        ProcKind::Drill => format!("drills/{id}.md"),
    }
}

/// CommonMark plus the GitHub extensions the book and the PDF both render.
pub fn options() -> Options {
    Options::ENABLE_TABLES | Options::ENABLE_TASKLISTS | Options::ENABLE_STRIKETHROUGH
}

static REFERENCE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"\[\[([A-Za-z0-9][A-Za-z0-9_.-]*)(?:#([A-Za-z0-9][A-Za-z0-9_.-]*))?\]\]").unwrap()
});

/// A `[[target]]` written in prose, outside code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reference {
    /// Everything between the brackets, e.g. `b-full-dc-failure#promote-dc2`.
    pub target: String,
    /// Byte range of the whole `[[…]]` in the prose text.
    pub range: Range<usize>,
}

/// Byte ranges of code spans and code blocks: text there is never a reference.
fn code_ranges(text: &str) -> Vec<Range<usize>> {
    Parser::new_ext(text, options())
        .into_offset_iter()
        .filter_map(|(event, range)| match event {
            Event::Code(_) | Event::Start(Tag::CodeBlock(_)) => Some(range),
            _ => None,
        })
        .collect()
}

/// The references in `text`, in order.
pub fn references(text: &str) -> Vec<Reference> {
    if !text.contains("[[") {
        return Vec::new();
    }
    let code = code_ranges(text);
    REFERENCE
        .find_iter(text)
        .filter(|m| {
            !code
                .iter()
                .any(|c| c.start <= m.start() && m.end() <= c.end)
        })
        .map(|m| Reference {
            target: text[m.start() + 2..m.end() - 2].to_string(),
            range: m.range(),
        })
        .collect()
}

/// What a reference resolved to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Resolved {
    /// What the reader sees: "Runbook B — …, step 8: Immediate checks".
    pub label: String,
    /// The book page, relative to the book's root (`runbooks/b.md`).
    pub page: String,
    /// The heading anchor on that page, empty for the page itself.
    pub fragment: String,
    /// A document-wide key (`b.promote`): the Typst label and the print
    /// page's anchor.
    pub key: String,
    /// For a step: its procedure's id, number and title, so that prose of
    /// that same procedure can say just "step 3: STONITH".
    pub step: Option<StepRef>,
}

/// The step a reference points at.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StepRef {
    pub procedure: String,
    pub number: usize,
    pub title: String,
}

impl Resolved {
    /// The step this points at when it is a step of procedure `here`.
    pub fn local_step(&self, here: Option<&str>) -> Option<&StepRef> {
        self.step
            .as_ref()
            .filter(|s| here.is_some_and(|h| h == s.procedure))
    }

    /// What a reader of prose in procedure `here` sees: a step of that same
    /// procedure is "step 3: STONITH", anything else its full label.
    pub fn label_in(&self, here: Option<&str>) -> String {
        match self.local_step(here) {
            Some(s) => format!("step {}: {}", s.number, s.title),
            None => self.label.clone(),
        }
    }
}

/// Heading anchor of a step in its procedure's page.
pub fn step_fragment(step_id: &str) -> String {
    format!("step-{step_id}")
}

/// Heading anchor of a checklist on the checklists page.
pub fn checklist_fragment(id: &str) -> String {
    format!("checklist-{id}")
}

/// Heading anchor of a decision-tree question.
pub fn question_fragment(id: &str) -> String {
    format!("question-{id}")
}

/// Resolve `target` against the spec.
pub fn resolve(spec: &Spec, target: &str) -> Option<Resolved> {
    let (id, part) = match target.split_once('#') {
        Some((id, part)) => (id, Some(part)),
        None => (target, None),
    };
    if let Some((kind, doc)) = spec.procedure(id) {
        let p = &doc.doc;
        let page = proc_file(kind, id);
        return match part {
            None => Some(Resolved {
                label: p.title.get_ref().clone(),
                page,
                fragment: String::new(),
                key: id.to_string(),
                step: None,
            }),
            Some(step_id) => {
                let (i, step) = p
                    .steps
                    .iter()
                    .enumerate()
                    .find(|(_, s)| s.id.get_ref() == step_id)?;
                Some(Resolved {
                    label: format!(
                        "{}, step {}: {}",
                        p.title.get_ref(),
                        i + 1,
                        step.title.get_ref()
                    ),
                    page,
                    fragment: step_fragment(step_id),
                    key: format!("{id}.{step_id}"),
                    step: Some(StepRef {
                        procedure: id.to_string(),
                        number: i + 1,
                        title: step.title.get_ref().clone(),
                    }),
                })
            }
        };
    }
    if let Some(list) = spec.checklist(id) {
        let c = &list.doc;
        let label = match part {
            None => c.title.get_ref().clone(),
            Some(item) => {
                let item = c.items.iter().find(|i| i.id.get_ref() == item)?;
                format!("{}: {}", c.title.get_ref(), item.text.get_ref())
            }
        };
        return Some(Resolved {
            label,
            page: "checklists.md".into(),
            fragment: checklist_fragment(id),
            key: format!("checklist.{id}"),
            step: None,
        });
    }
    if id == "decision-tree" {
        let tree = spec.decision_tree.as_ref()?;
        return match part {
            None => Some(Resolved {
                label: "the incident decision tree".into(),
                page: "decision-tree.md".into(),
                fragment: String::new(),
                key: "decision-tree".into(),
                step: None,
            }),
            Some(q) => {
                let q = tree.doc.questions.iter().find(|x| x.id.get_ref() == q)?;
                Some(Resolved {
                    label: format!("decision tree: {}", q.text.get_ref()),
                    page: "decision-tree.md".into(),
                    fragment: question_fragment(q.id.get_ref()),
                    key: format!("question.{}", q.id.get_ref()),
                    step: None,
                })
            }
        };
    }
    if id == "postmortem" && part.is_none() {
        let pm = spec.postmortem.as_ref()?;
        return Some(Resolved {
            label: pm.doc.title.get_ref().clone(),
            page: "postmortem.md".into(),
            fragment: String::new(),
            key: "postmortem".into(),
            step: None,
        });
    }
    if let Some(page) = spec.page(id) {
        let page = &page.doc;
        let (label, fragment) = match part {
            None => (page.title.clone(), String::new()),
            Some(anchor) => {
                let (a, text) = page.headings.iter().find(|(a, _)| a == anchor)?;
                (format!("{}: {text}", page.title), a.clone())
            }
        };
        return Some(Resolved {
            label,
            page: page_file(id),
            // On paper a page number is enough: the binder labels the
            // page, not each of its headings.
            key: format!("page.{id}"),
            fragment,
            step: None,
        });
    }
    None
}

/// The book page of a reference page.
pub fn page_file(id: &str) -> String {
    format!("pages/{id}.md")
}
