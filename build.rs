//! Embeds the example spec (`spec/`) and the starter spec
//! (`templates/starter/spec/`) so that `rbgen init` can write them.

use std::fmt::Write as _;
use std::path::Path;

fn main() {
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut code = String::new();
    for (name, doc, dir) in [
        (
            "EXAMPLE_SPEC",
            "The example spec (Patroni multi-region)",
            "spec",
        ),
        (
            "STARTER_SPEC",
            "The starter spec of `rbgen init`",
            "templates/starter/spec",
        ),
    ] {
        println!("cargo:rerun-if-changed={dir}");
        let root = manifest.join(dir);
        let mut files = Vec::new();
        collect(&root, &root, &mut files);
        files.sort();
        writeln!(
            code,
            "/// {doc}: (path relative to the spec directory, contents).\npub const {name}: &[(&str, &str)] = &["
        )
        .unwrap();
        for rel in &files {
            let abs = root.join(rel);
            println!("cargo:rerun-if-changed={}", abs.display());
            writeln!(
                code,
                "    ({rel:?}, include_str!({:?})),",
                abs.display().to_string()
            )
            .unwrap();
        }
        code.push_str("];\n");
    }
    let out = Path::new(&std::env::var("OUT_DIR").unwrap()).join("example_spec.rs");
    std::fs::write(out, code).unwrap();
}

fn collect(root: &Path, dir: &Path, files: &mut Vec<String>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            collect(root, &path, files);
        } else if path.extension().is_some_and(|e| e == "toml") {
            files.push(
                path.strip_prefix(root)
                    .unwrap()
                    .to_string_lossy()
                    .into_owned(),
            );
        }
    }
}
