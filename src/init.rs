//! `rbgen init DIR`: a project the other commands find, ready for git —
//! `DIR/spec/` (a small starter, or the full example by name), `book.toml`,
//! `.gitignore`, the CI workflow and pre-commit config, and the JSON
//! Schemas with a `.taplo.toml` that maps each spec file to its schema.

use anyhow::{Context as _, Result};
use std::path::{Path, PathBuf};

/// Specs `--example` can name, with the files of each.
pub const EXAMPLES: &[(&str, &str)] = &[
    (
        "starter",
        "one environment, one checklist, a failover runbook with a gated promotion, one drill",
    ),
    (
        "patroni-multi-region",
        "the complete Patroni multi-region runbook collection rbgen is built on",
    ),
];

/// The project files around the spec: (path in DIR, contents).
const PROJECT_FILES: &[(&str, &str)] = &[
    ("book.toml", include_str!("../templates/init/book.toml")),
    (".gitignore", include_str!("../templates/init/gitignore")),
    (
        ".github/workflows/runbooks.yml",
        include_str!("../templates/init/runbooks.yml"),
    ),
    (
        ".pre-commit-config.yaml",
        include_str!("../templates/init/pre-commit-config.yaml"),
    ),
    (".taplo.toml", include_str!("../templates/init/taplo.toml")),
];

/// The files of a project around its spec: book.toml, .gitignore, the CI
/// workflow, pre-commit and taplo configuration, and the JSON Schemas
/// (`rbgen import` writes them too when it starts a project).
pub fn project_files() -> Result<Vec<(PathBuf, String)>> {
    let mut files: Vec<(PathBuf, String)> = PROJECT_FILES
        .iter()
        .map(|(p, t)| (PathBuf::from(p), t.to_string()))
        .collect();
    for (file, _, schema) in crate::spec::schema::per_kind() {
        files.push((
            Path::new("schemas").join(file),
            format!("{}\n", serde_json::to_string_pretty(&schema)?),
        ));
    }
    Ok(files)
}

/// The starter's dates: reviewed today, its drill due within 30 days.
fn starter_text(text: &str, today: jiff::civil::Date) -> String {
    let due = today.saturating_add(jiff::Span::new().days(30));
    text.replace("{{today}}", &today.to_string())
        .replace("{{due}}", &due.to_string())
}

pub fn run(dir: &Path, example: &str) -> Result<u8> {
    let spec: Vec<(String, String)> = match example {
        "starter" => {
            let today = jiff::ZonedDateTime::now().date();
            crate::example::STARTER_SPEC
                .iter()
                .map(|(rel, text)| (rel.to_string(), starter_text(text, today)))
                .collect()
        }
        "patroni-multi-region" => crate::example::EXAMPLE_SPEC
            .iter()
            .map(|(rel, text)| (rel.to_string(), text.to_string()))
            .collect(),
        other => {
            let names: Vec<String> = EXAMPLES.iter().map(|(n, d)| format!("{n} ({d})")).collect();
            eprintln!(
                "error: no example `{other}`\n  help: choose one of: {}",
                names.join("; ")
            );
            return Ok(2);
        }
    };
    let mut files: Vec<(PathBuf, String)> = spec
        .into_iter()
        .map(|(rel, text)| (Path::new("spec").join(rel), text))
        .collect();
    files.extend(project_files()?);

    // Never overwrite: an existing repository may adopt rbgen (`rbgen init .`)
    // as long as none of these files is there yet.
    let taken: Vec<String> = files
        .iter()
        .filter(|(rel, _)| dir.join(rel).exists())
        .map(|(rel, _)| rel.display().to_string())
        .collect();
    if dir.join("spec").exists() || !taken.is_empty() {
        let what = if taken.is_empty() {
            "spec/".to_string()
        } else {
            taken.join(", ")
        };
        eprintln!(
            "error: {} already has {what}; refusing to overwrite\n  help: pass a new directory: `rbgen init my-runbooks`",
            dir.display()
        );
        return Ok(2);
    }
    for (rel, text) in &files {
        let path = dir.join(rel);
        if let Some(p) = path.parent() {
            std::fs::create_dir_all(p).with_context(|| format!("cannot create {}", p.display()))?;
        }
        std::fs::write(&path, text).with_context(|| format!("cannot write {}", path.display()))?;
    }
    let cd = if dir == Path::new(".") {
        String::new()
    } else {
        format!("cd {} && ", shell_word(&dir.display().to_string()))
    };
    eprintln!(
        "wrote the {example} spec and the project files ({} files) to {}\n\nnext:\n  {cd}rbgen build && rbgen lint\n  mdbook build    (the book, into book/)\n  git init && git add -A && git commit -m \"Runbooks\"\n\nthen push: .github/workflows/runbooks.yml runs the checks on every pull request,\nand .taplo.toml lets Even Better TOML check the spec against schemas/ as you type.",
        files.len(),
        dir.display()
    );
    Ok(0)
}

/// `dir` quoted for the shell when it needs it.
fn shell_word(s: &str) -> String {
    if s.chars()
        .all(|c| c.is_ascii_alphanumeric() || "-_./".contains(c))
    {
        s.to_string()
    } else {
        format!("'{}'", s.replace('\'', "'\\''"))
    }
}
