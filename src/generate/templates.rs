//! The tera templates: compiled into the binary, replaceable per project.

use anyhow::{Context as _, Result};
use std::path::Path;

/// Built-in templates, name → text. A file of the same name in the
/// `--templates` directory replaces one.
pub const BUILTIN: &[(&str, &str)] = &[
    ("script.sh", include_str!("../../templates/script.sh.tera")),
    (
        "book/SUMMARY.md",
        include_str!("../../templates/book/SUMMARY.md.tera"),
    ),
    (
        "book/index.md",
        include_str!("../../templates/book/index.md.tera"),
    ),
    (
        "book/environments.md",
        include_str!("../../templates/book/environments.md.tera"),
    ),
    (
        "book/decision-tree.md",
        include_str!("../../templates/book/decision-tree.md.tera"),
    ),
    (
        "book/checklists.md",
        include_str!("../../templates/book/checklists.md.tera"),
    ),
    (
        "book/procedure.md",
        include_str!("../../templates/book/procedure.md.tera"),
    ),
    (
        "book/postmortem.md",
        include_str!("../../templates/book/postmortem.md.tera"),
    ),
    (
        "book/cheatsheet.md",
        include_str!("../../templates/book/cheatsheet.md.tera"),
    ),
    (
        "drill-sheet.md",
        include_str!("../../templates/drill-sheet.md.tera"),
    ),
    (
        "print.html",
        include_str!("../../templates/print.html.tera"),
    ),
];

/// Load the templates, with overrides from `dir` when given.
pub fn load(dir: Option<&Path>) -> Result<tera::Tera> {
    let mut tera = tera::Tera::new();
    // Generated scripts are not HTML: nothing is escaped implicitly. Spec
    // text reaches a script only through the `sh` filter.
    tera.autoescape_on(Vec::<&str>::new());
    // Bash is full of `${#array[@]}`, which tera would read as the start of a
    // comment: template comments are written `<# … #>` instead.
    tera.set_delimiters(tera::Delimiters {
        comment_start: "<#".into(),
        comment_end: "#>".into(),
        ..tera::Delimiters::default()
    })
    .map_err(|e| anyhow::anyhow!("template delimiters: {e}"))?;
    tera.register_filter("sh", |text: &str, _: tera::Kwargs, _: &tera::State| {
        crate::shell::quote::sh_quote(text)
    });
    use super::markdown;
    tera.register_filter("md", |t: &str, _: tera::Kwargs, _: &tera::State| {
        markdown::inline(t)
    });
    tera.register_filter("cell", |t: &str, _: tera::Kwargs, _: &tera::State| {
        markdown::inline(t)
    });
    tera.register_filter("codecell", |t: &str, _: tera::Kwargs, _: &tera::State| {
        markdown::code_cell(t)
    });
    tera.register_filter("bash", |t: &str, _: tera::Kwargs, _: &tera::State| {
        markdown::fence(t, "bash")
    });
    tera.register_filter("text", |t: &str, _: tera::Kwargs, _: &tera::State| {
        markdown::fence(t, "text")
    });
    tera.register_filter("html", |t: &str, _: tera::Kwargs, _: &tera::State| {
        markdown::html_escape(t)
    });
    // Inside a CSS string (`content: "…"`): every character outside plain
    // ASCII letters, digits and spaces is written as a CSS escape.
    tera.register_filter("css", |t: &str, _: tera::Kwargs, _: &tera::State| {
        t.chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || c == ' ' || !c.is_ascii() && !c.is_control() {
                    c.to_string()
                } else {
                    format!("\\{:x} ", c as u32)
                }
            })
            .collect::<String>()
    });
    for (name, builtin) in BUILTIN {
        let text = match dir.map(|d| d.join(format!("{name}.tera"))) {
            Some(path) if path.is_file() => std::fs::read_to_string(&path)
                .with_context(|| format!("cannot read template {}", path.display()))?,
            _ => (*builtin).to_string(),
        };
        tera.add_raw_template(name, &text)
            .map_err(|e| anyhow::anyhow!("template {name}.tera: {}", render_error(&e)))?;
    }
    Ok(tera)
}

/// Tera errors nest their cause; show the whole chain on one line.
pub fn render_error(err: &tera::Error) -> String {
    let mut out = err.to_string();
    let mut source = std::error::Error::source(err);
    while let Some(cause) = source {
        out.push_str(": ");
        out.push_str(&cause.to_string());
        source = cause.source();
    }
    out
}
