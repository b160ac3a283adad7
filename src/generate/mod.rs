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
    let mut out = Output::new();
    bash::generate(spec, &tera, &mut out)?;
    book::generate(spec, &tera, &mut out)?;
    manifest::generate(spec, &mut out)?;
    Ok(out)
}
