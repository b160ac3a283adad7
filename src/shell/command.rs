//! The command model: every simple command a piece of bash runs, with its
//! name, its argument words as the shell passes them, the text it reads on
//! standard input, and the exact span of each word.
//!
//! Rules ask "does this text run `patronictl failover`?" of this model,
//! never of lines of text, so a command wrapped with `\` over several lines,
//! run through `ssh host "…"`, `sudo -u postgres …`, `kubectl exec … -- …` or
//! `bash -c '…'`, or fed SQL by a heredoc is seen for what it is; and a
//! command that is only mentioned — in a comment, in the arguments of `echo`,
//! inside single quotes or an awk program — is not a command at all, because
//! tree-sitter-bash does not parse it as one.
//!
//! Spans are byte ranges in the analysed text. Words that come from inside a
//! quoted string (the command `ssh` runs remotely) keep exact spans too: the
//! string's content is unescaped with a map from each byte back to the
//! original text, parsed again, and the inner spans are mapped back.

use std::ops::Range;
use std::sync::Arc;
use tree_sitter::Node;

pub use super::model::{Assignment, Command, CommandModel, Word};

/// Parse `text` (cached per distinct text, like the variable analysis).
pub fn commands(text: &str) -> Arc<CommandModel> {
    static CACHE: std::sync::LazyLock<
        std::sync::Mutex<std::collections::HashMap<String, Arc<CommandModel>>>,
    > = std::sync::LazyLock::new(Default::default);
    if let Some(hit) = CACHE.lock().ok().and_then(|c| c.get(text).cloned()) {
        return hit;
    }
    let model = Arc::new(model_of(text, super::analysis::shared_tree(text), 0));
    if let Ok(mut c) = CACHE.lock() {
        c.insert(text.to_string(), model.clone());
    }
    model
}

/// How deep `ssh host "bash -c '…'"` nesting is followed.
const MAX_NESTING: usize = 6;

pub fn commands_uncached(text: &str) -> CommandModel {
    parse(text, 0)
}

/// The commands of `text` when it reads `stdin` (a function body called with
/// a heredoc): commands that read no input of their own get it, before the
/// commands they run are followed (`ssh "$1" sudo bash -s`).
pub fn commands_with_stdin(text: &str, stdin: &[Word]) -> CommandModel {
    let mut model = CommandModel::default();
    let found = simple_commands(
        text,
        super::analysis::parse_tree(text),
        &mut model.assignments,
    );
    for mut c in found {
        if c.stdin.is_empty() {
            c.stdin = stdin.to_vec();
        }
        push_with_wrapped(c, 0, &mut model);
    }
    model.commands.sort_by_key(|c| (c.range.start, c.via.len()));
    model
}

fn parse(text: &str, depth: usize) -> CommandModel {
    model_of(text, super::analysis::parse_tree(text), depth)
}

fn model_of(text: &str, tree: Option<tree_sitter::Tree>, depth: usize) -> CommandModel {
    let mut model = CommandModel::default();
    let found = simple_commands(text, tree, &mut model.assignments);
    for c in found {
        push_with_wrapped(c, depth, &mut model);
    }
    model.commands.sort_by_key(|c| (c.range.start, c.via.len()));
    model
}

/// The simple commands of a text as written, wrappers not yet followed.
fn simple_commands(
    text: &str,
    tree: Option<tree_sitter::Tree>,
    assignments: &mut Vec<Assignment>,
) -> Vec<Command> {
    let Some(tree) = tree else {
        return Vec::new();
    };
    let mut found = Vec::new();
    let mut pipelines = Vec::new();
    collect(
        tree.root_node(),
        text,
        &mut found,
        assignments,
        &mut pipelines,
    );
    // Text piped in by `echo`/`printf` is the next command's standard input.
    for pipeline in pipelines {
        attach_pipe(pipeline, &mut found);
    }
    found
}

/// Add `c` and, when it runs another command (`ssh`, `sudo`, `bash -c`),
/// that command too.
fn push_with_wrapped(c: Command, depth: usize, model: &mut CommandModel) {
    let inner = if depth < MAX_NESTING {
        super::wrappers::unwrap(&c)
    } else {
        Vec::new()
    };
    model.commands.push(c.clone());
    for w in inner {
        match w {
            super::wrappers::Inner::Command(mut cmd) => {
                cmd.via.insert(0, super::wrappers::label(&c));
                for v in c.via.iter().rev() {
                    cmd.via.insert(0, v.clone());
                }
                push_with_wrapped(cmd, depth + 1, model);
            }
            super::wrappers::Inner::Script(word) => {
                let mut assignments = Vec::new();
                let nested = simple_commands(
                    &word.text,
                    super::analysis::parse_tree(&word.text),
                    &mut assignments,
                );
                for a in assignments {
                    model.assignments.push(remap_assignment(a, &word));
                }
                // `ssh host bash <<'EOF'`: what the wrapper reads on standard
                // input, the command it runs reads (unless that input is the
                // script itself, as in `bash <<'EOF'`). Given before the
                // inner command's own wrappers are followed.
                let passes_stdin = c.stdin.first() != Some(&word);
                for mut cmd in nested {
                    remap_command(&mut cmd, &word);
                    if passes_stdin && cmd.stdin.is_empty() {
                        cmd.stdin = c.stdin.clone();
                    }
                    let mut via: Vec<String> = c.via.clone();
                    via.push(super::wrappers::label(&c));
                    cmd.via = via;
                    push_with_wrapped(cmd, depth + 1, model);
                }
            }
        }
    }
}

fn remap_assignment(mut a: Assignment, outer: &Word) -> Assignment {
    a.name_range = outer.span_of(a.name_range.clone());
    if let Some(v) = &mut a.value {
        v.remap(outer);
    }
    a
}

fn remap_command(c: &mut Command, outer: &Word) {
    c.range = outer.span_of(c.range.clone());
    c.name.remap(outer);
    for w in c.args.iter_mut().chain(c.stdin.iter_mut()) {
        w.remap(outer);
    }
    for a in &mut c.assignments {
        *a = remap_assignment(a.clone(), outer);
    }
}

/// Every simple command and assignment under `node`, in source order; the
/// pipelines met on the way are noted for `attach_pipe` (one walk of the
/// tree, not two: walking it is most of the command model's cost).
fn collect<'t>(
    node: Node<'t>,
    src: &str,
    out: &mut Vec<Command>,
    assignments: &mut Vec<Assignment>,
    pipelines: &mut Vec<Node<'t>>,
) {
    match node.kind() {
        "pipeline" => pipelines.push(node),
        "command" => {
            if let Some(c) = command(node, src, assignments) {
                out.push(c);
            }
        }
        "variable_assignment" => {
            // Standalone, or in `export`/`local` (prefix assignments are
            // taken by `command`, which does not descend into them here).
            if let Some(a) = assignment(node, src) {
                assignments.push(a);
            }
        }
        "heredoc_body" => return,
        _ => {}
    }
    // Named children only: anonymous nodes are literal tokens (leaves).
    let is_command = node.kind() == "command";
    let mut cursor = node.walk();
    for child in node.named_children(&mut cursor) {
        if is_command && child.kind() == "variable_assignment" {
            // Prefix assignments were recorded by `command`; their values
            // may still hold command substitutions.
            if let Some(v) = child.child_by_field_name("value") {
                collect(v, src, out, assignments, pipelines);
            }
            continue;
        }
        collect(child, src, out, assignments, pipelines);
    }
    if node.kind() == "redirected_statement" {
        attach_heredocs(node, src, out);
    }
}

fn command(node: Node, src: &str, assignments: &mut Vec<Assignment>) -> Option<Command> {
    let name_node = node.child_by_field_name("name")?;
    let name = word(name_node.child(0).unwrap_or(name_node), src);
    let mut cursor = node.walk();
    let args = node
        .children_by_field_name("argument", &mut cursor)
        .map(|a| word(a, src))
        .collect();
    let mut prefix = Vec::new();
    let mut stdin = Vec::new();
    let mut cursor = node.walk();
    for child in node.children(&mut cursor) {
        match child.kind() {
            "variable_assignment" => {
                if let Some(a) = assignment(child, src) {
                    assignments.push(a.clone());
                    prefix.push(a);
                }
            }
            "herestring_redirect" => {
                if let Some(s) = child.named_child(0) {
                    stdin.push(word(s, src));
                }
            }
            _ => {}
        }
    }
    Some(Command {
        name,
        args,
        assignments: prefix,
        stdin,
        range: node.byte_range(),
        via: Vec::new(),
    })
}

fn assignment(node: Node, src: &str) -> Option<Assignment> {
    let name = node.child_by_field_name("name")?;
    if name.kind() != "variable_name" {
        return None; // `a[1]=x`
    }
    Some(Assignment {
        name: src[name.byte_range()].to_string(),
        name_range: name.byte_range(),
        value: node.child_by_field_name("value").map(|v| word(v, src)),
    })
}

/// A heredoc belongs to the command just before its `<<`.
fn attach_heredocs(stmt: Node, src: &str, out: &mut [Command]) {
    let mut cursor = stmt.walk();
    for redirect in stmt.children(&mut cursor) {
        if redirect.kind() != "heredoc_redirect" {
            continue;
        }
        let mut c2 = redirect.walk();
        let Some(body) = redirect
            .children(&mut c2)
            .find(|n| n.kind() == "heredoc_body")
        else {
            continue;
        };
        let mut c3 = redirect.walk();
        let quoted = redirect
            .children(&mut c3)
            .find(|n| n.kind() == "heredoc_start")
            .is_some_and(|s| {
                let t = &src[s.byte_range()];
                t.contains(['\'', '"', '\\'])
            });
        let at = redirect.start_byte();
        let target = out
            .iter_mut()
            .filter(|c| c.range.end <= at && c.range.start >= stmt.start_byte())
            .max_by_key(|c| c.range.end);
        if let Some(c) = target {
            let range = body.byte_range();
            let text = src[range.clone()].to_string();
            let is_static = quoted || !has_expansion(body);
            c.stdin.push(Word::new(
                text,
                is_static,
                range.clone(),
                range
                    .collect::<Vec<_>>()
                    .into_iter()
                    .chain(std::iter::once(body.end_byte()))
                    .collect(),
            ));
        }
    }
}

fn has_expansion(node: Node) -> bool {
    let mut cursor = node.walk();
    let found = node.children(&mut cursor).any(|c| {
        matches!(
            c.kind(),
            "simple_expansion" | "expansion" | "command_substitution" | "arithmetic_expansion"
        ) || has_expansion(c)
    });
    found
}

/// `echo "SELECT 1" | psql`: the echoed text is psql's standard input.
fn attach_pipe(node: Node, out: &mut [Command]) {
    let mut cursor = node.walk();
    let mut stages: Vec<Node> = node
        .named_children(&mut cursor)
        .map(|n| {
            if n.kind() == "redirected_statement" {
                n.child_by_field_name("body").unwrap_or(n)
            } else {
                n
            }
        })
        .filter(|n| n.kind() == "command")
        .collect();
    // `cat <<'SQL' | ssh host psql`: tree-sitter-bash puts the rest of
    // the pipeline inside the heredoc redirect; its first stage is the
    // command the heredoc belongs to.
    if let Some(redirect) = node.parent().filter(|p| p.kind() == "heredoc_redirect") {
        let first = redirect
            .parent()
            .and_then(|stmt| stmt.child_by_field_name("body"))
            .filter(|b| b.kind() == "command");
        if let Some(first) = first {
            stages.insert(0, first);
        }
    }
    for pair in stages.windows(2) {
        let (left, right) = (pair[0].byte_range(), pair[1].byte_range());
        let text = out
            .iter()
            .find(|c| c.range == left && c.via.is_empty())
            .map(piped_text)
            .unwrap_or_default();
        if let Some(reader) = out.iter_mut().find(|c| c.range == right) {
            reader.stdin.extend(text);
        }
    }
}

/// The text a command writes when it only passes text on: the first text
/// argument of `echo`/`printf`, or what a bare `cat` reads (`cat <<'SQL' |
/// ssh host psql`).
fn piped_text(c: &Command) -> Vec<Word> {
    match c.name() {
        "echo" => c
            .args
            .iter()
            .find(|w| !w.text.starts_with('-'))
            .cloned()
            .into_iter()
            .collect(),
        // `printf '%s\n' "DROP TABLE t;"`: the arguments a format prints.
        "printf" => {
            let mut args = c.args.iter().filter(|w| !w.text.starts_with('-'));
            match args.next() {
                Some(format) if format.text.contains('%') => args.cloned().collect(),
                Some(format) => vec![format.clone()],
                None => Vec::new(),
            }
        }
        "cat" if c.args.iter().all(|w| w.text.starts_with('-')) => c.stdin.clone(),
        _ => Vec::new(),
    }
}

/// A word node as the command receives it.
fn word(node: Node, src: &str) -> Word {
    let mut text = String::new();
    let mut offsets = Vec::new();
    let mut is_static = true;
    unquote(node, src, &mut text, &mut offsets, &mut is_static);
    offsets.push(node.end_byte());
    Word::new(text, is_static, node.byte_range(), offsets)
}

/// `i`, or the start of the character it falls inside: tree-sitter's error
/// recovery can end a node (an unterminated string) inside a character.
fn char_floor(src: &str, mut i: usize) -> usize {
    i = i.min(src.len());
    while !src.is_char_boundary(i) {
        i -= 1;
    }
    i
}

fn push_raw(src: &str, range: Range<usize>, text: &mut String, offsets: &mut Vec<usize>) {
    let range = char_floor(src, range.start)..char_floor(src, range.end);
    if range.start >= range.end {
        return;
    }
    text.push_str(&src[range.clone()]);
    offsets.extend(range);
}

fn unquote(
    node: Node,
    src: &str,
    text: &mut String,
    offsets: &mut Vec<usize>,
    is_static: &mut bool,
) {
    let range = node.byte_range();
    let raw = &src[range.clone()];
    match node.kind() {
        "raw_string" => {
            // '…': everything between the quotes, as is.
            let inner = range.start + 1..range.end.saturating_sub(1).max(range.start + 1);
            push_raw(src, inner, text, offsets);
        }
        "ansi_c_string" => {
            // $'…': escapes are rare in runbooks; keep the text between the quotes.
            let inner = range.start + 2..range.end.saturating_sub(1).max(range.start + 2);
            push_raw(src, inner, text, offsets);
        }
        "string" => {
            // "…": backslash escapes only before $ ` " \ and newline.
            let inner = range.start + 1..range.end.saturating_sub(1).max(range.start + 1);
            if has_expansion(node) {
                *is_static = false;
            }
            unescape(src, inner, b"$`\"\\\n", text, offsets);
        }
        "word" | "number" => unescape(src, range, b"", text, offsets),
        "concatenation" => {
            let mut cursor = node.walk();
            let children: Vec<Node> = node.children(&mut cursor).collect();
            let mut at = range.start;
            for child in children {
                // Unparsed glue between parts (rare) is kept as written.
                if child.start_byte() > at {
                    push_raw(src, at..child.start_byte(), text, offsets);
                }
                unquote(child, src, text, offsets, is_static);
                at = child.end_byte();
            }
            if at < range.end {
                push_raw(src, at..range.end, text, offsets);
            }
        }
        _ => {
            // Expansions and anything dynamic: kept as written.
            if !raw.is_empty() {
                *is_static = false;
            }
            push_raw(src, range, text, offsets);
        }
    }
}

/// Copy `range`, dropping a backslash before any of `special` (every
/// character when `special` is empty, as outside quotes). A backslash-newline
/// is a line continuation and disappears.
fn unescape(
    src: &str,
    range: Range<usize>,
    special: &[u8],
    text: &mut String,
    offsets: &mut Vec<usize>,
) {
    let range = char_floor(src, range.start)..char_floor(src, range.end);
    let bytes = src.as_bytes();
    let mut i = range.start;
    while i < range.end {
        if bytes[i] == b'\\' && i + 1 < range.end {
            let next = bytes[i + 1];
            if next == b'\n' {
                i += 2;
                continue;
            }
            if special.is_empty() || special.contains(&next) {
                i += 1;
            }
        }
        let ch_len = src[i..].chars().next().map_or(1, char::len_utf8);
        let end = (i + ch_len).min(range.end);
        push_raw(src, i..end, text, offsets);
        i = end;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(text: &str) -> Vec<String> {
        commands_uncached(text)
            .commands
            .iter()
            .map(|c| c.display())
            .collect()
    }

    #[test]
    fn continuation_lines_are_one_command() {
        let t = "patronictl -c \"$C\" \\\n  switchover --master a --force # failover here\n";
        let m = commands_uncached(t);
        assert_eq!(m.commands.len(), 1);
        let c = &m.commands[0];
        assert_eq!(
            c.display(),
            "patronictl -c $C switchover --master a --force"
        );
        let master = c.option_word("--master").unwrap();
        assert_eq!(&t[master.range.clone()], "--master");
    }

    #[test]
    fn mentions_are_not_commands() {
        let t = "echo \"never run patronictl failover\"\n# patronictl failover\nawk '{print \"rm -rf\"}' f\n";
        assert_eq!(
            names(t),
            [
                "echo never run patronictl failover",
                "awk {print \"rm -rf\"} f"
            ]
        );
    }

    #[test]
    fn heredoc_bodies_are_the_commands_stdin() {
        let t = "x=1 && psql -h h <<'SQL' | tee out\nDROP TABLE x;\nSQL\n";
        let m = commands_uncached(t);
        let psql = m.commands.iter().find(|c| c.name() == "psql").unwrap();
        assert_eq!(psql.stdin[0].text, "DROP TABLE x;\n");
        let at = psql.stdin[0].span_of(0..4);
        assert_eq!(&t[at], "DROP");
        assert!(m.commands.iter().any(|c| c.name() == "tee"));
    }

    #[test]
    fn echo_piped_into_psql_is_its_stdin() {
        let t = "echo \"SELECT pg_promote();\" | psql -U postgres\n";
        let m = commands_uncached(t);
        let psql = m.commands.iter().find(|c| c.name() == "psql").unwrap();
        assert_eq!(psql.stdin[0].text, "SELECT pg_promote();");
    }

    #[test]
    fn a_wrappers_stdin_reaches_the_command_it_runs() {
        for t in [
            "ssh \"$H\" \"sudo -u postgres psql -X\" <<'SQL'\nSELECT pg_promote();\nSQL\n",
            "cat <<'SQL' | ssh \"$H\" psql\nSELECT pg_promote();\nSQL\n",
        ] {
            let m = commands_uncached(t);
            let psql = m.commands.iter().find(|c| c.name() == "psql").unwrap();
            assert_eq!(psql.stdin.len(), 1, "{t}");
            assert_eq!(&t[psql.stdin[0].span_of(7..17)], "pg_promote", "{t}");
        }
    }

    #[test]
    fn ssh_strings_are_parsed_with_exact_spans() {
        let t = "ssh -o BatchMode=yes \"$H\" \"systemctl stop \\\"etcd\\\" && rm -rf \\$X/data\"\n";
        let m = commands_uncached(t);
        let inner: Vec<_> = m.commands.iter().filter(|c| c.via == ["ssh"]).collect();
        assert_eq!(inner.len(), 2, "{:?}", m.commands);
        assert_eq!(inner[0].display(), "systemctl stop etcd");
        assert_eq!(&t[inner[0].args[0].range.clone()], "stop");
        assert_eq!(inner[1].name(), "rm");
        assert_eq!(&t[inner[1].name.range.clone()], "rm");
    }

    #[test]
    fn wrappers_are_followed() {
        let t = "kubectl exec -n db \"$POD\" -c postgres -- patronictl failover --force\nsudo -iu postgres psql -c 'DROP TABLE t'\nsu - postgres -c \"pg_ctl promote -D /d\"\n";
        let m = commands_uncached(t);
        let shown: Vec<_> = m
            .commands
            .iter()
            .map(|c| (c.via.join(">"), c.display()))
            .collect();
        assert!(
            shown.contains(&("kubectl exec".into(), "patronictl failover --force".into())),
            "{shown:?}"
        );
        assert!(
            shown.contains(&("sudo".into(), "psql -c DROP TABLE t".into())),
            "{shown:?}"
        );
        assert!(
            shown.contains(&("su".into(), "pg_ctl promote -D /d".into())),
            "{shown:?}"
        );
    }

    #[test]
    fn option_values_in_every_spelling() {
        for t in [
            "curl -XPATCH u",
            "curl -X PATCH u",
            "curl --request PATCH u",
            "curl --request=PATCH u",
        ] {
            let m = commands_uncached(t);
            let v = m.commands[0].option_values(&["-X", "--request"]);
            let (w, r) = &v[0];
            assert_eq!(&w.text[r.clone()], "PATCH", "{t}");
        }
    }

    #[test]
    fn an_unterminated_string_ending_in_a_wide_character_does_not_panic() {
        // Found by the fuzzer: the string's closing quote is missing, and
        // "one byte before the end" fell inside `ɠ`.
        let t = "patronictl -c \"$PATRONI_CONF\" list \"$DCɠ";
        let m = commands_uncached(t);
        assert!(m.commands.iter().any(|c| c.name() == "patronictl"));
    }

    #[test]
    fn remote_shells_and_their_scripts() {
        for (t, want) in [
            (
                "ssh \"$H\" bash <<'EOF'\nsystemctl reload patroni\nEOF\n",
                "systemctl reload patroni",
            ),
            (
                "ssh \"$H\" bash -s -- \"$S\" <<'EOF'\nsystemctl reload patroni\nEOF\n",
                "systemctl reload patroni",
            ),
            (
                "ssh \"$H\" sudo su - postgres <<'EOF'\npg_ctl promote -D /d\nEOF\n",
                "pg_ctl promote -D /d",
            ),
            (
                "cat <<'EOF' | ssh \"$H\" bash\nsystemctl reload patroni\nEOF\n",
                "systemctl reload patroni",
            ),
            (
                "ssh \"$H\" -- sudo pkill -9 -f postgres",
                "pkill -9 -f postgres",
            ),
            (
                "ssh \"$H\" sudo su - postgres -c \"'pg_ctlcluster 14 main promote'\"",
                "pg_ctlcluster 14 main promote",
            ),
            (
                "runuser -u postgres -- psql -XAtc 'SELECT 1'",
                "psql -XAtc SELECT 1",
            ),
        ] {
            let m = commands_uncached(t);
            assert!(
                m.commands.iter().any(|c| c.display() == want),
                "{t}: {:?}",
                m.commands.iter().map(|c| c.display()).collect::<Vec<_>>()
            );
        }
        let t = "ssh h sudo systemctl stop etcd";
        let m = commands_uncached(t);
        let stop = m.commands.iter().find(|c| c.name() == "systemctl").unwrap();
        assert_eq!(&t[stop.args[0].range.clone()], "stop");
    }

    #[test]
    fn bundled_flags_before_an_option_with_a_value() {
        for t in [
            "psql -XAtc 'DROP TABLE t'",
            "psql -tAc \"DROP TABLE t\"",
            "psql -c 'DROP TABLE t'",
        ] {
            let m = commands_uncached(t);
            let v = m.commands[0].option_values(&["-c", "--command"]);
            assert_eq!(v.len(), 1, "{t}");
            assert_eq!(v[0].0.text, "DROP TABLE t", "{t}");
        }
    }

    #[test]
    fn prefix_assignments_are_recorded() {
        let t = "PGPASSWORD=admin psql -h x\nexport TOKEN='abc'\n";
        let m = commands_uncached(t);
        let names: Vec<_> = m.assignments.iter().map(|a| a.name.as_str()).collect();
        assert_eq!(names, ["PGPASSWORD", "TOKEN"]);
        assert_eq!(
            m.commands[0].assignments[0].value.as_ref().unwrap().text,
            "admin"
        );
    }
}
