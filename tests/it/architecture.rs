//! The invariants of ARCHITECTURE.md, checked on the source: which module
//! may import which, and no cycles between sibling modules. Imports are read
//! from `use` declarations and `crate::…`/`super::…` paths in code (comments
//! are skipped), resolved to the module file they name.

use crate::common::*;
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// A module's path from the crate root: `["lint", "rules", "shellcheck"]`.
type ModPath = Vec<String>;

/// Every module file under src/ with its path.
fn modules() -> BTreeMap<ModPath, String> {
    let src = root().join("src");
    let mut out = BTreeMap::new();
    for entry in walkdir::WalkDir::new(&src).sort_by_file_name() {
        let entry = entry.unwrap();
        let rel = entry.path().strip_prefix(&src).unwrap();
        // main.rs is the binary: it reaches the library as `rbgen::`.
        if rel.extension().is_none_or(|e| e != "rs") || rel == Path::new("main.rs") {
            continue;
        }
        let mut path: ModPath = rel
            .with_extension("")
            .components()
            .map(|c| c.as_os_str().to_string_lossy().into_owned())
            .collect();
        if matches!(path.last().map(String::as_str), Some("mod" | "lib")) {
            path.pop();
        }
        out.insert(path, std::fs::read_to_string(entry.path()).unwrap());
    }
    out
}

/// Code without comments, string and character literals (a doc comment, a
/// URL in a message or `'"'` mentioning `crate::x` is not an import).
fn code_of(text: &str) -> String {
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let next = chars.get(i + 1).copied();
        if c == '/' && next == Some('/') {
            // A line comment: to the end of the line.
            while i < chars.len() && chars[i] != '\n' {
                i += 1;
            }
        } else if c == '/' && next == Some('*') {
            i += 2;
            while i + 1 < chars.len() && !(chars[i] == '*' && chars[i + 1] == '/') {
                i += 1;
            }
            i += 2;
        } else if c == '"' {
            // A string: to the closing quote, escapes skipped.
            i += 1;
            while i < chars.len() && chars[i] != '"' {
                i += if chars[i] == '\\' { 2 } else { 1 };
            }
            i += 1;
            out.push_str("\"\"");
        } else if c == 'r'
            && (next == Some('"') || next == Some('#'))
            && !chars
                .get(i.wrapping_sub(1))
                .is_some_and(|p| p.is_alphanumeric() || *p == '_')
        {
            // A raw string r"…" or r#"…"#.
            let mut hashes = 0;
            let mut k = i + 1;
            while chars.get(k) == Some(&'#') {
                hashes += 1;
                k += 1;
            }
            if chars.get(k) != Some(&'"') {
                out.push(c);
                i += 1;
                continue;
            }
            k += 1;
            'raw: while k < chars.len() {
                if chars[k] == '"' && (1..=hashes).all(|h| chars.get(k + h) == Some(&'#')) {
                    k += 1 + hashes;
                    break 'raw;
                }
                k += 1;
            }
            i = k;
            out.push_str("\"\"");
        } else if c == '\''
            && (chars.get(i + 2) == Some(&'\'')
                || (next == Some('\\') && chars.get(i + 3) == Some(&'\'')))
        {
            // A character literal ('"', '\n'); lifetimes are left alone.
            i += if next == Some('\\') { 4 } else { 3 };
        } else {
            out.push(c);
            i += 1;
        }
    }
    out
}

/// `crate::a::{b, c::d}` → `crate::a::b`, `crate::a::c::d`.
fn expand(tree: &str) -> Vec<String> {
    let tree = tree.trim();
    let Some(open) = tree.find('{') else {
        return vec![tree.to_string()];
    };
    let prefix = &tree[..open];
    let inner = &tree[open + 1..tree.rfind('}').unwrap_or(tree.len())];
    let mut parts = Vec::new();
    let (mut depth, mut start) = (0, 0);
    for (i, c) in inner.char_indices() {
        match c {
            '{' => depth += 1,
            '}' => depth -= 1,
            ',' if depth == 0 => {
                parts.push(&inner[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    parts.push(&inner[start..]);
    parts
        .into_iter()
        .filter(|p| !p.trim().is_empty())
        .flat_map(|p| expand(&format!("{prefix}{}", p.trim())))
        .collect()
}

/// The module files `module` imports.
fn imports(module: &ModPath, text: &str, all: &BTreeMap<ModPath, String>) -> BTreeSet<ModPath> {
    let code = code_of(text);
    let mut paths: Vec<String> = Vec::new();
    let use_re = regex::Regex::new(r"(?s)\buse\s+([^;]+);").unwrap();
    for c in use_re.captures_iter(&code) {
        paths.extend(expand(&c[1]));
    }
    let inline = regex::Regex::new(r"\b(crate|super)(::[A-Za-z_][A-Za-z0-9_]*)+").unwrap();
    paths.extend(inline.find_iter(&code).map(|m| m.as_str().to_string()));
    let is_dir = |m: &ModPath| all.keys().any(|k| k.len() > m.len() && k.starts_with(m));
    let mut out = BTreeSet::new();
    for p in paths {
        let segs: Vec<&str> = p.split("::").map(str::trim).collect();
        // `super` of a file module is its parent; of a directory module
        // (`x/mod.rs`), the parent of that directory.
        let mut base: ModPath = match segs[0] {
            "crate" => Vec::new(),
            "super" | "self" => {
                let mut b = module.clone();
                if segs[0] == "super" {
                    b.pop();
                }
                b
            }
            _ => continue,
        };
        let mut rest = &segs[1..];
        while rest.first() == Some(&"super") {
            base.pop();
            rest = &rest[1..];
        }
        let mut target = base.clone();
        let mut best = None;
        for s in rest {
            target.push(s.to_string());
            if all.contains_key(&target) {
                best = Some(target.clone());
            }
        }
        if let Some(t) = best.or_else(|| all.contains_key(&base).then_some(base))
            && &t != module
            && !module.starts_with(&t)
            && !(t.len() > module.len() && t.starts_with(module) && is_dir(module))
        {
            out.insert(t);
        }
    }
    out
}

fn graph() -> BTreeMap<ModPath, BTreeSet<ModPath>> {
    let all = modules();
    all.iter()
        .map(|(m, text)| (m.clone(), imports(m, text, &all)))
        .collect()
}

/// The layer of each top-level module: a module may import only modules of
/// a lower layer, or of its own layer when listed in `SAME_LAYER`.
const LAYERS: &[(&str, u8)] = &[
    ("source", 0),
    ("diagnostic", 0),
    ("git", 0),
    ("example", 0),
    ("spec", 1),
    ("shell", 1),
    ("semantics", 2),
    ("lint", 3),
    ("diff", 3),
    ("generate", 3),
    ("pdf", 4),
    ("drill_report", 4),
    ("init", 4),
    ("import", 4),
    ("cli", 5),
];

/// Imports within a layer that are part of the design.
const SAME_LAYER: &[(&str, &str)] = &[
    ("diagnostic", "source"), // a diagnostic points into a source file
    ("spec", "shell"),        // validation parses `when` tests and bodies
    ("import", "init"),       // an import that starts a project writes init's files
];

fn layer(m: &str) -> u8 {
    LAYERS
        .iter()
        .find(|(n, _)| *n == m)
        .map(|(_, l)| *l)
        .unwrap_or_else(|| {
            panic!("module `{m}` has no layer: add it to LAYERS and ARCHITECTURE.md")
        })
}

#[test]
fn modules_import_only_lower_layers() {
    let mut wrong = Vec::new();
    for (m, deps) in graph() {
        let Some(top) = m.first() else { continue };
        for d in deps {
            let Some(dtop) = d.first() else { continue };
            if dtop == top {
                continue;
            }
            let allowed =
                layer(dtop) < layer(top) || SAME_LAYER.contains(&(top.as_str(), dtop.as_str()));
            if !allowed {
                wrong.push(format!("{} imports {}", m.join("::"), d.join("::")));
            }
        }
    }
    assert!(
        wrong.is_empty(),
        "imports against the layers of ARCHITECTURE.md:\n{}",
        wrong.join("\n")
    );
}

#[test]
fn lint_diff_and_generate_never_import_each_other() {
    // Implied by the layers, said on its own because it is the rule most
    // likely to be bent: consumers share facts through `semantics`.
    let consumers = ["lint", "diff", "generate"];
    for (m, deps) in graph() {
        let Some(top) = m.first() else { continue };
        if !consumers.contains(&top.as_str()) {
            continue;
        }
        for d in deps {
            let dtop = d.first().map(String::as_str).unwrap_or("");
            assert!(
                dtop == top || !consumers.contains(&dtop),
                "{} imports {}: move what both need into semantics",
                m.join("::"),
                d.join("::")
            );
        }
    }
}

/// Sibling modules (files of one directory, and the top-level modules) import
/// each other in one direction only.
#[test]
fn no_cycles_between_sibling_modules() {
    let g = graph();
    // Edges collapsed to siblings: a → b when something in a imports
    // something in b, a and b children of the same parent.
    let mut siblings: BTreeMap<ModPath, BTreeSet<ModPath>> = BTreeMap::new();
    for (m, deps) in &g {
        for d in deps {
            let common = m.iter().zip(d).take_while(|(a, b)| a == b).count();
            if common >= m.len() || common >= d.len() {
                continue; // parent and child: `mod.rs` re-exports its own
            }
            let a = m[..=common].to_vec();
            let b = d[..=common].to_vec();
            siblings.entry(a).or_default().insert(b);
        }
    }
    let mut cycles = Vec::new();
    for start in siblings.keys() {
        // Depth-first search for a path back to `start`.
        let mut stack = vec![(start.clone(), vec![start.clone()])];
        let mut seen = BTreeSet::new();
        while let Some((node, path)) = stack.pop() {
            for next in siblings.get(&node).into_iter().flatten() {
                if next == start {
                    let names: Vec<String> = path.iter().map(|p| p.join("::")).collect();
                    cycles.push(format!("{} → {}", names.join(" → "), start.join("::")));
                } else if seen.insert(next.clone()) {
                    let mut p = path.clone();
                    p.push(next.clone());
                    stack.push((next.clone(), p));
                }
            }
        }
    }
    assert!(cycles.is_empty(), "import cycles:\n{}", cycles.join("\n"));
}

/// Paths in strings, comments and character literals are not imports; a
/// path after them on the same line is.
#[test]
fn the_reader_skips_literals_and_comments_only() {
    let code = code_of(
        "let q = '\"'; use crate::a::b; // crate::c\nx(\"https://x\", crate::d::e); /* crate::f */ r#\"crate::g\"#",
    );
    assert!(
        code.contains("crate::a::b") && code.contains("crate::d::e"),
        "{code}"
    );
    assert!(
        !code.contains("crate::c") && !code.contains("crate::f") && !code.contains("crate::g"),
        "{code}"
    );
}

/// The reader of the layer test: the graph sees a known import, so a parser
/// that found nothing cannot pass the tests above.
#[test]
fn the_import_graph_sees_known_imports() {
    let g = graph();
    let of = |m: &str| g[&m.split("::").map(str::to_string).collect::<ModPath>()].clone();
    let has =
        |m: &str, d: &str| of(m).contains(&d.split("::").map(str::to_string).collect::<ModPath>());
    assert!(has("lint::rules::undefined_variable", "semantics"));
    assert!(has("shell::command", "shell::wrappers"));
    assert!(has("shell::wrappers", "shell::model"));
    assert!(has("cli", "generate"));
    assert!(!has("shell::wrappers", "shell::command"));
    assert!(Path::new(&root().join("ARCHITECTURE.md")).exists());
}
