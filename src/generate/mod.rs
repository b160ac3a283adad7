//! Generators: each turns the spec into files under the output directory.

pub mod bash;
pub mod book;
pub mod history;
pub mod manifest;
pub mod markdown;
pub mod paper;
pub mod print;
pub mod prose;
pub mod script_context;
pub mod templates;
pub mod tree_svg;
pub mod write;

use crate::semantics::Semantics;
use crate::spec::Spec;
use anyhow::Result;
use std::collections::BTreeMap;
use std::path::Path;

/// One generated file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutFile {
    pub contents: Vec<u8>,
    pub executable: bool,
}

impl OutFile {
    /// A file of `text`. The output is held in memory until it is written
    /// (atomically, all at once), so the spare capacity a rendered string
    /// grew is given back.
    pub fn text(mut text: String, executable: bool) -> OutFile {
        text.shrink_to_fit();
        OutFile {
            contents: text.into_bytes(),
            executable,
        }
    }
}

/// Everything a build writes, keyed by path relative to the output directory
/// (always with `/`). A `BTreeMap` so that output order is deterministic.
pub type Output = BTreeMap<String, OutFile>;

pub const GENERATOR: &str = concat!("rbgen ", env!("CARGO_PKG_VERSION"));

/// Run every generator.
pub fn build_output(spec: &Spec, templates: Option<&Path>) -> Result<Output> {
    let tera = templates::load(templates)?;
    let sem = Semantics::new(spec);
    sem.prefetch_for_build();
    let sem = &sem;
    // Three disjoint parts on three threads (the scheduler spreads them over
    // the cores): the scripts of even and of odd (procedure, environment)
    // pairs, and the book with the manifest. Each part fills its own map; the
    // maps are merged into one `BTreeMap`, so the output stays byte-identical.
    let (out, other) = std::thread::scope(|scope| {
        let odd = scope.spawn(|| {
            let mut part = Output::new();
            bash::generate_for(sem, &tera, &mut part, |i| i % 2 == 1).map(|()| part)
        });
        let book = scope.spawn(|| {
            let mut part = Output::new();
            book::generate(sem, &tera, &mut part)
                .and_then(|()| manifest::generate(spec, &mut part))
                .map(|()| part)
        });
        let mut out = Output::new();
        let even = bash::generate_for(sem, &tera, &mut out, |i| i % 2 == 0);
        let joined = |h: std::thread::ScopedJoinHandle<'_, Result<Output>>| {
            h.join()
                .unwrap_or_else(|_| Err(anyhow::anyhow!("generation panicked")))
        };
        let other = joined(odd).and_then(|mut a| {
            a.extend(joined(book)?);
            Ok(a)
        });
        (even.map(|()| out), other)
    });
    let mut out = out?;
    out.extend(other?);
    Ok(out)
}
