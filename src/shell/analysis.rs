//! Variable uses and definitions in a piece of bash, with exact byte ranges.
//!
//! Only expansions bash performs locally count as uses: single-quoted text
//! (awk programs), quoted heredocs and `\$` (evaluated later, on a remote host)
//! contain no `variable_name` nodes in tree-sitter-bash's tree, so they are
//! skipped without special cases.

use std::ops::Range;
use tree_sitter::{Node, Parser};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VarUse {
    pub name: String,
    /// Byte range of the name in the analysed text.
    pub range: Range<usize>,
    /// `${X:-d}`, `${X-d}`, `${X:=d}`, `${X:+a}`, `${X:?msg}`: the script
    /// states what happens when X is unset, so an undefined X is not a bug.
    pub guarded: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VarDef {
    pub name: String,
    pub range: Range<usize>,
}

#[derive(Debug, Default, Clone)]
pub struct Analysis {
    pub uses: Vec<VarUse>,
    pub defs: Vec<VarDef>,
    /// Names of commands run (first word of each simple command).
    pub commands: Vec<(String, Range<usize>)>,
    /// Each simple command: its name and the byte range of the whole command.
    pub invocations: Vec<(String, Range<usize>)>,
    /// Functions defined by the text itself.
    pub functions: Vec<String>,
    /// Byte ranges tree-sitter could not parse.
    pub syntax_errors: Vec<Range<usize>>,
}

impl Analysis {
    /// Is `name` defined in this text before byte `offset`?
    pub fn defined_before(&self, name: &str, offset: usize) -> bool {
        self.defs
            .iter()
            .any(|d| d.name == name && d.range.start < offset)
    }

    /// Names used (deduplicated, first-use order).
    pub fn used_names(&self) -> Vec<&str> {
        let mut out: Vec<&str> = Vec::new();
        for u in &self.uses {
            if !out.contains(&u.name.as_str()) {
                out.push(&u.name);
            }
        }
        out
    }
}

thread_local! {
    static PARSER: std::cell::RefCell<Parser> = std::cell::RefCell::new({
        let mut parser = Parser::new();
        parser
            .set_language(&tree_sitter_bash::LANGUAGE.into())
            .expect("the bundled bash grammar matches the tree-sitter version");
        parser
    });
}

/// Runbook text is analysed by the generator for every environment (on
/// several threads) and by several lint rules: parse each distinct text once.
static CACHE: std::sync::LazyLock<
    std::sync::Mutex<std::collections::HashMap<String, std::sync::Arc<Analysis>>>,
> = std::sync::LazyLock::new(Default::default);

/// Parse `text` (once per distinct text) and collect variable uses and definitions.
pub fn analyse(text: &str) -> std::sync::Arc<Analysis> {
    let cached = CACHE.lock().ok().and_then(|c| c.get(text).cloned());
    if let Some(hit) = cached {
        return hit;
    }
    let analysis = std::sync::Arc::new(analyse_tree(text, shared_tree(text)));
    if let Ok(mut c) = CACHE.lock() {
        c.insert(text.to_string(), analysis.clone());
    }
    analysis
}

/// The tree-sitter tree of `text`, from this thread's parser.
pub(crate) fn parse_tree(text: &str) -> Option<tree_sitter::Tree> {
    PARSER.with(|p| p.borrow_mut().parse(text, None))
}

/// The tree of a text both the variable analysis and the command model read
/// (every step and function body): parsed once, shared (a tree clones by
/// reference count).
type TreeCache = std::sync::Mutex<std::collections::HashMap<String, tree_sitter::Tree>>;
static TREES: std::sync::LazyLock<TreeCache> = std::sync::LazyLock::new(Default::default);

/// Drop the parse trees kept for sharing between the variable analysis and
/// the command model: once both are cached for every text a run reads, the
/// trees are only memory.
pub fn release_trees() {
    if let Ok(mut c) = TREES.lock() {
        *c = Default::default();
    }
}

pub(crate) fn shared_tree(text: &str) -> Option<tree_sitter::Tree> {
    if let Some(hit) = TREES.lock().ok().and_then(|c| c.get(text).cloned()) {
        return Some(hit);
    }
    let tree = parse_tree(text)?;
    if let Ok(mut c) = TREES.lock() {
        c.insert(text.to_string(), tree.clone());
    }
    Some(tree)
}

/// Parse without the cache (fuzzing, one-off texts).
pub fn analyse_uncached(text: &str) -> Analysis {
    analyse_tree(text, parse_tree(text))
}

fn analyse_tree(text: &str, tree: Option<tree_sitter::Tree>) -> Analysis {
    let mut out = Analysis::default();
    let Some(tree) = tree else {
        out.syntax_errors.push(0..text.len());
        return out;
    };
    visit(tree.root_node(), &[], text, &mut out);
    out.uses.sort_by_key(|u| u.range.start);
    out.defs.sort_by_key(|d| d.range.start);
    out
}

/// Walk the tree carrying the chain of ancestors: tree-sitter's
/// `Node::parent()` searches down from the root on every call, which made
/// analysis quadratic in the depth of the text.
fn visit<'t>(node: Node<'t>, ancestors: &[Node<'t>], src: &str, out: &mut Analysis) {
    if node.is_error() || node.is_missing() {
        out.syntax_errors.push(node.byte_range());
    }
    match node.kind() {
        "variable_name" => classify_variable(node, ancestors, src, out),
        "heredoc_content" => heredoc_content(node, ancestors, src, out),
        "command" => command(node, src, out),
        "function_definition" => {
            if let Some(name) = node.child_by_field_name("name") {
                out.functions.push(src[name.byte_range()].to_string());
            }
        }
        _ => {}
    }
    let mut chain = ancestors.to_vec();
    chain.push(node);
    let mut cursor = node.walk();
    for child in node.children(&mut cursor) {
        visit(child, &chain, src, out);
    }
}

/// Text of an unquoted heredoc that tree-sitter-bash left unparsed.
///
/// The grammar's scanner gives up on expansions after a quote that is
/// followed by a line break (`'${A}' AS x,⏎ ${B} AS y` leaves `${B}` in a
/// `heredoc_content` node), though bash expands them. Parsed content never
/// holds a `$` expansion, so reading `$NAME` and `${NAME…}` here only adds
/// what the grammar missed.
fn heredoc_content(node: Node, ancestors: &[Node], src: &str, out: &mut Analysis) {
    let quoted = ancestors
        .iter()
        .rev()
        .find(|a| a.kind() == "heredoc_redirect")
        .is_some_and(|r| {
            let mut cursor = r.walk();
            let quoted = r
                .children(&mut cursor)
                .find(|c| c.kind() == "heredoc_start")
                .is_some_and(|s| src[s.byte_range()].contains(['\'', '"', '\\']));
            quoted
        });
    if quoted {
        return;
    }
    let start = node.start_byte();
    let text = &src[node.byte_range()];
    let bytes = text.as_bytes();
    let ident = |from: usize| {
        let len = text[from..]
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
            .unwrap_or(text.len() - from);
        (len > 0 && !bytes[from].is_ascii_digit()).then_some(from..from + len)
    };
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'\\' => i += 2,
            b'$' if bytes.get(i + 1) == Some(&b'{') => {
                if let Some(r) = ident(i + 2) {
                    let guarded =
                        matches!(bytes.get(r.end), Some(b':' | b'-' | b'=' | b'+' | b'?'));
                    out.uses.push(VarUse {
                        name: text[r.clone()].to_string(),
                        range: start + r.start..start + r.end,
                        guarded,
                    });
                    i = r.end;
                } else {
                    i += 2;
                }
            }
            b'$' => {
                if let Some(r) = ident(i + 1) {
                    out.uses.push(VarUse {
                        name: text[r.clone()].to_string(),
                        range: start + r.start..start + r.end,
                        guarded: false,
                    });
                    i = r.end;
                } else {
                    i += 1;
                }
            }
            _ => i += 1,
        }
    }
}

/// A `variable_name` node is a definition or a use, depending on its parent.
fn classify_variable(node: Node, ancestors: &[Node], src: &str, out: &mut Analysis) {
    let name = src[node.byte_range()].to_string();
    if name.chars().all(|c| c.is_ascii_digit()) {
        return; // positional parameter
    }
    let parent = ancestors.last().copied();
    let is_def = match parent.map(|p| p.kind()) {
        Some("variable_assignment") => parent.and_then(|p| p.child(0)) == Some(node),
        Some("for_statement") => {
            parent.and_then(|p| p.child_by_field_name("variable")) == Some(node)
        }
        // `local X`, `declare -a X`, `export X`, `readonly X`
        Some("declaration_command") => true,
        // `unset X` names a variable without expanding it.
        Some("unset_command") => true,
        _ => false,
    };
    if is_def {
        out.defs.push(VarDef {
            name,
            range: node.byte_range(),
        });
        return;
    }
    // In `${ARR[@]}` the name sits in a subscript inside the expansion.
    let mut expansion = parent;
    if expansion.is_some_and(|p| p.kind() == "subscript") {
        expansion = ancestors.len().checked_sub(2).map(|i| ancestors[i]);
    }
    let guarded = expansion.is_some_and(|p| {
        p.kind() == "expansion" && {
            let mut cursor = p.walk();
            let guarded = p
                .children(&mut cursor)
                .any(|c| matches!(c.kind(), ":-" | "-" | ":=" | "=" | ":+" | "+" | ":?" | "?"));
            guarded
        }
    });
    // `: "${X:=default}"` assigns X when it is unset: later uses are defined.
    let assigns = expansion.is_some_and(|p| {
        p.kind() == "expansion"
            && p.child_by_field_name("operator")
                .is_some_and(|op| matches!(op.kind(), ":=" | "="))
    });
    if assigns {
        out.defs.push(VarDef {
            name: name.clone(),
            range: node.byte_range(),
        });
    }
    out.uses.push(VarUse {
        name,
        range: node.byte_range(),
        guarded,
    });
}

/// `read`, `mapfile`, `printf -v` define variables through plain words.
fn command(node: Node, src: &str, out: &mut Analysis) {
    let Some(name_node) = node.child_by_field_name("name") else {
        return;
    };
    let name = src[name_node.byte_range()].to_string();
    out.commands.push((name.clone(), name_node.byte_range()));
    out.invocations.push((name.clone(), node.byte_range()));
    let mut cursor = node.walk();
    let args: Vec<Node> = node
        .children_by_field_name("argument", &mut cursor)
        .collect();
    let word = |n: &Node| (n.kind() == "word").then(|| &src[n.byte_range()]);
    // `exec {LOCK_FD}>file`: bash puts the new descriptor's number in LOCK_FD.
    for a in &args {
        let text = &src[a.byte_range()];
        if let Some(inner) = text.strip_prefix('{').and_then(|t| t.strip_suffix('}')) {
            let is_name = !inner.is_empty()
                && inner.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
                && !inner.starts_with(|c: char| c.is_ascii_digit());
            if is_name
                && a.next_sibling()
                    .is_none_or(|n| n.kind().ends_with("redirect"))
            {
                out.defs.push(VarDef {
                    name: inner.to_string(),
                    range: a.start_byte() + 1..a.end_byte() - 1,
                });
            }
        }
    }
    match name.as_str() {
        "read" => {
            let mut skip_next = false;
            for arg in &args {
                if skip_next {
                    skip_next = false;
                    continue;
                }
                let Some(w) = word(arg) else { continue };
                if w.starts_with('-') {
                    // Options that take a value; `-a NAME` defines an array.
                    if w == "-a" {
                        continue;
                    }
                    skip_next = matches!(w, "-p" | "-d" | "-t" | "-n" | "-N" | "-u" | "-i");
                    continue;
                }
                out.defs.push(VarDef {
                    name: w.to_string(),
                    range: arg.byte_range(),
                });
            }
        }
        "mapfile" | "readarray" => {
            if let Some(last) = args
                .last()
                .filter(|a| word(a).is_some_and(|w| !w.starts_with('-')))
            {
                out.defs.push(VarDef {
                    name: src[last.byte_range()].to_string(),
                    range: last.byte_range(),
                });
            }
        }
        // `getopts ":n:" opt`: the second operand is the variable.
        "getopts" => {
            if let Some(v) = args.get(1).filter(|a| word(a).is_some()) {
                out.defs.push(VarDef {
                    name: src[v.byte_range()].to_string(),
                    range: v.byte_range(),
                });
            }
        }
        // `let CNT=1 N+=2`
        "let" => {
            for a in &args {
                let text = &src[a.byte_range()];
                let name: String = text
                    .chars()
                    .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                    .collect();
                if !name.is_empty()
                    && text[name.len()..]
                        .trim_start_matches(['+', '-', '*', '/'])
                        .starts_with('=')
                {
                    out.defs.push(VarDef {
                        name,
                        range: a.start_byte()
                            ..a.start_byte() + text.len().min(a.byte_range().len()),
                    });
                }
            }
        }
        "printf" => {
            if let Some(i) = args.iter().position(|a| word(a) == Some("-v")) {
                if let Some(v) = args.get(i + 1) {
                    out.defs.push(VarDef {
                        name: src[v.byte_range()].to_string(),
                        range: v.byte_range(),
                    });
                }
            }
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn uses(text: &str) -> Vec<String> {
        analyse(text).uses.iter().map(|u| u.name.clone()).collect()
    }

    #[test]
    fn single_quotes_escaped_dollars_and_quoted_heredocs_are_not_uses() {
        assert!(uses("awk '{print $4}'").is_empty());
        assert!(uses("ssh h \"kill -9 \\$(pgrep -f patroni)\"").is_empty());
        assert!(uses("cat <<'EOF'\n$X\nEOF\n").is_empty());
        assert_eq!(uses("cat <<EOF\n$X\nEOF\n"), ["X"]);
    }

    #[test]
    fn finds_uses_in_arithmetic_and_defaults() {
        let a = analyse("echo $((END - START)) ${X:-d}");
        let names: Vec<_> = a
            .uses
            .iter()
            .map(|u| (u.name.as_str(), u.guarded))
            .collect();
        assert_eq!(names, [("END", false), ("START", false), ("X", true)]);
    }

    #[test]
    fn definitions_from_assignment_for_local_and_read() {
        let a =
            analyse("A=1\nfor N in x; do local B; done\nread -r -p 'q' C D\nprintf -v E '%s' 1");
        let defs: Vec<_> = a.defs.iter().map(|d| d.name.as_str()).collect();
        assert_eq!(defs, ["A", "N", "B", "C", "D", "E"]);
    }

    #[test]
    fn heredoc_expansions_the_grammar_leaves_unparsed() {
        let text = "psql <<EOF\nSELECT '${A}' AS a,\n       ${B} AS b, \\$C;\nEOF\n";
        let a = analyse(text);
        let names: Vec<_> = a
            .uses
            .iter()
            .map(|u| (u.name.as_str(), &text[u.range.clone()]))
            .collect();
        assert_eq!(names, [("A", "A"), ("B", "B")]);
        assert!(
            analyse("psql <<'EOF'\nSELECT '${A}' AS a,\n       ${B};\nEOF\n")
                .uses
                .is_empty()
        );
    }

    #[test]
    fn named_descriptors_getopts_and_let_define() {
        let a = analyse(
            "exec {LOCK_FD}>/var/lock/x\nflock -n \"$LOCK_FD\"\nwhile getopts \":n:\" opt; do echo \"$opt\"; done\nlet CNT=1\necho \"$CNT\"",
        );
        for name in ["LOCK_FD", "opt", "CNT"] {
            let used = a.uses.iter().find(|u| u.name == name).unwrap();
            assert!(a.defined_before(name, used.range.start), "{name}");
        }
    }

    #[test]
    fn assigning_defaults_define_the_variable() {
        let a = analyse(": \"${LAGMAX:=100}\"\necho \"$LAGMAX\"");
        assert!(a.defined_before("LAGMAX", a.uses[1].range.start));
        assert!(!analyse(": \"${X:-1}\"\necho \"$X\"").defined_before("X", 20));
    }

    #[test]
    fn use_position_is_exact() {
        let text = "echo \"x $NODE\"";
        let a = analyse(text);
        assert_eq!(&text[a.uses[0].range.clone()], "NODE");
    }
}
