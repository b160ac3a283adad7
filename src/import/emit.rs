//! The draft as spec files: TOML written by hand (not serialised) so that
//! every guess carries a comment beside it for the reviewer.

use super::draft::{Checklist, Draft, Runbook};
use std::fmt::Write as _;

/// A TOML basic string.
fn q(s: &str) -> String {
    toml::Value::String(s.to_string()).to_string()
}

/// A multi-line string: literal when it can be (shell reads as written).
fn ml(s: &str) -> String {
    if !s.contains("'''") && !s.contains('\r') {
        format!(
            "'''\n{}'''",
            if s.ends_with('\n') {
                s.to_string()
            } else {
                format!("{s}\n")
            }
        )
    } else {
        q(s)
    }
}

/// Prose: one line as a string, several as a multi-line basic string.
fn prose(s: &str) -> String {
    if s.contains('\n') {
        let escaped = s.replace('\\', "\\\\").replace("\"\"\"", "\\\"\\\"\\\"");
        format!("\"\"\"\n{escaped}\n\"\"\"")
    } else {
        q(s)
    }
}

pub fn environment(d: &Draft, id: &str, source: &str) -> String {
    let mut t = String::new();
    let _ = writeln!(
        t,
        "# Imported by `rbgen import` from {source}: check every value."
    );
    let _ = writeln!(t, "id = {}\ntitle = {}", q(id), q("Production (imported)"));
    t.push_str("\n[tools]\n");
    for (tool, v) in &d.tools {
        let _ = writeln!(
            t,
            "{tool} = {}                # stated in the document",
            q(v)
        );
    }
    for tool in &d.tools_unstated {
        let _ = writeln!(
            t,
            "# {tool} = \"?\"   # rbgen import: the commands use {tool}, the document names no version: write the deployed one (RB007 checks commands against it)"
        );
    }
    t.push_str("\n[vars]\n");
    for (k, v) in &d.vars {
        let _ = writeln!(t, "{k} = {}", q(v));
    }
    if !d.secrets.is_empty() {
        t.push_str("\n# Secret-looking names: their values were dropped; the operator exports them.\n[secrets]\n");
        for k in &d.secrets {
            let _ = writeln!(
                t,
                "{k} = {}",
                q(
                    "rbgen import: was set in the document; describe it and export it before running"
                )
            );
        }
    }
    t
}

pub fn checklist(c: &Checklist, source: &str) -> String {
    let mut t = String::new();
    let _ = writeln!(
        t,
        "# Imported from {source}: a {} list.",
        if c.step_gate {
            "gate (acknowledged before the step it was written under)"
        } else if c.gating {
            "gating (acknowledged before the runbook)"
        } else {
            "follow-up (done after the runbook)"
        }
    );
    let _ = writeln!(t, "id = {}\ntitle = {}", q(&c.id), q(&c.title));
    for (n, (text, owner)) in c.items.iter().enumerate() {
        let _ = writeln!(
            t,
            "\n[[items]]\nid = {}\ntext = {}",
            q(&format!("item-{}", n + 1)),
            q(text)
        );
        if let Some(o) = owner {
            let _ = writeln!(t, "owner = {}", q(o));
        }
    }
    t
}

pub fn runbook(r: &Runbook, d: &Draft, source: &str, today: &str, pages: &[String]) -> String {
    let mut t = String::new();
    let _ = writeln!(
        t,
        "# Imported by `rbgen import` from {source}. Every `# guessed:` comment is a"
    );
    let _ = writeln!(
        t,
        "# guess to confirm; `rbgen lint` lists what the document leaves open."
    );
    let _ = writeln!(
        t,
        "id = {}\ntitle = {}\nversion = \"0.1.0\"",
        q(&r.id),
        q(&r.title)
    );
    let _ = writeln!(
        t,
        "last_reviewed = {today}              # the import date: set it when a person has reviewed this"
    );
    if let Some(o) = &d.owner {
        let _ = writeln!(
            t,
            "owner = {}                 # from the document's front matter",
            q(o)
        );
    }
    if let Some(c) = &d.classification {
        let _ = writeln!(t, "classification = {}", q(c));
    }
    let mut description = r.description.trim().to_string();
    if !pages.is_empty() {
        let refs: Vec<String> = pages.iter().map(|p| format!("[[{p}]]")).collect();
        if !description.is_empty() {
            description.push_str("\n\n");
        }
        let _ = write!(description, "Reference: {}.", refs.join(", "));
    }
    if !description.is_empty() {
        let _ = writeln!(t, "description = {}", prose(&description));
    }
    if !r.before.is_empty() {
        let _ = writeln!(
            t,
            "before = [{}]              # guessed: the document puts these before the procedure",
            list(&r.before)
        );
    }
    if !r.after.is_empty() {
        let _ = writeln!(
            t,
            "after = [{}]               # guessed: follow-up lists, done after the runbook",
            list(&r.after)
        );
    }
    for (title, href) in &d.links {
        let _ = writeln!(t, "\n[[links]]\ntitle = {}\nhref = {}", q(title), q(href));
    }
    for p in &r.params {
        let _ = writeln!(
            t,
            "\n[[params]]              # used but never defined in the document\nname = {}\ndescription = {}",
            q(p),
            q(&format!(
                "rbgen import: `${p}` is used but not defined; describe it"
            ))
        );
    }
    for s in &r.steps {
        t.push('\n');
        for n in &s.notes {
            let _ = writeln!(t, "# rbgen import: {n}");
        }
        let _ = writeln!(t, "[[steps]]\nid = {}\ntitle = {}", q(&s.id), q(&s.title));
        let _ = writeln!(
            t,
            "kind = {}          # guessed: {}",
            q(s.kind),
            s.why.replace('\n', " ")
        );
        if !s.description.trim().is_empty() {
            let _ = writeln!(t, "description = {}", prose(s.description.trim()));
        }
        if !s.run.trim().is_empty() {
            let _ = writeln!(t, "run = {}", ml(&s.run));
        }
        if !s.expect.trim().is_empty() {
            let _ = writeln!(t, "expect = {}", prose(s.expect.trim()));
        }
        if let Some(g) = &s.gate {
            let _ = writeln!(
                t,
                "gate = {}              # guessed: the document lists this checklist under the step",
                q(g)
            );
        }
        if !s.sets.is_empty() {
            let _ = writeln!(
                t,
                "sets = [{}]              # later steps use these",
                list(&s.sets)
            );
        }
    }
    t
}

fn list(items: &[String]) -> String {
    items.iter().map(|i| q(i)).collect::<Vec<_>>().join(", ")
}

pub fn project(title: &str) -> String {
    format!(
        "# Written by `rbgen import`. Reference: docs/spec.md in rbgen.\n[project]\nname = {}\nversion = \"0.1.0\"\n",
        q(title)
    )
}
