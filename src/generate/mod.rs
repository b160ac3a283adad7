//! Generators: each turns the spec into files under the output directory.

pub mod bash;
pub mod book;
pub mod manifest;
pub mod markdown;
pub mod print;
pub mod templates;
pub mod write;

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

/// Everything a build writes, keyed by path relative to the output directory
/// (always with `/`). A `BTreeMap` so that output order is deterministic.
pub type Output = BTreeMap<String, OutFile>;

pub const GENERATOR: &str = concat!("rbgen ", env!("CARGO_PKG_VERSION"));

/// Run every generator.
pub fn build_output(spec: &Spec, templates: Option<&Path>) -> Result<Output> {
    let tera = templates::load(templates)?;
    // Two halves of about equal work, one per core: the scripts of every
    // other environment on a second thread; the rest of the scripts, the
    // book and the manifest here. The outputs are disjoint maps.
    let (out, other) = std::thread::scope(|scope| {
        let second = scope.spawn(|| {
            let mut half = Output::new();
            bash::generate_for(spec, &tera, &mut half, |i| i % 2 == 1).map(|()| half)
        });
        let mut out = Output::new();
        let first = bash::generate_for(spec, &tera, &mut out, |i| i % 2 == 0)
            .and_then(|()| book::generate(spec, &tera, &mut out))
            .and_then(|()| manifest::generate(spec, &mut out));
        let other = second
            .join()
            .unwrap_or_else(|_| Err(anyhow::anyhow!("script generation panicked")));
        (first.map(|()| out), other)
    });
    let mut out = out?;
    out.extend(other?);
    Ok(out)
}
