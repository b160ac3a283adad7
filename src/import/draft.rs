//! From a Markdown outline to a spec draft: runbooks of steps, variables
//! and secrets, checklists, links and reference pages — and, for each guess,
//! what a reviewer should confirm.

use super::outline::{Block, Code, Item, Section};
use crate::shell::effects::{Effect, actions};
use regex::Regex;
use std::collections::{BTreeMap, BTreeSet};
use std::sync::LazyLock;

#[derive(Debug, Default)]
pub struct Draft {
    pub title: String,
    /// From front matter: who owns the runbooks, and their classification.
    pub owner: Option<String>,
    pub classification: Option<String>,
    pub vars: BTreeMap<String, String>,
    /// Secret-looking names; their values are dropped.
    pub secrets: BTreeSet<String>,
    /// Tool → version stated in the text.
    pub tools: BTreeMap<String, String>,
    /// Tools the commands use whose version the text does not state.
    pub tools_unstated: BTreeSet<String>,
    pub runbooks: Vec<Runbook>,
    pub checklists: Vec<Checklist>,
    pub pages: Vec<Page>,
    pub links: Vec<(String, String)>,
}

#[derive(Debug, Default)]
pub struct Runbook {
    pub id: String,
    pub title: String,
    pub description: String,
    pub steps: Vec<Step>,
    pub params: Vec<String>,
    pub before: Vec<String>,
    pub after: Vec<String>,
    /// Position in the document (for placing checklists).
    pub order: usize,
}

#[derive(Debug, Default, Clone)]
pub struct Step {
    pub id: String,
    pub title: String,
    pub kind: &'static str,
    /// Why the kind was guessed, for a comment beside it.
    pub why: String,
    pub description: String,
    pub run: String,
    pub expect: String,
    pub sets: Vec<String>,
    /// A checklist written under the step's own heading: its gate.
    pub gate: Option<String>,
    /// Notes for the reviewer, written as comments above the step.
    pub notes: Vec<String>,
}

#[derive(Debug)]
pub struct Checklist {
    pub id: String,
    pub title: String,
    pub items: Vec<(String, Option<String>)>,
    /// Gating (before a runbook) or follow-up (after it).
    pub gating: bool,
    /// Written under a step's heading: that step's `gate`, not the runbook's.
    pub step_gate: bool,
    /// The sections it is written under, nearest first.
    pub ancestors: Vec<usize>,
    pub order: usize,
}

#[derive(Debug)]
pub struct Page {
    pub id: String,
    pub title: String,
    pub text: String,
}

const SHELL_LANGS: &[&str] = &[
    "bash",
    "sh",
    "shell",
    "zsh",
    "console",
    "shell-session",
    "shellsession",
    "terminal",
];
const SQL_LANGS: &[&str] = &["sql", "psql", "postgresql", "pgsql", "postgres", "plpgsql"];

/// Commands that mark a block as operations work, not a project README's
/// `cargo install`.
const OPS_COMMANDS: &[&str] = &[
    "psql",
    "patronictl",
    "pg_ctl",
    "pg_ctlcluster",
    "pg_basebackup",
    "pg_rewind",
    "pg_isready",
    "repmgr",
    "pg_autoctl",
    "etcdctl",
    "consul",
    "kubectl",
    "oc",
    "helm",
    "aws",
    "gcloud",
    "az",
    "systemctl",
    "service",
    "ssh",
    "curl",
    "pgbackrest",
    "barman",
    "docker",
    "podman",
    "ansible",
    "ansible-playbook",
    "iptables",
    "journalctl",
    "pg_dump",
    "pg_restore",
    "pg_controldata",
];

static SLUG_DROP: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"[^a-z0-9]+").unwrap());
static NUMBERED: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)^\s*(?:step\s*)?#?\d+(?:\.\d+)*\s*(?:[.):]|\s[-–—]|\s*:)?\s*").unwrap()
});
/// "Procedure 2: X", "Runbook 1 — X", "Part 3. X": a document's own numbering of procedures.
static PART: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)^\s*(?:procedure|runbook|part|section|scenario|playbook)\s+[0-9a-z]{1,3}\s*[:.)—–-]\s*").unwrap()
});
static EXPORT: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r#"^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)=(?:"([^"$`]*)"|'([^']*)'|([^\s"'$`;|&]*))\s*(?:#.*)?$"#).unwrap()
});
static SECRET: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)(PASS|PASSWORD|SECRET|TOKEN|API_?KEY|ACCESS_KEY|PRIVATE|CREDENTIAL)").unwrap()
});
static VERSION: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)\b(patroni|postgresql|postgres|etcd|repmgr|pgbouncer|cloudnativepg|aws-cli|kubectl|pgbackrest)\s+v?(\d+(?:\.\d+){0,2})\b").unwrap()
});
static READ_PROMPT: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r#"^\s*read\b(?:\s+-[a-zA-Z]+)*?\s+-[a-zA-Z]*p\s+(?:"([^"]*)"|'([^']*)')(?:\s+-[a-zA-Z]+)*\s*([A-Za-z_][A-Za-z0-9_]*)?"#).unwrap()
});
static LINK: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"\[([^\]]+)\]\(([^)\s]+)\)").unwrap());
static OWNER: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)\s*[(\[]?\s*(?:owner|assignee)\s*:\s*([^)\]]+?)\s*[)\]]?\s*$").unwrap()
});

/// A file-name-safe id: lower case, digits and `-`.
pub fn slug(text: &str) -> String {
    let s = SLUG_DROP
        .replace_all(&text.to_lowercase(), "-")
        .trim_matches('-')
        .to_string();
    // At most 48 characters, cut between words.
    let s = if s.len() > 48 {
        let cut: String = s.chars().take(48).collect();
        match cut.rfind('-') {
            Some(at) if at > 16 => cut[..at].to_string(),
            _ => cut,
        }
    } else {
        s
    };
    let s = s.trim_end_matches('-').to_string();
    if s.is_empty() { "untitled".into() } else { s }
}

/// `id`, or `id-2`, `id-3`… when it is taken; recorded as taken. Two
/// sections (or files) of one title must not write one file.
pub fn unique(id: &str, taken: &mut BTreeSet<String>) -> String {
    let mut candidate = id.to_string();
    let mut n = 2;
    while !taken.insert(candidate.clone()) {
        candidate = format!("{id}-{n}");
        n += 1;
    }
    candidate
}

/// A heading or list item without its own numbering ("Step 3: X", "3. X").
pub fn unnumbered(title: &str) -> String {
    let t = PART.replace(title, "");
    let t = NUMBERED.replace(&t, "").trim().to_string();
    if t.is_empty() {
        title.trim().to_string()
    } else {
        t
    }
}

fn is_shell(c: &Code) -> bool {
    SHELL_LANGS.contains(&c.lang.as_str()) || (c.lang.is_empty() && has_ops_command(&c.text))
}

fn is_sql(c: &Code) -> bool {
    SQL_LANGS.contains(&c.lang.as_str())
}

fn has_ops_command(text: &str) -> bool {
    let model = crate::shell::command::commands(text);
    model
        .commands
        .iter()
        .any(|c| OPS_COMMANDS.contains(&c.name.text.as_str()) || !actions(c).is_empty())
}

/// The commands of a `console` block (`$ ` prompts, `\` continuations) and
/// its output lines.
fn console(text: &str) -> (String, String) {
    let mut commands = String::new();
    let mut output = String::new();
    let mut continued = false;
    for line in text.lines() {
        if continued {
            commands.push_str(line);
            commands.push('\n');
            continued = line.trim_end().ends_with('\\');
        } else if let Some(cmd) = line.strip_prefix("$ ") {
            commands.push_str(cmd);
            commands.push('\n');
            continued = cmd.trim_end().ends_with('\\');
        } else if !line.trim().is_empty() {
            output.push_str(line);
            output.push('\n');
        }
    }
    if commands.is_empty() {
        // No prompts: the block is commands (a "console" used loosely).
        return (text.to_string(), String::new());
    }
    (commands, output)
}

/// Variables of an environment block: every line `export X=value`.
fn env_block(c: &Code) -> Option<Vec<(String, String)>> {
    if !is_shell(c) {
        return None;
    }
    let mut vars = Vec::new();
    for line in c.text.lines() {
        let l = line.trim();
        if l.is_empty() || l.starts_with('#') {
            continue;
        }
        let m = EXPORT.captures(l)?;
        let value = m
            .get(2)
            .or(m.get(3))
            .or(m.get(4))
            .map(|v| v.as_str())
            .unwrap_or_default();
        vars.push((m[1].to_string(), value.to_string()));
    }
    (!vars.is_empty()).then_some(vars)
}

/// Variables of a table with a variable/name column and a value column.
fn env_table(source: &str) -> Option<Vec<(String, String)>> {
    let mut rows = source.lines().map(|l| {
        l.trim()
            .trim_matches('|')
            .split('|')
            .map(|c| c.trim().trim_matches('`').to_string())
            .collect::<Vec<_>>()
    });
    let header: Vec<String> = rows.next()?.iter().map(|h| h.to_lowercase()).collect();
    let name = header
        .iter()
        .position(|h| h.contains("variable") || h == "name")?;
    let value = header
        .iter()
        .position(|h| h.contains("value") || h.contains("example"))?;
    let mut vars = Vec::new();
    for row in rows.skip(1) {
        let (Some(n), Some(v)) = (row.get(name), row.get(value)) else {
            continue;
        };
        let n = n.trim_start_matches('$');
        if !n.is_empty()
            && n.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
            && !n.starts_with(|c: char| c.is_ascii_digit())
        {
            vars.push((n.to_string(), v.clone()));
        }
    }
    (!vars.is_empty()).then_some(vars)
}

/// Commands that only read (or only print): a step of nothing else is a
/// probe. Any command outside this list and `OPS_COMMANDS` makes a step a
/// `change`, so `--dry-run` (which runs probes) never runs what rbgen
/// cannot read.
const READ_ONLY: &[&str] = &[
    "echo",
    "printf",
    "grep",
    "egrep",
    "awk",
    "jq",
    "yq",
    "cat",
    "tail",
    "head",
    "less",
    "sleep",
    "date",
    "ls",
    "df",
    "du",
    "free",
    "uptime",
    "ping",
    "dig",
    "host",
    "nslookup",
    "nc",
    "hostname",
    "wc",
    "sort",
    "uniq",
    "cut",
    "tr",
    "test",
    "[",
    "[[",
    "true",
    "false",
    "seq",
    "ps",
    "ss",
    "netstat",
    "watch",
    "timeout",
    "env",
    "id",
    "whoami",
    "stat",
    "find",
    "pg_lsclusters",
    "column",
    "tee",
    "xargs",
    "openssl",
    "nproc",
    "lsblk",
    "mount",
    "read",
    "exit",
    "return",
    "set",
    "export",
    "local",
    "cd",
    "pwd",
    "basename",
    "dirname",
    "which",
    "command",
    "type",
    "pgrep",
    "top",
    "vmstat",
    "iostat",
    "sed",
    "diff",
    "md5sum",
    "sha256sum",
    "base64",
    // Shell builtins and wrappers (what a wrapper runs is read as its own command).
    "break",
    "continue",
    "shift",
    "wait",
    "trap",
    ":",
    "sudo",
    "doas",
    "nohup",
    "time",
    "nice",
    "ionice",
    "su",
    "runuser",
    "exec",
];

/// What a step's commands do, strongest first: the kind and why.
fn kind_of(run: &str) -> (&'static str, String) {
    let model = crate::shell::command::commands(run);
    let unknown = model.commands.iter().find(|c| {
        let name = c.name.text.as_str();
        !name.is_empty()
            && !name.starts_with('$')
            && !READ_ONLY.contains(&name)
            && !OPS_COMMANDS.contains(&name)
    });
    let mut best: Option<(Effect, String)> = None;
    for c in &model.commands {
        for a in actions(c) {
            if best.as_ref().is_none_or(|(e, _)| a.effect > *e) {
                best = Some((a.effect, a.what.clone()));
            }
        }
    }
    match best {
        Some((Effect::Promotes, what)) => ("promotion", format!("{what} promotes")),
        Some((Effect::Destructive, what)) => (
            "destructive",
            format!("{what} destroys data or stops a service"),
        ),
        Some((Effect::ChangesState, what)) => ("change", format!("{what} changes state")),
        None if unknown.is_some() => (
            "change",
            format!(
                "`{}` is a command rbgen does not know: a change, so --dry-run does not run it",
                unknown.map(|c| c.name.text.as_str()).unwrap_or_default()
            ),
        ),
        None if model.commands.iter().any(|c| c.name.text == "sleep") => (
            "wait",
            "no command changes state, and it sleeps: a wait".into(),
        ),
        None => ("probe", "no command changes state".into()),
    }
}

/// A step from code blocks (and the text around them).
fn step_from(title: &str, prose: &str, code: &[Code]) -> Vec<Step> {
    let mut run = String::new();
    let mut expect = String::new();
    let mut notes = Vec::new();
    let mut reference = String::new();
    for c in code {
        if is_sql(c) {
            notes.push(
                "an `sql` block: psql runs it on $PGHOST; confirm the host, user and database"
                    .into(),
            );
            run.push_str(&format!(
                "psql -X -v ON_ERROR_STOP=1 -h \"$PGHOST\" <<'SQL'\n{}SQL\n",
                ensure_newline(&c.text)
            ));
        } else if c.lang == "console"
            || c.lang == "shell-session"
            || c.lang == "shellsession"
            || c.lang == "terminal"
        {
            let (cmds, out) = console(&c.text);
            run.push_str(&cmds);
            if !out.is_empty() {
                expect.push_str(&format!("```text\n{out}```\n"));
            }
        } else if is_shell(c) {
            run.push_str(&ensure_newline(&c.text));
        } else {
            reference.push_str(&format!(
                "```{}\n{}```\n\n",
                c.lang,
                ensure_newline(&c.text)
            ));
        }
    }
    let mut description = prose.trim().to_string();
    if !reference.is_empty() {
        description.push_str("\n\n");
        description.push_str(reference.trim_end());
    }
    let title = unnumbered(title);
    let id = slug(&title);
    let mut steps = Vec::new();
    // An interactive confirmation becomes a manual step the script asks and
    // logs; the lines that tested its answer go with it.
    if let Some((prompt, _var, rest)) = split_read(&run) {
        let question = prompt
            .trim()
            .trim_end_matches("(yes/no)")
            .trim_end_matches("[y/N]")
            .trim();
        let manual_title = if title.to_lowercase().starts_with("confirm") {
            title.clone()
        } else {
            format!("Confirm: {question}")
        };
        let mut manual = Step {
            id: if id.starts_with("confirm") { id.clone() } else { format!("confirm-{id}") },
            title: manual_title,
            kind: "manual",
            why: "was an interactive `read -p` in the script: the generated script asks it and logs the answer".into(),
            description: format!("The original asked `{}` and went on only on yes.", prompt.trim()),
            ..Step::default()
        };
        if rest.trim().is_empty() {
            manual.description = format!("{}\n\n{}", description, manual.description)
                .trim()
                .to_string();
            steps.push(manual);
            return steps;
        }
        steps.push(manual);
        run = rest;
    }
    let (replaced, placeholders) = placeholders_to_vars(&run);
    if !placeholders.is_empty() {
        notes.push(format!(
            "placeholders {} became variables: give them as parameters",
            placeholders
                .iter()
                .map(|(p, v)| format!("`{p}` → ${v}"))
                .collect::<Vec<_>>()
                .join(", ")
        ));
        run = replaced;
    }
    // Commands bash cannot parse (prose pasted into a block, an unbalanced
    // quote) are kept as text for a person, never put in a script.
    if !run.trim().is_empty() {
        if let Some(err) = bash_cannot_parse(&run) {
            steps.push(Step {
                id,
                title,
                kind: "manual",
                why: format!("bash cannot parse the block ({err}): kept as text to do by hand"),
                description: format!("{}\n\n```bash\n{}```", description, ensure_newline(&run))
                    .trim()
                    .to_string(),
                expect,
                notes,
                ..Step::default()
            });
            return steps;
        }
    }
    if run.trim().is_empty() {
        steps.push(Step {
            id,
            title,
            kind: "manual",
            why: "no shell commands: a manual step".into(),
            description: if description.is_empty() {
                "Do this by hand.".into()
            } else {
                description
            },
            expect,
            ..Step::default()
        });
        return steps;
    }
    let (kind, why) = kind_of(&run);
    steps.push(Step {
        id,
        title,
        kind,
        why,
        description,
        run,
        expect,
        notes,
        ..Step::default()
    });
    steps
}

static PLACEHOLDER: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"<([A-Za-z][A-Za-z0-9_-]*)>|‹([A-Za-z][A-Za-z0-9_-]*)›").unwrap());

/// `<app-name>` placeholders as `"${APP_NAME}"` (quoted when outside
/// quotes), and the placeholders found with their variable names.
pub fn placeholders_to_vars(run: &str) -> (String, Vec<(String, String)>) {
    let mut out = String::new();
    let mut found: Vec<(String, String)> = Vec::new();
    let (mut single, mut double) = (false, false);
    let mut last = 0;
    // Quote state at each byte, for the matches.
    let mut state = Vec::with_capacity(run.len());
    let mut prev = ' ';
    for c in run.chars() {
        for _ in 0..c.len_utf8() {
            state.push((single, double));
        }
        match c {
            '\'' if !double => single = !single,
            '"' if !single && prev != '\\' => double = !double,
            _ => {}
        }
        prev = c;
    }
    for m in PLACEHOLDER.captures_iter(run) {
        let all = m.get(0).unwrap();
        // `<<EOF` heredocs and `<(…)` are shell, not placeholders.
        if all.start() > 0 && run[..all.start()].ends_with('<') {
            continue;
        }
        let name = m.get(1).or(m.get(2)).unwrap().as_str();
        let var = name.to_uppercase().replace('-', "_");
        let (in_single, in_double) = state.get(all.start()).copied().unwrap_or_default();
        out.push_str(&run[last..all.start()]);
        if in_single || in_double {
            out.push_str(&format!("${{{var}}}"));
        } else {
            out.push_str(&format!("\"${{{var}}}\""));
        }
        last = all.end();
        if !found.iter().any(|(p, _)| p == all.as_str()) {
            found.push((all.as_str().to_string(), var));
        }
    }
    out.push_str(&run[last..]);
    (out, found)
}

/// `bash -n`'s complaint about `run`, if it has one.
fn bash_cannot_parse(run: &str) -> Option<String> {
    use std::io::Write as _;
    let mut child = std::process::Command::new("bash")
        .arg("-n")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .ok()?;
    child.stdin.take()?.write_all(run.as_bytes()).ok()?;
    let out = child.wait_with_output().ok()?;
    if out.status.success() {
        return None;
    }
    let err = String::from_utf8_lossy(&out.stderr);
    Some(
        err.lines()
            .next()
            .unwrap_or("syntax error")
            .trim_start_matches("bash: ")
            .trim_start_matches("line ")
            .to_string(),
    )
}

/// "Check X. Every node must be …" → ("Check X", "Every node must be …").
fn first_sentence(text: &str) -> (&str, &str) {
    let mut from = 0;
    while let Some(at) = text[from..].find(". ") {
        let end = from + at;
        // Not inside a code span (an odd number of backquotes before it).
        if text[..end].matches('`').count() % 2 == 0 {
            return (text[..end].trim(), text[end + 2..].trim());
        }
        from = end + 2;
    }
    (text.trim().trim_end_matches('.'), "")
}

fn ensure_newline(s: &str) -> String {
    if s.ends_with('\n') {
        s.to_string()
    } else {
        format!("{s}\n")
    }
}

/// `read -p PROMPT VAR` in `run`: the prompt, the variable, and the text
/// without the read and the lines that test the answer.
fn split_read(run: &str) -> Option<(String, String, String)> {
    let (line_no, caps) = run
        .lines()
        .enumerate()
        .find_map(|(i, l)| READ_PROMPT.captures(l).map(|c| (i, c)))?;
    let prompt = caps
        .get(1)
        .or(caps.get(2))
        .map(|m| m.as_str().to_string())
        .unwrap_or_default();
    let var = caps
        .get(3)
        .map(|m| m.as_str().to_string())
        .unwrap_or_else(|| "REPLY".into());
    let uses = [format!("${var}"), format!("${{{var}")];
    let rest: Vec<&str> = run
        .lines()
        .enumerate()
        .filter(|(i, l)| *i != line_no && !uses.iter().any(|u| l.contains(u.as_str())))
        .map(|(_, l)| l)
        .collect();
    Some((prompt, var, rest.join("\n") + "\n"))
}

/// Whether a list's items are steps: an ordered list with code in it.
fn list_steps(items: &[Item], ordered: bool) -> bool {
    ordered
        && items
            .iter()
            .any(|i| i.code.iter().any(|c| is_shell(c) || is_sql(c)))
}

fn section_prose(s: &Section) -> String {
    s.blocks
        .iter()
        .filter_map(|b| match b {
            Block::Paragraph(p) => Some(p.trim().to_string()),
            // A variables table went to the environment's [vars].
            Block::Table(t) if env_table(t).is_none() => Some(t.trim().to_string()),
            Block::Other(o) => Some(o.trim().to_string()),
            Block::Metadata(_) => None,
            Block::List { items, source, .. } if !items.iter().any(|i| !i.code.is_empty()) => {
                Some(source.trim().to_string())
            }
            _ => None,
        })
        .collect::<Vec<_>>()
        .join("\n\n")
}

/// An operations command written as inline code (`` `kubectl cnpg promote x` ``)
/// in a document that has no command blocks: what the refusal points at.
pub fn inline_command(text: &str) -> Option<String> {
    static INLINE: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"`([^`\n]+)`").unwrap());
    INLINE
        .captures_iter(text)
        .map(|m| m[1].to_string())
        .find(|code| {
            let first = code.split_whitespace().next().unwrap_or_default();
            OPS_COMMANDS.contains(&first) && code.split_whitespace().count() > 1
        })
}

/// Whether the whole document is a runbook at all.
pub fn looks_like_runbook(sections: &[Section]) -> bool {
    sections.iter().any(|s| {
        s.blocks.iter().any(|b| match b {
            Block::Code(c) => (is_shell(c) && has_ops_command(&console(&c.text).0)) || is_sql(c),
            Block::List { items, .. } => items.iter().any(|i| {
                i.code
                    .iter()
                    .any(|c| (is_shell(c) && has_ops_command(&console(&c.text).0)) || is_sql(c))
            }),
            _ => false,
        })
    })
}

const GATING_WORDS: &[&str] = &[
    "before",
    "pre-",
    "prerequisite",
    "preflight",
    "pre flight",
    "readiness",
    "preparation",
];
const FOLLOW_WORDS: &[&str] = &[
    "after",
    "follow",
    "post-",
    "post ",
    "short-term",
    "long-term",
    "cleanup",
    "clean-up",
    "tasks",
];
const RELATED_WORDS: &[&str] = &[
    "related",
    "see also",
    "references",
    "links",
    "further reading",
];

/// Build the draft of one Markdown document.
pub fn draft(sections: &[Section], fallback_title: &str) -> Draft {
    let mut d = Draft {
        title: sections
            .iter()
            .find(|s| s.level == 1)
            .map(|s| s.title.clone())
            .unwrap_or_else(|| fallback_title.to_string()),
        ..Draft::default()
    };
    if let Some(Block::Metadata(front)) = sections
        .first()
        .and_then(|s| s.blocks.iter().find(|b| matches!(b, Block::Metadata(_))))
    {
        for line in front.lines() {
            let Some((k, v)) = line.split_once(':').or_else(|| line.split_once('=')) else {
                continue;
            };
            let v = v.trim().trim_matches(['"', '\'']).trim();
            if v.is_empty() {
                continue;
            }
            match k.trim().to_lowercase().as_str() {
                "title" => d.title = v.to_string(),
                "owner" | "author" | "team" => d.owner = Some(v.to_string()),
                "severity" | "classification" | "priority" | "category" => {
                    let c = d.classification.get_or_insert_with(String::new);
                    if !c.is_empty() {
                        c.push_str(", ");
                    }
                    c.push_str(&format!("{}: {v}", k.trim()));
                }
                _ => {}
            }
        }
    }
    let all_text: String = sections
        .iter()
        .map(|s| format!("{}\n{}\n", s.title, section_prose(s)))
        .collect();
    for m in VERSION.captures_iter(&all_text) {
        let tool = match m[1].to_lowercase().as_str() {
            "postgres" => "postgresql".to_string(),
            t => t.to_string(),
        };
        d.tools.entry(tool).or_insert_with(|| m[2].to_string());
    }

    // What each section is.
    let mut owner_of_steps: BTreeMap<usize, Vec<Step>> = BTreeMap::new();
    let mut consumed = vec![false; sections.len()];
    for (i, s) in sections.iter().enumerate() {
        let lower = s.title.to_lowercase();
        let mut section_gate: Option<String> = None;
        // An environment block or variables table.
        let mut env_found = false;
        for b in &s.blocks {
            let vars = match b {
                Block::Code(c) => env_block(c),
                Block::Table(t) => env_table(t),
                _ => None,
            };
            if let Some(vars) = vars {
                env_found = true;
                for (k, v) in vars {
                    if SECRET.is_match(&k) {
                        d.secrets.insert(k);
                    } else {
                        d.vars.insert(k, v);
                    }
                }
            }
        }
        // Task lists: checklists.
        let tasks: Vec<(String, Option<String>)> = s
            .blocks
            .iter()
            .flat_map(|b| match b {
                Block::List { items, .. } => items
                    .iter()
                    .filter(|i| i.task.is_some())
                    .map(|i| owner_split(&i.text))
                    .collect(),
                _ => Vec::new(),
            })
            .collect();
        if !tasks.is_empty() {
            let context = format!("{} {}", lower, section_prose(s).to_lowercase());
            let follow = FOLLOW_WORDS.iter().any(|w| lower.contains(w));
            let gating = !follow && GATING_WORDS.iter().any(|w| context.contains(w));
            // A step that carries its own checklist (a gate written under
            // the step's heading) is still a step, gated by it.
            let has_code = s.blocks.iter().any(|b| match b {
                Block::Code(c) => is_shell(c) || is_sql(c),
                Block::List { items, ordered, .. } => list_steps(items, *ordered),
                _ => false,
            });
            let mut taken: BTreeSet<String> = d.checklists.iter().map(|c| c.id.clone()).collect();
            let id = unique(&slug(&unnumbered(&s.title)), &mut taken);
            d.checklists.push(Checklist {
                id: id.clone(),
                title: unnumbered(&s.title),
                items: tasks,
                gating: gating || has_code,
                step_gate: has_code,
                order: i,
                ancestors: std::iter::successors(s.parent, |&p| sections[p].parent).collect(),
            });
            consumed[i] = true;
            if !has_code {
                continue;
            }
            section_gate = Some(id);
        }
        // Related documents.
        if RELATED_WORDS.iter().any(|w| lower.contains(w)) {
            let src: String = s
                .blocks
                .iter()
                .map(|b| match b {
                    Block::List { source, .. } => source.clone(),
                    Block::Paragraph(p) => p.clone(),
                    _ => String::new(),
                })
                .collect();
            let links: Vec<(String, String)> = LINK
                .captures_iter(&src)
                .map(|m| (m[1].to_string(), m[2].to_string()))
                .collect();
            if !links.is_empty() {
                d.links.extend(links);
                consumed[i] = true;
                continue;
            }
        }
        // Steps: an ordered list with code (the section is the runbook), or
        // code in the section itself (the section is a step).
        let mut steps: Vec<Step> = Vec::new();
        let mut direct_code = Vec::new();
        for b in &s.blocks {
            match b {
                Block::List { ordered, items, .. } if list_steps(items, *ordered) => {
                    for it in items {
                        // A list item's first sentence is its title, the
                        // rest of its text the description.
                        let (title, rest) = first_sentence(&it.text);
                        let more = format!("{rest}\n\n{}", it.more).trim().to_string();
                        steps.extend(step_from(title, &more, &it.code));
                    }
                }
                Block::Code(c) if env_found && env_block(c).is_some() => {}
                Block::Code(c) if is_shell(c) || is_sql(c) => direct_code.push(c.clone()),
                Block::Code(c) => direct_code.push(c.clone()),
                _ => {}
            }
        }
        let has_runnable = direct_code.iter().any(|c| is_shell(c) || is_sql(c));
        if !steps.is_empty() {
            owner_of_steps.entry(i).or_default().extend(steps);
            if has_runnable {
                let prose = section_prose(s);
                owner_of_steps.entry(i).or_default().extend(step_from(
                    &s.title,
                    &prose,
                    &direct_code,
                ));
            }
            consumed[i] = true;
        } else if has_runnable {
            let owner = s.parent.unwrap_or(0);
            let prose = section_prose(s);
            let mut made = step_from(&s.title, &prose, &direct_code);
            if let Some(gate) = &section_gate {
                for st in &mut made {
                    st.gate = Some(gate.clone());
                }
            }
            owner_of_steps.entry(owner).or_default().extend(made);
            consumed[i] = true;
        } else if env_found {
            consumed[i] = true;
        }
    }
    // Runbooks: each section that owns steps.
    for (&i, steps) in &owner_of_steps {
        let s = &sections[i];
        // "Steps", "Procedure": the procedure is named by the heading above.
        let generic = [
            "steps",
            "procedure",
            "instructions",
            "runbook",
            "how to",
            "actions",
        ]
        .contains(&s.title.trim().trim_end_matches(':').to_lowercase().as_str());
        let title = if s.level == 0 {
            d.title.clone()
        } else if generic {
            s.parent
                .filter(|&p| sections[p].level > 0)
                .map(|p| unnumbered(&sections[p].title))
                .unwrap_or_else(|| d.title.clone())
        } else {
            unnumbered(&s.title)
        };
        consumed[i] = true;
        let mut rb = Runbook {
            id: slug(&title),
            title,
            description: section_prose(s),
            order: i,
            ..Runbook::default()
        };
        let mut ids = BTreeSet::new();
        for st in steps {
            let mut st = st.clone();
            st.id = unique(&st.id, &mut ids);
            rb.steps.push(st);
        }
        d.runbooks.push(rb);
    }
    // Reference pages: sections that are none of the above, with their
    // sub-sections (unless those are something else), one page per topmost.
    for (i, s) in sections.iter().enumerate() {
        if consumed[i]
            || s.level == 0
            || s.blocks.is_empty() && !has_reference_child(sections, i, &consumed)
        {
            continue;
        }
        if ancestor_is_page(sections, i, &consumed, &owner_of_steps) {
            continue;
        }
        // A runbook container's own prose went to its description.
        if owner_of_steps.contains_key(&i)
            || (s.level == 1 && d.runbooks.iter().any(|r| r.order > i))
                && s.blocks.iter().all(|b| matches!(b, Block::Paragraph(_)))
        {
            continue;
        }
        let mut text = format!("# {}\n\n", s.title);
        append_section(&mut text, s);
        for (j, sub) in sections.iter().enumerate().skip(i + 1) {
            if !descends_from(sections, j, i) {
                continue;
            }
            if consumed[j] {
                continue;
            }
            text.push_str(&format!(
                "{} {}\n\n",
                "#".repeat(usize::from(sub.level.saturating_sub(s.level) + 1).min(6)),
                sub.title
            ));
            append_section(&mut text, sub);
        }
        if text.lines().count() > 2 {
            let mut taken: BTreeSet<String> = d.pages.iter().map(|p| p.id.clone()).collect();
            let id = unique(&slug(&s.title), &mut taken);
            d.pages.push(Page {
                id,
                title: s.title.clone(),
                text,
            });
        }
    }
    finish(&mut d);
    d
}

fn has_reference_child(sections: &[Section], i: usize, consumed: &[bool]) -> bool {
    sections
        .iter()
        .enumerate()
        .any(|(j, s)| s.parent == Some(i) && !consumed[j] && !s.blocks.is_empty())
}

fn descends_from(sections: &[Section], mut j: usize, i: usize) -> bool {
    while let Some(p) = sections[j].parent {
        if p == i {
            return true;
        }
        j = p;
    }
    false
}

/// Whether an ancestor of `i` is itself made a reference page.
fn ancestor_is_page(
    sections: &[Section],
    i: usize,
    consumed: &[bool],
    owners: &BTreeMap<usize, Vec<Step>>,
) -> bool {
    let mut j = i;
    while let Some(p) = sections[j].parent {
        if p != 0 && !consumed[p] && !owners.contains_key(&p) && sections[p].level > 1 {
            return true;
        }
        j = p;
    }
    false
}

fn append_section(text: &mut String, s: &Section) {
    for b in &s.blocks {
        match b {
            Block::Paragraph(p) | Block::Table(p) | Block::Other(p) => {
                text.push_str(p.trim());
                text.push_str("\n\n");
            }
            Block::List { source, .. } => {
                text.push_str(source.trim());
                text.push_str("\n\n");
            }
            Block::Code(c) => text.push_str(&format!(
                "```{}\n{}```\n\n",
                c.lang,
                ensure_newline(&c.text)
            )),
            Block::Metadata(_) => {}
        }
    }
}

/// "Do X (owner: DBA team)" → ("Do X", Some("DBA team")).
fn owner_split(text: &str) -> (String, Option<String>) {
    match OWNER.captures(text) {
        Some(m) if m.get(0).is_some_and(|all| all.start() > 0) => {
            let start = m.get(0).map(|a| a.start()).unwrap_or(text.len());
            (
                text[..start]
                    .trim()
                    .trim_end_matches(['—', '-', ','])
                    .trim()
                    .to_string(),
                Some(m[1].trim().to_string()),
            )
        }
        _ => (text.to_string(), None),
    }
}

/// Place checklists, work out parameters and `sets`, and the tools named
/// nowhere.
fn finish(d: &mut Draft) {
    for c in d.checklists.iter().filter(|c| !c.step_gate) {
        let promotes = |r: &Runbook| r.steps.iter().any(|s| s.kind == "promotion");
        let next_promoting = d
            .runbooks
            .iter()
            .filter(|r| r.order > c.order && promotes(r))
            .map(|r| r.order)
            .min();
        // A list written inside a runbook's section belongs to it.
        let enclosing = c
            .ancestors
            .iter()
            .find_map(|a| d.runbooks.iter().position(|r| r.order == *a && *a != 0));
        let target = if let Some(at) = enclosing {
            d.runbooks.get_mut(at)
        } else if c.gating {
            // The checks before a promotion belong to the runbook that
            // promotes, not to a "pre-failover" one that only looks.
            match next_promoting {
                Some(at) => d.runbooks.iter_mut().find(|r| r.order == at),
                None => d
                    .runbooks
                    .iter_mut()
                    .filter(|r| r.order > c.order)
                    .min_by_key(|r| r.order),
            }
        } else {
            d.runbooks
                .iter_mut()
                .filter(|r| r.order < c.order)
                .max_by_key(|r| r.order)
        };
        let target = match target {
            Some(t) => Some(t),
            None => d.runbooks.iter_mut().next(),
        };
        if let Some(rb) = target {
            if c.gating {
                rb.before.push(c.id.clone())
            } else {
                rb.after.push(c.id.clone())
            }
        }
    }
    let env: BTreeSet<String> = d.vars.keys().chain(d.secrets.iter()).cloned().collect();
    let known = crate::shell::WELL_KNOWN;
    for rb in &mut d.runbooks {
        let mut defined: BTreeSet<String> = BTreeSet::new();
        let mut params: Vec<String> = Vec::new();
        let analyses: Vec<_> = rb
            .steps
            .iter()
            .map(|s| crate::shell::analysis::analyse(&s.run))
            .collect();
        for (n, a) in analyses.iter().enumerate() {
            for u in &a.uses {
                let name = u.name.as_str();
                if u.guarded
                    || env.contains(name)
                    || known.contains(&name)
                    || a.defined_before(name, u.range.start)
                    || name.chars().all(|c| c.is_ascii_digit())
                {
                    continue;
                }
                if defined.contains(name) {
                    // Set by an earlier step: that step `sets` it.
                    if let Some(k) = (0..n)
                        .rev()
                        .find(|&k| analyses[k].defs.iter().any(|d| d.name == name))
                    {
                        if !rb.steps[k].sets.iter().any(|s| s == name) {
                            rb.steps[k].sets.push(name.to_string());
                        }
                    }
                    continue;
                }
                if name.chars().any(|c| c.is_ascii_lowercase())
                    && !name.chars().any(|c| c.is_ascii_uppercase())
                {
                    // a lower-case loop variable or the like, defined elsewhere in the text
                    if a.defs.iter().any(|d| d.name == name) {
                        continue;
                    }
                }
                if !params.iter().any(|p| p == name) {
                    params.push(name.to_string());
                }
            }
            defined.extend(a.defs.iter().map(|d| d.name.clone()));
        }
        rb.params = params;
        for s in &rb.steps {
            for (cmd, tool) in [
                ("patronictl", "patroni"),
                ("psql", "postgresql"),
                ("pg_ctl", "postgresql"),
                ("etcdctl", "etcd"),
                ("repmgr", "repmgr"),
            ] {
                if s.run.contains(cmd) && !d.tools.contains_key(tool) {
                    d.tools_unstated.insert(tool.to_string());
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbering_is_stripped() {
        assert_eq!(
            unnumbered("Step 3: Run the switchover"),
            "Run the switchover"
        );
        assert_eq!(unnumbered("1. Check the cluster"), "Check the cluster");
        assert_eq!(unnumbered("2) Promote"), "Promote");
        assert_eq!(unnumbered("Promote DC2"), "Promote DC2");
        assert_eq!(
            unnumbered("Procedure 2: Unplanned failover"),
            "Unplanned failover"
        );
    }

    #[test]
    fn kinds_come_from_the_command_model() {
        assert_eq!(kind_of("patronictl -c x switchover --force").0, "promotion");
        assert_eq!(kind_of("rm -rf \"$PGDATA\"").0, "destructive");
        assert_eq!(kind_of("patronictl -c x list").0, "probe");
        assert_eq!(kind_of("until pg_isready; do sleep 1; done").0, "wait");
    }

    #[test]
    fn a_read_prompt_becomes_a_manual_step() {
        let (prompt, var, rest) = split_read(
            "read -p \"Proceed? (yes/no) \" ans\n[ \"$ans\" = yes ] || exit 1\necho go\n",
        )
        .unwrap();
        assert_eq!(
            (prompt.as_str(), var.as_str()),
            ("Proceed? (yes/no) ", "ans")
        );
        assert_eq!(rest, "echo go\n");
    }

    #[test]
    fn placeholders_become_variables_quoted_where_they_stand() {
        let (run, found) = placeholders_to_vars(
            "fly ssh console -a <app-name>\npsql \"host=<host>\" <<EOF\nx\nEOF\n",
        );
        assert_eq!(
            run,
            "fly ssh console -a \"${APP_NAME}\"\npsql \"host=${HOST}\" <<EOF\nx\nEOF\n"
        );
        assert_eq!(found.len(), 2);
        assert!(bash_cannot_parse(&run).is_none());
        assert!(bash_cannot_parse("fly ssh console -a <app-name>\n").is_some());
    }

    #[test]
    fn unknown_commands_are_changes_not_probes() {
        assert_eq!(kind_of("touch postgresql.base.conf").0, "change");
        assert_eq!(kind_of("mysql -e 'INSERT INTO t VALUES (1)'").0, "change");
        assert_eq!(
            kind_of("aws sns publish --topic-arn x --message y").0,
            "change"
        );
        assert_eq!(kind_of("aws rds describe-db-clusters").0, "probe");
    }

    #[test]
    fn owners_are_split_from_items() {
        assert_eq!(
            owner_split("Rotate the password (owner: security)"),
            ("Rotate the password".into(), Some("security".into()))
        );
        assert_eq!(owner_split("Plain item"), ("Plain item".into(), None));
    }
}
