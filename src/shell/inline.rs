//! Calls of the spec's own shell functions, seen through.
//!
//! Runbook text calls environment functions (`node_service "$NODE" stop
//! etcd`) so that the same step works in every environment; what such a call
//! does is in the function's body, with the call's arguments in place of
//! `$1`, `$2`, `"$@"`. Each call of a known function is expanded: the body's
//! positional parameters (directly, through `local node="$1"`, and after
//! `shift`) are replaced by the call's arguments, the result is parsed into
//! commands, and those commands are reported at the call — the word a
//! runbook author can change. `node_service "$N" stop etcd` in a production
//! environment whose `node_service` runs `ssh "$1" "systemctl $2 $3"` is
//! thereby seen to run `systemctl stop etcd`.

use super::command::{Command, Word, commands};
use std::collections::HashMap;
use std::ops::Range;
use tree_sitter::Node;

/// How many calls deep expansion follows (functions calling functions).
const MAX_DEPTH: usize = 6;

/// Every command of `text`, and, after each call of a function that
/// `body_of` knows, the commands that call runs (with `via` naming the
/// function, and every span pinned to the call's name).
pub fn expanded_commands(text: &str, body_of: &dyn Fn(&str) -> Option<String>) -> Vec<Command> {
    let mut out = Vec::new();
    for c in &commands(text).commands {
        expand_into(c, body_of, 0, &mut out);
    }
    out
}

fn expand_into(
    c: &Command,
    body_of: &dyn Fn(&str) -> Option<String>,
    depth: usize,
    out: &mut Vec<Command>,
) {
    out.push(c.clone());
    let name = c.name();
    if depth >= MAX_DEPTH || c.via.iter().any(|v| v == name) {
        return;
    }
    let Some(body) = body_of(name) else { return };
    let text = substitute(&body, &c.args);
    let at = c.name.range.clone();
    // `on_node "$N" <<'EOF'`: the call's standard input is what the body's
    // commands read, and what a shell among them runs.
    let model = if c.stdin.is_empty() {
        commands(&text)
    } else {
        std::sync::Arc::new(super::command::commands_with_stdin(&text, &c.stdin))
    };
    for inner in &model.commands {
        // The call's own heredoc keeps its real position (a SQL keyword in
        // it is reported where it is); text from the body is reported at the call.
        let from_call = !c.stdin.is_empty() && inner.stdin == c.stdin;
        let mut inner = pin(inner.clone(), &at, c.range.clone());
        if from_call {
            inner.stdin = c.stdin.clone();
        }
        let mut via = c.via.clone();
        via.push(name.to_string());
        via.extend(inner.via);
        inner.via = via;
        expand_into(&inner, body_of, depth + 1, out);
    }
}

/// Report every part of an expanded command at the call.
fn pin(mut c: Command, at: &Range<usize>, range: Range<usize>) -> Command {
    let pin_word = |w: &Word| Word::pinned(w.text.clone(), w.is_static, at.clone());
    c.name = pin_word(&c.name);
    c.args = c.args.iter().map(pin_word).collect();
    c.stdin = c.stdin.iter().map(pin_word).collect();
    for a in &mut c.assignments {
        a.name_range = at.clone();
        a.value = a.value.as_ref().map(pin_word);
    }
    c.range = range;
    c
}

/// What a `$…` in the body stands for.
#[derive(Clone)]
enum Param {
    /// `$N` (after shifts), with the default of `${N:-default}`.
    One(usize, Option<String>),
    /// `$@` / `$*` from position N on (`${@:N}` too).
    All(usize),
    /// A variable the body built from its parameters (`local url="http://$1:8008$3"`):
    /// the range of the assigned value.
    Built(Range<usize>),
    /// A variable set from an option the body parses (`--sql) sql=$2`): the
    /// option's spellings, and whether it also takes `--sql=VALUE`.
    Flag(Vec<String>, bool, Option<String>),
}

/// The body with the call's arguments in place of its positional parameters.
pub fn substitute(body: &str, args: &[Word]) -> String {
    let uses = parameters_of(body);
    render_range(body, 0..body.len(), &uses, args)
}

/// `body[range]` with every parameter use inside it replaced.
fn render_range(
    body: &str,
    range: Range<usize>,
    uses: &[(Range<usize>, Param, bool)],
    args: &[Word],
) -> String {
    let mut edits: Vec<(Range<usize>, String)> = Vec::new();
    for (at, param, quoted) in uses
        .iter()
        .filter(|(r, _, _)| r.start >= range.start && r.end <= range.end)
    {
        let quoted = *quoted;
        let text = match param {
            Param::One(n, default) => match args.get(n.wrapping_sub(1)) {
                Some(w) => render(w, quoted),
                None => default
                    .clone()
                    .map(|d| {
                        if quoted {
                            escape_dq(&d)
                        } else {
                            single_quote(&d)
                        }
                    })
                    .unwrap_or_else(|| if quoted { String::new() } else { "''".into() }),
            },
            Param::All(from) => args
                .get(from.saturating_sub(1).min(args.len())..)
                .unwrap_or(&[])
                .iter()
                .map(|w| render(w, quoted))
                .collect::<Vec<_>>()
                .join(" "),
            Param::Built(value) if value.start >= at.end || value.end <= at.start => {
                let built = render_range(body, value.clone(), uses, args);
                match built.strip_prefix('"').and_then(|b| b.strip_suffix('"')) {
                    Some(inner) if quoted => inner.to_string(),
                    Some(_) => built,
                    None if quoted => built,
                    None => format!("\"{built}\""),
                }
            }
            Param::Built(_) => continue,
            Param::Flag(names, eq, default) => match (flag_value(args, names, *eq), default) {
                (Some(w), _) => render(&w, quoted),
                // The call leaves the option out: the body's default holds
                // (`local method=GET` before the option loop).
                (None, Some(d)) => {
                    if quoted {
                        escape_dq(d)
                    } else {
                        single_quote(d)
                    }
                }
                (None, None) => continue,
            },
        };
        edits.push((at.start - range.start..at.end - range.start, text));
    }
    edits.sort_by_key(|(r, _)| std::cmp::Reverse(r.start));
    let mut out = body[range].to_string();
    let mut last_start = usize::MAX;
    for (r, text) in edits {
        if r.end > last_start {
            continue; // nested in an edit already made
        }
        last_start = r.start;
        out.replace_range(r, &text);
    }
    out
}

/// Where a body reads its positional parameters (parsed once per body: a
/// function is called from many steps).
fn parameters_of(body: &str) -> std::sync::Arc<Vec<(Range<usize>, Param, bool)>> {
    type Cache =
        std::sync::Mutex<HashMap<String, std::sync::Arc<Vec<(Range<usize>, Param, bool)>>>>;
    static CACHE: std::sync::LazyLock<Cache> = std::sync::LazyLock::new(Default::default);
    if let Some(hit) = CACHE.lock().ok().and_then(|c| c.get(body).cloned()) {
        return hit;
    }
    let mut state = Scan::default();
    if let Some(tree) = super::analysis::parse_tree(body) {
        scan(tree.root_node(), body, &mut state);
    }
    let uses = std::sync::Arc::new(state.uses);
    if let Ok(mut c) = CACHE.lock() {
        c.insert(body.to_string(), uses.clone());
    }
    uses
}

/// The value the call gives an option: the word after `--sql`, or the rest
/// of `--sql=VALUE`.
fn flag_value(args: &[Word], names: &[String], eq: bool) -> Option<Word> {
    for (i, w) in args.iter().enumerate() {
        if names.iter().any(|n| *n == w.text) {
            return args.get(i + 1).cloned();
        }
        if eq {
            for n in names {
                if let Some(v) = w
                    .text
                    .strip_prefix(n.as_str())
                    .and_then(|r| r.strip_prefix('='))
                {
                    let at = w.text.len() - v.len();
                    return Some(Word::pinned(
                        v.to_string(),
                        w.is_static,
                        w.span_of(at..w.text.len()),
                    ));
                }
            }
        }
    }
    None
}

/// Is this `case` item's `case` on `$1` (an option parser's)?
fn is_case_on_first_parameter(item: Node, src: &str) -> bool {
    item.parent()
        .filter(|c| c.kind() == "case_statement")
        .and_then(|c| c.child_by_field_name("value"))
        .is_some_and(|v| matches!(src[v.byte_range()].trim_matches('"'), "$1" | "${1}"))
}

/// `--sql|-s) sql=$2; shift 2 ;;` or `--sql=*) sql=${1#*=}`: remember which
/// variable holds which option. True if the item was an option's.
fn option_item(item: Node, src: &str, st: &mut Scan) -> bool {
    let mut cursor = item.walk();
    let children: Vec<Node> = item.children(&mut cursor).collect();
    let close = children.iter().position(|c| c.kind() == ")").unwrap_or(0);
    let patterns: Vec<&str> = children[..close]
        .iter()
        .map(|p| src[p.byte_range()].trim_matches(['"', '\'']))
        .filter(|p| p.starts_with('-'))
        .collect();
    if patterns.is_empty() {
        return false;
    }
    let eq = patterns.iter().any(|p| p.ends_with("=*"));
    let names: Vec<String> = patterns
        .iter()
        .map(|p| p.trim_end_matches("=*").to_string())
        .collect();
    let mut found = false;
    for c in &children[close..] {
        if c.kind() != "variable_assignment" {
            continue;
        }
        let (Some(name), Some(value)) = (
            c.child_by_field_name("name"),
            c.child_by_field_name("value"),
        ) else {
            continue;
        };
        let v = src[value.byte_range()].trim_matches('"');
        if matches!(v, "$2" | "${2}") || v.starts_with("${1#") {
            let entry = st
                .flags
                .entry(src[name.byte_range()].to_string())
                .or_insert((Vec::new(), false));
            entry.0.extend(names.iter().cloned());
            entry.1 |= eq || v.starts_with("${1#");
            found = true;
        }
    }
    found
}

/// An argument as it must be written to mean the same at the new place.
fn render(w: &Word, in_double_quotes: bool) -> String {
    match (in_double_quotes, w.is_static) {
        (true, true) => escape_dq(&w.text),
        (true, false) => w.text.clone(),
        (false, true) => single_quote(&w.text),
        (false, false) => format!("\"{}\"", w.text),
    }
}

fn escape_dq(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for ch in s.chars() {
        if matches!(ch, '"' | '\\' | '$' | '`') {
            out.push('\\');
        }
        out.push(ch);
    }
    out
}

fn single_quote(s: &str) -> String {
    if !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_./:=,@%+".contains(c))
    {
        return s.to_string();
    }
    format!("'{}'", s.replace('\'', "'\\''"))
}

#[derive(Default)]
struct Scan {
    /// `shift N` commands: (offset, N).
    shifts: Vec<(usize, usize)>,
    /// `local node="$1"`: node → positional 1 (shifts applied).
    aliases: HashMap<String, usize>,
    /// `local url="http://$1:8008$3"`: url → the value's range.
    built: HashMap<String, Range<usize>>,
    /// `case "$1" in --sql) sql=$2`: sql → the option's spellings, `=` form.
    flags: HashMap<String, (Vec<String>, bool)>,
    /// `local method=GET`: plain values assigned in the body, the defaults
    /// of options the call may leave out.
    defaults: HashMap<String, String>,
    /// Replacements: range, what, inside double quotes.
    uses: Vec<(Range<usize>, Param, bool)>,
}

impl Scan {
    fn shifted(&self, offset: usize, n: usize) -> usize {
        n + self
            .shifts
            .iter()
            .filter(|(at, _)| *at < offset)
            .map(|(_, k)| k)
            .sum::<usize>()
    }
}

fn scan(node: Node, src: &str, st: &mut Scan) {
    match node.kind() {
        "command" => {
            let name = node
                .child_by_field_name("name")
                .map(|n| &src[n.byte_range()]);
            if name == Some("shift") {
                let n = node
                    .child_by_field_name("argument")
                    .and_then(|a| src[a.byte_range()].parse().ok())
                    .unwrap_or(1);
                st.shifts.push((node.start_byte(), n));
            }
        }
        // An option parser: `while …; do case "$1" in --sql) sql=$2; shift 2 ;; …`.
        "case_item" if is_case_on_first_parameter(node, src) => {
            if option_item(node, src, st) {
                return;
            }
        }
        "variable_assignment" => {
            // `local node="$1"`: later `$node` is the call's first argument.
            if let (Some(name), Some(value)) = (
                node.child_by_field_name("name"),
                node.child_by_field_name("value"),
            ) {
                let v = &src[value.byte_range()];
                let digits = v
                    .trim_matches('"')
                    .trim_start_matches("${")
                    .trim_start_matches('$')
                    .trim_end_matches('}');
                if v.trim_matches('"').starts_with('$')
                    && !digits.is_empty()
                    && digits.chars().all(|c| c.is_ascii_digit())
                {
                    if let Ok(n) = digits.parse::<usize>() {
                        let k = st.shifted(node.start_byte(), n);
                        st.aliases.insert(src[name.byte_range()].to_string(), k);
                        // The alias's own value needs no substitution.
                        return;
                    }
                }
                if matches!(value.kind(), "word" | "raw_string" | "number")
                    || (value.kind() == "string"
                        && value.named_child_count() <= 1
                        && !v.contains('$'))
                {
                    let plain = v.trim_matches(['"', '\'']).to_string();
                    st.defaults
                        .insert(src[name.byte_range()].to_string(), plain);
                }
                // A value built from parameters: scan it, and remember it.
                let before = st.uses.len();
                scan(value, src, st);
                if st.uses.len() > before {
                    st.built
                        .insert(src[name.byte_range()].to_string(), value.byte_range());
                }
                return;
            }
        }
        "simple_expansion" | "expansion" => {
            if let Some(param) = parameter(node, src, st) {
                let quoted_parent = node_parent_is_string(node);
                let start = node.start_byte() + src[node.byte_range()].find('$').unwrap_or(0);
                let mut range = start..node.end_byte();
                let mut quoted = quoted_parent;
                // `"$@"` alone in its quotes: the arguments as separate words.
                if let (Param::All(_), Some(string)) =
                    (&param, node.parent().filter(|p| p.kind() == "string"))
                {
                    // The string holds nothing but this expansion.
                    let whole = &src[string.byte_range()];
                    if whole.len() == node.byte_range().len() + 2 {
                        range = string.byte_range();
                        quoted = false;
                    }
                }
                st.uses.push((range, param, quoted));
                return;
            }
        }
        _ => {}
    }
    let mut cursor = node.walk();
    for child in node.children(&mut cursor) {
        scan(child, src, st);
    }
}

fn node_parent_is_string(node: Node) -> bool {
    node.parent().is_some_and(|p| p.kind() == "string")
}

/// The positional parameter an expansion reads, if any.
fn parameter(node: Node, src: &str, st: &Scan) -> Option<Param> {
    let mut cursor = node.walk();
    let children: Vec<Node> = node.children(&mut cursor).collect();
    let name = children
        .iter()
        .find(|c| matches!(c.kind(), "variable_name" | "special_variable_name"))?;
    let text = &src[name.byte_range()];
    let offset = node.start_byte();
    // `${@:2}`: the arguments from the second on.
    let whole = &src[node.byte_range()];
    if let Some(rest) = whole
        .strip_prefix("${@:")
        .or_else(|| whole.strip_prefix("${*:"))
    {
        let n: String = rest.chars().take_while(char::is_ascii_digit).collect();
        return n
            .parse::<usize>()
            .ok()
            .map(|n| Param::All(st.shifted(offset, n.max(1))));
    }
    // Only plain `${X}` and `${X:-default}` / `${X-default}` are followed.
    let default = match node.child_by_field_name("operator") {
        Some(op) if matches!(op.kind(), ":-" | "-") => {
            let after = op.next_sibling().filter(|a| a.kind() != "}");
            Some(
                after
                    .map(|a| src[a.byte_range()].trim_matches(['"', '\'']).to_string())
                    .unwrap_or_default(),
            )
        }
        Some(_) => return None,
        None if children.len() > 4 => return None, // `${X:0:1}`, `${#X}` and the like
        None => None,
    };
    if text == "@" || text == "*" {
        return Some(Param::All(st.shifted(offset, 1)));
    }
    if let Ok(n) = text.parse::<usize>() {
        return (n > 0).then(|| Param::One(st.shifted(offset, n), default));
    }
    if let Some((names, eq)) = st.flags.get(text) {
        return Some(Param::Flag(
            names.clone(),
            *eq,
            st.defaults.get(text).cloned(),
        ));
    }
    if let Some(k) = st.aliases.get(text) {
        return Some(Param::One(*k, default));
    }
    st.built.get(text).map(|r| Param::Built(r.clone()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(text: &str) -> Vec<Word> {
        commands(&format!("f {text}")).commands[0].args.clone()
    }

    #[test]
    fn positional_parameters_aliases_and_shift() {
        let body = "local node=\"$1\" action=\"$2\"\nshift 2\nnode_run \"$node\" \"systemctl $action $*\"\n";
        let out = substitute(body, &args("\"$N\" stop etcd patroni"));
        assert!(
            out.contains("node_run \"$N\" \"systemctl stop etcd patroni\""),
            "{out}"
        );
    }

    #[test]
    fn all_arguments_as_words() {
        let out = substitute(
            "psql -h \"$H\" -p 5000 \"$@\"",
            &args("-U app -c 'DELETE FROM t'"),
        );
        assert_eq!(out, "psql -h \"$H\" -p 5000 -U app -c 'DELETE FROM t'");
    }

    #[test]
    fn forwarded_slices_and_built_values() {
        let out = substitute(
            "docker exec -i \"$1\" patronictl -c \"$C\" \"${@:2}\"",
            &args("pg2 failover x --force"),
        );
        assert_eq!(
            out,
            "docker exec -i \"pg2\" patronictl -c \"$C\" failover x --force"
        );
        let out = substitute(
            "local url=\"http://$1:8008$3\"\ncurl -s -X \"$2\" \"$url\"",
            &args("pg2 POST /failover"),
        );
        assert!(
            out.ends_with("curl -s -X \"POST\" \"http://pg2:8008/failover\""),
            "{out}"
        );
    }

    #[test]
    fn options_the_body_parses() {
        let body = "local host=\"\" sql=\"\" port=5432\nwhile [[ $# -gt 0 ]]; do\n  case \"$1\" in\n    --host|-h) host=$2; shift 2 ;;\n    --sql=*) sql=${1#*=}; shift ;;\n    --sql) sql=\"$2\"; shift 2 ;;\n    --port) port=$2; shift 2 ;;\n    *) shift ;;\n  esac\ndone\npsql -h \"$host\" -p \"$port\" -c \"$sql\"\n";
        let out = substitute(body, &args("--host db1 --sql 'SELECT pg_promote()'"));
        assert!(
            out.ends_with("psql -h \"db1\" -p \"5432\" -c \"SELECT pg_promote()\"\n"),
            "{out}"
        );
        let out = substitute(body, &args("-h db1 --sql='DELETE FROM t'"));
        assert!(out.contains("-c \"DELETE FROM t\""), "{out}");
        // An option left out keeps the body's default.
        assert!(out.contains("-p \"5432\""), "{out}");
    }

    #[test]
    fn calls_are_expanded_and_reported_at_the_call() {
        let bodies = |name: &str| {
            match name {
            "node_run" => Some("ssh -o BatchMode=yes \"$1\" \"$2\"".to_string()),
            "node_service" => Some("local node=\"$1\" action=\"$2\"\nshift 2\nnode_run \"$node\" \"systemctl $action $*\"".to_string()),
            _ => None,
        }
        };
        let text = "node_service \"$FAILED\" stop etcd";
        let all = expanded_commands(text, &bodies);
        let stop = all
            .iter()
            .find(|c| c.name() == "systemctl")
            .expect("expanded");
        assert_eq!(stop.display(), "systemctl stop etcd");
        assert_eq!(stop.via, ["node_service", "node_run", "ssh"]);
        assert_eq!(&text[stop.args[0].range.clone()], "node_service");
    }
}
#[cfg(test)]
mod stdin_tests {
    use super::*;
    #[test]
    fn heredoc_into_a_function_that_runs_a_remote_shell() {
        let bodies = |name: &str| {
            (name == "on_node").then(|| "ssh -o BatchMode=yes \"$1\" sudo bash -s\n".to_string())
        };
        let text = "on_node \"$N\" <<'EOF'\nrm -rf /srv/pgwal/billing\nEOF\n";
        let all = expanded_commands(text, &bodies);
        let names: Vec<String> = all
            .iter()
            .map(|c| format!("{} via {:?}", c.display(), c.via))
            .collect();
        assert!(all.iter().any(|c| c.name() == "rm"), "{names:?}");
    }
}
