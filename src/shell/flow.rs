//! How control and values flow through one text, as far as the rules that
//! follow values need: polling loops and how they end, prompts that wait for
//! a person, values that come from a command's output or from `read`, and
//! the checks that a value is not empty.
//!
//! Read from tree-sitter-bash's tree and the command model, never from the
//! text by pattern: a `for` in a comment or an `echo` is not a loop.

use super::command::{Command, commands};
use std::ops::Range;
use tree_sitter::Node;

/// A loop that polls: it sleeps between tries and `break`s out on success.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Poll {
    /// `for`, `while` or `until`: where the loop starts.
    pub keyword: Range<usize>,
    /// The whole loop.
    pub range: Range<usize>,
    /// After the last try the loop ends as if it had succeeded, and nothing
    /// after it fails the run.
    pub falls_through: bool,
}

/// Every polling loop of `text`.
pub fn polls(text: &str) -> Vec<Poll> {
    let Some(tree) = super::analysis::parse_tree(text) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    walk(tree.root_node(), &mut |node| {
        if let Some(p) = poll(node, text) {
            out.push(p);
        }
    });
    out
}

/// `select` menus: they wait for a person at the terminal.
pub fn selects(text: &str) -> Vec<Range<usize>> {
    let Some(tree) = super::analysis::parse_tree(text) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    walk(tree.root_node(), &mut |node| {
        if node.kind() == "for_statement" {
            if let Some(first) = node.child(0) {
                if &text[first.byte_range()] == "select" {
                    out.push(first.byte_range());
                }
            }
        }
    });
    out
}

fn walk<'t>(node: Node<'t>, f: &mut dyn FnMut(Node<'t>)) {
    f(node);
    let mut cursor = node.walk();
    for child in node.children(&mut cursor) {
        walk(child, f);
    }
}

fn poll(node: Node, text: &str) -> Option<Poll> {
    let kind = node.kind();
    if !matches!(
        kind,
        "for_statement" | "c_style_for_statement" | "while_statement"
    ) {
        return None;
    }
    let keyword = node.child(0)?;
    if &text[keyword.byte_range()] == "select" {
        return None;
    }
    let body = node.child_by_field_name("body")?;
    let names = command_names(body, text);
    if !names.iter().any(|n| n == "sleep") || !names.iter().any(|n| n == "break") {
        return None;
    }
    // A `while`/`until` loop ends without success only when its condition
    // counts tries (`while [ "$i" -lt 30 ]`); `until check` or `while true`
    // ends by succeeding (or never: a step timeout is what bounds it).
    if kind == "while_statement" {
        let condition = node.child_by_field_name("condition")?;
        let cond = &text[condition.byte_range()];
        let counts = ["-lt", "-le", "-gt", "-ge", "-ne", "-eq", "((", "<", ">"]
            .iter()
            .any(|op| cond.contains(op));
        if !counts {
            return None;
        }
    }
    let fails_inside = fails(body, text);
    let falls_through = !fails_inside && !failure_follows(node, text);
    Some(Poll {
        keyword: keyword.byte_range(),
        range: node.byte_range(),
        falls_through,
    })
}

/// Names of the simple commands under `node` (not inside nested loops'
/// own bodies? they count too: a `break` there breaks the inner loop, but a
/// nested poll is rare enough not to matter).
fn command_names(node: Node, text: &str) -> Vec<String> {
    let mut out = Vec::new();
    walk(node, &mut |n| {
        if n.kind() == "command_name" {
            out.push(text[n.byte_range()].to_string());
        } else if n.kind() == "command" && n.child_by_field_name("name").is_none() {
            // `break` alone parses as a command whose name is a word too;
            // nothing to add.
        }
    });
    out
}

/// Does `node` hold a command that fails the step: `exit N`/`return N`
/// with N not 0, `false`, or a function whose name says it dies?
fn fails(node: Node, text: &str) -> bool {
    let mut found = false;
    walk(node, &mut |n| {
        if n.kind() != "command" || found {
            return;
        }
        let Some(name) = n.child_by_field_name("name") else {
            return;
        };
        let name = &text[name.byte_range()];
        let args: Vec<&str> = {
            let mut cursor = n.walk();
            n.children_by_field_name("argument", &mut cursor)
                .map(|a| &text[a.byte_range()])
                .collect()
        };
        found = match name {
            "exit" | "return" => args.first().is_none_or(|a| *a != "0"),
            "false" => true,
            _ => {
                let lower = name.to_ascii_lowercase();
                lower.contains("die") || lower.contains("fail") || lower.contains("abort")
            }
        };
        // `exit` with no argument returns the last status: after a failed
        // check that is a failure; count it.
    });
    found
}

/// Is the loop followed by a failure: `loop || exit 1`, or a next statement
/// in the same list that fails (`[ "$ok" ] || exit 1`, `if …; then exit 1; fi`)?
fn failure_follows(node: Node, text: &str) -> bool {
    let mut current = node;
    while let Some(parent) = current.parent() {
        match parent.kind() {
            // `for …; done || exit 1`
            "list" => {
                let mut cursor = parent.walk();
                let after: Vec<Node> = parent
                    .children(&mut cursor)
                    .skip_while(|c| c.id() != current.id())
                    .skip(1)
                    .collect();
                if after.iter().any(|c| c.kind() == "||") && after.iter().any(|c| fails(*c, text)) {
                    return true;
                }
            }
            "redirected_statement" | "pipeline" | "negated_command" => {}
            _ => {
                // A later statement of this block that fails, or a test as
                // the block's last statement (its status is the step's).
                let mut sibling = current.next_named_sibling();
                let mut last = None;
                while let Some(s) = sibling {
                    if s.kind() != "comment" {
                        if fails(s, text) {
                            return true;
                        }
                        last = Some(s);
                    }
                    sibling = s.next_named_sibling();
                }
                return last.is_some_and(|l| is_test(l, text));
            }
        }
        current = parent;
    }
    false
}

/// `[ … ]`, `[[ … ]]` or `test …`: a statement whose status is a check.
fn is_test(node: Node, text: &str) -> bool {
    node.kind() == "test_command"
        || (node.kind() == "command"
            && node
                .child_by_field_name("name")
                .is_some_and(|n| matches!(&text[n.byte_range()], "[" | "test" | "[[")))
}

/// Where a value comes from, when it can be empty or anything at run time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    /// `X=$(…)` or `` X=`…` ``: a command's output (empty when nothing matched).
    Output,
    /// `read X`: whatever was typed or piped.
    Read,
    /// `select X in …`: empty when the choice typed is not on the menu.
    Select,
}

/// A variable given a value that may be empty at run time.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sourced {
    pub name: String,
    /// The assignment (or the `read`).
    pub at: Range<usize>,
    pub source: Source,
}

/// Variables of `text` set from command output or by `read`.
pub fn sourced_values(text: &str) -> Vec<Sourced> {
    let model = commands(text);
    let mut out: Vec<Sourced> = model
        .assignments
        .iter()
        .filter(|a| {
            a.value
                .as_ref()
                .is_some_and(|v| v.text.contains("$(") || v.text.contains('`'))
        })
        .map(|a| Sourced {
            name: a.name.clone(),
            at: a.name_range.clone(),
            source: Source::Output,
        })
        .collect();
    for c in model.commands.iter().filter(|c| c.name() == "read") {
        for name in read_names(c) {
            out.push(Sourced {
                name: name.0,
                at: name.1,
                source: Source::Read,
            });
        }
    }
    if let Some(tree) = super::analysis::parse_tree(text) {
        walk(tree.root_node(), &mut |node| {
            let is_select = node.kind() == "for_statement"
                && node
                    .child(0)
                    .is_some_and(|k| &text[k.byte_range()] == "select");
            if let Some(var) = node.child_by_field_name("variable").filter(|_| is_select) {
                out.push(Sourced {
                    name: text[var.byte_range()].to_string(),
                    at: var.byte_range(),
                    source: Source::Select,
                });
            }
        });
    }
    out.sort_by_key(|s| s.at.start);
    out
}

/// The variables a `read` sets (`read -r -p "…" ANSWER`).
pub fn read_names(c: &Command) -> Vec<(String, Range<usize>)> {
    let mut out = Vec::new();
    let mut skip = false;
    for w in &c.args {
        if skip {
            skip = false;
            continue;
        }
        if w.text.starts_with('-') {
            // Options that take a value: -p PROMPT, -t T, -n N, -d D, -u FD, -a ARRAY, -i TEXT.
            skip = w.text.len() == 2 && "ptndNuai".contains(&w.text[1..]);
            continue;
        }
        if w.is_static
            && w.text
                .chars()
                .all(|ch| ch.is_ascii_alphanumeric() || ch == '_')
        {
            out.push((w.text.clone(), w.range.clone()));
        }
    }
    out
}

/// Is `read` waiting for a person: it prints a prompt (`-p`) or reads a
/// secret (`-s`), and its input is not given by the text (a heredoc, a
/// here-string, a pipe from `echo`)?
pub fn prompts_person(c: &Command) -> bool {
    c.name() == "read"
        && c.stdin.is_empty()
        && c.args.iter().any(|w| {
            w.text.starts_with('-')
                && !w.text.starts_with("--")
                && (w.text.contains('p') || w.text.contains('s'))
        })
}

/// Is `name` checked to be non-empty somewhere in `text` before byte
/// `before`: `${NAME:?…}`, `[ -n "$NAME" ]`, `[ -z "$NAME" ] && exit`,
/// `[[ $NAME ]]`, `test -n`, or a `case`/`if` on it that fails?
pub fn checked_non_empty(text: &str, name: &str, before: usize) -> bool {
    let analysis = super::analysis::analyse(text);
    // `${NAME:?msg}` / `${NAME?msg}`: the shell stops when it is empty.
    let expansion = analysis.uses.iter().any(|u| {
        u.name == name
            && u.range.start <= before
            // Only inside braces: `"$NAME? (yes/no)"` is a prompt's text.
            && (text[..u.range.start].ends_with("${") || text[u.range.start..].starts_with("${"))
            && (text[u.range.end..].starts_with(":?") || text[u.range.end..].starts_with('?'))
    });
    if expansion {
        return true;
    }
    let model = commands(text);
    model.commands.iter().any(|c| {
        c.range.start < before && matches!(c.name(), "[" | "test" | "[[") && mentions(c, name)
    }) || test_commands(text)
        .iter()
        .any(|(range, t)| range.start < before && mentions_text(t, name))
}

fn mentions(c: &Command, name: &str) -> bool {
    c.args.iter().any(|w| mentions_text(&w.text, name))
}

fn mentions_text(t: &str, name: &str) -> bool {
    t.contains(&format!("${name}")) || t.contains(&format!("${{{name}"))
}

/// `[[ … ]]` and `[ … ]` tests as tree-sitter sees them (`test_command`),
/// which the command model does not list as commands.
fn test_commands(text: &str) -> Vec<(Range<usize>, String)> {
    let Some(tree) = super::analysis::parse_tree(text) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    walk(tree.root_node(), &mut |n| {
        if n.kind() == "test_command" {
            out.push((n.byte_range(), text[n.byte_range()].to_string()));
        }
    });
    out
}

/// Commands of `text` that never end on their own: what they are, and the
/// word that says so.
pub fn endless(c: &Command) -> Option<(&'static str, Range<usize>)> {
    let has = |opts: &[&str]| opts.iter().any(|o| c.has_option(o));
    // The subcommand as any word, not the first one: global options with
    // values come before it (`kubectl --context "$C" -n "$NS" logs -f …`).
    let sub_is = |names: &[&str]| c.args.iter().any(|a| names.contains(&a.text.as_str()));
    let what = match c.name() {
        "watch" => "`watch` repeats until interrupted",
        "tail" if has(&["-f", "-F", "--follow"]) => "`tail -f` follows the file forever",
        "journalctl" if has(&["-f", "--follow"]) => "`journalctl -f` follows the journal forever",
        "kubectl" | "oc" if sub_is(&["logs"]) && has(&["-f", "--follow"]) => {
            "`kubectl logs -f` follows the log forever"
        }
        "kubectl" | "oc" if has(&["-w", "--watch", "--watch-only"]) => {
            "`kubectl … --watch` watches forever"
        }
        "kubectl" | "oc" if sub_is(&["port-forward", "proxy"]) => {
            "`kubectl port-forward` runs until stopped"
        }
        "docker" | "podman" if sub_is(&["logs"]) && has(&["-f", "--follow"]) => {
            "`docker logs -f` follows the log forever"
        }
        "patronictl" if has(&["-W", "-w", "--watch"]) => {
            "`patronictl … --watch` refreshes until interrupted"
        }
        "etcdctl" if sub_is(&["watch"]) => "`etcdctl watch` watches forever",
        "ping" | "ping6" if !has(&["-c", "-w", "-W"]) => "`ping` without `-c` pings forever",
        "top" | "htop" | "iotop" if !has(&["-n", "-b"]) || c.name() == "htop" => {
            "`top` refreshes until quit"
        }
        "sleep" if c.args.iter().any(|a| a.text == "infinity") => "`sleep infinity`",
        "tcpdump" if !has(&["-c"]) => "`tcpdump` without `-c` captures forever",
        "yes" => "`yes` prints forever",
        "less" | "more" if c.stdin.is_empty() => "a pager waits for a person",
        _ => return None,
    };
    Some((what, c.name.range.clone()))
}

/// One `|` of a pipeline: the stage that writes and the stage that reads
/// what it writes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pipe {
    /// The whole stage before the `|` (a command, a loop, a group, with
    /// its redirections): the commands whose range lies inside it write.
    pub writer: Range<usize>,
    /// The stage after the `|`.
    pub reader: Range<usize>,
}

/// Every `|` of `text`, also in the shell text a wrapper runs (`ssh host
/// "patronictl list -f json | jq …"`, `bash -c '…'`); spans in `text`, as
/// the command model's. The command model itself keeps no link between
/// the stages of a pipeline: a rule that follows output into the next
/// command (RB025: JSON into `jq`) matches these ranges with its commands.
pub fn pipes(text: &str) -> Vec<Pipe> {
    let mut out = pipes_of(text);
    for c in &commands(text).commands {
        for inner in super::wrappers::unwrap(c) {
            if let super::wrappers::Inner::Script(word) = inner {
                out.extend(pipes_of(&word.text).into_iter().map(|p| Pipe {
                    writer: word.span_of(p.writer),
                    reader: word.span_of(p.reader),
                }));
            }
        }
    }
    out
}

fn pipes_of(text: &str) -> Vec<Pipe> {
    let Some(tree) = super::analysis::parse_tree(text) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    walk(tree.root_node(), &mut |node| {
        if node.kind() != "pipeline" {
            return;
        }
        let mut cursor = node.walk();
        let stages: Vec<Range<usize>> = node
            .named_children(&mut cursor)
            .filter(|n| n.kind() != "comment")
            .map(|n| n.byte_range())
            .collect();
        for pair in stages.windows(2) {
            out.push(Pipe {
                writer: pair[0].clone(),
                reader: pair[1].clone(),
            });
        }
    });
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn falls(text: &str) -> Vec<bool> {
        polls(text).iter().map(|p| p.falls_through).collect()
    }

    #[test]
    fn a_bounded_poll_with_nothing_after_falls_through() {
        let t = "for i in $(seq 1 30); do\n  pg_isready -h \"$H\" && break\n  sleep 2\ndone\necho 'failover completed'\n";
        assert_eq!(falls(t), [true]);
        let t = "i=0\nwhile [ \"$i\" -lt 10 ]; do curl -sf \"$U\" && break; sleep 1; i=$((i+1)); done\n";
        assert_eq!(falls(t), [true]);
    }

    #[test]
    fn a_poll_followed_by_a_failure_does_not() {
        let t = "for i in $(seq 1 30); do\n  pg_isready && break\n  sleep 2\ndone\npg_isready || { echo 'not up' >&2; exit 1; }\n";
        assert_eq!(falls(t), [false]);
        let t = "ok=0\nfor i in 1 2 3; do check && { ok=1; break; }; sleep 1; done\n[ \"$ok\" = 1 ] || exit 1\n";
        assert_eq!(falls(t), [false]);
        let t =
            "for i in $(seq 30); do check && break; [ \"$i\" -eq 30 ] && exit 1; sleep 2; done\n";
        assert_eq!(falls(t), [false]);
        let t = "for i in 1 2 3; do check && break; sleep 1; done || exit 1\n";
        assert_eq!(falls(t), [false]);
        // A failure later in the block, after a report.
        let t = "for i in 1 2 3; do check && break; sleep 1; done\necho \"n=$n\"\nif [ \"$n\" -lt 3 ]; then exit 1; fi\n";
        assert_eq!(falls(t), [false]);
        // The step ends with the check: its status is the step's.
        let t =
            "for i in 1 2 3; do check && break; sleep 1; done\necho \"n=$n\"\n[ \"$n\" -ge 3 ]\n";
        assert_eq!(falls(t), [false]);
    }

    #[test]
    fn loops_that_end_only_by_succeeding_are_not_polls_that_fall_through() {
        assert!(polls("until pg_isready; do sleep 1; done\n").is_empty());
        assert!(polls("while true; do check && break; sleep 1; done\n").is_empty());
        // No sleep: a loop over hosts, not a poll.
        assert!(polls("for h in a b; do ssh \"$h\" true && break; done\n").is_empty());
        // In a comment or an echo: no loop at all.
        assert!(polls("# for i in 1 2; do x && break; sleep 1; done\necho 'for i in 1; do break; sleep 1; done'\n").is_empty());
    }

    #[test]
    fn read_and_select_prompts() {
        let m = commands(
            "read -r -p 'Proceed? (yes/no) ' ans\nread -r line <<< \"$x\"\nwhile read -r l; do :; done < f\n",
        );
        let p: Vec<bool> = m
            .commands
            .iter()
            .filter(|c| c.name() == "read")
            .map(prompts_person)
            .collect();
        assert_eq!(p, [true, false, false]);
        assert_eq!(selects("select opt in a b; do break; done\n").len(), 1);
    }

    #[test]
    fn values_from_output_and_their_checks() {
        let t = "T=$(patronictl list -f json | jq -r '.[0].Member')\nX=fixed\npatronictl switchover --candidate \"$T\"\n";
        let v = sourced_values(t);
        assert_eq!(v.len(), 1);
        assert_eq!(v[0].name, "T");
        let use_at = t.rfind("$T").unwrap();
        assert!(!checked_non_empty(t, "T", use_at));
        let guarded = "T=$(x)\n[ -n \"$T\" ] || exit 1\ny \"$T\"\n";
        assert!(checked_non_empty(
            guarded,
            "T",
            guarded.rfind("$T").unwrap()
        ));
        let guarded = "T=$(x)\n: \"${T:?no candidate}\"\ny \"$T\"\n";
        assert!(checked_non_empty(
            guarded,
            "T",
            guarded.rfind("$T").unwrap()
        ));
        let guarded = "T=$(x)\nif [[ -z $T ]]; then exit 1; fi\ny \"$T\"\n";
        assert!(checked_non_empty(
            guarded,
            "T",
            guarded.rfind("$T").unwrap()
        ));
        let prompt = "T=$(x)\necho \"use $T? (yes/no)\"\ny \"$T\"\n";
        assert!(!checked_non_empty(prompt, "T", prompt.rfind("$T").unwrap()));
    }

    #[test]
    fn endless_commands() {
        let m = commands(
            "watch -n1 patronictl list\ntail -n 50 f\ntail -F f\nkubectl logs --tail=100 p\nkubectl logs -f p\nkubectl --context \"$C\" -n ns logs -f p\nping -c 3 h\nping h\netcdctl watch /k\npatronictl list -W\n",
        );
        let e: Vec<bool> = m.commands.iter().map(|c| endless(c).is_some()).collect();
        // `watch` runs `patronictl list` (the second command): that one ends.
        assert_eq!(
            e,
            [
                true, false, false, true, false, true, true, false, true, true, true
            ]
        );
    }

    #[test]
    fn pipes_pair_each_stage_with_the_next() {
        let t = "patronictl list -f json 2>/dev/null | jq '.[]' | head -1\nssh h 'curl -s x | jq .role'\n";
        let p = pipes(t);
        let shown: Vec<(&str, &str)> = p
            .iter()
            .map(|p| (&t[p.writer.clone()], &t[p.reader.clone()]))
            .collect();
        assert_eq!(
            shown,
            [
                ("patronictl list -f json 2>/dev/null", "jq '.[]'"),
                ("jq '.[]'", "head -1"),
                ("curl -s x", "jq .role"),
            ]
        );
        assert!(pipes("echo '# a | b'\n").is_empty());
    }
}
