//! Reading the spec directory: discovery, TOML parsing, and turning serde's
//! errors into positioned diagnostics with a fix hint.

use super::model::*;
use super::{Doc, Spec};
use crate::diagnostic::Diagnostic;
use crate::source::{Location, Source, SourceFile};
use serde::de::DeserializeOwned;
use std::path::{Path, PathBuf};

/// Find `spec/` from `start` upward, like cargo finds `Cargo.toml`.
pub fn discover(start: &Path) -> Option<PathBuf> {
    start
        .ancestors()
        .map(|dir| dir.join("spec"))
        .find(|candidate| candidate.join("rbgen.toml").is_file())
}

/// The sub-directories of a spec and what each holds.
const KIND_DIRS: [&str; 5] = [
    "environments",
    "checklists",
    "runbooks",
    "drills",
    "drills/records",
];
const ROOT_FILES: [&str; 4] = [
    "rbgen.toml",
    "common.toml",
    "decision-tree.toml",
    "postmortem.toml",
];

/// Load every file of the spec. All problems found are returned together; a
/// spec is returned only when every file parsed.
pub fn load(root: &Path) -> Result<Spec, Vec<Diagnostic>> {
    let mut errors = Vec::new();
    if !root.is_dir() {
        return Err(vec![
            Diagnostic::error(
                "spec-io",
                format!("spec directory `{}` not found", root.display()),
            )
            .help("run `rbgen init spec` to create one, or pass `--spec DIR`"),
        ]);
    }
    check_stray_files(root, &mut errors);

    let project = read_doc::<ProjectFile>(&root.join("rbgen.toml"), true, &mut errors);
    let common = read_doc::<Common>(&root.join("common.toml"), false, &mut errors);
    let decision_tree =
        read_doc::<DecisionTree>(&root.join("decision-tree.toml"), false, &mut errors);
    let postmortem = read_doc::<Postmortem>(&root.join("postmortem.toml"), false, &mut errors);

    let environments = read_dir::<Environment>(root, "environments", &mut errors);
    let checklists = read_dir::<Checklist>(root, "checklists", &mut errors);
    let runbooks = read_dir::<Procedure>(root, "runbooks", &mut errors);
    let drills = read_dir::<Procedure>(root, "drills", &mut errors);
    // What `rbgen drill report --record` wrote: the drills' history.
    let records = read_dir::<DrillRecord>(root, "drills/records", &mut errors);
    let pages = read_pages(root, &mut errors);

    match project {
        Some(project) if errors.is_empty() => Ok(Spec {
            root: root.to_path_buf(),
            project,
            common,
            environments,
            checklists,
            runbooks,
            drills,
            records,
            decision_tree,
            postmortem,
            pages,
        }),
        _ => Err(errors),
    }
}

/// A `.toml` file where rbgen does not look is almost always a mistake (a
/// runbook saved one directory too high): say so rather than ignore it.
fn check_stray_files(root: &Path, errors: &mut Vec<Diagnostic>) {
    let Ok(entries) = std::fs::read_dir(root) else {
        return;
    };
    let mut names: Vec<_> = entries.flatten().map(|e| e.path()).collect();
    names.sort();
    for path in names {
        let name = path.file_name().unwrap_or_default().to_string_lossy();
        if path.extension().is_some_and(|e| e == "toml") && !ROOT_FILES.contains(&name.as_ref()) {
            errors.push(
                Diagnostic::error(
                    "spec-io",
                    format!("unexpected file `{}` in the spec root", path.display()),
                )
                .help(format!(
                    "the spec root holds only {}; runbooks go in `runbooks/`, drills in `drills/`",
                    ROOT_FILES.join(", ")
                )),
            );
        }
    }
}

fn read_dir<T: DeserializeOwned>(
    root: &Path,
    dir: &str,
    errors: &mut Vec<Diagnostic>,
) -> Vec<Doc<T>> {
    debug_assert!(KIND_DIRS.contains(&dir));
    let path = root.join(dir);
    if !path.exists() {
        return Vec::new();
    }
    let mut files = Vec::new();
    // follow_links(false): a symlink loop must not hang or crash the build.
    for entry in walkdir::WalkDir::new(&path)
        .min_depth(1)
        .max_depth(1)
        .sort_by_file_name()
    {
        match entry {
            Ok(entry) => {
                let p = entry.path();
                if p.extension().is_some_and(|e| e == "toml") {
                    files.push(p.to_path_buf());
                }
            }
            Err(err) => errors.push(
                Diagnostic::error(
                    "spec-io",
                    format!("cannot list `{}`: {err}", path.display()),
                )
                .help("check the directory's permissions and symlinks"),
            ),
        }
    }
    files
        .iter()
        .filter_map(|file| read_doc::<T>(file, true, errors))
        .collect()
}

/// `pages/*.md`. A page's id is its file name, and becomes a file name in
/// `generated/book/pages/`: only lower-case letters, digits and `-`.
fn read_pages(root: &Path, errors: &mut Vec<Diagnostic>) -> Vec<Doc<Page>> {
    let dir = root.join("pages");
    let Ok(entries) = std::fs::read_dir(&dir) else {
        return Vec::new();
    };
    let mut paths: Vec<PathBuf> = entries
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "md") && p.is_file())
        .collect();
    paths.sort();
    let mut pages = Vec::new();
    for path in paths {
        let shown = display_path(&path);
        let id = path
            .file_stem()
            .unwrap_or_default()
            .to_string_lossy()
            .into_owned();
        let text = match std::fs::read_to_string(&path) {
            Ok(t) => t.replace("\r\n", "\n"),
            Err(err) => {
                errors.push(
                    Diagnostic::error(
                        "spec-io",
                        format!("cannot read `{}`: {err}", shown.display()),
                    )
                    .help("reference pages are UTF-8 Markdown files"),
                );
                continue;
            }
        };
        let file = SourceFile::new(shown.clone(), text);
        let safe = !id.is_empty()
            && id
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
            && !id.starts_with('-');
        if !safe {
            errors.push(
                Diagnostic::error("spec-id", format!("page file name `{id}.md` is not a safe id"))
                    .at(Location::new(&file, 0..0))
                    .help("name reference pages with lower-case letters, digits and `-` (e.g. `pgbouncer-config.md`)"),
            );
            continue;
        }
        let doc = Page::parse(&id, &file.text);
        pages.push(Doc { file, doc });
    }
    pages
}

/// Read and parse one file; `None` (with errors pushed) when it cannot be used.
fn read_doc<T: DeserializeOwned>(
    path: &Path,
    required: bool,
    errors: &mut Vec<Diagnostic>,
) -> Option<Doc<T>> {
    let shown = display_path(path);
    if !path.exists() {
        if required {
            errors.push(
                Diagnostic::error("spec-io", format!("`{}` is missing", shown.display())).help(
                    "every spec needs `rbgen.toml`; `rbgen init DIR` writes a complete example",
                ),
            );
        }
        return None;
    }
    if path.is_dir() {
        errors.push(
            Diagnostic::error(
                "spec-io",
                format!("`{}` is a directory, not a file", shown.display()),
            )
            .help("rename or remove it"),
        );
        return None;
    }
    let bytes = match std::fs::read(path) {
        Ok(bytes) => bytes,
        Err(err) => {
            errors.push(
                Diagnostic::error(
                    "spec-io",
                    format!("cannot read `{}`: {err}", shown.display()),
                )
                .help("check that the file exists and is readable"),
            );
            return None;
        }
    };
    let text = match String::from_utf8(bytes) {
        Ok(text) => text,
        Err(err) => {
            let offset = err.utf8_error().valid_up_to();
            let lossy = String::from_utf8_lossy(err.as_bytes()).into_owned();
            let file = SourceFile::new(shown, lossy);
            let prefix = String::from_utf8_lossy(&err.as_bytes()[..offset]).len();
            errors.push(
                Diagnostic::error("spec-syntax", "file is not valid UTF-8")
                    .at(Location::new(&file, prefix..prefix + '\u{fffd}'.len_utf8()))
                    .help("TOML files must be UTF-8; re-save the file as UTF-8"),
            );
            return None;
        }
    };
    // A UTF-8 byte order mark is harmless: editors on Windows add it.
    let text = text
        .strip_prefix('\u{feff}')
        .map(str::to_string)
        .unwrap_or(text);
    // Files saved with CRLF line endings are read as text: TOML keeps the CR
    // inside multi-line strings, and a CR in a shell field breaks every
    // generated script (`$'\r': command not found`). Dropping the CR of each
    // CRLF keeps every line and column where it was (the CR is the last byte
    // of its line), so diagnostics still point at the right place.
    let text = if text.contains("\r\n") {
        text.replace("\r\n", "\n")
    } else {
        text
    };
    let file = SourceFile::new(shown, text);
    let kind = FileKind::of(path);
    parse_reporting_all::<T>(&file, kind, errors).map(|doc| Doc { file, doc })
}

/// What a file is, for the keys its tables accept.
#[derive(Clone, Copy, PartialEq, Eq)]
enum FileKind {
    Runbook,
    Other,
}

impl FileKind {
    fn of(path: &Path) -> FileKind {
        match path.parent().and_then(Path::file_name) {
            Some(dir) if dir == "runbooks" => FileKind::Runbook,
            _ => FileKind::Other,
        }
    }

    /// Keys a file of this kind does not accept though its table's type
    /// does (a runbook shares its type with drills).
    fn foreign_keys(self) -> &'static [&'static str] {
        match self {
            FileKind::Runbook => DRILL_ONLY_KEYS,
            FileKind::Other => &[],
        }
    }
}

/// The keys of a procedure that only drills take (`validate` rejects them
/// in runbooks).
pub const DRILL_ONLY_KEYS: &[&str] = &[
    "scenario",
    "goal",
    "last_performed",
    "due",
    "cadence_days",
    "preparation",
    "is_preparation",
    "exercises",
    "targets",
];

/// How many errors one file may report before the rest are left for the
/// next run (past a handful, the file is probably not a spec file at all).
const MAX_ERRORS_PER_FILE: usize = 20;

/// Parse `file` as `T`, reporting every error rather than the first: every
/// syntax error (the parser recovers), then every key that does not fit,
/// each found by deserializing again without the key the previous error
/// was about. `None` when anything was reported.
fn parse_reporting_all<T: DeserializeOwned>(
    file: &Source,
    kind: FileKind,
    errors: &mut Vec<Diagnostic>,
) -> Option<T> {
    let (mut root, syntax) = toml::de::DeTable::parse_recoverable(&file.text);
    if !syntax.is_empty() {
        // Past a syntax error the table is a guess: report only those.
        errors.extend(syntax.iter().map(|e| toml_error_in(file, e, kind)));
        return None;
    }
    let mut removed: Vec<String> = Vec::new();
    let mut suggested: Vec<String> = Vec::new();
    let mut reported = 0;
    while reported < MAX_ERRORS_PER_FILE {
        let err = match T::deserialize(toml::de::Deserializer::from(root.clone())) {
            Ok(doc) => return (reported == 0).then_some(doc),
            Err(err) => err,
        };
        // A key removed after an error of its own is then "missing": that
        // is the same error again; so is a key missing because it was
        // misspelt (`kidn` for `kind`), once the misspelling is reported.
        let message = err.message();
        let missing = |k: &String| message.starts_with(&format!("missing field `{k}`"));
        if removed.iter().any(missing) {
            return None;
        }
        if !suggested.iter().any(missing) {
            let diag = toml_error_in(file, &err, kind);
            if let Some(name) = diag.help.as_deref().and_then(suggestion) {
                suggested.push(name.to_string());
            }
            errors.push(diag);
            reported += 1;
        }
        let Some(span) = err.span() else {
            return None;
        };
        match remove_key_at(root.get_mut(), &span) {
            Some(key) => removed.push(key),
            None => return None,
        }
    }
    None
}

/// The key a "did you mean `kind`?" hint names.
fn suggestion(help: &str) -> Option<&str> {
    help.strip_prefix("did you mean `")?.strip_suffix("`?")
}

/// Remove the innermost key whose name or value holds `span`; its name.
/// (Tables and arrays of tables are searched whatever their own span says:
/// an array of tables spans only its first header.)
fn remove_key_at(
    table: &mut toml::de::DeTable<'_>,
    span: &std::ops::Range<usize>,
) -> Option<String> {
    let holds =
        |r: std::ops::Range<usize>| r.start <= span.start && span.end <= r.end.max(r.start + 1);
    let mut hit = None;
    for (key, value) in table.iter_mut() {
        if holds(key.span()) {
            hit = Some(key.clone());
            break;
        }
        let value_holds = holds(value.span());
        let inner = match value.get_mut() {
            toml::de::DeValue::Table(t) => remove_key_at(t, span),
            toml::de::DeValue::Array(items) => {
                items.iter_mut().find_map(|item| match item.get_mut() {
                    toml::de::DeValue::Table(t) => remove_key_at(t, span),
                    _ => None,
                })
            }
            _ => None,
        };
        if inner.is_some() {
            return inner;
        }
        if value_holds {
            hit = Some(key.clone());
            break;
        }
    }
    let key = hit?;
    table.remove(&key);
    Some(key.get_ref().to_string())
}

/// Paths are shown relative to the current directory when they are below it.
fn display_path(path: &Path) -> PathBuf {
    std::env::current_dir()
        .ok()
        .and_then(|cwd| path.strip_prefix(&cwd).ok().map(Path::to_path_buf))
        .unwrap_or_else(|| path.to_path_buf())
}

/// Classify a TOML/serde error and add a hint; unknown keys get "did you mean".
pub fn toml_error(file: &Source, err: &toml::de::Error) -> Diagnostic {
    toml_error_in(file, err, FileKind::Other)
}

fn toml_error_in(file: &Source, err: &toml::de::Error, kind: FileKind) -> Diagnostic {
    let mut message = err.message().trim().to_string();
    let span = err.span().unwrap_or(0..0);
    let (code, help) = if let Some(rest) = message.strip_prefix("unknown field ") {
        let (wrong, accepted) = unknown_key(rest, kind);
        let help = closest(&wrong, accepted.iter().map(String::as_str))
            .map(|name| format!("did you mean `{name}`?"))
            .unwrap_or_else(|| "remove the key, or fix its spelling".to_string());
        message = format!(
            "unknown key `{wrong}`; this table takes {}",
            accepted
                .iter()
                .map(|k| format!("`{k}`"))
                .collect::<Vec<_>>()
                .join(", ")
        );
        ("spec-unknown-key", Some(help))
    } else if let Some(rest) = message.strip_prefix("unknown variant ") {
        (
            "spec-type",
            Some(did_you_mean(rest, "use one of the listed values")),
        )
    } else if message.starts_with("missing field") {
        (
            "spec-missing",
            Some(
                "add the missing key; `docs/spec.md` shows a complete example of every table"
                    .to_string(),
            ),
        )
    } else if message.starts_with("invalid type") || message.starts_with("invalid value") {
        ("spec-type", Some("change the value to the expected type (strings need quotes; prefer '''…''' for shell)".to_string()))
    } else if message.starts_with("duplicate key") {
        (
            "spec-duplicate",
            Some("remove one of the two definitions".to_string()),
        )
    } else {
        (
            "spec-syntax",
            Some("fix the TOML syntax at this position (see https://toml.io)".to_string()),
        )
    };
    let mut diag = Diagnostic::error(code, message).at(Location::new(file, span));
    diag.help = help;
    diag
}

/// From "`titel`, expected one of `id`, `title`": the wrong key and the
/// keys this file kind accepts there.
fn unknown_key(rest: &str, kind: FileKind) -> (String, Vec<String>) {
    let mut names = rest.split('`').skip(1).step_by(2);
    let wrong = names.next().unwrap_or_default().to_string();
    let accepted = names
        .filter(|k| !kind.foreign_keys().contains(k))
        .map(str::to_string)
        .collect();
    (wrong, accepted)
}

/// From "`titel`, expected one of `id`, `title`" suggest the closest name.
fn did_you_mean(rest: &str, fallback: &str) -> String {
    let mut names = rest.split('`').skip(1).step_by(2);
    let Some(wrong) = names.next() else {
        return fallback.to_string();
    };
    let expected: Vec<&str> = names.collect();
    closest(wrong, expected.iter().copied())
        .map(|name| format!("did you mean `{name}`?"))
        .unwrap_or_else(|| fallback.to_string())
}

/// The candidate closest to `wrong` by edit distance, if it is close enough.
pub fn closest<'a>(wrong: &str, candidates: impl Iterator<Item = &'a str>) -> Option<&'a str> {
    // Optimal string alignment: a swapped pair of letters (`kidn`) is one
    // edit, so `kind` wins over `id`.
    candidates
        .map(|c| (strsim::osa_distance(wrong, c), c))
        .filter(|(d, c)| *d <= (c.len().max(wrong.len()) / 3).max(2))
        .min()
        .map(|(_, c)| c)
}
