//! `rbgen import FILE.md… [--into DIR]`: a team's Markdown runbooks as a
//! spec draft. The Markdown is read with pulldown-cmark (`outline`), turned
//! into runbooks, checklists, variables and reference pages (`draft`) with
//! step kinds guessed by the same command model the lint rules use, and
//! written as commented TOML (`emit`). It never overwrites a file; the CLI
//! then runs lint on the result.

pub mod draft;
use draft::unique;
mod emit;
pub mod outline;

use anyhow::{Context as _, Result};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// The environment an import creates in a new project.
const ENV_ID: &str = "production";

/// What an import wrote, for the CLI to lint.
pub struct Imported {
    pub spec_dir: PathBuf,
}

pub fn run(files: &[PathBuf], into: &Path, today: Option<&str>) -> Result<Result<Imported, u8>> {
    let today = match today {
        Some(t) => t
            .parse::<jiff::civil::Date>()
            .map_err(|e| anyhow::anyhow!("--today {t}: {e} (use YYYY-MM-DD)"))?
            .to_string(),
        None => jiff::ZonedDateTime::now().date().to_string(),
    };
    let mut drafts = Vec::new();
    let mut rejected = 0;
    for file in files {
        let text = match std::fs::read_to_string(file) {
            Ok(t) => t.replace("\r\n", "\n"),
            Err(err) => {
                eprintln!(
                    "error: cannot read {}: {err}\n  help: pass Markdown files (`rbgen import runbooks/*.md`)",
                    file.display()
                );
                return Ok(Err(2));
            }
        };
        let sections = outline::sections(&text);
        if !draft::looks_like_runbook(&sections) {
            let help = match draft::inline_command(&text) {
                Some(cmd) => format!("its commands are written as inline code (`{cmd}`), not in fenced blocks: put each step's commands in a ```bash block under its heading, then import again; nothing was written for this file"),
                None => "import Markdown runbooks, the procedures with their commands; nothing was written for this file".to_string(),
            };
            eprintln!(
                "error: {} is not a runbook: no shell or SQL block in it runs an operations command (psql, patronictl, kubectl, systemctl, aws, …)\n  help: {help}",
                file.display()
            );
            rejected += 1;
            continue;
        }
        let stem = file
            .file_stem()
            .unwrap_or_default()
            .to_string_lossy()
            .into_owned();
        let d = draft::draft(&sections, &stem);
        if d.runbooks.is_empty() {
            eprintln!(
                "error: {}: no heading or numbered list holds the commands as steps\n  help: put each procedure under a heading, its steps as sub-headings or a numbered list; nothing was written for this file",
                file.display()
            );
            rejected += 1;
            continue;
        }
        drafts.push((file.clone(), d));
    }
    if drafts.is_empty() || rejected > 0 {
        if !drafts.is_empty() {
            eprintln!(
                "nothing was written: fix or leave out the files above, then run `rbgen import` again"
            );
        }
        return Ok(Err(2));
    }

    let spec_dir = into.join("spec");
    let fresh = !spec_dir.exists();
    let mut out: BTreeMap<PathBuf, String> = BTreeMap::new();
    let mut summary = Vec::new();
    let mut merged = draft::Draft::default();
    let mut taken_ids = std::collections::BTreeSet::new();
    let mut taken_lists = std::collections::BTreeSet::new();
    let mut taken_pages = std::collections::BTreeSet::new();
    for (file, d) in &mut drafts {
        let source = file
            .file_name()
            .unwrap_or_default()
            .to_string_lossy()
            .into_owned();
        // Two sections (or two files) with the same title must not write
        // the same file: the second becomes `<id>-2`, and what names it too.
        for c in &mut d.checklists {
            let old = c.id.clone();
            c.id = unique(&old, &mut taken_lists);
            if c.id != old {
                for r in &mut d.runbooks {
                    for id in r.before.iter_mut().chain(r.after.iter_mut()) {
                        if *id == old {
                            *id = c.id.clone();
                        }
                    }
                    for st in &mut r.steps {
                        if st.gate.as_deref() == Some(old.as_str()) {
                            st.gate = Some(c.id.clone());
                        }
                    }
                }
            }
        }
        for p in &mut d.pages {
            p.id = unique(&p.id, &mut taken_pages);
        }
        let page_ids: Vec<String> = d.pages.iter().map(|p| p.id.clone()).collect();
        for p in &d.pages {
            out.insert(
                PathBuf::from(format!("spec/pages/{}.md", p.id)),
                p.text.clone(),
            );
            summary.push(format!(
                "  reference page  spec/pages/{}.md  ({})",
                p.id, p.title
            ));
        }
        for c in &d.checklists {
            out.insert(
                PathBuf::from(format!("spec/checklists/{}.toml", c.id)),
                emit::checklist(c, &source),
            );
            summary.push(format!(
                "  checklist       spec/checklists/{}.toml  ({} items, {})",
                c.id,
                c.items.len(),
                if c.step_gate {
                    "a step's gate"
                } else if c.gating {
                    "gating"
                } else {
                    "follow-up"
                }
            ));
        }
        for r in &mut d.runbooks {
            r.id = unique(&r.id, &mut taken_ids);
        }
        // A related document's path is relative to the Markdown file; in
        // the spec it is relative to the runbook's file.
        let md_dir = file.parent().map(Path::to_path_buf).unwrap_or_default();
        let runbooks_dir = spec_dir.join("runbooks");
        for (_, href) in &mut d.links {
            *href = rebase(href, &md_dir, &runbooks_dir);
        }
        for r in &d.runbooks {
            out.insert(
                PathBuf::from(format!("spec/runbooks/{}.toml", r.id)),
                emit::runbook(r, d, &source, &today, &page_ids),
            );
            let kinds: Vec<String> = r.steps.iter().map(|s| s.kind.to_string()).collect();
            summary.push(format!(
                "  runbook         spec/runbooks/{}.toml  ({} steps: {})",
                r.id,
                r.steps.len(),
                kinds.join(", ")
            ));
            if !r.params.is_empty() {
                summary.push(format!(
                    "                  parameters (used, never defined): {}",
                    r.params.join(", ")
                ));
            }
        }
        merged.vars.extend(std::mem::take(&mut d.vars));
        merged.secrets.extend(std::mem::take(&mut d.secrets));
        merged.tools.extend(std::mem::take(&mut d.tools));
        merged
            .tools_unstated
            .extend(std::mem::take(&mut d.tools_unstated));
        if merged.title.is_empty() {
            merged.title = d.title.clone();
        }
    }
    merged
        .tools_unstated
        .retain(|t| !merged.tools.contains_key(t));
    // File names only: the draft must not depend on where the files were.
    let sources: Vec<String> = drafts
        .iter()
        .map(|(f, _)| {
            f.file_name()
                .unwrap_or_default()
                .to_string_lossy()
                .into_owned()
        })
        .collect();
    if fresh {
        out.insert(
            PathBuf::from("spec/rbgen.toml"),
            emit::project(&merged.title),
        );
        out.insert(
            PathBuf::from(format!("spec/environments/{ENV_ID}.toml")),
            emit::environment(&merged, ENV_ID, &sources.join(", ")),
        );
        for (path, text) in crate::init::project_files()? {
            out.insert(path, text);
        }
    }
    let taken: Vec<String> = out
        .keys()
        .filter(|p| into.join(p).exists())
        .map(|p| p.display().to_string())
        .collect();
    if !taken.is_empty() {
        eprintln!(
            "error: {} already has {}; rbgen import never overwrites a file\n  help: import into a new directory (`--into DIR`), or move those files away first",
            into.display(),
            taken.join(", ")
        );
        return Ok(Err(2));
    }
    for (rel, text) in &out {
        let path = into.join(rel);
        if let Some(p) = path.parent() {
            std::fs::create_dir_all(p).with_context(|| format!("cannot create {}", p.display()))?;
        }
        std::fs::write(&path, text).with_context(|| format!("cannot write {}", path.display()))?;
    }
    eprintln!(
        "imported {} into {}:",
        sources.join(", "),
        spec_dir.display()
    );
    for line in &summary {
        eprintln!("{line}");
    }
    if fresh {
        eprintln!(
            "  environment     spec/environments/{ENV_ID}.toml  ({} variables{})",
            merged.vars.len(),
            if merged.secrets.is_empty() {
                String::new()
            } else {
                format!(", {} secrets", merged.secrets.len())
            }
        );
    } else if !merged.vars.is_empty() || !merged.secrets.is_empty() {
        let names: Vec<&str> = merged
            .vars
            .keys()
            .chain(merged.secrets.iter())
            .map(String::as_str)
            .collect();
        eprintln!(
            "  not written: spec/ exists, so add these to an environment by hand: {}",
            names.join(", ")
        );
    }
    if !merged.secrets.is_empty() {
        let names: Vec<&str> = merged.secrets.iter().map(String::as_str).collect();
        eprintln!(
            "  secrets: {} were set in the document; their values were dropped (export them before a run, and rotate them if the document was shared)",
            names.join(", ")
        );
    }
    for tool in &merged.tools_unstated {
        eprintln!(
            "  asked: which {tool} version runs in {ENV_ID}? The document does not say; write it in [tools]"
        );
    }
    eprintln!(
        "\nEvery `# guessed:` comment in the files is a guess to confirm (docs/import.md). Lint follows:\n"
    );
    Ok(Ok(Imported { spec_dir }))
}

/// `href`, written relative to `from`, as a path relative to `to` — when it
/// is a path to a file that exists; a URL or a missing file stays as written
/// (RB030 reports the missing one).
fn rebase(href: &str, from: &Path, to: &Path) -> String {
    if crate::spec::model::is_url(href) {
        return href.to_string();
    }
    let (path, fragment) = match href.split_once('#') {
        Some((p, f)) => (p, format!("#{f}")),
        None => (href, String::new()),
    };
    let Ok(target) = from.join(path).canonicalize() else {
        return href.to_string();
    };
    let Ok(base) = std::path::absolute(to).map(|p| normalize(&p)) else {
        return href.to_string();
    };
    let (t, b): (Vec<_>, Vec<_>) = (target.components().collect(), base.components().collect());
    let common = t.iter().zip(&b).take_while(|(x, y)| x == y).count();
    let mut rel = PathBuf::new();
    for _ in common..b.len() {
        rel.push("..");
    }
    for c in &t[common..] {
        rel.push(c.as_os_str());
    }
    format!("{}{fragment}", rel.display())
}

/// `a/b/../c` → `a/c`, without touching the file system.
fn normalize(p: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for c in p.components() {
        match c {
            std::path::Component::ParentDir => {
                out.pop();
            }
            std::path::Component::CurDir => {}
            other => out.push(other.as_os_str()),
        }
    }
    out
}
