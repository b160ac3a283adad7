use crate::declare_rule;
use crate::diagnostic::Diagnostic;
use crate::lint::tool_outputs::{Output, cli_output, http_output, tool_title};
use crate::lint::{Check, LintContext};
use crate::semantics::{shell_fields, steps_in};
use crate::shell::command::{Command, Word, commands};
use crate::shell::flow::{Pipe, pipes};
use crate::shell::json_reads::{Read, grep_reads, jq_reads, python_reads};
use crate::source::{Location, StringMap};
use crate::spec::Doc;
use crate::spec::model::Environment;
use std::collections::BTreeMap;
use std::ops::Range;

declare_rule! {
    /// ## What it catches
    /// A step that reads a JSON field a tool never outputs in the version
    /// the environment declares in `[tools]`: `patronictl list -f json |
    /// jq '.[] | select(.Lag < 10)'` (there is no `Lag` key: it is `Lag in
    /// MB` up to Patroni 4.0, `Receive Lag`/`Replay Lag` from 4.1), `curl
    /// http://$H:8008/patroni | jq .xlog.replay_location` (it is
    /// `replayed_location`), `etcdctl endpoint status -w json | jq
    /// '.[].Status.leaderId'` (it is `leader`).
    ///
    /// The outputs known are `patronictl list`/`history -f json`, the
    /// Patroni REST API (`/patroni` and the health-check paths, `/cluster`,
    /// `/history`, `/config`) and `etcdctl … -w json`; their keys per version
    /// are read from the tools' sources and checked against real captures.
    /// The reader is `jq` (keys of `.a.b`, `."a b"`, `.["a"]`, in `select`,
    /// `map`, string interpolations; not keys the program builds itself, its
    /// variables, or `key`/`value` of `to_entries`), `python3 -c` reading
    /// `json.load(sys.stdin)` (`["key"]`, `.get("key")`), or `grep
    /// '"key":'`, in the same pipeline as the tool (also through `ssh`,
    /// `kubectl exec`, the spec's functions, `tee`, a here-string or a
    /// variable set from the tool's output). Keys under user-defined maps
    /// (tags, PostgreSQL parameters, slot names) are not checked. With no
    /// version declared, only a key that no version has is reported.
    ///
    /// ## Why it matters
    /// jq gives `null` for a key its input lacks, without an error: a
    /// `select(.Lag < 10)` silently matches every member (`null < 10`), a
    /// `-r .Lag` prints `null`, a `-e` test fails for the wrong reason. The
    /// step that decides whether a replica is caught up then decides on
    /// nothing — and the version that renamed the key is usually the one
    /// just upgraded to.
    ///
    /// ## Example
    /// ```toml
    /// # environments/prod.toml: [tools] patroni = "4.0.3"
    /// run = "patronictl -c \"$PATRONI_CONFIG\" list -f json | jq -e '.[] | select(.Role == \"Replica\" and .Lag > 16)'"
    /// ```
    ///
    /// ## Fix
    /// Read the key the declared version outputs (the finding names the
    /// closest one, and the version that added or removed it): `."Lag in
    /// MB"` before Patroni 4.1, `."Replay Lag"` from 4.1. A runbook for
    /// environments on both sides of the change can read both: `(."Replay
    /// Lag" // ."Lag in MB")`.
    pub struct UnknownOutputField { code: "RB025", name: "unknown-output-field", severity: Error }
}

// ---------------------------------------------------------------------------
// Which output a command prints, and which commands read it.

/// The jq program of a `jq` that reads JSON from its standard input.
pub fn jq_program(c: &Command) -> Option<&Word> {
    if !matches!(c.name(), "jq" | "gojq") {
        return None;
    }
    let mut positionals = Vec::new();
    let mut args_mode = false;
    let mut i = 0;
    let mut after_end = false;
    while i < c.args.len() {
        let w = &c.args[i];
        let t = w.text.as_str();
        i += 1;
        if after_end || !t.starts_with('-') || t == "-" {
            positionals.push(w);
            continue;
        }
        match t {
            "--" => after_end = true,
            "--arg" | "--argjson" | "--slurpfile" | "--rawfile" | "--argfile" => i += 2,
            "--indent" | "-L" | "--library-path" => i += 1,
            "--args" | "--jsonargs" => args_mode = true,
            "-f" | "--from-file" | "-n" | "--null-input" | "-R" | "--raw-input" | "--stream"
            | "--stream-errors" => return None,
            _ if t.starts_with("--") => {}
            _ => {
                // Bundled one-letter options: `-re`, `-cr`.
                if t[1..].contains(['f', 'n', 'R']) {
                    return None;
                }
                if t.ends_with('L') {
                    i += 1;
                }
            }
        }
    }
    let program = *positionals.first()?;
    let files = &positionals[1..];
    if !args_mode && files.iter().any(|f| f.text != "-") {
        return None; // reads a file, not the pipe
    }
    Some(program)
}

/// Options of `patronictl` (global and `list`'s) that take a value.
const PATRONICTL_VALUES: &[&str] = &[
    "-c",
    "--config-file",
    "-d",
    "--dcs-url",
    "--dcs",
    "-f",
    "--format",
    "-w",
    "--watch",
    "--group",
];

/// Options of `etcdctl`/`etcdutl` that take a value.
const ETCDCTL_VALUES: &[&str] = &[
    "--endpoints",
    "--cacert",
    "--cert",
    "--key",
    "--user",
    "--password",
    "--dial-timeout",
    "--command-timeout",
    "--keepalive-time",
    "--keepalive-timeout",
    "--discovery-srv",
    "--discovery-srv-name",
    "-w",
    "--write-out",
    "--data-dir",
];

/// Options of `curl`, `wget` and HTTPie that take a value.
const HTTP_VALUES: &[&str] = &[
    "-o",
    "--output",
    "-H",
    "--header",
    "-u",
    "--user",
    "-w",
    "--write-out",
    "-K",
    "--config",
    "--cacert",
    "--capath",
    "--cert",
    "--key",
    "-E",
    "-e",
    "--referer",
    "-A",
    "--user-agent",
    "-b",
    "--cookie",
    "-c",
    "--cookie-jar",
    "-x",
    "--proxy",
    "-m",
    "--max-time",
    "--connect-timeout",
    "--resolve",
    "--retry",
    "--retry-delay",
    "--retry-max-time",
    "-r",
    "--range",
    "--unix-socket",
    "--interface",
    "-U",
    "--proxy-user",
    "-O",
    "--output-document",
    "-T",
    "--timeout",
    "-t",
    "--tries",
    "--password",
    "-a",
    "--auth",
    "--verify",
];

/// Paths that only Patroni serves: a URL whose host is a variable rbgen
/// cannot resolve is taken for Patroni's with one of them.
const PATRONI_ONLY_PATHS: &[&str] = &[
    "/patroni",
    "/cluster",
    "/history",
    "/standby-leader",
    "/standby_leader",
    "/read-only",
    "/read-write",
    "/read-only-sync",
    "/read-only-synchronous",
    "/read-only-quorum",
    "/quorum",
    "/synchronous",
    "/asynchronous",
    "/master",
];

/// `http://h:8008/cluster?x` → (`http://h:8008`, `/cluster`).
fn split_url(text: &str) -> Option<(&str, &str)> {
    let (base, rest) = if let Some(i) = text.find("://") {
        let after = &text[i + 3..];
        match after.find('/') {
            Some(j) => (&text[..i + 3 + j], &after[j..]),
            None => (text, "/"),
        }
    } else {
        // `localhost:8008/health`, HTTPie's `:8008/cluster`.
        let host_port = text.find(':').is_some_and(|host_end| {
            let host = &text[..host_end];
            let port: String = text[host_end + 1..]
                .chars()
                .take_while(char::is_ascii_digit)
                .collect();
            host.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'.' || b == b'-')
                && !port.is_empty()
                && text[host_end + 1 + port.len()..].starts_with('/')
        });
        if !(text.starts_with('$') || host_port) {
            return None;
        }
        let j = text.find('/')?;
        (&text[..j], &text[j..])
    };
    let path = rest.split(['?', '#']).next().unwrap_or(rest);
    Some((base, path))
}

/// `$NAME` and `${NAME}` in `text` replaced by the environment's values.
fn substitute_vars(text: &str, vars: &BTreeMap<String, String>) -> String {
    static VAR: std::sync::LazyLock<regex::Regex> = std::sync::LazyLock::new(|| {
        regex::Regex::new(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}|\$([A-Za-z_][A-Za-z0-9_]*)").unwrap()
    });
    VAR.replace_all(text, |c: &regex::Captures| {
        let name = c.get(1).or_else(|| c.get(2)).map_or("", |m| m.as_str());
        vars.get(name).cloned().unwrap_or_else(|| c[0].to_string())
    })
    .into_owned()
}

/// Does the HTTP client write the body to standard output? curl does
/// unless `-o FILE`; wget only with `-O -` (`-qO-`); HTTPie unless `-o`.
fn body_to_stdout(c: &Command) -> bool {
    let wget = c.name() == "wget";
    let names: &[&str] = if wget {
        &["--output-document"]
    } else {
        &["-o", "--output"]
    };
    let mut to: Vec<&str> = c
        .option_values(names)
        .into_iter()
        .map(|(w, r)| &w.text[r])
        .collect();
    if wget {
        // `-O -`, `-O-`, `-qO-`, `-qO -`
        for (i, w) in c.args.iter().enumerate() {
            let t = w.text.as_str();
            if t.starts_with("--") || !t.starts_with('-') {
                continue;
            }
            if let Some(at) = t.find('O') {
                match &t[at + 1..] {
                    "" => to.extend(c.args.get(i + 1).map(|v| v.text.as_str())),
                    rest => to.push(rest),
                }
            }
        }
        return to.contains(&"-");
    }
    to.iter().all(|t| *t == "-")
}

/// The Patroni REST output a `curl`/`wget`/HTTPie command fetches.
fn http_fetch(c: &Command, vars: &BTreeMap<String, String>) -> Option<&'static Output> {
    let name = c.name();
    if !matches!(name, "curl" | "wget" | "http" | "https" | "xh") {
        return None;
    }
    let sends = [
        "-d",
        "--data",
        "--data-raw",
        "--data-binary",
        "--data-urlencode",
        "--json",
        "-F",
        "--form",
        "-I",
        "--head",
        "--post-data",
        "--spider",
    ];
    if sends.iter().any(|o| c.has_option(o)) {
        return None;
    }
    if c.option_values(&["-X", "--request", "--method"])
        .iter()
        .any(|(w, r)| !w.text[r.clone()].eq_ignore_ascii_case("GET"))
    {
        return None;
    }
    if !body_to_stdout(c) {
        return None;
    }
    let mut words = c.positionals(HTTP_VALUES);
    if let Some((w, _)) = c.option_values(&["--url"]).first() {
        words.insert(0, w);
    }
    // HTTPie: `http [METHOD] URL`.
    let method = words.first().filter(|w| {
        matches!(name, "http" | "https" | "xh") && w.text.chars().all(|ch| ch.is_ascii_uppercase())
    });
    if let Some(m) = method {
        if m.text != "GET" {
            return None;
        }
        words.remove(0);
    }
    for w in words {
        let resolved = substitute_vars(&w.text, vars);
        let Some((base, path)) = split_url(&resolved) else {
            continue;
        };
        let output = http_output(path)?;
        let lower = base.to_ascii_lowercase();
        let patroni = lower.contains("8008")
            || lower.contains("patroni")
            || (base.contains('$') && PATRONI_ONLY_PATHS.contains(&path.trim_end_matches('/')))
            || (base.contains('$') && {
                let upper = base.to_ascii_uppercase();
                upper.contains("PATRONI") || upper.contains("API")
            });
        return patroni.then_some(output);
    }
    None
}

/// The known JSON output `c` prints, if it prints one.
pub fn output_of(c: &Command, vars: &BTreeMap<String, String>) -> Option<&'static Output> {
    match c.name() {
        "patronictl" => {
            let json = c
                .option_values(&["-f", "--format"])
                .iter()
                .any(|(w, r)| w.text[r.clone()].eq_ignore_ascii_case("json"));
            if !json {
                return None;
            }
            let words: Vec<&str> = c
                .positionals(PATRONICTL_VALUES)
                .iter()
                .map(|w| w.text.as_str())
                .collect();
            cli_output("patronictl", &words)
        }
        name @ ("etcdctl" | "etcdutl") => {
            let json = c
                .option_values(&["-w", "--write-out"])
                .iter()
                .any(|(w, r)| w.text[r.clone()].eq_ignore_ascii_case("json"));
            let v2 = c.assignments.iter().any(|a| {
                a.name == "ETCDCTL_API" && a.value.as_ref().is_some_and(|v| v.text.starts_with('2'))
            });
            if !json || v2 {
                return None;
            }
            let words: Vec<&str> = c
                .positionals(ETCDCTL_VALUES)
                .iter()
                .map(|w| w.text.as_str())
                .collect();
            cli_output(name, &words)
        }
        _ => http_fetch(c, vars),
    }
}

fn within(inner: &Range<usize>, outer: &Range<usize>) -> bool {
    inner.start >= outer.start && inner.end <= outer.end
}

/// Commands that pass their input on unchanged.
fn passes_through(c: &Command) -> bool {
    match c.name() {
        "tee" | "cat" => c
            .args
            .iter()
            .all(|w| w.text.starts_with('-') || c.name() == "tee"),
        "python3" | "python" => c
            .args
            .iter()
            .map(|w| w.text.as_str())
            .eq(["-m", "json.tool"]),
        _ => jq_program(c).is_some_and(|p| p.text.trim() == "."),
    }
}

/// The one known output the commands in `range` print (none when there
/// are several, or when a command written there prints something else).
fn output_in(
    range: &Range<usize>,
    cmds: &[Command],
    pipes: &[Pipe],
    vars: &BTreeMap<String, String>,
    depth: usize,
) -> Option<&'static Output> {
    let inside: Vec<&Command> = cmds.iter().filter(|c| within(&c.range, range)).collect();
    let found: Vec<&'static Output> = inside.iter().filter_map(|c| output_of(c, vars)).collect();
    if let Some(first) = found.first() {
        // Another output, text written beside it, or a filter that
        // reshapes it (also inside a function the stage calls).
        let mixed = found.iter().any(|o| o.id != first.id)
            || inside.iter().any(|c| {
                (c.via.is_empty() && matches!(c.name(), "echo" | "printf"))
                    || matches!(
                        c.name(),
                        "jq" | "gojq"
                            | "yq"
                            | "python"
                            | "python3"
                            | "awk"
                            | "sed"
                            | "grep"
                            | "head"
                            | "tail"
                    )
            });
        return (!mixed).then_some(*first);
    }
    // `tool | tee f | jq`: what the pass-through read.
    let direct: Vec<&&Command> = inside.iter().filter(|c| c.via.is_empty()).collect();
    if depth < 4 && direct.len() == 1 && passes_through(direct[0]) {
        let before = pipes.iter().find(|p| p.reader == *range)?;
        return output_in(&before.writer, cmds, pipes, vars, depth + 1);
    }
    None
}

/// What a reading command (`jq`, `python3 -c`, `grep`) reads on its
/// standard input: the stage piped into it, a here-string, or the echoed
/// value of a variable set from the tool's output.
fn input_of(
    reader: &Command,
    cmds: &[Command],
    pipes: &[Pipe],
    text: &str,
    vars: &BTreeMap<String, String>,
) -> Option<&'static Output> {
    let piped = pipes.iter().find(|p| {
        within(&reader.range, &p.reader)
            && (reader.range.start == p.reader.start || !reader.via.is_empty())
    });
    if let Some(p) = piped {
        // `echo "$OUT" | jq`: the echoed text is the reader's stdin.
        let echoed = cmds
            .iter()
            .any(|c| c.range == p.writer && matches!(c.name(), "echo" | "printf"));
        if !echoed {
            return output_in(&p.writer, cmds, pipes, vars, 0);
        }
    }
    let w = reader.stdin.first()?;
    if w.text.contains("$(") {
        // `jq … <<< "$(patronictl list -f json)"`
        return output_in(&w.range, cmds, pipes, vars, 0);
    }
    // `OUT=$(patronictl list -f json)` … `jq … <<< "$OUT"` / `echo "$OUT" | jq …`
    let name = w
        .text
        .strip_prefix("${")
        .and_then(|n| n.strip_suffix('}'))
        .or_else(|| w.text.strip_prefix('$'))?;
    let model = commands(text);
    let set = model
        .assignments
        .iter()
        .rfind(|a| a.name == name && a.name_range.start < reader.range.start)?;
    output_in(&set.value.as_ref()?.range, cmds, pipes, vars, 0)
}

/// The keys `c` reads from its standard input, with the word they are in.
fn reads_of(c: &Command) -> Vec<(&Word, Read)> {
    if let Some(program) = jq_program(c) {
        return jq_reads(&program.text)
            .into_iter()
            .map(|r| (program, r))
            .collect();
    }
    match c.name() {
        "python3" | "python" => c
            .option_values(&["-c"])
            .into_iter()
            .flat_map(|(w, range)| {
                python_reads(&w.text[range.clone()])
                    .into_iter()
                    .map(move |mut r| {
                        r.at = r.at.start + range.start..r.at.end + range.start;
                        (w, r)
                    })
            })
            .collect(),
        "grep" | "egrep" => grep_reads(c).into_iter().collect(),
        _ => Vec::new(),
    }
}

/// One key read from a known output, in one environment.
struct Use {
    /// Range in the analysed text.
    at: Range<usize>,
    read: Read,
    output: &'static Output,
}

/// Whether `text` may run a reader at all (most steps do not).
fn reads_anything(text: &str) -> bool {
    ["jq", "python", "grep"].iter().any(|r| text.contains(r))
}

/// Keys that the commands `cmds` of `text` read from known outputs.
fn uses_in(
    text: &str,
    cmds: &[Command],
    pipes: &[Pipe],
    vars: &BTreeMap<String, String>,
) -> Vec<Use> {
    let mut out = Vec::new();
    for c in cmds {
        let reads = reads_of(c);
        if reads.is_empty() {
            continue;
        }
        let Some(output) = input_of(c, cmds, pipes, text, vars) else {
            continue;
        };
        for (word, read) in reads {
            if read
                .parent
                .as_deref()
                .is_some_and(|p| output.is_open_map(p))
            {
                continue;
            }
            out.push(Use {
                at: word.span_of(read.at.clone()),
                read,
                output,
            });
        }
    }
    out
}

// ---------------------------------------------------------------------------
// Messages.

fn normalized(s: &str) -> String {
    s.chars()
        .filter(char::is_ascii_alphanumeric)
        .collect::<String>()
        .to_ascii_lowercase()
}

/// Words of a key: `leaderId` → leader, id; `Lag in MB` → lag, in, mb.
fn words(s: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut prev_lower = false;
    for ch in s.chars() {
        if !ch.is_ascii_alphanumeric() {
            if !cur.is_empty() {
                out.push(std::mem::take(&mut cur));
            }
            prev_lower = false;
            continue;
        }
        if ch.is_ascii_uppercase() && prev_lower && !cur.is_empty() {
            out.push(std::mem::take(&mut cur));
        }
        prev_lower = ch.is_ascii_lowercase() || ch.is_ascii_digit();
        cur.push(ch.to_ascii_lowercase());
    }
    if !cur.is_empty() {
        out.push(cur);
    }
    out
}

/// How alike two keys are: 3 the same but for case and separators, 2 one
/// holds the other, 1 a shared word; then Jaro-Winkler.
fn likeness(key: &str, candidate: &str) -> (u8, f64) {
    let (k, c) = (normalized(key), normalized(candidate));
    let jw = strsim::jaro_winkler(&key.to_lowercase(), &candidate.to_lowercase());
    let tier = if k == c {
        3
    } else if k.len() >= 3 && (c.contains(&k) || (k.contains(&c) && c.len() * 5 >= k.len() * 3)) {
        2
    } else if words(key)
        .iter()
        .any(|w| w.len() >= 3 && words(candidate).contains(w))
    {
        1
    } else {
        0
    };
    (tier, jw)
}

/// The keys among `candidates` closest to `key` (two when equally close).
pub fn closest<'a>(key: &str, candidates: &[&'a str]) -> Vec<&'a str> {
    let mut scored: Vec<(u8, f64, &str)> = candidates
        .iter()
        .filter(|c| **c != key)
        .map(|c| {
            let (tier, jw) = likeness(key, c);
            (tier, jw, *c)
        })
        .filter(|(tier, jw, _)| *tier > 0 || *jw >= 0.85)
        .collect();
    scored.sort_by(|a, b| {
        b.0.cmp(&a.0)
            .then(b.1.partial_cmp(&a.1).unwrap_or(std::cmp::Ordering::Equal))
            .then(a.2.cmp(b.2))
    });
    let Some(best) = scored.first() else {
        return Vec::new();
    };
    let take = if best.0 == 2 { 2 } else { 1 };
    scored
        .iter()
        .filter(|s| s.0 == best.0)
        .take(take)
        .map(|s| s.2)
        .collect()
}

fn or_list(keys: &[&str]) -> String {
    let quoted: Vec<String> = keys.iter().map(|k| format!("`{k}`")).collect();
    match quoted.len() {
        0 => String::new(),
        1 => quoted[0].clone(),
        n => format!("{} or {}", quoted[..n - 1].join(", "), quoted[n - 1]),
    }
}

fn env_list(ids: &[&str]) -> String {
    let quoted: Vec<String> = ids.iter().map(|e| format!("`{e}`")).collect();
    let noun = if ids.len() == 1 {
        "environment"
    } else {
        "environments"
    };
    format!("{noun} {}", quoted.join(", "))
}

/// What to say about a key `output` lacks in the environments `lacking`
/// (environment, declared version): the message and the help.
pub fn explain(
    shown_key: &str,
    key: &str,
    output: &Output,
    lacking: &[(String, Option<String>)],
) -> (String, String) {
    let tool = tool_title(&output.tool);
    // Environments grouped by version, in order.
    let mut by_version: Vec<(Option<&str>, Vec<&str>)> = Vec::new();
    for (env, version) in lacking {
        match by_version
            .iter_mut()
            .find(|(v, _)| *v == version.as_deref())
        {
            Some((_, envs)) => envs.push(env),
            None => by_version.push((version.as_deref(), vec![env])),
        }
    }
    let whence: Vec<String> = by_version
        .iter()
        .map(|(v, envs)| match v {
            Some(v) => format!("{tool} {v} in {}", env_list(envs)),
            None => format!("any {tool} version: {} declares none", env_list(envs)),
        })
        .collect();
    let what = if output.program.is_some() {
        format!("`{}`", output.describes)
    } else {
        output.describes.clone()
    };
    let mut message = format!(
        "`{shown_key}`: {what} has no key `{key}` ({})",
        whence.join("; ")
    );
    let fields: Vec<_> = output.fields_named(key).collect();
    if output.fields.is_empty() {
        message.push_str("; it has no object keys at all");
    } else if let Some(f) = fields.first() {
        let span = match (&f.since, &f.until) {
            (Some(s), Some(u)) => format!("`{key}` is output from {tool} {s} until {u}"),
            (Some(s), None) => format!("`{key}` was added in {tool} {s}"),
            (None, Some(u)) => format!("`{key}` was removed in {tool} {u}"),
            (None, None) => format!("`{key}` is output by every {tool} version"),
        };
        message.push_str(&format!("; {span}"));
        // What replaced it: keys added when it went, with a word in common.
        if let Some(until) = &f.until {
            let mut instead: Vec<(u8, f64, &str)> = output
                .fields
                .iter()
                .filter(|g| g.since.as_deref() == Some(until.as_str()))
                .map(|g| {
                    let (tier, jw) = likeness(key, &g.key);
                    (tier, jw, g.key.as_str())
                })
                .filter(|(tier, _, _)| *tier >= 1)
                .collect();
            instead.sort_by(|a, b| {
                b.0.cmp(&a.0)
                    .then(b.1.partial_cmp(&a.1).unwrap_or(std::cmp::Ordering::Equal))
            });
            let instead: Vec<&str> = instead.into_iter().map(|(_, _, k)| k).collect();
            if !instead.is_empty() {
                message.push_str(&format!("; use {}", or_list(&instead)));
                return (message, help(&what));
            }
        }
    }
    // The closest key, per declared version.
    let mut per_version: Vec<(Option<&str>, Vec<&str>)> = by_version
        .iter()
        .map(|(v, _)| (*v, closest(key, &output.keys_at(*v))))
        .filter(|(_, s)| !s.is_empty())
        .collect();
    per_version.dedup_by(|a, b| a.1 == b.1);
    let all_same = per_version.windows(2).all(|w| w[0].1 == w[1].1);
    if let Some((_, first)) = per_version.first() {
        if all_same || per_version.len() == 1 {
            message.push_str(&format!("; did you mean {}?", or_list(first)));
        } else {
            let parts: Vec<String> = per_version
                .iter()
                .map(|(v, s)| match v {
                    Some(v) => format!("{} ({tool} {v})", or_list(s)),
                    None => or_list(s),
                })
                .collect();
            message.push_str(&format!("; did you mean {}?", parts.join(", ")));
        }
    }
    (message, help(&what))
}

fn help(what: &str) -> String {
    format!(
        "a missing key is no error: jq gives `null` (a `select` on it matches nothing or everything, `-r` prints `null`), Python `None` or a KeyError; read a key {what} has in the declared version"
    )
}

// ---------------------------------------------------------------------------
// The rule.

/// Is the key read (or one of its `//` alternatives) in the output?
fn present(output: &Output, read: &Read, version: Option<&str>) -> bool {
    std::iter::once(&read.key)
        .chain(&read.alternatives)
        .any(|k| output.has_key(k, version))
}

fn declared<'e>(env: &'e Doc<Environment>, tool: &str) -> Option<&'e str> {
    env.doc
        .tools
        .iter()
        .find(|(k, _)| k.get_ref() == tool)
        .map(|(_, v)| v.get_ref().as_str())
}

/// A finding being gathered over environments: (position, key, output) →
/// what to show and where it is wrong.
type Gathered = BTreeMap<
    (usize, usize, String, String),
    (Read, &'static Output, Vec<(String, Option<String>)>),
>;

fn gather(gathered: &mut Gathered, uses: Vec<Use>, env: &Doc<Environment>) {
    let env_id = env.doc.id.get_ref();
    for u in uses {
        let version = declared(env, &u.output.tool);
        let entry = gathered
            .entry((
                u.at.start,
                u.at.end,
                u.read.key.clone(),
                u.output.id.clone(),
            ))
            .or_insert_with(|| (u.read.clone(), u.output, Vec::new()));
        if present(u.output, &u.read, version) {
            continue;
        }
        if !entry.2.iter().any(|(e, _)| e == env_id) {
            entry.2.push((env_id.clone(), version.map(str::to_string)));
        }
    }
}

fn env_vars(ctx: &LintContext, env: &Doc<Environment>) -> BTreeMap<String, String> {
    ctx.spec
        .vars_of(env)
        .into_iter()
        .map(|(k, v)| (k, v.value))
        .collect()
}

impl Check for UnknownOutputField {
    fn run(ctx: &LintContext, out: &mut Vec<Diagnostic>) {
        let spec = ctx.spec;
        let vars: BTreeMap<&str, BTreeMap<String, String>> = spec
            .environments
            .iter()
            .map(|e| (e.doc.id.get_ref().as_str(), env_vars(ctx, e)))
            .collect();
        let no_vars = BTreeMap::new();
        let vars_of =
            |env: &Doc<Environment>| vars.get(env.doc.id.get_ref().as_str()).unwrap_or(&no_vars);
        for (_, proc, step) in ctx.steps() {
            for field in shell_fields(step) {
                let text = field.text.get_ref();
                if !reads_anything(text) {
                    continue;
                }
                let pipes = pipes(text);
                let mut gathered = Gathered::new();
                for env in spec.environments_of(&proc.doc) {
                    if !steps_in(&proc.doc, env.doc.id.get_ref()).any(|s| std::ptr::eq(s, step)) {
                        continue;
                    }
                    let cmds = ctx.sem.commands_in(env, text);
                    gather(
                        &mut gathered,
                        uses_in(text, &cmds, &pipes, vars_of(env)),
                        env,
                    );
                }
                for ((start, end, key, _), (read, output, lacking)) in gathered {
                    if lacking.is_empty() {
                        continue;
                    }
                    let (message, help) = explain(&read.shown, &key, output, &lacking);
                    out.push(
                        Diagnostic::finding(message)
                            .at(ctx.in_value(proc, field.text, start..end))
                            .label("no such key in this version's output")
                            .help(help)
                            .in_runbook(proc.doc.id.get_ref(), Some(step.id.get_ref())),
                    );
                }
            }
        }
        // The spec's functions: each body against every environment that has it.
        let mut bodies: BTreeMap<(String, usize, usize), (&crate::source::Source, Gathered)> =
            BTreeMap::new();
        for env in &spec.environments {
            for f in spec.functions_of(env).values() {
                let body = f.function.body.get_ref();
                if !reads_anything(body) {
                    continue;
                }
                let cmds = ctx.sem.commands_in(env, body);
                let uses = uses_in(body, &cmds, &pipes(body), vars_of(env));
                let span = f.function.body.span();
                let entry = bodies
                    .entry((f.file.display_path(), span.start, span.end))
                    .or_insert_with(|| (f.file, Gathered::new()));
                gather(&mut entry.1, uses, env);
            }
        }
        for ((_, span_start, span_end), (file, gathered)) in bodies {
            let map = StringMap::new(&file.text, span_start..span_end);
            for ((start, end, key, _), (read, output, lacking)) in gathered {
                if lacking.is_empty() {
                    continue;
                }
                let (message, help) = explain(&read.shown, &key, output, &lacking);
                out.push(
                    Diagnostic::finding(message)
                        .at(Location::new(file, map.raw_span(start..end)))
                        .label("no such key in this version's output")
                        .help(help),
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Findings in `text` where `version` of the tool is declared (`None`:
    /// none): (text at the finding, message).
    fn check(text: &str, version: Option<&str>) -> Vec<(String, String)> {
        check_with(text, version, &[])
    }

    /// [`check`] with the spec functions `functions` (name, body) expanded.
    fn check_with(
        text: &str,
        version: Option<&str>,
        functions: &[(&str, &str)],
    ) -> Vec<(String, String)> {
        let body_of = |name: &str| {
            functions
                .iter()
                .find(|(n, _)| *n == name)
                .map(|(_, b)| b.to_string())
        };
        let cmds = crate::shell::inline::expanded_commands(text, &body_of);
        let uses = uses_in(text, &cmds, &pipes(text), &BTreeMap::new());
        let mut out = Vec::new();
        for u in uses {
            if present(u.output, &u.read, version) {
                continue;
            }
            let lacking = [("prod".to_string(), version.map(str::to_string))];
            let (message, _) = explain(&u.read.shown, &u.read.key, u.output, &lacking);
            out.push((text[u.at.clone()].to_string(), message));
        }
        out
    }

    fn fires(text: &str, version: Option<&str>) -> Vec<String> {
        check(text, version).into_iter().map(|(at, _)| at).collect()
    }

    #[test]
    fn a_key_that_no_version_has() {
        let t = "patronictl -c \"$C\" list pg -f json | jq '.[] | select(.Lag < 10)'";
        let found = check(t, Some("4.0.3"));
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].0, "Lag");
        assert_eq!(
            found[0].1,
            "`.Lag`: `patronictl list -f json` has no key `Lag` (Patroni 4.0.3 in environment `prod`); did you mean `Lag in MB`?"
        );
        let found = check(t, Some("4.1.5"));
        assert!(
            found[0]
                .1
                .ends_with("did you mean `Replay Lag` or `Receive Lag`?"),
            "{}",
            found[0].1
        );
        // No version declared: in no version at all.
        assert_eq!(fires(t, None), ["Lag"]);
    }

    #[test]
    fn version_dependent_keys() {
        let t = "patronictl list --format=json | jq -r '.[] | .\"Lag in MB\"'";
        assert!(fires(t, Some("4.0.3")).is_empty());
        assert!(fires(t, None).is_empty());
        let found = check(t, Some("4.1.5"));
        assert_eq!(found[0].0, "\"Lag in MB\"");
        assert!(
            found[0].1.ends_with(
                "`Lag in MB` was removed in Patroni 4.1.0; use `Replay Lag` or `Receive Lag`"
            ),
            "{}",
            found[0].1
        );
        let t = "patronictl list -f json | jq '.[] | .\"Replay Lag\"'";
        assert!(fires(t, Some("4.1")).is_empty());
        let found = check(t, Some("4.0.3"));
        assert!(
            found[0]
                .1
                .contains("`Replay Lag` was added in Patroni 4.1.0"),
            "{}",
            found[0].1
        );
    }

    #[test]
    fn alternatives_read_whichever_the_version_has() {
        let t =
            "patronictl list -f json | jq '.[] | (.\"Replay Lag\"? // .\"Lag in MB\" // 0) > 16'";
        for v in [Some("4.0.3"), Some("4.1.5"), None] {
            assert!(fires(t, v).is_empty(), "{v:?}: {:?}", check(t, v));
        }
        let r = jq_reads(".a.b // .c[\"d\"] // .e");
        let alts: Vec<(&str, Vec<String>)> = r
            .iter()
            .map(|r| (r.key.as_str(), r.alternatives.clone()))
            .collect();
        assert_eq!(
            alts,
            [
                ("a", vec![]),
                ("b", vec!["d".to_string(), "e".to_string()]),
                ("c", vec![]),
                ("d", vec!["b".to_string(), "e".to_string()]),
                ("e", vec!["b".to_string(), "d".to_string()]),
            ]
        );
        // A default value is no alternative key.
        assert_eq!(
            fires(
                "patronictl list -f json | jq '.[] | .Lag // 0'",
                Some("4.1.5")
            ),
            ["Lag"]
        );
    }

    #[test]
    fn realistic_programs_are_quiet() {
        let list = "patronictl -c /etc/p.yml list pg -f json";
        let status = "curl -s http://127.0.0.1:8008/patroni";
        let cluster = "curl -s http://127.0.0.1:8008/cluster";
        let config = "curl -s http://127.0.0.1:8008/config";
        for (tool, program) in [
            (
                list,
                ".[] | select(.Role | test(\"Leader\")) | .Host | split(\":\")[0]",
            ),
            (list, "map(select(.State == \"streaming\")) | length"),
            (list, ".[] | select(.Member == $m) | .\"Replay Lag\" // 0"),
            (
                list,
                "[.[] | select(.Role == \"Replica\")] | max_by(.\"Replay Lag\") | .Member",
            ),
            (list, ".[] | [.Member, .Role, .State] | @tsv"),
            (list, ".[] | select(.Role == \"Leader\").Host"),
            (list, ".[] | .Tags // {} | .my_tag"),
            (
                list,
                ".[] | .Member as $m | .Role as $r | \"\\($m) \\($r)\"",
            ),
            (list, "reduce .[] as $x ({}; .[$x.Member] = $x.Role) | .pg1"),
            (list, "map({(.Member): .Role}) | add | .pg1"),
            (
                list,
                "[.[] | {key: .Member, value: .Role}] | from_entries | .pg1",
            ),
            (
                list,
                "to_entries | map(select(.value.Role == \"Leader\")) | .[0].key",
            ),
            (list, "limit(1; .[] | select(.Role==\"Leader\")) | .Member"),
            (
                list,
                ".[] | if .Role == \"Leader\" then .Member else empty end",
            ),
            (
                list,
                ".[] | select(.Member == env.MEMBER and $ENV.X == \"y\") | .[\"Pending restart\"]",
            ),
            (
                list,
                ".[] | {name: .Member, lag: (.\"Replay Lag\" // 0)} | select(.lag > 0) | .name",
            ),
            (status, "try .xlog.location catch \"n/a\""),
            (status, ".xlog.location // .xlog.replayed_location"),
            (
                status,
                "\"\\(.role) \\(.timeline) \\(.patroni.version) \\(.patroni.scope)\"",
            ),
            (status, "getpath([\"xlog\", \"nope\"])"),
            (
                cluster,
                ".members | map(select(.role == \"leader\")) | .[0].name",
            ),
            (
                cluster,
                ".members[] | select(.tags.nofailover != true and .tags.zone == \"a\") | .name",
            ),
            (
                config,
                ".postgresql.parameters.max_connections, .slots.my_slot.type",
            ),
        ] {
            let t = format!("{tool} | jq -r '{program}'");
            assert!(
                fires(&t, Some("4.1.5")).is_empty(),
                "{t}: {:?}",
                check(&t, Some("4.1.5"))
            );
        }
    }

    #[test]
    fn valid_keys_are_not_reported() {
        for t in [
            "patronictl list -f json | jq -r '.[] | select(.Role == \"Leader\") | .Member'",
            "patronictl list -f json | jq -e '.[0].Member'",
            "patronictl list -f json | jq '.[] | .Tags.my_custom_tag, (.Tags | .other)'",
            "curl -s http://$H:8008/patroni | jq .xlog.replayed_location",
            "curl -s \"$API/cluster\" | jq -r '.members[] | .name'",
            "etcdctl --endpoints=\"$E\" endpoint status -w json | jq '.[].Status.leader'",
            "patronictl list -f json | jq '[.[] | {m: .Member}] | .[].m'",
            "patronictl list -f json | jq '.[0].Tags | to_entries[] | .key'",
        ] {
            assert!(
                fires(t, Some("4.1.5")).is_empty(),
                "{t}: {:?}",
                check(t, Some("4.1.5"))
            );
        }
    }

    #[test]
    fn rest_and_etcd_keys() {
        let found = check(
            "curl -s http://$H:8008/patroni | jq .xlog.replay_location",
            Some("4.1.5"),
        );
        assert_eq!(found[0].0, "replay_location");
        assert!(
            found[0].1.contains("did you mean `replayed_location`?"),
            "{}",
            found[0].1
        );
        let found = check(
            "curl -s \"$API/cluster\" | jq '.members[] | .nme'",
            Some("4.1.5"),
        );
        assert_eq!(found[0].0, "nme");
        assert!(
            found[0].1.starts_with(
                "`.nme`: the Patroni REST cluster document (GET /cluster) has no key `nme`"
            ),
            "{}",
            found[0].1
        );
        let found = check(
            "etcdctl endpoint status --write-out json | jq '.[].Status.leaderId'",
            Some("3.5.17"),
        );
        assert_eq!(found[0].0, "leaderId");
        assert!(
            found[0].1.ends_with("did you mean `leader`?"),
            "{}",
            found[0].1
        );
        let found = check(
            "curl -s localhost:8008/history?x=1 | jq '.[].timeline'",
            None,
        );
        assert!(
            found[0].1.contains("it has no object keys at all"),
            "{}",
            found[0].1
        );
    }

    #[test]
    fn what_is_not_the_tools_output_is_not_checked() {
        for t in [
            // jq reads a file, not the pipe.
            "patronictl list -f json > /tmp/m.json\njq '.[].Lag' /tmp/m.json",
            "patronictl list -f json | jq '.[].Lag' /tmp/other.json",
            // Not JSON; not a tool rbgen knows; another service's API.
            "patronictl list | jq '.[].Lag'",
            "kubectl get pods -o json | jq '.items[].Lag'",
            "curl -s http://grafana:3000/api/health | jq .database",
            "curl -s \"$GRAFANA/health\" | jq .database",
            // A POST's answer; a transformed stream.
            "curl -s -XPOST http://h:8008/cluster | jq .Lag",
            "curl -s -o /dev/null -w '%{http_code}' http://h:8008/cluster | jq .Lag",
            "wget -q http://h:8008/cluster | jq .Lag",
            "patronictl list -f json | jq '.[0]' | jq .Member2",
            // jq -n builds its own input.
            "patronictl list -f json | jq -n '{Lag: 1} | .Lag'",
        ] {
            assert!(
                fires(t, Some("4.1.5")).is_empty(),
                "{t}: {:?}",
                check(t, Some("4.1.5"))
            );
        }
    }

    #[test]
    fn through_wrappers_variables_tee_and_other_readers() {
        for (t, at) in [
            (
                "kubectl exec -n db pg-0 -- patronictl list -f json | jq '.[].Lag'",
                "Lag",
            ),
            (
                "ssh \"$H\" sudo -u postgres patronictl list -f json | jq '.[].Lag'",
                "Lag",
            ),
            (
                "ssh \"$H\" 'patronictl list -f json | jq \".[].Lag\"'",
                "Lag",
            ),
            ("patronictl list -f json | tee /tmp/x | jq '.[].Lag'", "Lag"),
            (
                "wget -qO- http://h:8008/cluster | jq '.members[].nme'",
                "nme",
            ),
            ("wget -q -O - \"$PATRONI_URL/patroni\" | jq .rol", "rol"),
            ("http GET :8008/cluster | jq '.members[].nme'", "nme"),
            (
                "OUT=$(patronictl list -f json)\necho \"$OUT\" | jq '.[].Lag'",
                "Lag",
            ),
            (
                "OUT=$(patronictl list -f json)\njq -r '.[].Lag' <<< \"$OUT\"",
                "Lag",
            ),
            ("jq -r '.[].Lag' <<< \"$(patronictl list -f json)\"", "Lag"),
            (
                "patronictl list -f json | python3 -c 'import json,sys; d=json.load(sys.stdin); print(d[0][\"Lag\"], d[0].get(\"Member\"))'",
                "\"Lag\"",
            ),
            (
                "curl -s http://h:8008/patroni | python3 -m json.tool | grep -q '\"rol\": *\"primary\"'",
                "\"rol\"",
            ),
        ] {
            assert_eq!(fires(t, Some("4.1.5")), [at], "{t}");
        }
        // Python: lists, environ and what it writes are not reads.
        let t = "patronictl list -f json | python3 -c 'import json,sys,os; d=json.load(sys.stdin); x=[\"a\"]; o={\"b\": 1}; o[\"c\"] = os.environ[\"HOME\"]; print(o[\"b\"])'";
        assert!(
            fires(t, Some("4.1.5")).is_empty(),
            "{:?}",
            check(t, Some("4.1.5"))
        );
        // grep for a value is not a key.
        assert!(
            fires(
                "curl -s http://h:8008/patroni | grep '\"running\"'",
                Some("4.1.5")
            )
            .is_empty()
        );
    }

    #[test]
    fn hostile_programs_do_not_panic() {
        let deep = "\"\\(".repeat(5000);
        jq_reads(&deep);
        let sample = ".[] | select(.Role == \"Leader\" and .\"Lag in MB\" > 1) | {m: .Member, t: \"\\(.Tags.x)é\\u00e9\"} // $__loc__ | .[\"ü\"] # c\n${X} $(y) .5e+3 ?// @base64d \\ é";
        for (i, _) in sample.char_indices() {
            jq_reads(&sample[..i]);
            jq_reads(&sample[i..]);
            python_reads(&format!("json.load(sys.stdin){}", &sample[i..]));
        }
    }

    #[test]
    fn through_the_specs_functions() {
        let functions = [
            (
                "pctl",
                "kubectl exec -n db pg-0 -- patronictl -c /etc/p.yml \"$@\"",
            ),
            ("api", "curl -s \"http://$1:8008/$2\""),
            (
                "members",
                "patronictl list -f json | jq 'map({n: .Member})'",
            ),
        ];
        let t = "pctl list -f json | jq '.[].Lag'\napi \"$H\" cluster | jq '.members[].nme'\nmembers | jq '.[].n'\n";
        let found: Vec<String> = check_with(t, Some("4.1.5"), &functions)
            .into_iter()
            .map(|(at, _)| at)
            .collect();
        assert_eq!(found, ["Lag", "nme"]);
    }

    #[test]
    fn closest_keys() {
        assert_eq!(
            closest("Lag", &["Member", "Lag in MB", "Tags", "TL"]),
            ["Lag in MB"]
        );
        assert_eq!(closest("role", &["Role", "Member"]), ["Role"]);
        assert_eq!(
            closest(
                "replay_location",
                &["location", "replayed_location", "received_location"]
            ),
            ["replayed_location"]
        );
        assert!(closest("zzz", &["Member"]).is_empty());
    }
}
